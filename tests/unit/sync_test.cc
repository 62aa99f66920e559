// The decisions of a sync cycle (planner/sync.h).
#include "planner/sync.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace berth {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

ObservedContainer container(const std::string& stack, const std::string& service,
                            const std::string& commit) {
  ObservedContainer c;
  c.name = stack + "-" + service + "-1";
  c.labels = {{labels::kStack, stack}, {labels::kService, service}, {labels::kSlot, "1"}};
  if (!commit.empty()) c.labels[labels::kCommit] = commit;
  return c;
}

Observed observed_with(std::vector<ObservedContainer> h1, std::vector<ObservedContainer> h2,
                       bool h2_reachable = true) {
  Observed o;
  o.stack = "demo";
  ObservedHost a{"h1", true};
  a.containers = std::move(h1);
  ObservedHost b{"h2", h2_reachable};
  b.containers = std::move(h2);
  o.hosts = {a, b};
  return o;
}

TEST(SyncDeployed, DistinctCommitsOfThisStackOnReachableHosts) {
  Observed o = observed_with({container("demo", "web", "bbb"), container("demo", "db", "aaa"),
                              container("other", "web", "ccc"), container("demo", "x", "")},
                             {container("demo", "web", "ddd")}, false);
  EXPECT_THAT(deployed_commits(o), ElementsAre("aaa", "bbb"));
}

TEST(SyncDowngrade, NewerDeployedCommitsAreThoseTheTargetIsAnAncestorOf) {
  EXPECT_THAT(newer_deployed("a", {"a", "b", "c"}, {true, true, false}), ElementsAre("b"));
  EXPECT_THAT(newer_deployed("a", {"a"}, {true}), IsEmpty());
  EXPECT_THAT(newer_deployed("a", {}, {}), IsEmpty());
}

Plan plan_removing(const std::string& service) {
  Plan p;
  Change create{Action::kCreate, "web", "1", "h1"};
  Change removal{Action::kRemove, service, "1", "h1"};
  p.changes = {create, removal};
  p.summary.create = 1;
  p.summary.remove = 1;
  InfraChange net;
  net.action = Action::kRemove;
  net.name = "demo_back";
  p.infra = {net};
  p.summary.networks_remove = 1;
  return p;
}

TEST(SyncPrune, WithoutPruneRemovedServicesAndNetworksStay) {
  Stack st;
  st.services.push_back(Service{"web"});
  Plan p = plan_removing("old");
  EXPECT_THAT(keep_removed_services(st, p), ElementsAre("old"));
  ASSERT_EQ(p.changes.size(), 1u);
  EXPECT_EQ(p.changes[0].action, Action::kCreate);
  EXPECT_EQ(p.summary.remove, 0);
  EXPECT_THAT(p.infra, IsEmpty());
  EXPECT_EQ(p.summary.total_changes(), 1);
}

TEST(SyncPrune, ScaleDownOfAServiceStillInTheStackIsKept) {
  Stack st;
  st.services.push_back(Service{"web"});
  Plan p = plan_removing("web");
  EXPECT_THAT(keep_removed_services(st, p), IsEmpty());
  EXPECT_EQ(p.changes.size(), 2u);
  EXPECT_EQ(p.summary.total_changes(), 3);
}

TEST(SyncDrift, ChangesAreDriftWhenTheTargetIsAlreadyDeployed) {
  EXPECT_TRUE(changes_are_drift("b", {"a", "b"}, ""));
  EXPECT_TRUE(changes_are_drift("b", {"a"}, "b"));
  EXPECT_FALSE(changes_are_drift("b", {"a"}, "a"));
  EXPECT_FALSE(changes_are_drift("b", {}, ""));
}

TEST(SyncRefusal, BlockersThenUnplacedReplicas) {
  Plan p;
  EXPECT_EQ(plan_refusal(p), "");
  p.unplaced.push_back({"web", "3", "no host has 8 cpus"});
  EXPECT_THAT(plan_refusal(p), HasSubstr("1 replica cannot be placed (service web slot 3"));
  p.blockers.push_back(Error{ErrorKind::kInput, {}, "h1", "", "name taken", ""});
  EXPECT_THAT(plan_refusal(p), HasSubstr("name taken"));
}

TEST(SyncResults, ExitCodesAndApplyOutcomes) {
  EXPECT_EQ(sync_exit_code(SyncResult::kInSync), 0);
  EXPECT_EQ(sync_exit_code(SyncResult::kConverged), 0);
  EXPECT_EQ(sync_exit_code(SyncResult::kRefused), 9);
  EXPECT_EQ(sync_exit_code(SyncResult::kPartial), 3);
  EXPECT_EQ(sync_exit_code(SyncResult::kLocked), 4);
  EXPECT_EQ(sync_exit_code(SyncResult::kInterrupted), 130);
  EXPECT_EQ(sync_exit_code(SyncResult::kError), 1);
  EXPECT_EQ(result_of_apply(0), SyncResult::kConverged);
  EXPECT_EQ(result_of_apply(3), SyncResult::kPartial);
  EXPECT_EQ(result_of_apply(6), SyncResult::kRefused);
  EXPECT_EQ(result_of_apply(7), SyncResult::kRefused);
  EXPECT_EQ(result_of_apply(130), SyncResult::kInterrupted);
  EXPECT_EQ(result_of_apply(1), SyncResult::kError);
  EXPECT_STREQ(sync_result_name(SyncResult::kInSync), "in_sync");
}

TEST(SyncBackoff, DoublesFromOneSecondCappedAtTheInterval) {
  EXPECT_EQ(backoff_ms(1, 30000), 1000);
  EXPECT_EQ(backoff_ms(2, 30000), 2000);
  EXPECT_EQ(backoff_ms(5, 30000), 16000);
  EXPECT_EQ(backoff_ms(6, 30000), 30000);
  EXPECT_EQ(backoff_ms(60, 30000), 30000);
  EXPECT_EQ(backoff_ms(0, 30000), 30000);
  EXPECT_EQ(backoff_ms(3, 200), 1000);
}

TEST(SyncStatusState, InSyncDriftedOrBehind) {
  std::string target = "0123456789abcdef0123";
  EXPECT_STREQ(host_sync_state(0, {"ffffffffffff"}, target), "in sync");
  EXPECT_STREQ(host_sync_state(1, {"0123456789ab"}, target), "drifted");
  EXPECT_STREQ(host_sync_state(2, {"ffffffffffff"}, target), "behind");
  EXPECT_STREQ(host_sync_state(1, {}, target), "behind");
}

TEST(SyncSummary, OneLinePerResult) {
  std::string sha = "0123456789abcdef0123456789abcdef01234567";
  EXPECT_EQ(sync_summary(SyncResult::kInSync, sha, "add web", 0, ""),
            "sync: in sync at 0123456 (add web)");
  EXPECT_EQ(sync_summary(SyncResult::kConverged, sha, "add web", 2, ""),
            "sync: converged to 0123456 (add web): 2 changes");
  EXPECT_EQ(sync_summary(SyncResult::kRefused, sha, "oops", 0, "compose.yaml:3:1: bad"),
            "sync: refused 0123456 (oops): compose.yaml:3:1: bad");
  EXPECT_EQ(sync_summary(SyncResult::kError, "", "", 0, "cannot fetch"),
            "sync: failed: cannot fetch");
}

}  // namespace
}  // namespace berth
