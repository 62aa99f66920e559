// Webhook authorisation and the metrics text (planner/sync_hook.h).
#include "planner/sync_hook.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace berth {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(SyncHook, HmacMatchesRfc4231) {
  // RFC 4231 test case 2.
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(SyncHook, GithubGiteaAndGitlabFormsAreAccepted) {
  std::string body = R"({"ref":"refs/heads/main"})";
  std::string mac = hmac_sha256_hex("s3cret", body);
  EXPECT_TRUE(hook_authorized({{"x-hub-signature-256", "sha256=" + mac}}, body, "s3cret"));
  EXPECT_TRUE(hook_authorized({{"x-gitea-signature", mac}}, body, "s3cret"));
  EXPECT_TRUE(hook_authorized({{"x-gitlab-token", "s3cret"}}, body, "s3cret"));
}

TEST(SyncHook, WrongOrMissingSecretsAreRefused) {
  std::string body = "{}";
  std::string mac = hmac_sha256_hex("s3cret", body);
  EXPECT_FALSE(hook_authorized({{"x-hub-signature-256", "sha256=" + mac}}, body + " ", "s3cret"));
  EXPECT_FALSE(hook_authorized({{"x-hub-signature-256", mac}}, body, "s3cret"));
  EXPECT_FALSE(hook_authorized({{"x-gitea-signature", mac}}, body, "other"));
  EXPECT_FALSE(hook_authorized({{"x-gitlab-token", "s3cre"}}, body, "s3cret"));
  EXPECT_FALSE(hook_authorized({}, body, "s3cret"));
  EXPECT_FALSE(hook_authorized({{"x-gitlab-token", ""}}, body, ""));
}

TEST(SyncMetricsText, LastCycleInPrometheusForm) {
  SyncMetrics m;
  EXPECT_EQ(metrics_text(m),
            "# HELP berth_sync_cycles_total Sync cycles run since start.\n"
            "# TYPE berth_sync_cycles_total counter\nberth_sync_cycles_total 0\n");
  m.cycles = 3;
  m.last_run_unix_ms = 1700000000250;
  m.last_result = SyncResult::kConverged;
  m.deployed_commit = "abc";
  m.drifted_replicas = 2;
  m.last_duration_ms = 1500;
  std::string t = metrics_text(m);
  EXPECT_THAT(t, HasSubstr("berth_sync_last_run_timestamp_seconds 1700000000.250\n"));
  EXPECT_THAT(t, HasSubstr("berth_sync_last_result{result=\"converged\"} 1\n"));
  EXPECT_THAT(t, HasSubstr("berth_sync_last_result{result=\"in_sync\"} 0\n"));
  EXPECT_THAT(t, HasSubstr("berth_sync_deployed_commit_info{commit=\"abc\"} 1\n"));
  EXPECT_THAT(t, HasSubstr("berth_sync_drifted_replicas 2\n"));
  EXPECT_THAT(t, HasSubstr("berth_sync_cycle_duration_seconds 1.500\n"));
  m.deployed_commit.clear();
  EXPECT_THAT(metrics_text(m), Not(HasSubstr("deployed_commit_info")));
}

}  // namespace
}  // namespace berth
