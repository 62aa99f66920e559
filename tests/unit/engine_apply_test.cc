// The engine's apply over in-memory providers: ordering, idempotence, locks, partial failure,
// scale down and rollback. Real engines are exercised by tests/integration.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>

#include "engine/apply.h"
#include "engine/lock.h"
#include "engine/observe.h"
#include "fake_fleet.h"
#include "fake_provider.h"
#include "planner/placement.h"
#include "planner/plan.h"

namespace berth {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::FakeProvider;

using testing::SilentProgress;

Service service(const std::string& name, int replicas) {
  Service s = testing::busybox_service(name, replicas);
  s.update_config.monitor = 0;  // the fake's replicas are healthy at once
  return s;
}

Stack demo_stack() {
  Stack stack;
  stack.name = "demo";
  Service db = service("db", 1);
  Service web = service("web", 2);
  web.depends_on.push_back({"db", "service_healthy", true, {}});
  stack.services = {db, web};
  NetworkSpec net;
  net.key = "default";
  net.name = "demo_default";
  stack.networks = {net};
  return stack;
}

struct World {
  Fleet fleet;
  std::vector<FakeProvider*> hosts;
  explicit World(int n) {
    for (int i = 1; i <= n; ++i) {
      Host h;
      h.name = "h" + std::to_string(i);
      fleet.inventory.hosts.push_back(h);
      auto p = std::make_unique<FakeProvider>(h.name);
      hosts.push_back(p.get());
      fleet.providers.push_back(std::move(p));
    }
  }
  Plan plan(const Stack& stack) {
    Observed observed = observe(stack.name, fleet, 4);
    return make_plan(stack, observed, place(stack, fleet.inventory, observed, stack.strategy));
  }
  ApplyReport apply(const Stack& stack) {
    SilentProgress progress;
    ApplyOptions options;
    options.health_timeout = 2'000'000'000;
    return apply_plan(stack, plan(stack), fleet, options, progress);
  }
  std::vector<std::string> all_running() const {
    std::vector<std::string> out;
    for (auto* h : hosts)
      for (auto& n : h->running()) out.push_back(n);
    std::sort(out.begin(), out.end());
    return out;
  }
};

TEST(EngineApply, CreatesEverythingThenPlansNoChanges) {
  World world(1);
  Stack stack = demo_stack();
  ApplyReport report = world.apply(stack);
  EXPECT_TRUE(report.ok());
  EXPECT_THAT(world.all_running(), ElementsAre("demo-db-1", "demo-web-1", "demo-web-2"));
  Plan again = world.plan(stack);
  EXPECT_FALSE(again.has_changes()) << again.changes.size() << " changes on a converged stack";
  EXPECT_EQ(again.summary.unchanged, 3);
}

TEST(EngineApply, NetworkFirstThenDependenciesBeforeDependents) {
  World world(1);
  world.apply(demo_stack());
  const auto& calls = world.hosts[0]->calls;
  auto at = [&](const std::string& call) {
    return std::find(calls.begin(), calls.end(), call) - calls.begin();
  };
  EXPECT_LT(at("create network demo_default"), at("create demo-db-1"));
  EXPECT_LT(at("start demo-db-1"), at("create demo-web-1"));
  EXPECT_LT(at("start demo-db-1"), at("create demo-web-2"));
}

TEST(EngineApply, ScaleDownRemovesHighestSlots) {
  World world(1);
  Stack stack = demo_stack();
  stack.services[1].replicas = 3;
  world.apply(stack);
  stack.services[1].replicas = 1;
  world.apply(stack);
  EXPECT_THAT(world.all_running(), ElementsAre("demo-db-1", "demo-web-1"));
}

TEST(EngineApply, SecondRunFailsFastOnLockNamingTheHolder) {
  World world(2);
  // Another run's lock: a lock volume whose holder is a live process on another machine.
  VolumeSpec lock;
  lock.name = "berth-lock-demo";
  (void)world.hosts[0]->create_volume(
      lock, {{"io.berth.lock", "demo"}, {"io.berth.lock.kind", "lock"},
             {"io.berth.lock.id", "other"}, {"io.berth.lock.user", "alice"},
             {"io.berth.lock.machine", "laptop-7"}, {"io.berth.lock.pid", "4242"},
             {"io.berth.lock.since", "2026-11-22T10:00:00Z"}, {"io.berth.lock.ttl", "60"}});
  auto held = StackLock::acquire("demo", world.fleet, {});
  ASSERT_FALSE(held.ok());
  EXPECT_EQ(held.error().kind, ErrorKind::kLock);
  EXPECT_THAT(held.error().str(), HasSubstr("alice@laptop-7 (pid 4242)"));
  // The gate (h1) was held, so nothing was taken on h2 either.
  EXPECT_EQ(world.hosts[1]->volumes.count("berth-lock-demo"), 0u);
}

TEST(EngineApply, LockIsTakenOnEveryHostAndReleased) {
  World world(3);
  auto lock = StackLock::acquire("demo", world.fleet, {});
  ASSERT_TRUE(lock.ok()) << lock.error().str();
  for (auto* h : world.hosts) {
    ASSERT_EQ(h->volumes.count("berth-lock-demo"), 1u) << h->host();
    EXPECT_EQ(h->volumes["berth-lock-demo"].labels["io.berth.lock.pid"],
              std::to_string(getpid()));
  }
  EXPECT_TRUE((*lock)->release().ok());
  for (auto* h : world.hosts) EXPECT_EQ(h->volumes.count("berth-lock-demo"), 0u) << h->host();
}

TEST(EngineApply, AnUnreachableHostFailsTheLockUnlessSkipped) {
  World world(2);
  world.hosts[1]->down = true;
  auto strict = StackLock::acquire("demo", world.fleet, {});
  ASSERT_FALSE(strict.ok());
  EXPECT_EQ(strict.error().kind, ErrorKind::kHost);
  EXPECT_THAT(strict.error().message, HasSubstr("h2"));
  EXPECT_EQ(world.hosts[0]->volumes.count("berth-lock-demo"), 0u);
  LockOptions skip;
  skip.skip_unreachable = true;
  auto lenient = StackLock::acquire("demo", world.fleet, skip);
  ASSERT_TRUE(lenient.ok());
  EXPECT_EQ((*lenient)->unreachable().size(), 1u);
  EXPECT_EQ(world.hosts[0]->volumes.count("berth-lock-demo"), 1u);
}

TEST(EngineApply, FailedHostIsReportedAndOthersComplete) {
  World world(2);
  Stack stack = demo_stack();
  stack.services[1].replicas = 4;
  stack.services[1].placement.max_replicas_per_node = 2;
  Plan plan = world.plan(stack);
  world.hosts[1]->fail_create_of = "";
  // h2 goes down after planning: its part fails, h1's part is done.
  world.hosts[1]->down = true;
  SilentProgress progress;
  ApplyReport report = apply_plan(stack, plan, world.fleet, {}, progress);
  EXPECT_FALSE(report.ok());
  ASSERT_EQ(report.hosts.size(), 2u);
  EXPECT_TRUE(report.hosts[0].errors.empty());
  EXPECT_FALSE(report.hosts[1].errors.empty());
  EXPECT_FALSE(world.hosts[0]->running().empty());
}

TEST(EngineApply, FailedRolloutKeepsThePreviousReplica) {
  World world(1);
  Stack stack = demo_stack();
  world.apply(stack);
  world.hosts[0]->images.push_back("busybox:bad");
  world.hosts[0]->unhealthy_image = "busybox:bad";
  stack.services[0].spec.image = "busybox:bad";
  SilentProgress progress;
  ApplyOptions options;
  ApplyReport report = apply_plan(stack, world.plan(stack), world.fleet, options, progress);
  EXPECT_FALSE(report.ok());
  ASSERT_EQ(report.rollouts.size(), 1u);
  EXPECT_EQ(report.rollouts[0].result, "paused");  // Swarm's default failure_action
  EXPECT_THAT(report.rollouts[0].message, HasSubstr("demo-db-1 is unhealthy"));
  EXPECT_THAT(world.all_running(), ElementsAre("demo-db-1", "demo-web-1", "demo-web-2"));
  for (auto& [id, c] : world.hosts[0]->containers)
    if (c.name == "demo-db-1") {
      EXPECT_EQ(c.image, "busybox");
    }
}

TEST(EngineApply, AReplicaLeftParkedByACrashedRunIsPutBack) {
  World world(1);
  Stack stack = demo_stack();
  world.apply(stack);
  // As a run killed between "rename aside" and "create the new one" leaves it.
  for (auto& [id, c] : world.hosts[0]->containers)
    if (c.name == "demo-web-1") {
      c.name = "demo-web-1-berth-old";
      c.state = "exited";
    }
  ApplyReport report = world.apply(stack);
  EXPECT_TRUE(report.ok());
  EXPECT_THAT(world.all_running(), ElementsAre("demo-db-1", "demo-web-1", "demo-web-2"));
  EXPECT_FALSE(world.plan(stack).has_changes());
}

TEST(EngineApply, AnInterruptRollsBackTheReplacementInProgress) {
  World world(1);
  Stack stack = demo_stack();
  world.apply(stack);
  world.hosts[0]->images.push_back("busybox:slow");
  world.hosts[0]->starting_image = "busybox:slow";  // never becomes healthy
  stack.services[0].spec.image = "busybox:slow";
  SilentProgress progress;
  ApplyOptions options;
  int polls = 0;
  options.interrupted = [&] { return ++polls > 3; };
  ApplyReport report = apply_plan(stack, world.plan(stack), world.fleet, options, progress);
  EXPECT_TRUE(report.interrupted);
  EXPECT_THAT(world.all_running(), ElementsAre("demo-db-1", "demo-web-1", "demo-web-2"));
  for (auto& [id, c] : world.hosts[0]->containers) {
    EXPECT_EQ(c.name.find("berth-old"), std::string::npos) << c.name;
    if (c.name == "demo-db-1") EXPECT_EQ(c.image, "busybox");
  }
}

}  // namespace
}  // namespace berth
