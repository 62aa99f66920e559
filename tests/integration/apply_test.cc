// berth on one real Docker engine (issue 2): plan, apply, idempotence, recreate, scale, ps,
// logs, destroy, saved plans, bad input. The harness starts its own dockerd in a network
// namespace and builds the busybox test image there.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "harness.h"

namespace berth::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kStack = R"(name: itest
services:
  db:
    image: berth-test/busybox:latest
    command: ["sh", "-c", "echo db ready; touch /tmp/ok; exec sleep 1000000"]
    stop_signal: SIGKILL
    environment:
      DB_PASSWORD: hunter2
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ok"]
      interval: 1s
      retries: 30
    volumes:
      - data:/data
  web:
    image: berth-test/busybox:latest
    command: ["sh", "-c", "echo web up; exec sleep 1000000"]
    stop_signal: SIGKILL
    environment:
      GREETING: ${GREETING:-hello}
    depends_on:
      db:
        condition: service_healthy
    deploy:
      replicas: 2
volumes:
  data: {}
)";

class SingleEngine : public ::testing::Test {
 protected:
  void SetUp() override {
    lab_ = &shared_lab(1, /*ssh=*/false);
    dir_ = temp_dir();
    write_file(dir_ + "/compose.yaml", kStack);
  }
  void TearDown() override { berth({"destroy", "--yes", "--volumes"}); }

  CommandResult berth(std::vector<std::string> args,
                      const std::map<std::string, std::string>& env = {}) {
    args.insert(args.end(), {"-i", lab_->inventory});
    return run_berth(args, dir_, env);
  }
  std::string containers() {
    return docker_on(lab_->hosts[0], {"ps", "-a", "--format", "{{.Names}} {{.State}}",
                                      "--filter", "label=io.berth.stack=itest"})
        .out;
  }

  Lab* lab_ = nullptr;
  std::string dir_;
};

TEST_F(SingleEngine, ApplyCreatesInDependencyOrderAndSecondPlanIsEmpty) {
  CommandResult plan = berth({"plan", "--detailed-exitcode"});
  EXPECT_EQ(plan.exit_code, 2) << plan.err;
  EXPECT_THAT(plan.out, HasSubstr("+ create itest-web-2"));
  EXPECT_THAT(plan.out, HasSubstr("Plan: 3 to create"));

  CommandResult apply = berth({"apply", "--yes"});
  ASSERT_EQ(apply.exit_code, 0) << apply.out << apply.err;
  EXPECT_THAT(containers(), HasSubstr("itest-db-1 running"));
  EXPECT_THAT(containers(), HasSubstr("itest-web-1 running"));
  EXPECT_THAT(containers(), HasSubstr("itest-web-2 running"));
  // web waited for db's health check: db was healthy before web was created.
  auto db_health = docker_on(lab_->hosts[0], {"inspect", "-f", "{{.State.Health.Status}}",
                                              "itest-db-1"});
  EXPECT_THAT(db_health.out, HasSubstr("healthy"));

  CommandResult again = berth({"plan", "--detailed-exitcode"});
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_THAT(again.out, HasSubstr("No changes"));
}

TEST_F(SingleEngine, ChangedEnvironmentRecreatesNamingTheFieldAndMasksSecrets) {
  ASSERT_EQ(berth({"apply", "--yes"}).exit_code, 0);
  CommandResult plan = berth({"plan", "--detailed-exitcode"}, {{"GREETING", "bonjour"}});
  EXPECT_EQ(plan.exit_code, 2);
  EXPECT_THAT(plan.out, HasSubstr("-/+ recreate itest-web-1"));
  EXPECT_THAT(plan.out, HasSubstr("environment.GREETING"));
  EXPECT_THAT(plan.out, HasSubstr("bonjour"));
  EXPECT_THAT(plan.out, Not(HasSubstr("itest-db-1")));

  CommandResult json = berth({"plan", "--json"}, {{"GREETING", "bonjour"}});
  auto doc = nlohmann::json::parse(json.out);
  EXPECT_EQ(doc["summary"]["recreate"], 2);
  EXPECT_THAT(json.out, Not(HasSubstr("hunter2")));

  ASSERT_EQ(berth({"apply", "--yes"}, {{"GREETING", "bonjour"}}).exit_code, 0);
  auto env = docker_on(lab_->hosts[0], {"inspect", "-f", "{{.Config.Env}}", "itest-web-1"});
  EXPECT_THAT(env.out, HasSubstr("GREETING=bonjour"));
  EXPECT_EQ(berth({"plan", "--detailed-exitcode"}, {{"GREETING", "bonjour"}}).exit_code, 0);
}

TEST_F(SingleEngine, ScaleDownRemovesTheHighestSlot) {
  ASSERT_EQ(berth({"apply", "--yes"}).exit_code, 0);
  std::string one = std::string(kStack);
  one.replace(one.find("replicas: 2"), 11, "replicas: 1");
  write_file(dir_ + "/compose.yaml", one);
  CommandResult plan = berth({"plan"});
  EXPECT_THAT(plan.out, HasSubstr("- remove itest-web-2"));
  ASSERT_EQ(berth({"apply", "--yes"}).exit_code, 0);
  EXPECT_THAT(containers(), Not(HasSubstr("itest-web-2")));
  EXPECT_THAT(containers(), HasSubstr("itest-web-1 running"));
}

TEST_F(SingleEngine, PsLogsAndDestroy) {
  ASSERT_EQ(berth({"apply", "--yes"}).exit_code, 0);
  CommandResult ps = berth({"ps"});
  EXPECT_EQ(ps.exit_code, 0);
  EXPECT_THAT(ps.out, HasSubstr("itest-web-2"));
  CommandResult logs = berth({"logs", "web"});
  EXPECT_EQ(logs.exit_code, 0) << logs.err;
  EXPECT_THAT(logs.out, HasSubstr("itest-web-1 | web up"));
  EXPECT_THAT(logs.out, Not(HasSubstr("db ready")));

  CommandResult down = berth({"destroy", "--yes"});
  EXPECT_EQ(down.exit_code, 0) << down.err;
  EXPECT_EQ(containers(), "");
  auto volumes = docker_on(lab_->hosts[0], {"volume", "ls", "-q", "--filter",
                                            "label=io.berth.stack=itest"});
  EXPECT_THAT(volumes.out, HasSubstr("itest_data")) << "volumes stay without --volumes";
  EXPECT_EQ(berth({"destroy", "--yes", "--volumes"}).exit_code, 0);
  volumes = docker_on(lab_->hosts[0], {"volume", "ls", "-q", "--filter",
                                       "label=io.berth.stack=itest"});
  EXPECT_EQ(volumes.out, "");
}

TEST_F(SingleEngine, SavedPlanAppliesExactlyAndIsRefusedWhenStale) {
  std::string file = dir_ + "/plan.json";
  ASSERT_EQ(berth({"plan", "--out", file}).exit_code, 0);
  CommandResult apply = berth({"apply", file});
  ASSERT_EQ(apply.exit_code, 0) << apply.err;
  EXPECT_THAT(containers(), HasSubstr("itest-web-2 running"));

  ASSERT_EQ(berth({"plan", "--out", file}, {{"GREETING", "hi"}}).exit_code, 0);
  docker_on(lab_->hosts[0], {"rm", "-f", "itest-web-2"});  // someone changes the host
  CommandResult stale = berth({"apply", file});
  EXPECT_EQ(stale.exit_code, 5);
  EXPECT_THAT(stale.err, HasSubstr("changed since this plan was made"));
}

TEST_F(SingleEngine, SnapshotPlansOfflineLikeTheLiveHosts) {
  ASSERT_EQ(berth({"apply", "--yes"}).exit_code, 0);
  std::string snap = dir_ + "/state.json";
  CommandResult saved = berth({"snapshot", "-o", snap});
  ASSERT_EQ(saved.exit_code, 0) << saved.err;
  CommandResult plan = run_berth({"plan", "--snapshot", snap, "--detailed-exitcode"}, dir_);
  EXPECT_EQ(plan.exit_code, 0) << plan.out << plan.err;
  EXPECT_THAT(plan.out, HasSubstr("No changes"));
  // Someone removes a replica: the live plan sees it, the snapshot still describes the past.
  docker_on(lab_->hosts[0], {"rm", "-f", "itest-web-2"});
  EXPECT_EQ(berth({"plan", "--detailed-exitcode"}).exit_code, 2);
  EXPECT_EQ(run_berth({"plan", "--snapshot", snap, "--detailed-exitcode"}, dir_).exit_code, 0);
}

TEST_F(SingleEngine, OfflinePlanContactsNoHost) {
  std::string inv = dir_ + "/offline.yaml";
  write_file(inv, "hosts:\n  a:\n    address: ssh://nobody@192.0.2.1\n    capacity: {cpus: 2, memory: 1GiB}\n");
  CommandResult plan = run_berth({"plan", "--offline", "--json", "-i", inv}, dir_);
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  auto doc = nlohmann::json::parse(plan.out);
  EXPECT_EQ(doc["placements"].size(), 3u);
  EXPECT_EQ(doc["summary"]["create"], 3);
  write_file(inv, "hosts:\n  a:\n    address: ssh://nobody@192.0.2.1\n");
  CommandResult missing = run_berth({"plan", "--offline", "-i", inv}, dir_);
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("--offline needs a declared capacity"));
}

TEST_F(SingleEngine, MissingImageFailsWithAClearMessage) {
  write_file(dir_ + "/compose.yaml",
             "name: itest\nservices:\n  app:\n    image: 127.0.0.1:5999/berth-test/none:1\n");
  CommandResult apply = berth({"apply", "--yes"});
  EXPECT_EQ(apply.exit_code, 1) << apply.out << apply.err;
  EXPECT_THAT(apply.out + apply.err, HasSubstr("pull 127.0.0.1:5999/berth-test/none:1"));
  EXPECT_THAT(apply.out + apply.err, Not(HasSubstr("what()")));
  EXPECT_EQ(containers(), "");
}

TEST_F(SingleEngine, BadStackChangesNothing) {
  write_file(dir_ + "/compose.yaml", "services:\n  web:\n    image: x\n    replicas: [\n");
  CommandResult plan = berth({"apply", "--yes"});
  EXPECT_EQ(plan.exit_code, 1);
  EXPECT_THAT(plan.err, HasSubstr("compose.yaml:"));
  EXPECT_THAT(plan.err, Not(HasSubstr("what()")));
  EXPECT_EQ(containers(), "");
}

TEST_F(SingleEngine, UnhealthyDependencyFailsWithAClearMessage) {
  std::string sick = std::string(kStack);
  sick.replace(sick.find("touch /tmp/ok; "), 15, "");
  sick.replace(sick.find("retries: 30"), 11, "retries: 1");
  write_file(dir_ + "/compose.yaml", sick);
  CommandResult apply = berth({"apply", "--yes", "--health-timeout", "20"});
  EXPECT_NE(apply.exit_code, 0);
  EXPECT_THAT(apply.out + apply.err, HasSubstr("itest-db-1 is unhealthy"));
  EXPECT_THAT(containers(), Not(HasSubstr("itest-web")));
}

}  // namespace
}  // namespace berth::testing
