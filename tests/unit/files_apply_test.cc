// Delivery of a service's files by apply (engine/deliver_files.h) over the in-memory provider:
// one archive into the created container before it starts, with the planned modes and owners,
// and no start at all when a file changed since the plan.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "engine/apply.h"
#include "engine/deliver_files.h"
#include "engine/load/loader.h"
#include "engine/observe.h"
#include "fake_provider.h"
#include "planner/placement.h"
#include "planner/plan.h"
#include "tar_reader.h"

namespace berth {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using testing::FakeProvider;
using testing::find_item;
using ::testing::HasSubstr;
using testing::read_tar;

class Quiet : public Progress {
 public:
  void event(const Event&) override {}
};

class FilesApply : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("berth-deliver-" + std::to_string(getpid()));
    write("compose.yaml", R"(name: demo
services:
  web:
    image: busybox
    volumes: ["./conf:/etc/app:ro"]
    secrets: [{source: db, uid: "70", mode: 0440}]
secrets:
  db: {environment: DB_PASSWORD}
)");
    write("conf/app.conf", "listen 80;\n");
    write("conf/mime/types", "text/html html\n");
    Host h;
    h.name = "h1";
    fleet_.inventory.hosts.push_back(h);
    auto p = std::make_unique<FakeProvider>("h1");
    host_ = p.get();
    fleet_.providers.push_back(std::move(p));
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write(const std::string& rel, const std::string& text) {
    fs::create_directories((dir_ / rel).parent_path());
    std::ofstream(dir_ / rel) << text;
  }
  Stack load() {
    LoadOptions o;
    o.working_dir = dir_.string();
    o.environment = {{"DB_PASSWORD", "hunter2"}};
    Diagnostics diag;
    Stack s = load_stack(o, diag);
    EXPECT_TRUE(diag.ok()) << diag.errors.front().str();
    return s;
  }
  Plan plan(const Stack& s) {
    Observed observed = observe(s.name, fleet_, 1);
    return make_plan(s, observed, place(s, fleet_.inventory, observed, s.strategy));
  }
  ApplyReport apply(const Stack& s, const Plan& p) {
    Quiet quiet;
    ApplyOptions options;
    options.health_timeout = 2'000'000'000;
    return apply_plan(s, p, fleet_, options, quiet);
  }

  fs::path dir_;
  Fleet fleet_;
  FakeProvider* host_ = nullptr;
};

TEST_F(FilesApply, OneArchiveBetweenCreateAndStartWithThePlannedModes) {
  Stack s = load();
  EXPECT_TRUE(apply(s, plan(s)).ok());
  std::vector<std::string> steps;
  for (const std::string& call : host_->calls)
    if (call.find("demo-web-1") != std::string::npos) steps.push_back(call);
  EXPECT_THAT(steps,
              ElementsAre("create demo-web-1", "put_archive demo-web-1 /", "start demo-web-1"));
  auto items = read_tar(host_->archives.at("demo-web-1"));
  const auto* dir = find_item(items, "etc/app/");
  ASSERT_NE(dir, nullptr);
  EXPECT_EQ(dir->mode, 0555u);  // :ro: no write bits
  const auto* conf = find_item(items, "etc/app/app.conf");
  ASSERT_NE(conf, nullptr);
  EXPECT_EQ(conf->data, "listen 80;\n");
  EXPECT_EQ(conf->mode, 0444u);
  ASSERT_NE(find_item(items, "etc/app/mime/types"), nullptr);
  const auto* secret = find_item(items, "run/secrets/db");
  ASSERT_NE(secret, nullptr);
  EXPECT_EQ(secret->data, "hunter2");
  EXPECT_EQ(secret->mode, 0440u);
  EXPECT_EQ(secret->uid, 70);
  EXPECT_EQ(secret->gid, 0);
}

TEST_F(FilesApply, AFileChangedSinceThePlanFailsTheRunBeforeAnythingIsTouched) {
  Stack s = load();
  Plan p = plan(s);
  write("conf/app.conf", "listen 8080;\n");
  ApplyReport report = apply(s, p);
  ASSERT_FALSE(report.ok());
  ASSERT_FALSE(report.errors.empty());
  EXPECT_THAT(report.errors[0].str(), HasSubstr("conf changed since the plan was made"));
  EXPECT_EQ(report.changes_done(), 0);
  EXPECT_TRUE(host_->running().empty());
  EXPECT_EQ(host_->archives.count("demo-web-1"), 0u);
  EXPECT_TRUE(host_->containers.empty());
  EXPECT_TRUE(host_->networks.empty());
}

TEST_F(FilesApply, VerifyFilesNamesTheFileChangedSinceThePlan) {
  Stack s = load();
  EXPECT_TRUE(verify_files(s).ok());
  write("conf/mime/types", "text/css css\n");
  Status st = verify_files(s);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.error().str(), HasSubstr("compose.yaml:5:15: service web: conf changed since"));
}

TEST_F(FilesApply, EditingAFileRecreatesTheReplicaThatUsesIt) {
  Stack s = load();
  EXPECT_TRUE(apply(s, plan(s)).ok());
  EXPECT_FALSE(plan(load()).has_changes());
  write("conf/mime/types", "text/css css\n");
  Plan edited = plan(load());
  ASSERT_EQ(edited.changes.size(), 1u);
  EXPECT_EQ(edited.changes[0].action, Action::kRecreate);
  ASSERT_EQ(edited.changes[0].fields.size(), 1u);
  EXPECT_EQ(edited.changes[0].fields[0].path, "files./etc/app.sha256");
}

}  // namespace
}  // namespace berth
