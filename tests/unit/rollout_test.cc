// Rollouts over in-memory providers (engine/rollout.cc, planner/rollout.h): batches and their
// events, failure_action rollback / pause / continue, max_failure_ratio, stop-first for a fixed
// host port, the plan's description. Real engines: tests/integration/rollout_test.cc.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <mutex>

#include "engine/apply.h"
#include "engine/observe.h"
#include "fake_provider.h"
#include "planner/placement.h"
#include "planner/plan.h"

namespace berth {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::FakeProvider;

class Recorder : public Progress {
 public:
  void event(const Event& e) override {
    std::lock_guard<std::mutex> guard(mu_);
    events.push_back(e);
  }
  std::vector<std::string> kinds(std::initializer_list<EventKind> only) const {
    std::vector<std::string> out;
    for (const Event& e : events)
      for (EventKind k : only)
        if (e.kind == k) out.push_back(event_name(k));
    return out;
  }
  std::vector<Event> events;

 private:
  std::mutex mu_;
};

struct World {
  Fleet fleet;
  FakeProvider* host = nullptr;
  Stack stack;
  World() {
    Host h;
    h.name = "h1";
    fleet.inventory.hosts.push_back(h);
    auto p = std::make_unique<FakeProvider>("h1", Resources{64 * kNanoCpusPerCpu, 64LL << 30, 0});
    host = p.get();
    fleet.providers.push_back(std::move(p));
    stack.name = "demo";
    Service web;
    web.name = "web";
    web.replicas = 6;
    web.spec.image = "busybox";
    web.update_config.parallelism = 2;
    web.update_config.monitor = 0;
    web.rollback_config.parallelism = 3;
    stack.services = {web};
  }
  Service& web() { return stack.services[0]; }
  Plan plan() {
    Observed observed = observe(stack.name, fleet, 4);
    return make_plan(stack, observed, place(stack, fleet.inventory, observed, stack.strategy));
  }
  ApplyReport apply(Recorder& events) {
    ApplyOptions options;
    options.health_timeout = 2'000'000'000;
    return apply_plan(stack, plan(), fleet, options, events);
  }
  // A new version whose replicas in `bad` report unhealthy.
  void new_version(std::set<std::string> bad = {}) {
    host->images.push_back("busybox:2");
    host->unhealthy_image = bad.empty() ? "" : "busybox:2";
    host->unhealthy_names = std::move(bad);
    web().spec.image = "busybox:2";
  }
  int on_image(const std::string& image) {
    int n = 0;
    for (auto& [id, c] : host->containers) n += c.image == image && c.state == "running";
    return n;
  }
};

TEST(Rollout, BatchesOfParallelismEachStartedAfterTheLastIsHealthy) {
  World w;
  Recorder first;
  w.apply(first);
  w.new_version();
  Recorder r;
  ApplyReport report = w.apply(r);
  EXPECT_TRUE(report.ok());
  auto order = r.kinds({EventKind::kBatchStarted, EventKind::kReplicaHealthy});
  EXPECT_EQ(order, (std::vector<std::string>{"batch_started", "replica_healthy", "replica_healthy",
                                             "batch_started", "replica_healthy", "replica_healthy",
                                             "batch_started", "replica_healthy",
                                             "replica_healthy"}));
  EXPECT_EQ(w.on_image("busybox:2"), 6);
  ASSERT_EQ(report.rollouts.size(), 1u);
  EXPECT_EQ(report.rollouts[0].result, "completed");
}

TEST(Rollout, RollbackReturnsEveryReplicaToTheSameOldContainers) {
  World w;
  Recorder first;
  w.web().update_config.failure_action = "rollback";
  w.apply(first);
  std::set<std::string> before;
  for (auto& [id, c] : w.host->containers) before.insert(id);
  w.new_version({"demo-web-3"});  // the second batch fails
  Recorder r;
  ApplyReport report = w.apply(r);
  ASSERT_EQ(report.rollouts.size(), 1u);
  EXPECT_EQ(report.rollouts[0].result, "rolled_back");
  EXPECT_THAT(r.kinds({EventKind::kRollbackStarted, EventKind::kRollbackFinished}),
              ElementsAre("rollback_started", "rollback_finished"));
  std::set<std::string> after;
  for (auto& [id, c] : w.host->containers) {
    after.insert(id);
    EXPECT_EQ(c.name.find("berth-old"), std::string::npos) << c.name;
  }
  EXPECT_EQ(after, before);
  EXPECT_EQ(w.on_image("busybox"), 6);
}

TEST(Rollout, PauseStopsAfterTheFailingBatchEveryReplicaRunning) {
  World w;
  Recorder first;
  w.apply(first);
  w.new_version({"demo-web-3"});
  Recorder r;
  ApplyReport report = w.apply(r);
  ASSERT_EQ(report.rollouts.size(), 1u);
  EXPECT_EQ(report.rollouts[0].result, "paused");
  EXPECT_THAT(report.rollouts[0].message, HasSubstr("after batch 2/3"));
  EXPECT_EQ(r.kinds({EventKind::kBatchStarted}).size(), 2u);
  EXPECT_EQ(w.on_image("busybox:2"), 3);  // batch 1, and slot 4 of batch 2
  EXPECT_EQ(w.on_image("busybox"), 3);    // slot 3 put back, slots 5 and 6 untouched
}

TEST(Rollout, ContinueKeepsGoingPastFailures) {
  World w;
  Recorder first;
  w.web().update_config.failure_action = "continue";
  w.apply(first);
  w.new_version({"demo-web-1", "demo-web-2"});
  Recorder r;
  ApplyReport report = w.apply(r);
  EXPECT_EQ(r.kinds({EventKind::kBatchStarted}).size(), 3u);
  EXPECT_EQ(r.kinds({EventKind::kReplicaFailed}).size(), 2u);
  EXPECT_EQ(w.on_image("busybox:2"), 6);
  EXPECT_EQ(report.rollouts[0].result, "completed");
}

TEST(Rollout, MaxFailureRatioLetsFewFailuresThrough) {
  World w;
  Recorder first;
  w.web().update_config.failure_action = "rollback";
  w.web().update_config.max_failure_ratio = 0.2;
  w.apply(first);
  w.new_version({"demo-web-1"});  // 1 of 6 = 0.17: within the ratio
  Recorder r;
  ApplyReport report = w.apply(r);
  EXPECT_EQ(r.kinds({EventKind::kBatchStarted}).size(), 3u);
  EXPECT_EQ(r.kinds({EventKind::kRollbackStarted}).size(), 0u);
  EXPECT_EQ(w.on_image("busybox:2"), 5);
  EXPECT_EQ(report.rollouts[0].result, "failed");  // one replica kept on the old spec
  w.new_version({"demo-web-1", "demo-web-2"});
  w.web().spec.image = "busybox:3";
  w.host->images.push_back("busybox:3");
  w.host->unhealthy_image = "busybox:3";
  Recorder again;
  ApplyReport second = w.apply(again);
  EXPECT_EQ(second.rollouts[0].result, "rolled_back");  // 2 of 6 = 0.33 > 0.2
}

TEST(RolloutPlan, AFixedHostPortOnTheSameHostGoesStopFirst) {
  World w;
  w.web().replicas = 1;
  w.web().update_config.order = "start-first";
  w.web().spec.ports.push_back({"", 8080, 80, "tcp", {}});
  Recorder first;
  w.apply(first);
  for (auto& [id, c] : w.host->containers) c.published_ports = {8080};
  w.web().spec.image = "busybox:2";
  w.host->images.push_back("busybox:2");
  Plan plan = w.plan();
  ASSERT_EQ(plan.rollouts.size(), 1u);
  EXPECT_THAT(plan.rollouts[0].stop_first_slots, ElementsAre("1"));
  ASSERT_EQ(plan.changes.size(), 1u);
  EXPECT_TRUE(plan.changes[0].stop_first);
  EXPECT_THAT(plan.rollouts[0].describe(), HasSubstr("slot 1 goes stop-first"));
}

TEST(RolloutPlan, DescribesHowTheServiceRolls) {
  World w;
  w.web().update_config.order = "start-first";
  w.web().update_config.monitor = 5'000'000'000;
  Recorder first;
  w.web().update_config.monitor = 0;
  w.apply(first);
  w.web().update_config.monitor = 5'000'000'000;
  w.new_version();
  Plan plan = w.plan();
  ASSERT_EQ(plan.rollouts.size(), 1u);
  EXPECT_EQ(plan.rollouts[0].describe(),
            "web: 6 replicas in 3 batches of 2, start-first, monitor 5s, on failure pause");
}

TEST(RolloutPlan, DurationsAreWrittenAsGoAndComposeDo) {
  EXPECT_EQ(format_duration(0), "0s");
  EXPECT_EQ(format_duration(500'000'000), "500ms");
  EXPECT_EQ(format_duration(90'000'000'000), "1m30s");
  EXPECT_EQ(format_duration(3'600'000'000'000), "1h0m0s");
  EXPECT_EQ(format_duration(1'500'000'000), "1.5s");
}

}  // namespace
}  // namespace berth
