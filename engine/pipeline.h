// The read side of the pipeline: load -> observe -> place -> diff (docs/design.md, The pipeline).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "engine/fleet.h"
#include "engine/load/loader.h"
#include "engine/lock.h"
#include "planner/placement.h"
#include "planner/plan.h"

namespace berth {

struct PlanRequest {
  LoadOptions load;
  std::string inventory_path;  // -i; "" = berth.hosts.yaml beside the stack, else local
  FleetMode mode = FleetMode::kLive;
  std::string snapshot_path;  // with kSnapshot
  ProviderOptions provider;
  int max_parallel = 16;
  std::optional<Strategy> strategy;  // --strategy overrides x-berth.strategy
};

struct Planned {
  Stack stack;
  Fleet fleet;
  Observed observed;
  PlacementResult placement;
  Plan plan;
};

// Loads the stack (every problem into diag; returns kInput if any), opens the fleet, observes
// every host in parallel, places and diffs: what `plan` shows, without a lock. Unreachable
// hosts stay in `observed` with their error; their replicas are unknown (planner/placement.h).
Result<Planned> make_planned(const PlanRequest& request, Diagnostics& diag);

// Loads the stack only; kInput with a summary if diag has errors (kInterrupted when a signal
// stopped the load).
Result<Stack> load_checked(const LoadOptions& options, Diagnostics& diag);

// Loads the stack and opens the fleet without observing (ps, logs, and what locks first).
Result<Planned> open_stack(const PlanRequest& request, Diagnostics& diag);

// Observes every host into p.observed, then places and diffs into p.placement and p.plan.
void observe_and_plan(Planned& p, int max_parallel);
// Places and diffs p.observed.
void plan_observed(Planned& p);

// Lock, then look: what every command that changes hosts does first (apply, destroy, unlock,
// sync). Takes the stack's lock on every host (engine/lock.h), then observes into p.observed
// under it. The lock is held until the returned object is released or destroyed.
// When the run may load the ingress proxies (the stack has routes, the inventory an `ingress:`
// section, or a proxy runs on the fleet), the proxies' lock is taken too (StackLock::
// hold_ingress), before the observation the plan is made from.
Result<std::unique_ptr<StackLock>> lock_and_observe(Planned& p, const LockOptions& options);

// The observing half of it, under a held `lock` (a saved plan's apply locks by itself).
Status observe_locked(StackLock& lock, const Stack& stack, Fleet& fleet, int max_parallel,
                      Observed& observed);

// A plan that removes everything the stack owns (containers, networks; volumes too when
// `volumes`), computed from what was observed.
Plan destroy_plan(const Stack& stack, const Observed& observed, const Inventory& inventory,
                  bool volumes);

}  // namespace berth
