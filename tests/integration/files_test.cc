// The project's files reach a remote host (docs/files.md): a relative bind mount of a file and
// of a directory, a config and a secret, applied over SSH to a lab host whose engine cannot see
// the project directory (tests/lab/lab --hide), so a bind mount of it would find nothing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "harness.h"

namespace berth::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr const char* kSecret = "correct-horse-7731";

constexpr const char* kStack = R"(name: files
services:
  web:
    image: berth-test/busybox:latest
    command: ["sleep", "1000000"]
    stop_signal: SIGKILL
    volumes:
      - ./conf/app.conf:/etc/app/app.conf:ro
      - ./html:/www
    configs:
      - source: site
        target: /etc/site.conf
    secrets: [db_password]
  other:
    image: berth-test/busybox:latest
    command: ["sleep", "1000000"]
    stop_signal: SIGKILL
    configs: [site]
configs:
  site: {file: ./conf/site.conf}
secrets:
  db_password: {file: ./secrets/db_password.txt}
)";

// Where the lab's engines see an empty tmpfs: the stack runs from below it.
std::string hidden_root() {
  return "/tmp/berth-files-hidden-" + std::to_string(getpid());
}

class RemoteFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    lab_ = &shared_lab(1, /*ssh=*/true, hidden_root());
    dir_ = hidden_root() + "/project";
    fs::remove_all(dir_);
    write("compose.yaml", kStack);
    write("conf/app.conf", "listen 80;\n");
    write("conf/site.conf", "site v1\n");
    write("html/index.html", "<h1>hello</h1>\n");
    write("secrets/db_password.txt", kSecret);
    ::chmod((dir_ + "/secrets/db_password.txt").c_str(), 0600);
  }
  void TearDown() override {
    berth({"destroy", "--yes"});
    fs::remove_all(dir_);
  }
  void write(const std::string& rel, const std::string& text) {
    fs::create_directories(fs::path(dir_ + "/" + rel).parent_path());
    write_file(dir_ + "/" + rel, text);
  }
  CommandResult berth(std::vector<std::string> args,
                      const std::map<std::string, std::string>& env = {}) {
    args.insert(args.end(), {"-i", lab_->inventory});
    for (const auto& f : lab_->ssh_flags()) args.push_back(f);
    return run_berth(args, dir_, env);
  }
  CommandResult in(const std::string& container, std::vector<std::string> cmd) {
    cmd.insert(cmd.begin(), {"exec", container});
    return docker_on(lab_->hosts[0], cmd);
  }
  std::string id_of(const std::string& container) {
    return docker_on(lab_->hosts[0], {"inspect", "-f", "{{.Id}}", container}).out;
  }
  // What should be in the containers and is not: empty when every file arrived as planned.
  std::vector<std::string> missing_files(const std::string& app_conf = "listen 80;\n") {
    struct Expect {
      std::string container, path, content, mode_owner;
    } expected[] = {
        {"files-web-1", "/etc/app/app.conf", app_conf, "444 0 0"},
        {"files-web-1", "/www/index.html", "<h1>hello</h1>\n", "644 0 0"},
        {"files-web-1", "/etc/site.conf", "site v1\n", "444 0 0"},
        {"files-web-1", "/run/secrets/db_password", kSecret, "400 0 0"},
        {"files-other-1", "/site", "site v1\n", "444 0 0"},
    };
    std::vector<std::string> missing;
    for (const Expect& e : expected) {
      CommandResult cat = in(e.container, {"cat", e.path});
      CommandResult stat = in(e.container, {"stat", "-c", "%a %u %g", e.path});
      if (cat.exit_code != 0 || cat.out != e.content || stat.out != e.mode_owner + "\n")
        missing.push_back(e.container + ":" + e.path + " [" + cat.out + cat.err + "] [" + stat.out +
                          "]");
    }
    return missing;
  }

  Lab* lab_ = nullptr;
  std::string dir_;
};

TEST_F(RemoteFiles, TheEngineCannotSeeTheProjectDirectory) {
  // What berth used to do, a bind mount of the operator's path, finds an empty directory.
  CommandResult r = docker_on(lab_->hosts[0], {"run", "--rm", "-v", dir_ + "/conf:/x",
                                               "berth-test/busybox:latest", "ls", "-A", "/x"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(RemoteFiles, FilesArriveWithTheirContentAndModes) {
  CommandResult apply = berth({"apply", "--yes"});
  ASSERT_EQ(apply.exit_code, 0) << apply.out << apply.err;
  EXPECT_THAT(missing_files(), IsEmpty());
  // Not mounted from the host: nothing of the project directory is a mount in the container.
  CommandResult mounts = in("files-web-1", {"cat", "/proc/mounts"});
  EXPECT_THAT(mounts.out, Not(HasSubstr("/etc/app")));
  EXPECT_THAT(mounts.out, Not(HasSubstr("/run/secrets")));
  CommandResult again = berth({"plan", "--detailed-exitcode"});
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
}

TEST_F(RemoteFiles, WithoutDeliveryTheFilesAreMissing) {
  // The negative control: the same checks fail when berth copies nothing.
  CommandResult apply = berth({"apply", "--yes"}, {{"BERTH_TEST_NO_FILE_DELIVERY", "1"}});
  ASSERT_EQ(apply.exit_code, 0) << apply.out << apply.err;
  EXPECT_EQ(missing_files().size(), 5u);
}

TEST_F(RemoteFiles, EditingAppConfRecreatesOnlyTheServiceThatMountsIt) {
  ASSERT_EQ(berth({"apply", "--yes"}).exit_code, 0);
  std::string web = id_of("files-web-1"), other = id_of("files-other-1");
  write("conf/app.conf", "listen 8080;\n");
  CommandResult plan = berth({"plan"});
  EXPECT_THAT(plan.out, HasSubstr("-/+ recreate files-web-1"));
  EXPECT_THAT(plan.out, HasSubstr("files./etc/app/app.conf.sha256"));
  EXPECT_THAT(plan.out, Not(HasSubstr("files-other-1")));
  CommandResult apply = berth({"apply", "--yes"});
  ASSERT_EQ(apply.exit_code, 0) << apply.out << apply.err;
  EXPECT_THAT(missing_files("listen 8080;\n"), IsEmpty());
  EXPECT_NE(id_of("files-web-1"), web);
  EXPECT_EQ(id_of("files-other-1"), other);
}

TEST_F(RemoteFiles, TheSecretAppearsNowhereButInItsFile) {
  std::string out;
  const std::vector<std::vector<std::string>> commands = {{"plan"},
                                                          {"plan", "--json"},
                                                          {"apply", "--yes"},
                                                          {"config"},
                                                          {"config", "--json"},
                                                          {"ps"},
                                                          {"plan", "--out", dir_ + "/saved.plan"}};
  for (const auto& args : commands) {
    CommandResult r = berth(args);
    EXPECT_EQ(r.exit_code, 0) << args[0] << ": " << r.out << r.err;
    out += r.out + r.err;
  }
  std::ifstream saved(dir_ + "/saved.plan");
  out += std::string(std::istreambuf_iterator<char>(saved), {});
  for (const char* c : {"files-web-1", "files-other-1"}) {
    CommandResult inspect = docker_on(lab_->hosts[0], {"inspect", c});
    ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
    out += inspect.out;
  }
  EXPECT_THAT(out, HasSubstr("/run/secrets/db_password"));
  EXPECT_THAT(out, Not(HasSubstr(kSecret)));
  EXPECT_EQ(in("files-web-1", {"cat", "/run/secrets/db_password"}).out, kSecret);
  CommandResult env = in("files-web-1", {"env"});
  EXPECT_THAT(env.out, Not(HasSubstr(kSecret)));
}

}  // namespace
}  // namespace berth::testing
