// Observe: read the real state of every host, in parallel (docs/design.md, State).
//
// Per host: engine info, every container (all=1), an inspect of this stack's containers and of
// every running container (whose reservations or limits count as used), this stack's
// networks and volumes and the names of the others. A host that cannot be reached is reported in
// its ObservedHost (reachable=false, error), never stalls the others.
#pragma once

#include <string>

#include "engine/fleet.h"
#include "planner/model.h"

namespace berth {

Observed observe(const std::string& stack, Fleet& fleet, int max_parallel);

}  // namespace berth
