// What the loader refuses or stops on (issue 7, item 6): stack, env and inventory paths that
// are not regular files (refused at once, never opened for reading and waited on), files over
// the size limit, two inventory names for one engine, and an interrupted load.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>

#include "engine/load/loader.h"

namespace berth {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class LoaderLimits : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("berth-limits-" + std::to_string(getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    write("compose.yaml", "services:\n  web:\n    image: nginx\n");
    fifo_ = (dir_ / "pipe").string();
    ASSERT_EQ(mkfifo(fifo_.c_str(), 0600), 0);
    fs::create_directories(dir_ / "adir");
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // Runs f on another thread and waits at most 10 s. If it is still blocked (on the FIFO),
  // opening the FIFO's write end releases it, and the test fails instead of hanging.
  template <class F>
  Diagnostics bounded(F f) {
    auto done = std::async(std::launch::async, [f] {
      Diagnostics diag;
      f(diag);
      return diag;
    });
    if (done.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
      ADD_FAILURE() << "the loader blocked on a FIFO";
      int fd = ::open(fifo_.c_str(), O_WRONLY | O_NONBLOCK);
      if (fd >= 0) ::close(fd);
    }
    return done.get();
  }

  Diagnostics load(LoadOptions o) {
    o.working_dir = dir_.string();
    return bounded([o](Diagnostics& diag) { load_stack(o, diag); });
  }
  Diagnostics inventory(const std::string& file) {
    return bounded([file](Diagnostics& diag) { load_inventory(file, diag); });
  }

  fs::path dir_;
  std::string fifo_;
};

// The one error names the path and says what it is and what to do.
void expect_refused(const Diagnostics& diag, const std::string& path, const char* what) {
  ASSERT_EQ(diag.errors.size(), 1u) << (diag.errors.empty() ? "" : diag.errors[1].str());
  const Error& e = diag.errors.front();
  EXPECT_EQ(e.kind, ErrorKind::kInput);
  EXPECT_EQ(exit_code_for(e.kind), 1);
  EXPECT_THAT(e.str(), HasSubstr(path));
  EXPECT_THAT(e.message, HasSubstr(what));
  EXPECT_THAT(e.hint, HasSubstr("regular"));
}

TEST_F(LoaderLimits, StackFileMustBeRegular) {
  LoadOptions o;
  o.files = {fifo_};
  expect_refused(load(o), fifo_, "FIFO");
  o.files = {path("adir")};
  expect_refused(load(o), path("adir"), "a directory");
  o.files = {"/dev/null"};
  expect_refused(load(o), "/dev/null", "a device");
}

TEST_F(LoaderLimits, EnvFileMustBeRegular) {
  LoadOptions o;
  o.env_files = {fifo_};
  expect_refused(load(o), fifo_, "FIFO");
  o.env_files = {path("adir")};
  expect_refused(load(o), path("adir"), "a directory");
  o.env_files = {"/dev/null"};
  expect_refused(load(o), "/dev/null", "a device");
}

TEST_F(LoaderLimits, ServiceEnvFileMustBeRegular) {
  write("compose.yaml", "services:\n  web:\n    image: nginx\n    env_file: pipe\n");
  Diagnostics diag = load({});
  ASSERT_EQ(diag.errors.size(), 1u);
  EXPECT_THAT(diag.errors[0].message, HasSubstr("env_file 'pipe' cannot be read"));
  EXPECT_THAT(diag.errors[0].message, HasSubstr("FIFO"));
  EXPECT_EQ(diag.errors[0].location.line, 4);
}

TEST_F(LoaderLimits, DefaultDotEnvDirectoryIsSkippedAsComposeDoes) {
  fs::create_directories(dir_ / ".env");  // a Python virtualenv, say
  EXPECT_TRUE(load({}).ok());
}

TEST_F(LoaderLimits, DefaultDotEnvFifoIsRefused) {
  ASSERT_EQ(mkfifo(path(".env").c_str(), 0600), 0);
  expect_refused(load({}), path(".env"), "FIFO");
}

TEST_F(LoaderLimits, InventoryMustBeRegular) {
  expect_refused(inventory(fifo_), fifo_, "FIFO");
  expect_refused(inventory(path("adir")), path("adir"), "a directory");
  expect_refused(inventory("/dev/null"), "/dev/null", "a device");
}

TEST_F(LoaderLimits, FilesOverTheLimitAreRefusedUnread) {
  {
    std::ofstream big(dir_ / "big.yaml");
  }
  fs::resize_file(dir_ / "big.yaml", (64u << 20) + 1);  // sparse: nothing is written
  LoadOptions o;
  o.files = {path("big.yaml")};
  Diagnostics diag = load(o);
  ASSERT_EQ(diag.errors.size(), 1u);
  EXPECT_THAT(diag.errors[0].message, HasSubstr("over berth's limit of 64 MiB"));
}

TEST_F(LoaderLimits, TwoInventoryNamesForOneAddressAreNamed) {
  write("hosts.yaml",
        "hosts:\n"
        "  a:\n    address: ssh://deploy@10.0.0.5\n"
        "  b:\n    address: ssh://deploy@10.0.0.5:22\n"
        "  c:\n    address: ssh://other@10.0.0.5\n"
        "  d:\n    address: ssh://deploy@10.0.0.5\n    socket: /run/user/1000/docker.sock\n"
        "  e:\n    address: unix:///var/run/docker.sock\n"
        "  f:\n    address: unix:///var/run/../run/docker.sock\n");
  Diagnostics diag = inventory(path("hosts.yaml"));
  ASSERT_EQ(diag.errors.size(), 2u);
  EXPECT_THAT(diag.errors[0].message, HasSubstr("hosts 'a' ("));
  EXPECT_THAT(diag.errors[0].message, HasSubstr("hosts.yaml:2:3) and 'b' ("));
  EXPECT_THAT(diag.errors[0].message, HasSubstr("hosts.yaml:4:3)"));
  EXPECT_EQ(diag.errors[0].location.line, 4);
  EXPECT_THAT(diag.errors[1].message, HasSubstr("'e' ("));
  EXPECT_THAT(diag.errors[1].message, HasSubstr("'f' ("));
}

TEST_F(LoaderLimits, DistinctAddressesAreAccepted) {
  write("hosts.yaml",
        "hosts:\n"
        "  a:\n    address: ssh://deploy@10.0.0.5\n"
        "  b:\n    address: ssh://deploy@10.0.0.6\n"
        "  c:\n    address: ssh://deploy@10.0.0.5:2222\n");
  EXPECT_TRUE(inventory(path("hosts.yaml")).ok());
}

TEST_F(LoaderLimits, InterruptionStopsALoad) {
  std::string text = "services:\n";
  for (int i = 0; i < 5000; ++i)
    text += "  s" + std::to_string(i) + ":\n    image: x\n    environment: {A: b}\n";
  write("compose.yaml", text);
  auto polls = std::make_shared<std::atomic<int>>(0);
  LoadOptions o;
  o.interrupted = [polls] { return ++*polls >= 2; };  // the second poll sees the signal
  Diagnostics diag = load(o);
  ASSERT_FALSE(diag.ok());
  EXPECT_EQ(diag.errors.back().kind, ErrorKind::kInterrupted);
  EXPECT_EQ(exit_code_for(diag.errors.back().kind), 130);
  EXPECT_EQ(*polls, 2);  // and nothing polled after it

  o.interrupted = [] { return false; };
  EXPECT_TRUE(load(o).ok());
}

}  // namespace
}  // namespace berth
