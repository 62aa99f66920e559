// berth plan: show what apply would change (Terraform-style), optionally save it.
#include <fmt/format.h>

#include <iostream>

#include "cmd/commands.h"
#include "cmd/plan_common.h"
#include "cmd/render.h"
#include "engine/snapshot.h"

namespace berth::cli {
namespace {

struct PlanFlags {
  bool json = false;
  bool detailed_exitcode = false;
  bool offline = false;
  bool allow_partial = false;
  bool skip_unreachable = false;
  std::string out;
  std::string snapshot;
  std::string strategy;
};

int run_plan(const StackOptions& stack, const PlanFlags& f) {
  PlanRequest request = plan_request(stack);
  if (f.offline) request.mode = FleetMode::kOffline;
  if (!f.snapshot.empty()) {
    request.mode = FleetMode::kSnapshot;
    request.snapshot_path = f.snapshot;
  }
  if (!f.strategy.empty()) request.strategy = parse_strategy(f.strategy);
  Diagnostics diag;
  auto planned = make_planned(request, diag);
  report_diagnostics(diag);
  if (!planned.ok()) return report_error(planned.error());
  if (f.json)
    std::cout << plan_document(*planned).dump(2) << "\n";
  else
    render_plan(std::cout, planned->plan, planned->observed);
  // A plan that cannot be applied is not saved: nothing could carry it out.
  if (int code = refuse_plan(planned->plan, {f.skip_unreachable, f.allow_partial}); code != 0)
    return code;
  if (!f.out.empty()) {
    SavedPlan saved{planned->plan, planned->stack, planned->fleet.inventory};
    if (Status st = write_saved_plan(f.out, saved); !st.ok()) return report_error(st.error());
    std::cerr << fmt::format("Saved the plan to {}; run `berth apply {}` to apply exactly it.\n",
                             f.out, f.out);
  }
  if (f.detailed_exitcode && planned->plan.has_changes()) return 2;
  return 0;
}

}  // namespace

void add_plan_command(CLI::App& app, StackOptions& stack, int& exit_code) {
  auto f = std::make_shared<PlanFlags>();
  CLI::App* sub = app.add_subcommand("plan", "Show what apply would change on every host");
  sub->add_flag("--json", f->json, "Print the plan document (JSON)");
  sub->add_option("--out", f->out, "Save the plan to FILE for `berth apply FILE`")
      ->type_name("FILE");
  sub->add_flag("--detailed-exitcode", f->detailed_exitcode,
                "Exit 0 with no changes, 2 with changes, 1 on error");
  sub->add_flag("--offline", f->offline,
                "Plan against the inventory's declared capacities; contact no host");
  sub->add_option("--snapshot", f->snapshot, "Plan against a saved `berth snapshot`")
      ->type_name("FILE");
  sub->add_option("--strategy", f->strategy, "Placement: binpack (default) or spread")
      ->check(CLI::IsMember({"binpack", "spread"}));
  sub->add_flag("--allow-partial", f->allow_partial,
                "Succeed even if some replicas cannot be placed");
  sub->add_flag("--skip-unreachable", f->skip_unreachable,
                "Plan for the reachable hosts only (otherwise an unreachable host fails the plan)");
  sub->callback([&stack, &exit_code, f] { exit_code = run_plan(stack, *f); });
}

}  // namespace berth::cli
