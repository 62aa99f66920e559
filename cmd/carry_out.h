// How apply and destroy carry out a plan made under the lock, and show it: the `plan` event,
// apply_plan with the rendering the flags and the terminal ask for (cmd/progress.h), the lock's
// notes and release folded into the report, the `done` event, then (without --json) the
// summary on stdout. With --json, stdout holds only the JSON lines.
#pragma once

#include <ostream>

#include "engine/apply.h"
#include "engine/lock.h"
#include "planner/plan.h"

namespace berth::cli {

struct CarryOut {
  bool json = false;
  bool no_color = false;
  ApplyOptions options;
  std::ostream* report_out = nullptr;  // where the summary goes without --json; null = stdout
};

// Returns the exit code (cmd/plan_common.h, apply_exit_code). A plan without changes applies
// nothing: with --json it still gives the `plan` and `done` events, without it prints nothing
// more (the plan said "No changes").
int carry_out_plan(const Stack& stack, const Plan& plan, Fleet& fleet, const Observed& observed,
                   StackLock& lock, const CarryOut& how);

}  // namespace berth::cli
