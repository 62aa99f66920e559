// What `berth status` shows: per service, the replicas desired, what runs and is healthy on
// each host, the images and spec versions found, the changes a plan would make, and how the
// last rollout ended (engine/rollout_record.h). Computed from what observe read and the plan
// made against it (engine/pipeline.h, make_planned), so it never differs from `berth plan`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/fleet.h"
#include "engine/rollout_record.h"
#include "planner/model.h"
#include "planner/plan.h"

namespace berth {

struct HostServiceStatus {
  std::string host;
  int desired = 0;                    // replicas placed here
  int running = 0;                    // up: running, restarting or paused (counts_as_running)
  int healthy = 0;                    // running with a passing health check, or with none
  std::vector<std::string> images;    // of the replicas found here, distinct, sorted
  std::vector<std::string> versions;  // spec_version of each, distinct, sorted
  int pending_changes = 0;            // replica changes the plan has here (moves: both hosts)
  std::string sync;  // `status --repo`: in sync | behind | drifted (planner/sync.h); else ""
};

struct ServiceStatus {
  std::string service;
  bool in_stack = true;  // false: gone from the stack, replicas still there
  int desired = 0, running = 0, healthy = 0;
  int pending_changes = 0;               // replica changes the plan has for the service
  std::vector<HostServiceStatus> hosts;  // inventory order; hosts with nothing desired or found
                                         // are left out
  std::optional<RolloutRecord> last_rollout;
};

// One replica behind an ingress route, and how the proxies see it.
struct UpstreamStatus {
  std::string replica, host, dial;  // "web-2", "h2", "10.0.0.2:20123"
  std::string health;               // the container's: healthy | unhealthy | starting | running
  int proxies = 0;                  // proxy hosts that answered about it
  int proxies_failing = 0;          // of those, how many count failed requests to it now
};

// An ingress route of this stack (planner/ingress.h), its replicas, and the proxy hosts whose
// configuration is not what the plan would load (they are brought up to date by apply).
struct RouteStatus {
  std::string route, service;  // "app.test/", "web"
  std::vector<UpstreamStatus> upstreams;
  std::vector<std::string> proxies, stale_proxies;
};

struct StackStatus {
  std::string stack;
  std::vector<ServiceStatus> services;  // by name
  std::vector<RouteStatus> routes;      // by route
  std::vector<UnreachableHost> unreachable;
};

// The version of a replica: the first 12 characters of its io.berth.commit label when it was
// synced, else the first 12 hex of its io.berth.spec-hash ("" without either).
std::string spec_version(const ObservedContainer& c);

StackStatus stack_status(const Stack& stack, const Observed& observed, const Plan& plan);

// The stack's ingress routes with what runs behind them (engine/status_ingress.cc), and then
// each proxy's own count of failed requests per replica, read from its admin endpoint.
std::vector<RouteStatus> route_status(const Stack& stack, const Observed& observed,
                                      const Plan& plan);
void add_proxy_view(std::vector<RouteStatus>& routes, const Plan& plan, const Observed& observed,
                    Fleet& fleet);

}  // namespace berth
