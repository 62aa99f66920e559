// Placement: which host runs each replica (SPEC.md, Placement). Pure, deterministic.
//
// Inputs: the stack's services, the hosts (inventory: name, labels, role) and what they run
// (Observed: capacity, every container with its reservations/limits and published ports, and
// this stack's replicas with their slots, which are sticky). Output: a host for every replica,
// or a reason naming what ruled hosts out.
#pragma once

#include <string>
#include <vector>

#include "planner/model.h"

namespace berth {

struct ReplicaPlacement {
  std::string service;
  std::string slot;
  std::string host;
  friend bool operator==(const ReplicaPlacement&, const ReplicaPlacement&) = default;
};

struct UnplacedReplica {
  std::string service;
  std::string slot;
  std::string reason;  // e.g. "12 hosts; 7 excluded by node.labels.zone==b, 2 lack cpus (...)"
};

struct PlacementResult {
  std::vector<ReplicaPlacement> placements;  // sorted by (service, slot as number, host)
  std::vector<UnplacedReplica> unplaced;
};

// Places every replica of every service of `stack` on the reachable hosts of `observed`
// (host labels and role from `inventory`, matched by name). A replica of this stack already
// running on a host that still satisfies it stays there.
PlacementResult place(const Stack& stack, const Inventory& inventory, const Observed& observed,
                      Strategy strategy);

}  // namespace berth
