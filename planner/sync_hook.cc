#include "planner/sync_hook.h"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace berth {
namespace {

bool same(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string header(const std::map<std::string, std::string>& h, const char* name) {
  auto it = h.find(name);
  return it == h.end() ? "" : it->second;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::string hmac_sha256_hex(const std::string& key, const std::string& body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &len);
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) hex += fmt::format("{:02x}", mac[i]);
  return hex;
}

bool hook_authorized(const std::map<std::string, std::string>& headers, const std::string& body,
                     const std::string& secret) {
  if (secret.empty()) return false;
  std::string expected = hmac_sha256_hex(secret, body);
  std::string github = header(headers, "x-hub-signature-256");
  if (!github.empty()) return same(lower(github), "sha256=" + expected);
  std::string gitea = header(headers, "x-gitea-signature");
  if (!gitea.empty()) return same(lower(gitea), expected);
  std::string gitlab = header(headers, "x-gitlab-token");
  if (!gitlab.empty()) return same(gitlab, secret);
  return false;
}

std::string metrics_text(const SyncMetrics& m) {
  std::string out;
  auto metric = [&](const char* name, const char* type, const char* help) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  };
  metric("berth_sync_cycles_total", "counter", "Sync cycles run since start.");
  out += fmt::format("berth_sync_cycles_total {}\n", m.cycles);
  if (m.cycles == 0) return out;
  metric("berth_sync_last_run_timestamp_seconds", "gauge", "When the last cycle started.");
  out += fmt::format("berth_sync_last_run_timestamp_seconds {:.3f}\n",
                     static_cast<double>(m.last_run_unix_ms) / 1000.0);
  metric("berth_sync_last_result", "gauge", "How the last cycle ended (1 for that result).");
  for (SyncResult r :
       {SyncResult::kInSync, SyncResult::kConverged, SyncResult::kDrift, SyncResult::kRefused,
        SyncResult::kPartial, SyncResult::kLocked, SyncResult::kError, SyncResult::kInterrupted})
    out += fmt::format("berth_sync_last_result{{result=\"{}\"}} {}\n", sync_result_name(r),
                       r == m.last_result ? 1 : 0);
  if (!m.deployed_commit.empty()) {
    metric("berth_sync_deployed_commit_info", "gauge", "The commit the fleet runs.");
    out += fmt::format("berth_sync_deployed_commit_info{{commit=\"{}\"}} 1\n", m.deployed_commit);
  }
  metric("berth_sync_drifted_replicas", "gauge", "Replicas found drifted in the last cycle.");
  out += fmt::format("berth_sync_drifted_replicas {}\n", m.drifted_replicas);
  metric("berth_sync_cycle_duration_seconds", "gauge", "How long the last cycle took.");
  out += fmt::format("berth_sync_cycle_duration_seconds {:.3f}\n",
                     static_cast<double>(m.last_duration_ms) / 1000.0);
  return out;
}

}  // namespace berth
