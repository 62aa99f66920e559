// berth destroy: remove everything the stack owns (like `docker compose down`), under the lock.
#include <iostream>

#include "cmd/carry_out.h"
#include "cmd/commands.h"
#include "cmd/plan_common.h"
#include "cmd/render.h"

namespace berth::cli {
namespace {

struct DestroyFlags {
  bool yes = false;
  bool volumes = false;
  bool skip_unreachable = false;
  bool json = false;
};

int run_destroy(const StackOptions& stack, const DestroyFlags& f) {
  if (int code = json_needs_yes(f.json, f.yes, "destroy"); code != 0) return code;
  if (int code = need_terminal(f.yes, "destroy"); code != 0) return code;
  auto opened = open_reported(plan_request(stack));
  if (!opened.ok()) return report_error(opened.error());
  Planned& p = *opened;
  auto lock = lock_and_observe(p, run_lock_options(stack, f.skip_unreachable));
  if (!lock.ok()) return report_error(lock.error());
  p.plan = destroy_plan(p.stack, p.observed, p.fleet.inventory, f.volumes);
  if (!f.json) render_plan(std::cout, p.plan, p.observed);
  if (int code = refuse_plan(p.plan, {f.skip_unreachable, true}); code != 0) return code;
  if (p.plan.has_changes() &&
      !confirmed(f.yes, p.plan, "Do you really want to remove everything above?"))
    return 1;
  CarryOut how{f.json, stack.no_color, {}};
  how.options.max_parallel = stack.parallel;
  how.options.interrupted = interrupted;
  return carry_out_plan(p.stack, p.plan, p.fleet, p.observed, **lock, how);
}

}  // namespace

void add_destroy_command(CLI::App& app, StackOptions& stack, int& exit_code) {
  auto f = std::make_shared<DestroyFlags>();
  CLI::App* sub = app.add_subcommand("destroy", "Remove the stack's containers and networks");
  sub->alias("down");
  sub->add_flag("-y,--yes", f->yes, "Do not ask for confirmation");
  sub->add_flag("-v,--volumes", f->volumes, "Also remove the stack's named volumes");
  sub->add_flag("--skip-unreachable", f->skip_unreachable,
                "Remove from the reachable hosts only");
  sub->add_flag("--json", f->json,
                "Stream one JSON object per event on stdout (docs/output.md); needs --yes");
  sub->callback([&stack, &exit_code, f] { exit_code = run_destroy(stack, *f); });
}

}  // namespace berth::cli
