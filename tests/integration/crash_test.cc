// Crashes and interrupts mid-replacement (issue 7), on a 3-host lab over real OpenSSH: every
// intermediate state of a replacement converges in one plain apply; SIGINT and kill -9 (berth
// alone, and its whole process group) during a start-first rollout leave no ssh process and
// converge on the next apply.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <set>

#include "safety_fixture.h"

namespace berth::testing {
namespace {

using ::testing::HasSubstr;

// Each intermediate state of a replacement, set up by hand, then one plain apply.
class Replacement : public Safety {
 protected:
  void SetUp() override {
    Safety::SetUp();
    write_file(dir_ + "/compose.yaml", R"(name: play
services:
  web:
    image: berth-test/busybox:latest
    command: ["sleep", "1000000"]
    stop_signal: SIGKILL
    deploy: {placement: {constraints: ["node.hostname==h1"]}}
)");
    ASSERT_EQ(berth({"apply", "--yes"}).exit_code, 0);
  }
  void docker(const std::vector<std::string>& args) {
    auto r = docker_on(lab_->hosts[0], args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  // A container as a run that stopped half-way would have created it: berth's labels, a stale
  // spec hash, not started.
  void create_stale_new() {
    docker({"create", "--name", "play-web-1", "--label", "io.berth.stack=play", "--label",
            "io.berth.service=web", "--label", "io.berth.slot=1", "--label",
            "io.berth.spec-hash=stale", "berth-test/busybox:latest", "sleep", "1000000"});
  }
  void expect_one_apply_converges() {
    CommandResult apply = berth({"apply", "--yes"});
    EXPECT_EQ(apply.exit_code, 0) << apply.out << apply.err;
    EXPECT_EQ(names_on(lab_->hosts[0], "running"), "play-web-1\n");
    EXPECT_EQ(names_on(lab_->hosts[0]), "play-web-1\n");
    EXPECT_EQ(berth({"plan", "--detailed-exitcode"}).exit_code, 0);
  }
};

TEST_F(Replacement, OldStopped) {
  docker({"stop", "play-web-1"});
  expect_one_apply_converges();
}

TEST_F(Replacement, OldParkedAsideWithNoNewContainer) {
  docker({"stop", "play-web-1"});
  docker({"rename", "play-web-1", "play-web-1-berth-old"});
  expect_one_apply_converges();
}

TEST_F(Replacement, NewCreatedNotStarted) {
  docker({"stop", "play-web-1"});
  docker({"rename", "play-web-1", "play-web-1-berth-old"});
  create_stale_new();
  expect_one_apply_converges();
}

TEST_F(Replacement, BothRunning) {
  docker({"rename", "play-web-1", "play-web-1-berth-old"});
  create_stale_new();
  docker({"start", "play-web-1"});
  expect_one_apply_converges();
}

// A start-first rollout of 6 replicas over 3 hosts, stopped at the n-th batch by `stop`.
class Interrupted : public Safety {
 protected:
  void SetUp() override {
    Safety::SetUp();
    write_file(dir_ + "/compose.yaml", rollout_stack("1"));
    ASSERT_EQ(berth({"apply", "--yes"}).exit_code, 0);
    write_file(dir_ + "/compose.yaml", rollout_stack("2"));
  }
  // berth's ssh control directories that exist now.
  static std::set<std::string> ssh_dirs() {
    std::set<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator("/tmp"))
      if (e.path().filename().string().rfind("berth-ssh-", 0) == 0) out.insert(e.path());
    return out;
  }
  // After berth died: its ssh children (found by this lab's key on their command line) stop
  // within seconds, and the directories it made are gone.
  void expect_no_ssh_left(const std::set<std::string>& before) {
    std::string mine = "IdentityFile=" + lab_->dir;
    EXPECT_TRUE(wait_until([&] { return processes_with(mine).empty(); }, 15))
        << processes_with(mine).size() << " ssh processes outlived berth";
    EXPECT_TRUE(wait_until(
        [&] {
          for (const auto& d : ssh_dirs())
            if (!before.count(d)) return false;
          return true;
        },
        15));
  }
  // Starts the rollout and waits until batch `batch` (1-based) has parked an old replica.
  Spawned start_and_reach(int batch, bool own_group) {
    Spawned run = spawn_berth(with_lab({"apply", "--yes"}), dir_, own_group);
    bool reached = wait_until(
        [&] { return count_everywhere("label=version=2") >= 2 * batch - 1 && parked_anywhere(); },
        60);
    EXPECT_TRUE(reached) << "the rollout never reached batch " << batch;
    return run;
  }
};

TEST_F(Interrupted, SigintRollsBackTheBatchReleasesTheLockAndExits130) {
  for (int batch : {1, 2}) {
    Spawned run = start_and_reach(batch, false);
    kill(run.pid, SIGINT);
    CommandResult r = run.wait();
    EXPECT_EQ(r.exit_code, 130) << r.out << r.err;
    EXPECT_THAT(r.out, HasSubstr("Interrupted"));
    EXPECT_FALSE(parked_anywhere()) << "batch " << batch;
    EXPECT_EQ(count_everywhere("label=io.berth.service=web"), 6);
    for (const auto& h : lab_->hosts) EXPECT_FALSE(locked_on(h)) << h.name;
  }
  CommandResult again = berth({"apply", "--yes"});
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
  expect_converged("2");
}

TEST_F(Interrupted, KillNineOfBerthAloneThenOneApplyConverges) {
  auto before = ssh_dirs();
  Spawned run = start_and_reach(2, false);
  kill(run.pid, SIGKILL);
  EXPECT_EQ(run.wait().exit_code, 128 + SIGKILL);
  expect_no_ssh_left(before);
  CommandResult again = berth({"apply", "--yes"});
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_THAT(again.out, HasSubstr("took over the lock"));
  expect_converged("2");
}

TEST_F(Interrupted, KillNineOfTheWholeProcessGroupThenOneApplyConverges) {
  for (int batch : {1, 3}) {
    auto before = ssh_dirs();
    Spawned run = start_and_reach(batch, /*own_group=*/true);
    kill(-run.pid, SIGKILL);
    run.wait();
    expect_no_ssh_left(before);
  }
  CommandResult again = berth({"apply", "--yes"});
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
  expect_converged("2");
}

}  // namespace
}  // namespace berth::testing
