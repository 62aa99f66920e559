// What the safety tests share (tests/integration/safety_test.cc, crash_test.cc): the stacks they
// deploy on a 3-host SSH lab, and the fixture that runs berth against it and looks at the hosts.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "harness.h"

namespace berth::testing {

inline constexpr const char* kDb = R"(name: play
services:
  db:
    image: berth-test/busybox:latest
    command: ["sleep", "1000000"]
    stop_signal: SIGKILL
    volumes: ["data:/data"]
volumes:
  data: {}
)";

// Six replicas, two per host, healthy a second after they start; rolled two at a time,
// start-first. VERSION is what the tests change.
inline std::string rollout_stack(const std::string& version, int replicas = 6) {
  return R"(name: play
services:
  web:
    image: berth-test/busybox:latest
    command: ["sh", "-c", "sleep 1; touch /tmp/ready; exec sleep 1000000"]
    stop_signal: SIGKILL
    labels: {version: ")" +
         version + R"("}
    healthcheck: {test: ["CMD", "test", "-f", "/tmp/ready"], interval: 1s, retries: 30}
    deploy:
      replicas: )" +
         std::to_string(replicas) + R"(
      placement: {max_replicas_per_node: 2}
      update_config: {parallelism: 2, order: start-first}
)";
}

class Safety : public ::testing::Test {
 protected:
  void SetUp() override {
    lab_ = &shared_lab(3, /*ssh=*/true);
    dir_ = temp_dir();
  }
  void TearDown() override {
    for (const auto& h : lab_->hosts) lab_->start_sshd(h.name);
    berth({"destroy", "--yes", "--volumes"});
    for (const auto& h : lab_->hosts) {
      docker_on(h, {"rm", "-f", "play-web-1", "play-web-1-berth-old", "stranger"});
      docker_on(h, {"volume", "prune", "-f", "--filter", "label=io.berth.lock=play"});
    }
  }
  std::vector<std::string> with_lab(std::vector<std::string> args,
                                    const std::string& inventory = "") {
    args.insert(args.end(), {"-i", inventory.empty() ? lab_->inventory : inventory});
    for (const auto& f : lab_->ssh_flags()) args.push_back(f);
    return args;
  }
  CommandResult berth(std::vector<std::string> args, const std::string& inventory = "") {
    return run_berth(with_lab(std::move(args), inventory), dir_);
  }
  // Names of the stack's containers on a host (all states), sorted by docker.
  std::string names_on(const LabHost& h, const std::string& state = "") {
    std::vector<std::string> args = {"ps",         "-a",       "--format",
                                     "{{.Names}}", "--filter", "label=io.berth.stack=play"};
    if (!state.empty()) args.insert(args.end(), {"--filter", "status=" + state});
    return docker_on(h, args).out;
  }
  int count_everywhere(const std::string& filter) {
    int n = 0;
    for (const auto& h : lab_->hosts) {
      std::istringstream in(docker_on(h, {"ps", "-a", "-q", "--filter", filter}).out);
      for (std::string line; std::getline(in, line);) n += !line.empty();
    }
    return n;
  }
  // Whether the stack's lock volume itself is on a host (takeover markers may stay a while).
  bool locked_on(const LabHost& h) {
    std::istringstream in(docker_on(h, {"volume", "ls", "-q"}).out);
    for (std::string line; std::getline(in, line);)
      if (line == "berth-lock-play") return true;
    return false;
  }
  bool parked_anywhere() {
    for (const auto& h : lab_->hosts)
      if (names_on(h).find("-berth-old") != std::string::npos) return true;
    return false;
  }
  // The converged state of the rollout stack: plan has nothing to do, six replicas run, none
  // is parked aside, no lock is left.
  void expect_converged(const std::string& version) {
    CommandResult plan = berth({"plan", "--detailed-exitcode"});
    EXPECT_EQ(plan.exit_code, 0) << plan.out << plan.err;
    EXPECT_FALSE(parked_anywhere());
    EXPECT_EQ(count_everywhere("label=io.berth.service=web"), 6);
    EXPECT_EQ(count_everywhere("label=version=" + version), 6);
    int running = 0;
    for (const auto& h : lab_->hosts) {
      std::istringstream in(names_on(h, "running"));
      for (std::string line; std::getline(in, line);) running += !line.empty();
      EXPECT_FALSE(locked_on(h)) << h.name;
    }
    EXPECT_EQ(running, 6);
  }
  std::string inventory_with_drain(const std::string& host) {
    std::ifstream in(lab_->inventory);
    std::stringstream out;
    for (std::string line; std::getline(in, line);) {
      out << line << "\n";
      if (line == "  " + host + ":") out << "    drain: true\n";
    }
    std::string path = dir_ + "/drained.yaml";
    write_file(path, out.str());
    return path;
  }

  Lab* lab_ = nullptr;
  std::string dir_;
};

}  // namespace berth::testing
