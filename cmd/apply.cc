// berth apply [PLANFILE]: make the hosts match the stack (or exactly a saved plan). Lock, then
// look: the stack is locked on every host before anything is observed, planned or confirmed.
#include <fmt/format.h>

#include <iostream>

#include "cmd/carry_out.h"
#include "cmd/commands.h"
#include "cmd/plan_common.h"
#include "cmd/render.h"
#include "engine/observe.h"
#include "engine/snapshot.h"
#include "planner/ingress_plan.h"

namespace berth::cli {
namespace {

struct ApplyFlags {
  std::string plan_file;
  bool yes = false;
  bool json = false;
  bool allow_partial = false;
  bool skip_unreachable = false;
  std::string strategy;
  int health_timeout = 120;
  bool wait = false;
  int wait_timeout = 300;
};

CarryOut carry_options(const ApplyFlags& f, const StackOptions& o) {
  CarryOut how{f.json, o.no_color, {}};
  how.options.max_parallel = o.parallel;
  how.options.health_timeout = static_cast<Nanos>(f.health_timeout) * 1'000'000'000;
  how.options.interrupted = interrupted;
  how.options.wait = f.wait;
  how.options.wait_timeout = static_cast<Nanos>(f.wait_timeout) * 1'000'000'000;
  return how;
}

int apply_saved(const StackOptions& stack, const ApplyFlags& f) {
  auto saved = read_saved_plan(f.plan_file);
  if (!saved.ok()) return report_error(saved.error());
  ProviderOptions provider;
  provider.ssh_options = stack.ssh_options;
  auto fleet = open_fleet(saved->inventory, FleetMode::kLive, provider);
  if (!fleet.ok()) return report_error(fleet.error());
  auto lock =
      StackLock::acquire(saved->stack.name, *fleet, run_lock_options(stack, f.skip_unreachable));
  if (!lock.ok()) return report_error(lock.error());
  // Checked under the lock: nothing can change between this look and the apply.
  Observed observed;
  if (Status st = observe_locked(**lock, saved->stack, *fleet, stack.parallel, observed); !st.ok())
    return report_error(st.error());
  if (observed_fingerprint(observed) != saved->plan.fingerprint) {
    return report_error(Error{ErrorKind::kStalePlan,
                              {f.plan_file, 0, 0},
                              "",
                              "",
                              "the hosts changed since this plan was made; nothing was applied",
                              "run `berth plan --out FILE` again and review the new plan"});
  }
  // The proxies serve every stack: what runs behind them is read again now, under the lock.
  Plan plan = saved->plan;
  plan_ingress(saved->stack, observed, saved->inventory, plan);
  if (int code = refuse_plan(plan, {f.skip_unreachable, f.allow_partial}); code != 0) return code;
  return carry_out_plan(saved->stack, plan, *fleet, observed, **lock, carry_options(f, stack));
}

int run_apply(const StackOptions& stack, const ApplyFlags& f) {
  // A saved plan was reviewed when it was made, and is applied exactly, without asking.
  if (!f.plan_file.empty()) return apply_saved(stack, f);
  if (int code = json_needs_yes(f.json, f.yes, "apply"); code != 0) return code;
  if (int code = need_terminal(f.yes, "apply"); code != 0) return code;
  PlanRequest request = plan_request(stack);
  if (!f.strategy.empty()) request.strategy = parse_strategy(f.strategy);
  auto planned = open_reported(request);
  if (!planned.ok()) return report_error(planned.error());
  auto lock = lock_and_observe(*planned, run_lock_options(stack, f.skip_unreachable));
  if (!lock.ok()) return report_error(lock.error());
  plan_observed(*planned);
  const Plan& plan = planned->plan;
  if (!f.json) render_plan(std::cout, plan, planned->observed);
  if (int code = refuse_plan(plan, {f.skip_unreachable, f.allow_partial}); code != 0) return code;
  if (plan.has_changes() && !confirmed(f.yes, plan, "Do you want to apply these changes?"))
    return 1;
  return carry_out_plan(planned->stack, plan, planned->fleet, planned->observed, **lock,
                        carry_options(f, stack));
}

}  // namespace

void add_apply_command(CLI::App& app, StackOptions& stack, int& exit_code) {
  auto f = std::make_shared<ApplyFlags>();
  CLI::App* sub = app.add_subcommand("apply", "Make the hosts match the stack");
  sub->add_option("plan", f->plan_file, "A plan saved by `berth plan --out` (applied exactly)")
      ->type_name("PLANFILE");
  sub->add_flag("-y,--yes", f->yes, "Do not ask for confirmation");
  sub->add_flag("--json", f->json,
                "Stream one JSON object per event on stdout (docs/output.md); needs --yes");
  sub->add_flag("--allow-partial", f->allow_partial,
                "Apply even if some replicas cannot be placed");
  sub->add_option("--strategy", f->strategy, "Placement: binpack (default) or spread")
      ->check(CLI::IsMember({"binpack", "spread"}));
  add_rollout_flags(*sub, f->skip_unreachable, f->health_timeout);
  sub->add_flag("--wait", f->wait,
                "Return only when every replica is healthy (exit 8 if --wait-timeout passes)");
  sub->add_option("--wait-timeout", f->wait_timeout, "Seconds --wait waits at most")
      ->check(CLI::Range(1, 86400));
  sub->callback([&stack, &exit_code, f] { exit_code = run_apply(stack, *f); });
}

}  // namespace berth::cli
