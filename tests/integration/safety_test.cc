// Safe when things go wrong (issue 7), on a 3-host lab over real OpenSSH: an unreachable host is
// unknown, not empty; drain moves replicas create-first; every intermediate state of a
// replacement converges in one plain apply; SIGINT and kill -9 during a rollout; racing applies;
// a dead holder's lock expires; one engine under two names; a FIFO -f; a name taken by a
// container berth does not own.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "harness.h"

namespace berth::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kDb = R"(name: play
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
std::string rollout_stack(const std::string& version, int replicas = 6) {
  return R"(name: play
services:
  web:
    image: berth-test/busybox:latest
    command: ["sh", "-c", "sleep 1; touch /tmp/ready; exec sleep 1000000"]
    stop_signal: SIGKILL
    labels: {version: ")" + version + R"("}
    healthcheck: {test: ["CMD", "test", "-f", "/tmp/ready"], interval: 1s, retries: 30}
    deploy:
      replicas: )" + std::to_string(replicas) + R"(
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
    std::vector<std::string> args = {"ps", "-a", "--format", "{{.Names}}", "--filter",
                                     "label=io.berth.stack=play"};
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

TEST_F(Safety, AnUnreachableHostIsUnknownAndNeverGetsASecondCopy) {
  write_file(dir_ + "/compose.yaml", kDb);
  ASSERT_EQ(berth({"apply", "--yes"}).exit_code, 0);
  const LabHost* home = nullptr;
  for (const auto& h : lab_->hosts)
    if (names_on(h).find("play-db-1") != std::string::npos) home = &h;
  ASSERT_NE(home, nullptr);
  lab_->stop_sshd(home->name);

  CommandResult plan = berth({"plan", "--detailed-exitcode"});
  EXPECT_EQ(plan.exit_code, 1) << plan.out << plan.err;
  EXPECT_THAT(plan.err, HasSubstr("host " + home->name + " could not be observed"));
  EXPECT_THAT(plan.out, HasSubstr("left alone"));
  EXPECT_THAT(plan.out, Not(HasSubstr("+ create")));

  CommandResult apply = berth({"apply", "--yes"});
  EXPECT_EQ(apply.exit_code, 1) << apply.out << apply.err;
  EXPECT_THAT(apply.err, HasSubstr(home->name));
  CommandResult skip = berth({"apply", "--yes", "--skip-unreachable"});
  EXPECT_NE(skip.exit_code, 0) << skip.out << skip.err;
  EXPECT_THAT(skip.out, Not(HasSubstr("+ create")));
  for (const auto& h : lab_->hosts) {
    if (&h == home) continue;
    EXPECT_THAT(names_on(h), Not(HasSubstr("play-db"))) << "a second copy on " << h.name;
    EXPECT_THAT(docker_on(h, {"volume", "ls", "-q"}).out, Not(HasSubstr("play_data")));
  }

  lab_->start_sshd(home->name);
  EXPECT_EQ(count_everywhere("label=io.berth.service=db"), 1);
  CommandResult after = berth({"plan", "--detailed-exitcode"});
  EXPECT_EQ(after.exit_code, 0) << after.out << after.err;
}

TEST_F(Safety, DrainMovesReplicasCreateFirst) {
  write_file(dir_ + "/compose.yaml", R"(name: play
services:
  web:
    image: berth-test/busybox:latest
    command: ["sleep", "1000000"]
    stop_signal: SIGKILL
    deploy: {replicas: 2, placement: {constraints: ["node.labels.zone==a"]}}
)");
  ASSERT_EQ(berth({"apply", "--yes"}).exit_code, 0);
  ASSERT_THAT(names_on(lab_->hosts[0]), HasSubstr("play-web"));  // binpack fills h1 first
  std::string drained = inventory_with_drain("h1");
  const std::string since = std::to_string(time(nullptr) - 1);
  CommandResult apply = berth({"apply", "--yes"}, drained);
  ASSERT_EQ(apply.exit_code, 0) << apply.out << apply.err;
  EXPECT_THAT(apply.out, HasSubstr("> move"));
  EXPECT_THAT(names_on(lab_->hosts[0]), Not(HasSubstr("play-web")));
  EXPECT_EQ(count_everywhere("label=io.berth.service=web"), 2);
  // Create-first: each new replica on h3 (the other zone-a host) started before its old one on
  // h1 was removed, by the engines' own event times.
  auto times = [&](const LabHost& h, const std::string& event) {
    std::map<std::string, long long> at;
    std::string now = std::to_string(time(nullptr) + 1);
    std::istringstream in(docker_on(h, {"events", "--since", since, "--until", now, "--filter",
                                        "event=" + event, "--filter", "label=io.berth.stack=play",
                                        "--format", "{{.Actor.Attributes.name}} {{.TimeNano}}"})
                              .out);
    for (std::string name; in >> name;) in >> at[name];
    return at;
  };
  auto started = times(lab_->hosts[2], "start");
  auto destroyed = times(lab_->hosts[0], "destroy");
  for (const char* name : {"play-web-1", "play-web-2"}) {
    ASSERT_TRUE(started.count(name) && destroyed.count(name)) << name;
    EXPECT_LT(started[name], destroyed[name]) << name;
  }
  EXPECT_EQ(berth({"plan", "--detailed-exitcode"}, drained).exit_code, 0);
}

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

TEST_F(Safety, TwoAppliesOfDifferentVersionsOneWinsNeverAMix) {
  write_file(dir_ + "/compose.yaml", rollout_stack("1"));
  std::string other = temp_dir();
  write_file(other + "/compose.yaml", rollout_stack("2"));
  Spawned a = spawn_berth(with_lab({"apply", "--yes"}), dir_);
  Spawned b = spawn_berth(with_lab({"apply", "--yes"}), other);
  CommandResult ra = a.wait(), rb = b.wait();
  std::multiset<int> codes = {ra.exit_code, rb.exit_code};
  EXPECT_TRUE(codes == std::multiset<int>({0, 4}) || codes == std::multiset<int>({0, 0}))
      << ra.exit_code << " " << rb.exit_code << "\n" << ra.err << rb.err;
  if (codes.count(4)) EXPECT_THAT(ra.err + rb.err, HasSubstr("is locked by"));
  int v1 = count_everywhere("label=version=1"), v2 = count_everywhere("label=version=2");
  EXPECT_TRUE((v1 == 6 && v2 == 0) || (v1 == 0 && v2 == 6)) << v1 << " and " << v2;
}

TEST_F(Safety, ALockWhoseHolderDiedOnAnotherMachineExpires) {
  write_file(dir_ + "/compose.yaml", kDb);
  auto lock_by = [&](const std::string& id, const std::string& ttl) {
    docker_on(lab_->hosts[0], {"volume", "rm", "-f", "berth-lock-play"});
    auto r = docker_on(lab_->hosts[0],
                       {"volume", "create", "--label", "io.berth.lock=play", "--label",
                        "io.berth.lock.kind=lock", "--label", "io.berth.lock.id=" + id, "--label",
                        "io.berth.lock.user=ci", "--label", "io.berth.lock.machine=elsewhere",
                        "--label", "io.berth.lock.pid=4242", "--label",
                        "io.berth.lock.since=2026-12-01T00:00:00Z", "--label",
                        "io.berth.lock.ttl=" + ttl, "berth-lock-play"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  };
  // A holder on another machine whose lease is fresh: never taken.
  lock_by("alive", "3600");
  CommandResult held = berth({"apply", "--yes"});
  EXPECT_EQ(held.exit_code, 4) << held.out << held.err;
  EXPECT_THAT(held.err, HasSubstr("ci@elsewhere (pid 4242)"));
  EXPECT_THAT(berth({"unlock"}).exit_code, 4);
  // One that died: its lease (2 s) runs out, and the next apply takes over, no unlock needed.
  lock_by("deadbeef", "2");
  CommandResult later;
  EXPECT_TRUE(wait_until([&] { return (later = berth({"apply", "--yes"})).exit_code != 4; }, 60));
  EXPECT_EQ(later.exit_code, 0) << later.out << later.err;
  EXPECT_THAT(later.out, HasSubstr("took over the lock of stack play on h1"));
  EXPECT_THAT(later.out, HasSubstr("last renewed"));
  EXPECT_FALSE(locked_on(lab_->hosts[0]));
}

TEST_F(Safety, TwoInventoryNamesForOneEngineAreRefused) {
  write_file(dir_ + "/compose.yaml", kDb);
  std::string inventory = dir_ + "/twice.yaml";
  write_file(inventory, "hosts:\n  a:\n    address: " + lab_->hosts[0].address +
                            "\n  b:\n    address: unix://" + lab_->hosts[0].socket + "\n");
  CommandResult plan = berth({"plan"}, inventory);
  EXPECT_EQ(plan.exit_code, 1) << plan.out << plan.err;
  EXPECT_THAT(plan.err, HasSubstr("inventory hosts a, b reach the same Docker engine"));
}

TEST_F(Safety, AFifoStackFileIsRefusedAtOnce) {
  std::string fifo = dir_ + "/compose.yaml";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  Spawned run = spawn_berth(with_lab({"plan", "-f", fifo}), dir_);
  bool exited = run.exits_within(10);
  if (!exited) kill(run.pid, SIGKILL);
  CommandResult r = run.wait();
  ASSERT_TRUE(exited) << "berth blocked on a FIFO";
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("not a regular file"));
}

TEST_F(Safety, ANameTakenByAContainerBerthDoesNotOwnIsAPlanError) {
  write_file(dir_ + "/compose.yaml", R"(name: play
services:
  web:
    image: berth-test/busybox:latest
    command: ["sleep", "1000000"]
    deploy: {placement: {constraints: ["node.hostname==h1"]}}
)");
  ASSERT_EQ(docker_on(lab_->hosts[0], {"create", "--name", "play-web-1",
                                       "berth-test/busybox:latest", "true"})
                .exit_code,
            0);
  CommandResult plan = berth({"plan"});
  EXPECT_EQ(plan.exit_code, 1) << plan.out << plan.err;
  EXPECT_THAT(plan.err, HasSubstr("play-web-1 is taken by a container berth does not own"));
  EXPECT_EQ(berth({"apply", "--yes"}).exit_code, 1);
  EXPECT_THAT(names_on(lab_->hosts[0]), Not(HasSubstr("play-web-1")));
}

}  // namespace
}  // namespace berth::testing
