// Rollouts (issue 8), on a 3-host lab over real OpenSSH: batches in order after health and
// monitor, rollback with the old containers back, pause and resume, continue,
// max_failure_ratio, `berth rollback`, fixed host ports going stop-first, events that validate.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "harness.h"

namespace berth::testing {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

struct Version {
  std::string name = "1";
  std::string health = R"(["CMD", "test", "-f", "/tmp/ready"])";
  std::string command = R"(["sh", "-c", "sleep 1; touch /tmp/ready; exec sleep 1000000"])";
  std::string update = "{parallelism: 2, order: start-first, monitor: 2s}";
  std::string extra;  // more service keys, indented by 4
  int replicas = 6;
};

std::string stack(const Version& v) {
  return "name: roll\nservices:\n  web:\n    image: berth-test/busybox:latest\n    command: " +
         v.command + "\n    stop_signal: SIGKILL\n    labels: {version: \"" + v.name +
         "\"}\n    healthcheck: {test: " + v.health +
         ", interval: 1s, timeout: 2s, retries: 2}\n" + v.extra +
         "    deploy:\n      replicas: " + std::to_string(v.replicas) +
         "\n      placement: {max_replicas_per_node: 2}\n      update_config: " + v.update +
         "\n      rollback_config: {parallelism: 3}\n";
}

// The JSON lines an `apply --json` printed, each checked against schemas/events.schema.json.
std::vector<json> events(const std::string& out) {
  std::vector<json> list;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    json e = json::parse(line, nullptr, false);
    EXPECT_FALSE(e.is_discarded()) << "not JSON: " << line;
    if (!e.is_discarded()) list.push_back(e);
  }
  return list;
}

std::vector<json> of_kind(const std::vector<json>& list, const std::string& kind) {
  std::vector<json> out;
  for (const json& e : list)
    if (e.value("event", "") == kind) out.push_back(e);
  return out;
}

class Rollout : public ::testing::Test {
 protected:
  void SetUp() override {
    lab_ = &shared_lab(3, /*ssh=*/true);
    dir_ = temp_dir();
  }
  void TearDown() override { berth({"destroy", "--yes"}); }
  std::vector<std::string> with_lab(std::vector<std::string> args) {
    args.insert(args.end(), {"-i", lab_->inventory});
    for (const auto& f : lab_->ssh_flags()) args.push_back(f);
    return args;
  }
  CommandResult berth(std::vector<std::string> args) {
    return run_berth(with_lab(std::move(args)), dir_);
  }
  void deploy(const Version& v) {
    write_file(dir_ + "/compose.yaml", stack(v));
    CommandResult r = berth({"apply", "--yes"});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  // Applies with --json; checks every line against the event schema.
  CommandResult apply_json(const Version& v) {
    write_file(dir_ + "/compose.yaml", stack(v));
    CommandResult r = berth({"apply", "--yes", "--json"});
    validate(r.out);
    return r;
  }
  void validate(const std::string& out) {
    std::string file = dir_ + "/events.jsonl";
    write_file(file, out);
    CommandResult check =
        run({"/usr/bin/python3", std::string(BERTH_SOURCE_DIR) + "/tests/validate_events.py", file});
    EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  }
  int count(const std::string& filter, const std::string& status = "") {
    int n = 0;
    for (const auto& h : lab_->hosts) {
      std::vector<std::string> args = {"ps", "-q", "--filter", filter};
      if (status.empty()) args.insert(args.begin() + 1, "-a");
      else args.insert(args.end(), {"--filter", "status=" + status});
      std::istringstream in(docker_on(h, args).out);
      for (std::string line; std::getline(in, line);) n += !line.empty();
    }
    return n;
  }
  std::set<std::string> ids(const std::string& filter) {
    std::set<std::string> out;
    for (const auto& h : lab_->hosts) {
      std::istringstream in(docker_on(h, {"ps", "-q", "--no-trunc", "--filter", filter}).out);
      for (std::string line; std::getline(in, line);)
        if (!line.empty()) out.insert(line);
    }
    return out;
  }
  bool parked_anywhere() { return count("name=-berth-old") > 0; }

  Lab* lab_ = nullptr;
  std::string dir_;
};

TEST_F(Rollout, StartFirstBatchesGoInOrderEachAfterHealthAndMonitor) {
  deploy({});
  Version v2;
  v2.name = "2";
  CommandResult r = apply_json(v2);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto list = events(r.out);
  auto batches = of_kind(list, "batch_started");
  ASSERT_EQ(batches.size(), 3u);
  for (int b = 0; b < 3; ++b) EXPECT_EQ(batches[b]["batch"], b + 1);
  auto healthy = of_kind(list, "replica_healthy");
  ASSERT_EQ(healthy.size(), 6u);
  for (const json& e : healthy) EXPECT_GE(e.value("elapsed_ms", 0), 2000) << e.dump();  // monitor
  // Batch k+1 starts only once every replica of batch k is healthy and monitored: the events come
  // in that order in the stream.
  std::vector<std::string> order;
  for (const json& e : list) {
    std::string kind = e.value("event", "");
    if (kind == "batch_started" || kind == "replica_healthy") order.push_back(kind);
  }
  EXPECT_EQ(order, (std::vector<std::string>{"batch_started", "replica_healthy", "replica_healthy",
                                             "batch_started", "replica_healthy", "replica_healthy",
                                             "batch_started", "replica_healthy", "replica_healthy"}));
  EXPECT_EQ(count("label=version=2", "running"), 6);
  EXPECT_FALSE(parked_anywhere());
}

TEST_F(Rollout, AReplicaThatExitsDuringMonitorFailsItsBatch) {
  deploy({});
  Version v2;
  v2.name = "2";
  // It exits 2 s after its first passing health check, whenever the engine gets to run that
  // check: a fixed sleep from the start failed on a loaded machine, the replica exiting before
  // its first check and so before `monitor` began.
  v2.health = R"(["CMD-SHELL", "test -f /tmp/ready && touch /tmp/checked"])";
  v2.command =
      R"(["sh", "-c", "touch /tmp/ready; until [ -f /tmp/checked ]; do sleep 0.1; done; sleep 2; exit 3"])";
  v2.update = "{parallelism: 2, order: start-first, monitor: 5s, failure_action: rollback}";
  CommandResult r = apply_json(v2);
  EXPECT_EQ(r.exit_code, 6) << r.out << r.err;
  auto failed = of_kind(events(r.out), "replica_failed");
  ASSERT_FALSE(failed.empty());
  EXPECT_THAT(failed[0].value("message", ""), HasSubstr("monitor"));
  EXPECT_EQ(count("label=version=1", "running"), 6);
}

TEST_F(Rollout, AFailingHealthCheckRollsBackToTheSameContainers) {
  deploy({});
  std::set<std::string> before = ids("label=version=1");
  ASSERT_EQ(before.size(), 6u);
  Version v2;
  v2.name = "2";
  v2.health = R"(["CMD-SHELL", "echo database-not-reachable-at-db:5432; exit 1"])";
  v2.update = "{parallelism: 2, order: start-first, monitor: 1s, failure_action: rollback}";
  CommandResult r = apply_json(v2);
  EXPECT_EQ(r.exit_code, 6) << r.out << r.err;
  auto list = events(r.out);
  EXPECT_EQ(of_kind(list, "rollback_started").size(), 1u);
  EXPECT_EQ(of_kind(list, "rollback_finished").size(), 1u);
  auto failed = of_kind(list, "replica_failed");
  ASSERT_FALSE(failed.empty());
  EXPECT_THAT(failed[0].value("detail", ""), HasSubstr("database-not-reachable-at-db:5432"));
  EXPECT_THAT(r.out, HasSubstr("rolled_back"));
  EXPECT_EQ(ids("label=version=1"), before);  // the very containers that ran before
  EXPECT_EQ(count("label=version=2"), 0);
  EXPECT_FALSE(parked_anywhere());
}

TEST_F(Rollout, PauseStopsWhereItIsAndTheNextApplyResumes) {
  std::string flags = temp_dir();
  deploy({});
  Version v2;
  v2.name = "2";
  v2.health = R"(["CMD", "test", "-f", "/flags/ok"])";
  v2.extra = "    volumes: [\"" + flags + ":/flags:ro\"]\n";
  v2.update = "{parallelism: 2, order: start-first, monitor: 1s, failure_action: pause}";
  CommandResult r = apply_json(v2);
  EXPECT_EQ(r.exit_code, 7) << r.out << r.err;
  auto list = events(r.out);
  ASSERT_EQ(of_kind(list, "paused").size(), 1u);
  EXPECT_EQ(of_kind(list, "batch_started").size(), 1u);
  EXPECT_EQ(count("label=version=1", "running"), 6);  // every replica runs, on the old spec
  EXPECT_FALSE(parked_anywhere());
  write_file(flags + "/ok", "");
  CommandResult resumed = apply_json(v2);
  EXPECT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  EXPECT_EQ(count("label=version=2", "running"), 6);
}

TEST_F(Rollout, ContinueGoesOnPastFailures) {
  deploy({});
  Version v2;
  v2.name = "2";
  v2.health = R"(["CMD", "false"])";
  v2.update = "{parallelism: 3, order: start-first, monitor: 1s, failure_action: continue}";
  CommandResult r = apply_json(v2);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  auto list = events(r.out);
  EXPECT_EQ(of_kind(list, "batch_started").size(), 2u);
  EXPECT_EQ(of_kind(list, "replica_failed").size(), 6u);
  EXPECT_EQ(count("label=version=2"), 6);
}

TEST_F(Rollout, MaxFailureRatioIsHonoured) {
  std::string flags = temp_dir();
  write_file(flags + "/ok", "");
  deploy({});
  Version v2;
  v2.name = "2";
  v2.health = R"(["CMD", "test", "-f", "/flags/ok"])";
  v2.extra = "    volumes: [\"" + flags + ":/flags:ro\"]\n";
  v2.update =
      "{parallelism: 2, order: start-first, monitor: 1s, failure_action: rollback, "
      "max_failure_ratio: 0.5}";
  write_file(dir_ + "/compose.yaml", stack(v2));
  Spawned run = spawn_berth(with_lab({"apply", "--yes", "--json"}), dir_);
  // Once the first batch is healthy, every later replica fails: 2 of 6 failed (0.33) is within
  // the ratio, 4 of 6 (0.67) is not.
  auto healthy = [&] {
    std::ifstream in(run.out_path);
    std::stringstream b;
    b << in.rdbuf();
    return of_kind(events(b.str()), "replica_healthy").size();
  };
  EXPECT_TRUE(wait_until([&] { return healthy() >= 2; }, 120));
  std::remove((flags + "/ok").c_str());
  CommandResult r = run.wait();
  validate(r.out);
  EXPECT_EQ(r.exit_code, 6) << r.out << r.err;
  auto list = events(r.out);
  EXPECT_EQ(of_kind(list, "batch_started").size(), 3u);  // went on past the second batch
  EXPECT_EQ(of_kind(list, "rollback_started").size(), 1u);
  EXPECT_EQ(count("label=version=1", "running"), 6);
}

TEST_F(Rollout, BerthRollbackRestoresThePreviousSpec) {
  deploy({});
  Version v2;
  v2.name = "2";
  deploy(v2);
  CommandResult r = berth({"rollback", "web", "--yes"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("-/+ recreate"));  // planned and shown first
  EXPECT_EQ(count("label=version=1", "running"), 6);
  EXPECT_EQ(count("label=version=2"), 0);
  // Rolling back twice returns to the newer spec: each rollback records what it replaced.
  CommandResult again = berth({"rollback", "web", "--yes"});
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_EQ(count("label=version=2", "running"), 6);
}

TEST_F(Rollout, AFixedHostPortGoesStopFirstAndThePlanSaysSo) {
  Version v1;
  v1.replicas = 1;
  v1.command = R"(["sh", "-c", "touch /tmp/ready; exec httpd -f -p 8080 -h /tmp"])";
  v1.extra = "    ports: [\"18080:8080\"]\n";
  deploy(v1);
  Version v2 = v1;
  v2.name = "2";
  write_file(dir_ + "/compose.yaml", stack(v2));
  CommandResult plan = berth({"plan"});
  EXPECT_THAT(plan.out, HasSubstr("goes stop-first (its fixed host port is held on the same host)"));
  CommandResult r = berth({"apply", "--yes"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(count("label=version=2", "running"), 1);
}

TEST_F(Rollout, ApplyWithoutYesAndNoTerminalFailsAtOnce) {
  write_file(dir_ + "/compose.yaml", stack({}));
  CommandResult r = berth({"apply"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("--yes"));
  EXPECT_EQ(count("label=io.berth.stack=roll"), 0);
}

TEST_F(Rollout, WaitReturnsOnlyWhenEveryReplicaIsHealthy) {
  Version v1;
  v1.command = R"(["sh", "-c", "sleep 3; touch /tmp/ready; exec sleep 1000000"])";
  write_file(dir_ + "/compose.yaml", stack(v1));
  CommandResult r = berth({"apply", "--yes", "--wait"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const auto& h : lab_->hosts)
    EXPECT_EQ(docker_on(h, {"ps", "-q", "--filter", "label=io.berth.stack=roll", "--filter",
                            "health=starting"})
                  .out,
              "");
  Version never = v1;
  never.name = "never";
  never.health = R"(["CMD", "false"])";
  never.update = "{parallelism: 0, order: start-first, monitor: 0s, failure_action: continue}";
  write_file(dir_ + "/compose.yaml", stack(never));
  CommandResult timed_out = berth({"apply", "--yes", "--wait", "--wait-timeout", "5"});
  EXPECT_EQ(timed_out.exit_code, 8) << timed_out.out << timed_out.err;
}

}  // namespace
}  // namespace berth::testing
