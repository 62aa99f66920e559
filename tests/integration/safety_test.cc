// Safe when things go wrong (issue 7), on a 3-host lab over real OpenSSH: an unreachable host is
// unknown, not empty; drain moves replicas create-first; racing applies; a dead holder's lock
// expires; one engine under two names; a FIFO -f; a name taken by a container berth does not
// own. Crashes and interrupts mid-replacement: tests/integration/crash_test.cc.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "safety_fixture.h"

namespace berth::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

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

TEST_F(Safety, TwoAppliesOfDifferentVersionsOneWinsNeverAMix) {
  write_file(dir_ + "/compose.yaml", rollout_stack("1"));
  std::string other = temp_dir();
  write_file(other + "/compose.yaml", rollout_stack("2"));
  Spawned a = spawn_berth(with_lab({"apply", "--yes"}), dir_);
  Spawned b = spawn_berth(with_lab({"apply", "--yes"}), other);
  CommandResult ra = a.wait(), rb = b.wait();
  std::multiset<int> codes = {ra.exit_code, rb.exit_code};
  EXPECT_TRUE(codes == std::multiset<int>({0, 4}) || codes == std::multiset<int>({0, 0}))
      << ra.exit_code << " " << rb.exit_code << "\n"
      << ra.err << rb.err;
  if (codes.count(4)) EXPECT_THAT(ra.err + rb.err, HasSubstr("is locked by"));
  int v1 = count_everywhere("label=version=1"), v2 = count_everywhere("label=version=2");
  EXPECT_TRUE((v1 == 6 && v2 == 0) || (v1 == 0 && v2 == 6)) << v1 << " and " << v2;
}

TEST_F(Safety, ALockWhoseHolderDiedOnAnotherMachineExpires) {
  write_file(dir_ + "/compose.yaml", kDb);
  auto lock_by = [&](const std::string& id, const std::string& ttl) {
    docker_on(lab_->hosts[0], {"volume", "rm", "-f", "berth-lock-play"});
    auto r =
        docker_on(lab_->hosts[0],
                  {"volume", "create", "--label", "io.berth.lock=play", "--label",
                   "io.berth.lock.kind=lock", "--label", "io.berth.lock.id=" + id, "--label",
                   "io.berth.lock.user=ci", "--label", "io.berth.lock.machine=elsewhere", "--label",
                   "io.berth.lock.pid=4242", "--label", "io.berth.lock.since=2026-12-01T00:00:00Z",
                   "--label", "io.berth.lock.ttl=" + ttl, "berth-lock-play"});
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
  ASSERT_EQ(docker_on(lab_->hosts[0],
                      {"create", "--name", "play-web-1", "berth-test/busybox:latest", "true"})
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
