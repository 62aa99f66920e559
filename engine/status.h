// What `berth status` shows: per service, the replicas desired, what runs and is healthy on
// each host, the images and spec versions found, the changes a plan would make, and how the
// last rollout ended (engine/rollout_record.h). Computed from what observe read and the plan
// made against it (engine/pipeline.h, make_planned), so it never differs from `berth plan`.
#pragma once

#include <optional>
#include <string>
#include <vector>

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

struct StackStatus {
  std::string stack;
  std::vector<ServiceStatus> services;  // by name
  std::vector<UnreachableHost> unreachable;
};

// The version of a replica: the first 12 characters of its io.berth.commit label when it was
// synced, else the first 12 hex of its io.berth.spec-hash ("" without either).
std::string spec_version(const ObservedContainer& c);

StackStatus stack_status(const Stack& stack, const Observed& observed, const Plan& plan);

}  // namespace berth
