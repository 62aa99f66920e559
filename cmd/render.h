// Text renderings for a terminal or a log: the plan and the apply summary (progress while a
// run works: cmd/progress.h).
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "engine/apply.h"
#include "planner/model.h"
#include "planner/plan.h"

namespace berth::cli {

// Per host, per service: "+ create", "~ update in place", "-/+ recreate" (with the fields that
// force it), "> move", "- remove"; then unplaced replicas, unreachable hosts and the summary.
void render_plan(std::ostream& out, const Plan& plan, const Observed& observed);
std::string summary_line(const Plan& plan);

// Apply summary per host: what was done, what failed; then apply_summary_line.
void render_apply_report(std::ostream& out, const ApplyReport& report);
// "Apply complete: 3 changes done on 2 hosts.", "Apply incomplete: ...", "Apply failed: nothing
// was changed."
std::string apply_summary_line(const ApplyReport& report);
// An error or warning as data, for --json: {text (as printed), file, line, column, host,
// service, message, hint}, empty fields left out.
nlohmann::json error_json(const Error& e);
nlohmann::json warning_json(const Warning& w);

// The report as the `done` event carries it: {ok, interrupted, hosts[{host, ok, done[],
// errors[]}], notes[], errors[]}.
nlohmann::json apply_report_json(const ApplyReport& report);

}  // namespace berth::cli
