// The fixture of the `berth sync` integration tests (sync_test.cc, sync_watch_test.cc): a local
// bare repository the test commits to, a 2-host lab over real OpenSSH, and what the tests read
// back (each replica's io.berth.commit label). Each test binary has a lab of its own.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "harness.h"

namespace berth::testing::sync_lab {

using nlohmann::json;
using ::testing::HasSubstr;

struct Web {
  std::string v = "1";
  int replicas = 2;
  bool worker = false;
  bool slow = false;  // healthy 3 s after start, one replica per batch
};

inline std::string stack(const Web& w) {
  std::string s =
      "name: gitops\nconfigs:\n  app: {file: ./app.conf}\nservices:\n  web:\n"
      "    image: berth-test/busybox:latest\n    stop_signal: SIGKILL\n"
      "    environment: {V: \"" +
      w.v +
      "\"}\n"
      "    configs: [{source: app, target: /etc/app.conf}]\n";
  if (w.slow)
    s += "    command: [\"sh\", \"-c\", \"sleep 3; touch /tmp/ready; exec sleep 1000000\"]\n"
         "    healthcheck: {test: [\"CMD\", \"test\", \"-f\", \"/tmp/ready\"], interval: 1s}\n";
  else
    s += "    command: [\"sleep\", \"1000000\"]\n";
  s += "    deploy:\n      replicas: " + std::to_string(w.replicas) +
       "\n      placement: {max_replicas_per_node: 1}\n      update_config: {parallelism: " +
       (w.slow ? "1" : "2") + ", monitor: 0s}\n";
  if (w.worker)
    s += "  worker:\n    image: berth-test/busybox:latest\n    command: [\"sleep\", \"1000000\"]\n"
         "    stop_signal: SIGKILL\n";
  return s;
}

inline std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class Sync : public ::testing::Test {
 protected:
  void SetUp() override {
    lab_ = &shared_lab(2, /*ssh=*/true);
    dir_ = temp_dir();
    repo_ = dir_ + "/repo.git";
    work_ = dir_ + "/work";
    ASSERT_EQ(run({"git", "init", "-q", "--bare", "-b", "main", repo_}).exit_code, 0);
    ASSERT_EQ(run({"git", "init", "-q", "-b", "main", work_}).exit_code, 0);
    git({"remote", "add", "origin", repo_});
  }
  void TearDown() override {
    std::string d = dir_ + "/destroy";
    std::filesystem::create_directories(d);
    write_file(d + "/compose.yaml", stack({}));
    write_file(d + "/app.conf", "x\n");
    CommandResult r = run_berth(lab_args({"destroy", "--yes", "-i", lab_->inventory}), d);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  CommandResult git(std::vector<std::string> args) {
    std::vector<std::string> argv = {
        "git", "-C", work_, "-c", "user.name=t", "-c", "user.email=t@example.org"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv);
  }
  // Commits the stack (with the lab's inventory and the config file) and pushes; returns the SHA.
  std::string commit(const std::string& compose, const std::string& message,
                     std::vector<std::string> extra = {}) {
    write_file(work_ + "/compose.yaml", compose);
    write_file(work_ + "/app.conf", "listen 80\n");
    write_file(work_ + "/berth.hosts.yaml", read_all(lab_->inventory));
    git({"add", "-A"});
    std::vector<std::string> args = {"commit", "-q", "-m", message};
    args.insert(args.end(), extra.begin(), extra.end());
    EXPECT_EQ(git(args).exit_code, 0);
    EXPECT_EQ(git({"push", "-q", "origin", "HEAD:main"}).exit_code, 0);
    return git({"rev-parse", "HEAD"}).out.substr(0, 40);
  }
  std::vector<std::string> lab_args(std::vector<std::string> args) {
    for (const auto& f : lab_->ssh_flags()) args.push_back(f);
    return args;
  }
  std::vector<std::string> sync_args(std::vector<std::string> more = {}) {
    std::vector<std::string> args = {"sync", "--repo", repo_, "--cache-dir", dir_ + "/cache"};
    args.insert(args.end(), more.begin(), more.end());
    return lab_args(args);
  }
  CommandResult sync(std::vector<std::string> more = {}) {
    return run_berth(sync_args(std::move(more)), dir_);
  }
  // io.berth.commit of every container of `service`, over both hosts.
  std::vector<std::string> commits(const std::string& service, bool running_only = true) {
    std::vector<std::string> out;
    for (const auto& h : lab_->hosts) {
      std::vector<std::string> args = {"ps", "--filter", "label=io.berth.service=" + service,
                                       "--format", "{{.Label \"io.berth.commit\"}}"};
      if (!running_only) args.insert(args.begin() + 1, "-a");
      std::istringstream in(docker_on(h, args).out);
      for (std::string line; std::getline(in, line);)
        if (!line.empty()) out.push_back(line);
    }
    return out;
  }
  bool all_at(const std::string& sha, int replicas = 2) {
    auto c = commits("web");
    return static_cast<int>(c.size()) == replicas &&
           std::all_of(c.begin(), c.end(), [&](auto& x) { return x == sha; });
  }
  int count(const std::string& filter) {
    int n = 0;
    for (const auto& h : lab_->hosts) {
      std::istringstream in(docker_on(h, {"ps", "-aq", "--filter", filter}).out);
      for (std::string line; std::getline(in, line);) n += !line.empty();
    }
    return n;
  }

  Lab* lab_ = nullptr;
  std::string dir_, repo_, work_;
};

}  // namespace berth::testing::sync_lab
