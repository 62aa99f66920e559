// berth status (engine/status.h, cmd/status.h) over in-memory FakeProviders: a stack applied by
// the engine, then a replica turned unhealthy, a service removed from the stack, rollout records
// on two hosts and a host gone; what the table and the JSON say.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "cmd/status.h"
#include "engine/apply.h"
#include "engine/observe.h"
#include "engine/rollout_record.h"
#include "fake_fleet.h"
#include "planner/placement.h"

namespace berth {
namespace {

using testing::busybox_service;
using testing::FakeFleet;
using ::testing::HasSubstr;
using testing::SilentProgress;

constexpr int64_t kNoon = 1796212800000;  // 2026-12-02T12:00:00Z

struct StatusWorld : FakeFleet {
  Stack stack;

  StatusWorld() : FakeFleet({"h1", "h2", "h3"}) {
    stack.name = "demo";
    stack.strategy = Strategy::kSpread;
    stack.services = {busybox_service("db", 1), busybox_service("web", 3)};
    NetworkSpec net;
    net.key = "default";
    net.name = "demo_default";
    stack.networks = {net};
  }
  Plan plan_against(const Observed& observed) {
    return make_plan(stack, observed, place(stack, fleet.inventory, observed, stack.strategy));
  }
  void apply() {
    SilentProgress quiet;
    ApplyOptions options;
    options.health_timeout = 2'000'000'000;
    ApplyReport report =
        apply_plan(stack, plan_against(observe(stack.name, fleet, 4)), fleet, options, quiet);
    ASSERT_TRUE(report.ok());
  }
  StackStatus status() {
    Observed observed = observe(stack.name, fleet, 4);
    return stack_status(stack, observed, plan_against(observed));
  }
  ObservedContainer& container(int host, const std::string& name) {
    for (auto& [id, c] : hosts[host]->containers)
      if (c.name == name) return c;
    ADD_FAILURE() << name << " not on " << hosts[host]->host();
    return hosts[host]->containers.begin()->second;
  }
};

const ServiceStatus& find(const StackStatus& s, const std::string& name) {
  for (const auto& svc : s.services)
    if (svc.service == name) return svc;
  ADD_FAILURE() << "no service " << name;
  return s.services.front();
}

TEST(Status, AConvergedStackIsUpToDateOnEveryHost) {
  StatusWorld w;
  w.apply();
  StackStatus s = w.status();
  ASSERT_EQ(s.services.size(), 2u);
  const ServiceStatus& web = find(s, "web");
  EXPECT_EQ(web.desired, 3);
  EXPECT_EQ(web.running, 3);
  EXPECT_EQ(web.healthy, 3);
  EXPECT_EQ(web.pending_changes, 0);
  ASSERT_EQ(web.hosts.size(), 3u);  // spread: one per host
  for (const HostServiceStatus& h : web.hosts) {
    EXPECT_EQ(h.desired, 1) << h.host;
    EXPECT_EQ(h.running, 1) << h.host;
    EXPECT_EQ(h.images, std::vector<std::string>{"busybox"});
    ASSERT_EQ(h.versions.size(), 1u);
    EXPECT_EQ(h.versions[0].size(), 12u);
  }
  EXPECT_FALSE(web.last_rollout);
  EXPECT_TRUE(s.unreachable.empty());
}

TEST(Status, SaysWhatIsUnhealthyGoneUnreachableAndHowTheLastRolloutEnded) {
  StatusWorld w;
  w.apply();
  // web-1 is unhealthy; a service removed from the stack still runs on h1; h2 recorded a newer
  // rollout of web than h1 did; the commit label wins over the spec hash as the version.
  for (int i = 0; i < 3; ++i)
    for (auto& [id, c] : w.hosts[i]->containers)
      if (c.name == "demo-web-1") c.health = "unhealthy";
  ObservedContainer old = w.container(0, w.hosts[0]->containers.begin()->second.name);
  old.id = "old1";
  old.name = "demo-old-1";
  old.labels[labels::kService] = "old";
  old.labels[labels::kCommit] = "0123456789abcdef0123";
  old.state = "running";
  old.health = "";
  w.hosts[0]->containers["old1"] = old;
  ASSERT_TRUE(write_rollout_record(*w.hosts[0], "demo", "web",
                                   {"completed", kNoon, "3 of 3 replicas updated", ""})
                  .ok());
  ASSERT_TRUE(write_rollout_record(*w.hosts[1], "demo", "web",
                                   {"rolled_back", kNoon + 60000, "demo-web-2 unhealthy", ""})
                  .ok());
  w.hosts[2]->down = true;

  StackStatus s = w.status();
  const ServiceStatus& web = find(s, "web");
  EXPECT_EQ(web.desired, 3);  // h3's slot is unknown, still desired
  EXPECT_EQ(web.running, 2);
  EXPECT_EQ(web.healthy, 1);
  ASSERT_TRUE(web.last_rollout);
  EXPECT_EQ(web.last_rollout->result, "rolled_back");
  EXPECT_EQ(web.last_rollout->host, "h2");
  const ServiceStatus& gone = find(s, "old");
  EXPECT_FALSE(gone.in_stack);
  EXPECT_EQ(gone.desired, 0);
  EXPECT_EQ(gone.pending_changes, 1);  // its removal
  EXPECT_EQ(gone.hosts.at(0).versions, std::vector<std::string>{"0123456789ab"});
  ASSERT_EQ(s.unreachable.size(), 1u);
  EXPECT_EQ(s.unreachable[0].host, "h3");

  std::ostringstream text;
  cli::render_status(text, s);
  EXPECT_THAT(text.str(), HasSubstr("SERVICE/HOST  DESIRED  RUNNING  HEALTHY  IMAGE    VERSION\n"));
  EXPECT_THAT(text.str(),
              HasSubstr("web                 3        2        1  up to date; last rollout "
                        "rolled_back 2026-12-02T12:01:00Z: demo-web-2 unhealthy\n"));
  EXPECT_THAT(text.str(), HasSubstr("old                 0        1        1  removed from the "
                                    "stack; no rollout recorded\n"));
  EXPECT_THAT(text.str(),
              HasSubstr("  h1                0        1        1  busybox  0123456789ab\n"));
  EXPECT_THAT(text.str(), HasSubstr("unreachable: h3: "));
  EXPECT_THAT(text.str(), HasSubstr("fake host is down"));

  nlohmann::json j = cli::status_json(s);
  EXPECT_EQ(j["stack"], "demo");
  EXPECT_EQ(j["unreachable"][0]["host"], "h3");
  for (const auto& svc : j["services"]) {
    if (svc["service"] != "web") continue;
    EXPECT_EQ(svc["healthy"], 1);
    EXPECT_EQ(svc["last_rollout"]["result"], "rolled_back");
    EXPECT_EQ(svc["last_rollout"]["at"], "2026-12-02T12:01:00Z");
  }
}

}  // namespace
}  // namespace berth
