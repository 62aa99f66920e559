// The diff (planner/plan.h) on hand-built stacks and observed states.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "planner/model_json.h"
#include "planner/plan.h"
#include "planner/spec.h"

namespace berth {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

Stack stack_with(int replicas) {
  Stack st;
  st.name = "demo";
  Service s;
  s.name = "web";
  s.replicas = replicas;
  s.spec.image = "nginx:1";
  s.spec.environment = {{"MODE", "prod"}, {"DB_PASSWORD", "hunter2"}};
  s.spec.networks = {"default"};
  st.services = {s};
  st.networks = {NetworkSpec{"default", "demo_default"}};
  return st;
}

ObservedContainer replica(const Stack& st, const Service& s, const std::string& slot,
                          const std::string& id) {
  auto canonical = canonical_spec(st, s);
  ObservedContainer c;
  c.id = id;
  c.name = "demo-web-" + slot;
  c.state = "running";
  c.restart = "no";
  c.labels = {{labels::kStack, "demo"}, {labels::kService, "web"}, {labels::kSlot, slot},
              {labels::kSpecHash, spec_hash(canonical)}, {labels::kSpec, canonical.dump()}};
  return c;
}

Observed one_host(std::vector<ObservedContainer> containers, bool with_network = true) {
  Observed o;
  o.stack = "demo";
  ObservedHost h;
  h.name = "local";
  h.reachable = true;
  h.capacity = {2 * kNanoCpusPerCpu, 4LL << 30, 0};
  h.containers = std::move(containers);
  if (with_network)
    h.networks = {{"n1", "demo_default", {{labels::kStack, "demo"}, {labels::kNetwork, "default"}}}};
  o.hosts = {h};
  return o;
}

PlacementResult placed(int n, const std::string& host = "local") {
  PlacementResult p;
  for (int i = 1; i <= n; ++i) p.placements.push_back({"web", std::to_string(i), host});
  return p;
}

TEST(PlanDiff, FreshStackCreatesReplicasAndTheNetwork) {
  Stack st = stack_with(2);
  Plan plan = make_plan(st, one_host({}, false), placed(2));
  ASSERT_EQ(plan.changes.size(), 2u);
  EXPECT_EQ(plan.changes[0].action, Action::kCreate);
  EXPECT_EQ(plan.changes[0].container, "demo-web-1");
  EXPECT_EQ(plan.summary.create, 2);
  ASSERT_EQ(plan.infra.size(), 1u);
  EXPECT_EQ(plan.infra[0].name, "demo_default");
  EXPECT_EQ(plan.summary.networks_create, 1);
}

TEST(PlanDiff, UnchangedStackHasNoChanges) {
  Stack st = stack_with(2);
  Observed o = one_host({replica(st, st.services[0], "1", "a"), replica(st, st.services[0], "2", "b")});
  Plan plan = make_plan(st, o, placed(2));
  EXPECT_FALSE(plan.has_changes());
  EXPECT_EQ(plan.summary.unchanged, 2);
}

TEST(PlanDiff, ImageChangeRecreatesNamingTheField) {
  Stack st = stack_with(1);
  Observed o = one_host({replica(st, st.services[0], "1", "a")});
  st.services[0].spec.image = "nginx:2";
  Plan plan = make_plan(st, o, placed(1));
  ASSERT_EQ(plan.changes.size(), 1u);
  EXPECT_EQ(plan.changes[0].action, Action::kRecreate);
  ASSERT_EQ(plan.changes[0].fields.size(), 1u);
  EXPECT_EQ(plan.changes[0].fields[0].path, "image");
  EXPECT_EQ(plan.changes[0].fields[0].old_value, "\"nginx:1\"");
  EXPECT_EQ(plan.changes[0].fields[0].new_value, "\"nginx:2\"");
}

TEST(PlanDiff, SecretEnvironmentIsMaskedInTheDocument) {
  Stack st = stack_with(1);
  Observed o = one_host({replica(st, st.services[0], "1", "a")});
  st.services[0].spec.environment["DB_PASSWORD"] = "swordfish";
  Plan plan = make_plan(st, o, placed(1));
  ASSERT_EQ(plan.changes.size(), 1u);
  EXPECT_TRUE(plan.changes[0].fields[0].secret);
  std::string doc = plan_to_json(plan).dump();
  EXPECT_THAT(doc, Not(HasSubstr("swordfish")));
  EXPECT_THAT(doc, Not(HasSubstr("hunter2")));
  EXPECT_THAT(doc, HasSubstr(kMasked));
  EXPECT_THAT(plan_to_json(plan, true).dump(), HasSubstr("swordfish"));
}

TEST(PlanDiff, LimitChangeIsAnUpdateInPlace) {
  Stack st = stack_with(1);
  Observed o = one_host({replica(st, st.services[0], "1", "a")});
  st.services[0].spec.limits.memory = 256LL << 20;
  Plan plan = make_plan(st, o, placed(1));
  ASSERT_EQ(plan.changes.size(), 1u);
  EXPECT_EQ(plan.changes[0].action, Action::kUpdate);
  EXPECT_EQ(plan.changes[0].fields[0].path, "limits.memory");
}

TEST(PlanDiff, ExitedReplicaIsStartedAgainInPlace) {
  Stack st = stack_with(1);
  auto c = replica(st, st.services[0], "1", "a");
  c.state = "exited";
  Plan plan = make_plan(st, one_host({c}), placed(1));
  ASSERT_EQ(plan.changes.size(), 1u);
  EXPECT_EQ(plan.changes[0].action, Action::kUpdate);
  EXPECT_EQ(plan.changes[0].fields[0].path, "state");
  EXPECT_EQ(plan.changes[0].fields[0].new_value, "running");
}

TEST(PlanDiff, DeadReplicaIsRecreated) {
  Stack st = stack_with(1);
  auto c = replica(st, st.services[0], "1", "a");
  c.state = "dead";
  Plan plan = make_plan(st, one_host({c}), placed(1));
  ASSERT_EQ(plan.changes.size(), 1u);
  EXPECT_EQ(plan.changes[0].action, Action::kRecreate);
}

TEST(PlanDiff, ScaleDownRemovesHighestSlotsAndRemovedServicesGo) {
  Stack st = stack_with(3);
  Observed o = one_host({replica(st, st.services[0], "1", "a"), replica(st, st.services[0], "2", "b"),
                         replica(st, st.services[0], "3", "c")});
  Plan plan = make_plan(st, o, placed(1));
  ASSERT_EQ(plan.changes.size(), 2u);
  EXPECT_EQ(plan.changes[0].action, Action::kRemove);
  EXPECT_EQ(plan.changes[0].slot, "2");
  EXPECT_EQ(plan.changes[1].slot, "3");
  Stack none;
  none.name = "demo";
  Plan gone = make_plan(none, o, {});
  EXPECT_EQ(gone.summary.remove, 3);
  EXPECT_EQ(gone.summary.networks_remove, 1);
}

TEST(PlanDiff, PlacementOnAnotherHostIsAMove) {
  Stack st = stack_with(1);
  Observed o = one_host({replica(st, st.services[0], "1", "a")});
  ObservedHost other;
  other.name = "h2";
  other.reachable = true;
  o.hosts.push_back(other);
  Plan plan = make_plan(st, o, placed(1, "h2"));
  ASSERT_EQ(plan.changes.size(), 1u);
  EXPECT_EQ(plan.changes[0].action, Action::kMove);
  EXPECT_EQ(plan.changes[0].from_host, "local");
  EXPECT_EQ(plan.changes[0].container_id, "a");
}

TEST(PlanDiff, FingerprintFollowsTheObservedState) {
  Stack st = stack_with(1);
  Observed a = one_host({replica(st, st.services[0], "1", "a")});
  Observed b = a;
  EXPECT_EQ(observed_fingerprint(a), observed_fingerprint(b));
  b.hosts[0].containers[0].state = "exited";
  EXPECT_NE(observed_fingerprint(a), observed_fingerprint(b));
}

TEST(PlanDocument, RoundTrips) {
  Stack st = stack_with(2);
  Plan plan = make_plan(st, one_host({}, false), placed(2));
  auto back = plan_from_json(plan_to_json(plan, true));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(plan_to_json(*back, true), plan_to_json(plan, true));
  EXPECT_EQ(plan_to_json(plan)["format_version"], 1);
}

TEST(ModelJson, StackAndObservedRoundTrip) {
  Stack st = stack_with(2);
  st.services[0].spec.healthcheck = HealthcheckSpec{false, {"CMD", "true"}, 1, 2, 3, 4};
  auto back = stack_from_json(stack_to_json(st));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(stack_to_json(*back), stack_to_json(st));
  Observed o = one_host({replica(st, st.services[0], "1", "a")});
  auto ob = observed_from_json(observed_to_json(o));
  ASSERT_TRUE(ob.ok());
  EXPECT_EQ(observed_to_json(*ob), observed_to_json(o));
  EXPECT_FALSE(stack_from_json(nlohmann::json::parse(R"({"services": 3})")).ok());
}

TEST(Spec, SecretNamesAreWholeWords) {
  for (const char* yes : {"DB_PASSWORD", "API_KEY", "KEY", "SECRET_KEY_BASE", "my_token",
                          "AWS_CREDENTIALS", "PASSWD"})
    EXPECT_TRUE(is_secret_name(yes)) << yes;
  for (const char* no : {"MONKEY", "KEYCLOAK_URL", "TOKENIZER", "MODE", "PATH"})
    EXPECT_FALSE(is_secret_name(no)) << no;
}

TEST(Spec, HashIgnoresReplicasPlacementAndReservations) {
  Stack st = stack_with(1);
  std::string h = spec_hash(canonical_spec(st, st.services[0]));
  st.services[0].replicas = 5;
  st.services[0].reservations.memory = 1 << 20;
  st.services[0].placement.max_replicas_per_node = 2;
  st.services[0].spec.limits.nano_cpus = 1;
  EXPECT_EQ(spec_hash(canonical_spec(st, st.services[0])), h);
  st.services[0].spec.command = std::vector<std::string>{"run"};
  EXPECT_NE(spec_hash(canonical_spec(st, st.services[0])), h);
  EXPECT_EQ(h.size(), 64u);
}

}  // namespace
}  // namespace berth
