// berth on a 3-host lab over real OpenSSH (issue 4): placement lands where the plan said,
// unreachable hosts, a daemon lost mid-apply, locks, host keys.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "harness.h"

namespace berth::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kSpread = R"(name: fleet
services:
  web:
    image: berth-test/busybox:latest
    command: ["httpd", "-f", "-p", "8080", "-h", "/tmp"]
    stop_signal: SIGKILL
    ports: ["8080:8080"]
    deploy:
      replicas: 3
      placement:
        max_replicas_per_node: 1
  cache:
    image: berth-test/busybox:latest
    command: ["sleep", "1000000"]
    stop_signal: SIGKILL
    deploy:
      replicas: 2
      placement:
        constraints: ["node.labels.zone==a"]
)";

// A service on h1 whose health check passes only when the test creates /tmp/open in it: it holds
// an apply at a known point (dependents wait for it to be healthy).
constexpr const char* kGateStack = R"(name: fleet
services:
  gate:
    image: berth-test/busybox:latest
    command: ["sleep", "1000000"]
    stop_signal: SIGKILL
    healthcheck: {test: ["CMD", "test", "-f", "/tmp/open"], interval: 1s, retries: 600}
    deploy: {placement: {constraints: ["node.hostname==h1"]}}
)";

// Waits (bounded) until the gate container runs on h1.
void wait_for_gate(const std::function<std::string()>& ps_h1) {
  for (int i = 0; i < 600 && ps_h1().find("fleet-gate-1") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

class Fleet3 : public ::testing::Test {
 protected:
  void SetUp() override {
    lab_ = &shared_lab(3, /*ssh=*/true);
    dir_ = temp_dir();
    write_file(dir_ + "/compose.yaml", kSpread);
  }
  void TearDown() override {
    for (const auto& h : lab_->hosts) {
      lab_->start_sshd(h.name);
      lab_->start_dockerd(h.name);
    }
    berth({"destroy", "--yes"});
  }
  CommandResult berth(std::vector<std::string> args) {
    args.insert(args.end(), {"-i", lab_->inventory});
    for (const auto& f : lab_->ssh_flags()) args.push_back(f);
    return run_berth(args, dir_);
  }
  std::string on(const LabHost& h) {
    return docker_on(h, {"ps", "--format", "{{.Names}}", "--filter",
                         "label=io.berth.stack=fleet"})
        .out;
  }

  Lab* lab_ = nullptr;
  std::string dir_;
};

TEST_F(Fleet3, ReplicasLandWhereThePlanSaid) {
  CommandResult plan = berth({"plan", "--json"});
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  auto doc = nlohmann::json::parse(plan.out);
  ASSERT_EQ(doc["placements"].size(), 5u);
  CommandResult apply = berth({"apply", "--yes"});
  ASSERT_EQ(apply.exit_code, 0) << apply.out << apply.err;
  int web_hosts = 0;
  for (const auto& p : doc["placements"]) {
    std::string host = p["host"], service = p["service"], slot = p["slot"];
    for (const auto& h : lab_->hosts)
      if (h.name == host) {
        EXPECT_THAT(on(h), HasSubstr("fleet-" + service + "-" + slot)) << "on " << host;
        if (service == "web") ++web_hosts;
      }
  }
  EXPECT_EQ(web_hosts, 3);
  // Every web replica answers on its own host's address.
  for (const auto& h : lab_->hosts)
    EXPECT_THAT(on(h), HasSubstr("fleet-web-"));
  // cache only on zone a hosts (h1, h3 in the lab).
  EXPECT_THAT(on(lab_->hosts[1]), Not(HasSubstr("fleet-cache")));
  EXPECT_EQ(berth({"plan", "--detailed-exitcode"}).exit_code, 0);
}

TEST_F(Fleet3, ServiceOnAnotherHostIsReachableByName) {
  write_file(dir_ + "/compose.yaml", R"(name: fleet
services:
  web:
    image: berth-test/busybox:latest
    command: ["sh", "-c", "echo hello-from-h1 > /tmp/index.html; exec httpd -f -p 8080 -h /tmp"]
    ports: ["8080:8080"]
    stop_signal: SIGKILL
    deploy: {placement: {constraints: ["node.hostname==h1"]}}
  client:
    image: berth-test/busybox:latest
    command: ["sleep", "1000000"]
    stop_signal: SIGKILL
    deploy: {placement: {constraints: ["node.hostname==h2"]}}
)");
  CommandResult apply = berth({"apply", "--yes"});
  ASSERT_EQ(apply.exit_code, 0) << apply.out << apply.err;
  auto hosts = docker_on(lab_->hosts[1], {"exec", "fleet-client-1", "cat", "/etc/hosts"});
  EXPECT_THAT(hosts.out, HasSubstr(lab_->hosts[0].ip + "\tweb"));
  auto got = docker_on(lab_->hosts[1], {"exec", "fleet-client-1", "wget", "-q", "-O", "-",
                                        "http://web:8080/index.html"});
  EXPECT_THAT(got.out, HasSubstr("hello-from-h1")) << got.err;
}

TEST_F(Fleet3, HostsCommandShowsEveryHost) {
  CommandResult hosts = berth({"hosts"});
  EXPECT_EQ(hosts.exit_code, 0) << hosts.err;
  for (const auto& h : lab_->hosts) EXPECT_THAT(hosts.out, HasSubstr(h.name));
  EXPECT_THAT(hosts.out, HasSubstr("zone=a"));
}

TEST_F(Fleet3, UnreachableHostChangesNothingUnlessSkippedThenTheRerunConverges) {
  ASSERT_EQ(berth({"apply", "--yes"}).exit_code, 0);
  // A new version while h2 cannot be reached.
  write_file(dir_ + "/compose.yaml", std::string(kSpread) + R"(    environment: {VERSION: "2"}
)");
  lab_->stop_sshd("h2");
  CommandResult strict = berth({"apply", "--yes"});
  EXPECT_EQ(strict.exit_code, 1) << strict.out << strict.err;
  EXPECT_THAT(strict.err, HasSubstr("h2"));
  EXPECT_THAT(strict.err, HasSubstr("nothing was changed"));
  CommandResult apply = berth({"apply", "--yes", "--skip-unreachable"});
  EXPECT_EQ(apply.exit_code, 3) << apply.out << apply.err;
  EXPECT_THAT(apply.out, HasSubstr("host h2: SKIPPED, unreachable"));
  EXPECT_THAT(apply.out, HasSubstr("done on 1 host."));
  EXPECT_THAT(apply.err, HasSubstr("recreated fleet-"));
  EXPECT_THAT(on(lab_->hosts[0]), HasSubstr("fleet-web"));
  lab_->start_sshd("h2");
  CommandResult again = berth({"apply", "--yes"});
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_EQ(berth({"plan", "--detailed-exitcode"}).exit_code, 0);
  for (const auto& h : lab_->hosts) EXPECT_THAT(on(h), HasSubstr("fleet-web"));
}

TEST_F(Fleet3, HostCutOffTimesOutWithoutStallingTheOthers) {
  lab_->link_down("h3");
  CommandResult hosts = berth({"hosts", "--ssh-option", "ConnectTimeout=2"});
  lab_->link_up("h3");
  EXPECT_EQ(hosts.exit_code, 1);
  EXPECT_THAT(hosts.out, HasSubstr("h3           unreachable"));
  EXPECT_THAT(hosts.out, HasSubstr("timed out"));
  EXPECT_THAT(hosts.out, HasSubstr("h1           ok"));
}

TEST_F(Fleet3, UnknownHostKeyIsRefused) {
  std::vector<std::string> args = {"plan", "-i", lab_->inventory, "--ssh-option",
                                   "UserKnownHostsFile=/dev/null"};
  for (const auto& f : lab_->ssh_flags())
    if (f.find("UserKnownHostsFile") == std::string::npos && f != "--ssh-option")
      args.insert(args.end(), {"--ssh-option", f});
  CommandResult plan = run_berth(args, dir_);
  EXPECT_NE(plan.exit_code, 0);
  EXPECT_THAT(plan.out + plan.err, HasSubstr("host key"));
}

TEST_F(Fleet3, SecondConcurrentApplyFailsOnTheLock) {
  // A service whose health check passes only when the test says so holds the first apply.
  write_file(dir_ + "/compose.yaml", std::string(kGateStack) + R"(  after:
    image: berth-test/busybox:latest
    command: ["sleep", "1000000"]
    stop_signal: SIGKILL
    depends_on: {gate: {condition: service_healthy}}
    deploy: {placement: {constraints: ["node.hostname==h1"]}}
)");
  auto first = std::async(std::launch::async, [&] { return berth({"apply", "--yes"}); });
  // Wait until the first run holds the lock and has started the gate.
  wait_for_gate([&] { return on(lab_->hosts[0]); });
  CommandResult second = berth({"apply", "--yes"});
  EXPECT_EQ(second.exit_code, 4) << second.out << second.err;
  EXPECT_THAT(second.err, HasSubstr("locked by"));
  EXPECT_THAT(second.err, HasSubstr("pid"));
  docker_on(lab_->hosts[0], {"exec", "fleet-gate-1", "touch", "/tmp/open"});
  CommandResult done = first.get();
  EXPECT_EQ(done.exit_code, 0) << done.out << done.err;
  EXPECT_THAT(on(lab_->hosts[0]), HasSubstr("fleet-after-1"));
}

TEST_F(Fleet3, DaemonLostMidApplyFailsThatHostOnly) {
  write_file(dir_ + "/compose.yaml", std::string(kGateStack) + R"(  web:
    image: berth-test/busybox:latest
    command: ["sleep", "1000000"]
    stop_signal: SIGKILL
    depends_on: {gate: {condition: service_healthy}}
    deploy: {mode: global}
)");
  auto first = std::async(std::launch::async, [&] { return berth({"apply", "--yes"}); });
  wait_for_gate([&] { return on(lab_->hosts[0]); });
  lab_->stop_dockerd("h2");
  docker_on(lab_->hosts[0], {"exec", "fleet-gate-1", "touch", "/tmp/open"});
  CommandResult apply = first.get();
  EXPECT_EQ(apply.exit_code, 3) << apply.out << apply.err;
  EXPECT_THAT(apply.out, HasSubstr("host h2: FAILED"));
  EXPECT_THAT(on(lab_->hosts[0]), HasSubstr("fleet-web-h1"));
  EXPECT_THAT(on(lab_->hosts[2]), HasSubstr("fleet-web-h3"));
  lab_->start_dockerd("h2");
  CommandResult again = berth({"apply", "--yes"});
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_THAT(on(lab_->hosts[1]), HasSubstr("fleet-web-h2"));
}

}  // namespace
}  // namespace berth::testing
