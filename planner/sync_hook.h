// What `berth sync --watch --listen` serves, as pure functions (docs/sync.md, Webhook and
// Metrics): whether a webhook request carries the shared secret, and the Prometheus text of the
// last cycle.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "planner/sync.h"

namespace berth {

// HMAC-SHA256 of `body` with `key`, as lowercase hex.
std::string hmac_sha256_hex(const std::string& key, const std::string& body);

// Whether a POST /hook is authorised by `secret`. `headers` has lowercase names. Accepted:
// GitHub `X-Hub-Signature-256: sha256=<hex HMAC of the body>`, Gitea `X-Gitea-Signature: <hex
// HMAC>`, GitLab `X-Gitlab-Token: <secret>`. Every comparison takes constant time. An empty
// secret authorises nothing.
bool hook_authorized(const std::map<std::string, std::string>& headers, const std::string& body,
                     const std::string& secret);

// The facts /metrics reports.
struct SyncMetrics {
  int64_t cycles = 0;
  int64_t last_run_unix_ms = 0;
  SyncResult last_result = SyncResult::kError;
  std::string deployed_commit;  // the last commit converged to or found in sync
  int drifted_replicas = 0;
  int64_t last_duration_ms = 0;
};

// Prometheus text exposition format 0.0.4: berth_sync_cycles_total,
// berth_sync_last_run_timestamp_seconds, berth_sync_last_result{result=...} (1 for the last
// result, 0 for the others), berth_sync_deployed_commit_info{commit=...} 1,
// berth_sync_drifted_replicas, berth_sync_cycle_duration_seconds. Before the first cycle only
// berth_sync_cycles_total.
std::string metrics_text(const SyncMetrics& m);

}  // namespace berth
