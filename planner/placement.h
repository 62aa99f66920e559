// Placement: which host runs each replica (docs/design.md, Placement). Pure, deterministic.
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
  // Slots not placed because they may run on a host that could not be observed (reason names
  // the hosts). A slot is unknown when some host is unreachable and the slot is not seen on a
  // reachable one; for a global service, only the unreachable host's own slot.
  std::vector<UnplacedReplica> unknown;
};

// Places every replica of every service of `stack` on the reachable, undrained hosts of
// `observed` (host labels, role and drain from `inventory`, matched by name). A replica of this
// stack already running on a host that still satisfies it stays there; one that mounts a named
// volume stays even when the host is short of resources (its data is there): it leaves only a
// drained host or one whose constraints it no longer meets.
PlacementResult place(const Stack& stack, const Inventory& inventory, const Observed& observed,
                      Strategy strategy);

}  // namespace berth
