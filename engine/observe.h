// Observe: read the real state of every host, in parallel (SPEC.md, State).
//
// Per host: engine info, every container (all=1), an inspect of this stack's containers and of
// every running container (whose reservations or limits count as used), and this stack's
// networks, volumes and lock. A host that cannot be reached is reported in its ObservedHost
// (reachable=false, error), never stalls the others.
#pragma once

#include <string>

#include "engine/fleet.h"
#include "planner/model.h"

namespace berth {

Observed observe(const std::string& stack, Fleet& fleet, int max_parallel);

// Label selector of the lock volume of a stack (engine/lock.h).
std::string lock_label(const std::string& stack);

}  // namespace berth
