// The HTTP side of `berth sync --watch --listen ADDR` (docs/sync.md, Webhook and Metrics):
// POST /hook (a shared secret, as GitHub, Gitea and GitLab send it) pokes the watch loop,
// GET /metrics answers Prometheus text, GET /healthz answers "ok". Boost.Beast stays inside
// engine/sync_http.cc.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "engine/sync.h"
#include "planner/sync_hook.h"

namespace berth {

// What the server reports, updated by the watch loop after every cycle. Thread-safe.
class SyncStatus {
 public:
  void record(const CycleReport& r);
  std::string metrics() const;
  std::string health() const;  // "ok last=<result> commit=<sha>\n"

 private:
  mutable std::mutex mu_;
  SyncMetrics m_;
};

class SyncServer {
 public:
  virtual ~SyncServer() = default;          // stops serving and joins its thread
  virtual std::string address() const = 0;  // "127.0.0.1:9090", the port bound
};

// Serves on `listen` ("IP:PORT"; an IP literal, never a name to look up; port 0 = any free
// one) from a thread of its own, one request at a time. `secret_file` holds the shared secret
// (trailing newline ignored); without it POST /hook is refused. kUsage for a malformed address
// or an unreadable secret, kHost when the address cannot be bound.
Result<std::unique_ptr<SyncServer>> start_sync_server(const std::string& listen,
                                                      const std::string& secret_file,
                                                      SyncTrigger& trigger, SyncStatus& status);

}  // namespace berth
