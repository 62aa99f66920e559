// The planner's safety rules (issue 7): unknown is not empty, drained hosts, stateful replicas
// stay with their data, every intermediate state of a replacement is planned from, names berth
// does not own, one engine under two names; and the one container-state rule and slot parser.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "planner/placement.h"
#include "planner/plan.h"
#include "planner/spec.h"

namespace berth {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct World {
  Stack stack;
  Inventory inventory;
  Observed observed;

  World() {
    stack.name = observed.stack = "play";
    for (const char* name : {"h1", "h2", "h3"}) {
      Host h;
      h.name = name;
      inventory.hosts.push_back(h);
      ObservedHost o;
      o.name = name;
      o.reachable = true;
      o.engine_id = std::string("engine-") + name;
      o.capacity = {4 * kNanoCpusPerCpu, 8LL << 30, 0};
      observed.hosts.push_back(o);
    }
  }
  ObservedHost& host(const std::string& name) {
    for (auto& h : observed.hosts)
      if (h.name == name) return h;
    throw std::logic_error("no host " + name);
  }
  Service& service(const std::string& name, int replicas) {
    Service s;
    s.name = name;
    s.replicas = replicas;
    s.spec.image = "busybox";
    stack.services.push_back(s);
    return stack.services.back();
  }
  Service& database() {
    Service& db = service("db", 1);
    db.spec.mounts.push_back({"volume", "data", "/var/lib/db", false, {}});
    stack.volumes.push_back({"data", "play_data", "", {}, {}, false, {}});
    return db;
  }
  // A replica of this stack as observe would report it, with the spec of `s` as it is now.
  ObservedContainer& runs(const std::string& host, const Service& s, const std::string& slot,
                          const std::string& state = "running", std::string name = "") {
    ObservedContainer c;
    c.name = name.empty() ? container_name(stack, s, slot) : name;
    c.id = host + "/" + c.name;
    c.state = state;
    auto canonical = canonical_spec(stack, s);
    c.labels = {{labels::kStack, stack.name}, {labels::kService, s.name}, {labels::kSlot, slot},
                {labels::kSpecHash, spec_hash(canonical)}, {labels::kSpec, canonical.dump()}};
    c.restart = s.spec.restart;
    this->host(host).containers.push_back(c);
    return this->host(host).containers.back();
  }
  void unreachable(const std::string& name) {
    ObservedHost& h = host(name);
    h = ObservedHost{};
    h.name = name;
    h.error = Error{ErrorKind::kHost, {}, name, "", "ssh: connect to host: Connection refused", ""};
  }
  Plan plan() {
    return make_plan(stack, observed, place(stack, inventory, observed, Strategy::kBinpack));
  }
};

std::vector<std::string> actions(const Plan& plan) {
  std::vector<std::string> out;
  for (const Change& c : plan.changes)
    out.push_back(std::string(action_name(c.action)) + " " + c.container + "@" + c.host +
                  (c.leftover ? " (leftover)" : ""));
  return out;
}

TEST(ContainerState, OneRuleForWhatCountsAsRunning) {
  for (const char* state : {"running", "restarting", "paused"}) {
    ObservedContainer c;
    c.state = state;
    EXPECT_TRUE(counts_as_running(c)) << state;
  }
  for (const char* state : {"created", "exited", "dead", "removing", ""}) {
    ObservedContainer c;
    c.state = state;
    EXPECT_FALSE(counts_as_running(c)) << state;
  }
}

TEST(SlotNumber, OneParserForSlots) {
  EXPECT_EQ(slot_number("1"), 1);
  EXPECT_EQ(slot_number("12"), 12);
  EXPECT_EQ(slot_number("0"), -1);
  EXPECT_EQ(slot_number("07"), -1);
  EXPECT_EQ(slot_number("h1"), -1);
  EXPECT_EQ(slot_number(""), -1);
  EXPECT_EQ(slot_number("99999999999"), -1);
  EXPECT_TRUE(slot_less("2", "10"));
  EXPECT_TRUE(slot_less("10", "h1"));
  EXPECT_FALSE(slot_less("h1", "2"));
}

TEST(UnknownIsNotEmpty, AReplicaOnAnUnreachableHostIsNeverCreatedElsewhere) {
  World w;
  Service& db = w.database();
  w.runs("h1", db, "1");
  w.unreachable("h1");
  Plan plan = w.plan();
  EXPECT_TRUE(plan.changes.empty()) << ::testing::PrintToString(actions(plan));
  for (const InfraChange& r : plan.infra) EXPECT_NE(r.action, Action::kCreate) << r.name;
  ASSERT_EQ(plan.unknown.size(), 1u);
  EXPECT_EQ(plan.unknown[0].service, "db");
  EXPECT_THAT(plan.unknown[0].reason, HasSubstr("h1"));
  ASSERT_EQ(plan.unreachable.size(), 1u);
  EXPECT_EQ(plan.unreachable[0].host, "h1");
  EXPECT_THAT(plan.unreachable[0].error, HasSubstr("Connection refused"));
}

TEST(UnknownIsNotEmpty, SlotsSeenOnReachableHostsArePlannedAsUsual) {
  World w;
  Service& web = w.service("web", 3);
  w.runs("h2", web, "1");
  w.runs("h3", web, "2");
  web.spec.image = "busybox:2";  // a new version: what runs where it can be seen rolls
  w.unreachable("h1");
  Plan plan = w.plan();
  EXPECT_THAT(actions(plan), ElementsAre("recreate play-web-1@h2", "recreate play-web-2@h3"));
  ASSERT_EQ(plan.unknown.size(), 1u);  // slot 3 may run on h1
  EXPECT_EQ(plan.unknown[0].slot, "3");
}

TEST(UnknownIsNotEmpty, ScaleUpWaitsRemovedServicesGo) {
  World w;
  Service& web = w.service("web", 2);
  w.runs("h2", web, "1");
  Service old = web;
  old.name = "old";
  w.runs("h2", old, "1");  // a service no longer in the stack
  w.unreachable("h1");
  Plan plan = w.plan();
  EXPECT_THAT(actions(plan), ElementsAre("remove play-old-1@h2"));
  ASSERT_EQ(plan.unknown.size(), 1u);
  EXPECT_EQ(plan.unknown[0].slot, "2");
}

TEST(UnknownIsNotEmpty, AGlobalServiceLeavesOnlyTheUnreachableHostsSlot) {
  World w;
  Service& agent = w.service("agent", 1);
  agent.mode = ServiceMode::kGlobal;
  w.unreachable("h2");
  Plan plan = w.plan();
  EXPECT_THAT(actions(plan), ElementsAre("create play-agent-h1@h1", "create play-agent-h3@h3"));
  ASSERT_EQ(plan.unknown.size(), 1u);
  EXPECT_EQ(plan.unknown[0].slot, "h2");
}

TEST(Drain, ReplicasMoveOffADrainedHostAndNothingNewLands) {
  World w;
  Service& web = w.service("web", 2);
  w.runs("h1", web, "1");
  w.runs("h1", web, "2");
  w.inventory.hosts[0].drain = true;
  Plan plan = w.plan();
  ASSERT_EQ(plan.changes.size(), 2u);
  for (const Change& c : plan.changes) {
    EXPECT_EQ(c.action, Action::kMove);
    EXPECT_EQ(c.from_host, "h1");
    EXPECT_NE(c.host, "h1");
  }
  EXPECT_TRUE(plan.data_moves.empty());  // web has no named volume
}

TEST(Stateful, AReplicaWithANamedVolumeStaysWhenItsHostIsShortOfResources) {
  World w;
  Service& db = w.database();
  db.reservations.memory = 6LL << 30;
  w.runs("h1", db, "1");
  w.host("h1").capacity.memory = 4LL << 30;  // shrunk below what db reserves
  Plan plan = w.plan();
  EXPECT_TRUE(plan.changes.empty()) << ::testing::PrintToString(actions(plan));
  ASSERT_EQ(plan.placements.size(), 1u);
  EXPECT_EQ(plan.placements[0].host, "h1");
}

TEST(Stateful, DrainingItsHostMovesItAndSaysTheDataStays) {
  World w;
  Service& db = w.database();
  w.runs("h1", db, "1");
  w.inventory.hosts[0].drain = true;
  Plan plan = w.plan();
  ASSERT_EQ(plan.data_moves.size(), 1u);
  EXPECT_EQ(plan.data_moves[0].from_host, "h1");
  EXPECT_THAT(plan.data_moves[0].volumes, ElementsAre("play_data"));
}

TEST(CrashConsistent, OldReplicaParkedWithNoNewOneIsPutBack) {
  World w;
  Service& web = w.service("web", 1);
  w.runs("h1", web, "1", "exited", "play-web-1-berth-old");
  Plan plan = w.plan();
  ASSERT_EQ(plan.changes.size(), 1u);
  EXPECT_EQ(plan.changes[0].action, Action::kUpdate);
  EXPECT_EQ(plan.changes[0].container, "play-web-1");
  std::vector<std::string> paths;
  for (const auto& f : plan.changes[0].fields) paths.push_back(f.path);
  EXPECT_THAT(paths, ElementsAre("name", "state"));
}

TEST(CrashConsistent, ParkedOldSpecWithNoNewOneIsReplaced) {
  World w;
  Service& web = w.service("web", 1);
  w.runs("h1", web, "1", "exited", "play-web-1-berth-old");
  web.spec.image = "busybox:2";
  Plan plan = w.plan();
  EXPECT_THAT(actions(plan), ElementsAre("recreate play-web-1@h1"));
  EXPECT_THAT(plan.changes[0].container_id, HasSubstr("berth-old"));
}

TEST(CrashConsistent, NewCreatedNotStartedBesideTheParkedOld) {
  World w;
  Service& web = w.service("web", 1);
  w.runs("h1", web, "1", "exited", "play-web-1-berth-old").labels[labels::kSpecHash] = "old";
  w.runs("h1", web, "1", "created");
  Plan plan = w.plan();
  EXPECT_THAT(actions(plan), ElementsAre("update play-web-1@h1",
                                         "remove play-web-1-berth-old@h1 (leftover)"));
}

TEST(CrashConsistent, BothRunningFinishesTheReplacement) {
  World w;
  Service& web = w.service("web", 1);
  w.runs("h1", web, "1", "running", "play-web-1-berth-old").labels[labels::kSpecHash] = "old";
  w.runs("h1", web, "1");
  Plan plan = w.plan();
  EXPECT_THAT(actions(plan), ElementsAre("remove play-web-1-berth-old@h1 (leftover)"));
}

TEST(CrashConsistent, AHalfDoneMoveKeepsTheCopyThatServes) {
  World w;
  Service& web = w.service("web", 1);
  w.runs("h1", web, "1", "created");
  w.runs("h2", web, "1", "running");
  Plan plan = w.plan();
  EXPECT_THAT(actions(plan), ElementsAre("remove play-web-1@h1 (leftover)"));
}

TEST(Blockers, ANameTakenByAContainerBerthDoesNotOwn) {
  World w;
  w.service("web", 1);
  ObservedContainer stranger;
  stranger.id = "x";
  stranger.name = "play-web-1";
  stranger.image = "nginx";
  stranger.state = "running";
  for (auto& h : w.observed.hosts) h.containers.push_back(stranger);
  Plan plan = w.plan();
  ASSERT_EQ(plan.blockers.size(), 1u);
  EXPECT_THAT(plan.blockers[0].str(), HasSubstr("play-web-1 is taken by a container berth does "
                                                "not own (nginx)"));
}

TEST(Blockers, ANetworkOfTheSameNameBerthDidNotCreate) {
  World w;
  Service& web = w.service("web", 1);
  web.spec.networks = {"default"};
  w.stack.networks.push_back({"default", "play_default", "", {}, {}, false, false, false, {}});
  for (auto& h : w.observed.hosts) h.other_networks.push_back("play_default");
  Plan plan = w.plan();
  ASSERT_EQ(plan.blockers.size(), 1u);
  EXPECT_THAT(plan.blockers[0].str(), HasSubstr("network named play_default"));
}

TEST(Blockers, TwoInventoryNamesForOneEngine) {
  World w;
  w.service("web", 1);
  w.host("h3").engine_id = "engine-h1";
  Plan plan = w.plan();
  ASSERT_EQ(plan.blockers.size(), 1u);
  EXPECT_THAT(plan.blockers[0].message, HasSubstr("h1, h3 reach the same Docker engine"));
}

TEST(Blockers, AnExistingVolumeOfTheSameNameIsUsedAsCompose) {
  World w;
  w.database();
  for (auto& h : w.observed.hosts) h.other_volumes.push_back("play_data");
  Plan plan = w.plan();
  EXPECT_TRUE(plan.blockers.empty());
  for (const InfraChange& r : plan.infra) EXPECT_NE(r.kind, InfraChange::Kind::kVolume);
}

}  // namespace
}  // namespace berth
