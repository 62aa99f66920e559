// berth apply [PLANFILE]: make the hosts match the stack (or exactly a saved plan).
#include <fmt/format.h>

#include <iostream>

#include "cmd/commands.h"
#include "cmd/plan_common.h"
#include "cmd/render.h"
#include "engine/observe.h"
#include "engine/snapshot.h"

namespace berth::cli {
namespace {

struct ApplyFlags {
  std::string plan_file;
  bool yes = false;
  bool json = false;
  bool allow_partial = false;
  std::string strategy;
  int health_timeout = 120;
};

int carry_out(const Stack& stack, const Plan& plan, Fleet& fleet, const Observed& observed,
              const ApplyFlags& f, int parallel) {
  ConsoleProgress progress(std::cerr);
  ApplyOptions options;
  options.max_parallel = parallel;
  options.health_timeout = static_cast<Nanos>(f.health_timeout) * 1'000'000'000;
  options.interrupted = interrupted;
  auto report = apply_plan(stack, plan, fleet, options, progress);
  if (!report.ok()) return report_error(report.error());
  add_unreachable_hosts(observed, *report);
  if (f.json)
    std::cout << apply_report_json(*report).dump(2) << "\n";
  else
    render_apply_report(std::cout, *report);
  return apply_exit_code(*report);
}

int apply_saved(const StackOptions& stack, const ApplyFlags& f) {
  auto saved = read_saved_plan(f.plan_file);
  if (!saved.ok()) return report_error(saved.error());
  ProviderOptions provider;
  provider.ssh_options = stack.ssh_options;
  auto fleet = open_fleet(saved->inventory, FleetMode::kLive, provider);
  if (!fleet.ok()) return report_error(fleet.error());
  Observed observed = observe(saved->stack.name, *fleet, stack.parallel);
  if (observed_fingerprint(observed) != saved->plan.fingerprint) {
    return report_error(Error{ErrorKind::kStalePlan, {f.plan_file, 0, 0}, "", "",
                              "the hosts changed since this plan was made; nothing was applied",
                              "run `berth plan --out FILE` again and review the new plan"});
  }
  return carry_out(saved->stack, saved->plan, *fleet, observed, f, stack.parallel);
}

int run_apply(const StackOptions& stack, const ApplyFlags& f) {
  if (!f.plan_file.empty()) return apply_saved(stack, f);
  PlanRequest request = plan_request(stack);
  if (!f.strategy.empty()) request.strategy = parse_strategy(f.strategy);
  Diagnostics diag;
  auto planned = make_planned(request, diag);
  report_diagnostics(diag);
  if (!planned.ok()) return report_error(planned.error());
  if (!f.json) render_plan(std::cout, planned->plan, planned->observed);
  if (int code = check_placeable(planned->plan, f.allow_partial); code != 0) return code;
  if (!planned->plan.has_changes()) {
    ApplyReport nothing;
    add_unreachable_hosts(planned->observed, nothing);
    if (f.json) std::cout << apply_report_json(nothing).dump(2) << "\n";
    return nothing.ok() ? 0 : 1;
  }
  if (!f.yes) {
    if (!stdin_is_tty()) {
      return report_error(Error{ErrorKind::kUsage, {}, "", "",
                                "apply needs confirmation and there is no terminal to ask on",
                                "review with `berth plan`, then run `berth apply --yes`"});
    }
    if (!confirm("Do you want to apply these changes?")) {
      std::cout << "Apply cancelled; nothing was changed.\n";
      return 1;
    }
  }
  return carry_out(planned->stack, planned->plan, planned->fleet, planned->observed, f,
                   stack.parallel);
}

}  // namespace

void add_apply_command(CLI::App& app, StackOptions& stack, int& exit_code) {
  auto f = std::make_shared<ApplyFlags>();
  CLI::App* sub = app.add_subcommand("apply", "Make the hosts match the stack");
  sub->add_option("plan", f->plan_file, "A plan saved by `berth plan --out` (applied exactly)")
      ->type_name("PLANFILE");
  sub->add_flag("-y,--yes", f->yes, "Do not ask for confirmation");
  sub->add_flag("--json", f->json, "Print the apply report as JSON");
  sub->add_flag("--allow-partial", f->allow_partial,
                "Apply even if some replicas cannot be placed");
  sub->add_option("--strategy", f->strategy, "Placement: binpack (default) or spread")
      ->check(CLI::IsMember({"binpack", "spread"}));
  sub->add_option("--health-timeout", f->health_timeout,
                  "Seconds to wait for a replica to become healthy")
      ->check(CLI::Range(1, 86400));
  sub->callback([&stack, &exit_code, f] { exit_code = run_apply(stack, *f); });
}

}  // namespace berth::cli
