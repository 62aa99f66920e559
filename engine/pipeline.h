// The read side of the pipeline: load -> observe -> place -> diff (SPEC.md, The pipeline).
#pragma once

#include <optional>
#include <string>

#include "engine/fleet.h"
#include "engine/load/loader.h"
#include "planner/placement.h"
#include "planner/plan.h"

namespace berth {

struct PlanRequest {
  LoadOptions load;
  std::string inventory_path;   // -i; "" = berth.hosts.yaml beside the stack, else local
  FleetMode mode = FleetMode::kLive;
  std::string snapshot_path;    // with kSnapshot
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
// every host in parallel, places and diffs. Unreachable hosts stay in `observed` with their
// error; placement then uses only the reachable ones.
Result<Planned> make_planned(const PlanRequest& request, Diagnostics& diag);

// Loads the stack only; kInput with a summary if diag has errors.
Result<Stack> load_checked(const LoadOptions& options, Diagnostics& diag);

// Loads the stack and opens the fleet without observing (ps, logs, destroy, unlock).
Result<Planned> open_stack(const PlanRequest& request, Diagnostics& diag);

// A plan that removes everything the stack owns (containers, networks; volumes too when
// `volumes`), computed from what was observed.
Plan destroy_plan(const Stack& stack, const Observed& observed, bool volumes);

}  // namespace berth
