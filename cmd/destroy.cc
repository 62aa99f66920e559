// berth destroy: remove everything the stack owns (like `docker compose down`).
#include <iostream>

#include "cmd/commands.h"
#include "cmd/plan_common.h"
#include "cmd/render.h"
#include "engine/observe.h"

namespace berth::cli {
namespace {

struct DestroyFlags {
  bool yes = false;
  bool volumes = false;
};

int run_destroy(const StackOptions& stack, const DestroyFlags& f) {
  Diagnostics diag;
  auto opened = open_stack(plan_request(stack), diag);
  report_diagnostics(diag);
  if (!opened.ok()) return report_error(opened.error());
  Planned& p = *opened;
  p.observed = observe(p.stack.name, p.fleet, stack.parallel);
  p.plan = destroy_plan(p.stack, p.observed, f.volumes);
  render_plan(std::cout, p.plan, p.observed);
  if (!p.plan.has_changes()) return 0;
  if (!f.yes) {
    if (!stdin_is_tty())
      return report_error(Error{ErrorKind::kUsage, {}, "", "",
                                "destroy needs confirmation and there is no terminal to ask on",
                                "run `berth destroy --yes`"});
    if (!confirm("Do you really want to remove everything above?")) return 1;
  }
  ConsoleProgress progress(std::cerr);
  ApplyOptions options;
  options.max_parallel = stack.parallel;
  options.interrupted = interrupted;
  auto report = apply_plan(p.stack, p.plan, p.fleet, options, progress);
  if (!report.ok()) return report_error(report.error());
  add_unreachable_hosts(p.observed, *report);
  render_apply_report(std::cout, *report);
  return apply_exit_code(*report);
}

}  // namespace

void add_destroy_command(CLI::App& app, StackOptions& stack, int& exit_code) {
  auto f = std::make_shared<DestroyFlags>();
  CLI::App* sub = app.add_subcommand("destroy", "Remove the stack's containers and networks");
  sub->alias("down");
  sub->add_flag("-y,--yes", f->yes, "Do not ask for confirmation");
  sub->add_flag("-v,--volumes", f->volumes, "Also remove the stack's named volumes");
  sub->callback([&stack, &exit_code, f] { exit_code = run_destroy(stack, *f); });
}

}  // namespace berth::cli
