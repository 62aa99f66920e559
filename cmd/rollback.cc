// berth rollback SERVICE...: return services to the spec they ran before their last update
// (from the replicas' io.berth.prev-spec labels), planned and shown first, then applied under
// the lock with each service's rollback_config. A later plain `apply` rolls forward to the stack
// file again, as `docker stack deploy` would after `docker service rollback`.
#include <iostream>

#include "cmd/carry_out.h"
#include "cmd/commands.h"
#include "cmd/plan_common.h"
#include "cmd/render.h"
#include "engine/rollback.h"

namespace berth::cli {
namespace {

struct RollbackFlags {
  std::vector<std::string> services;
  bool yes = false;
  bool json = false;
  bool skip_unreachable = false;
  int health_timeout = 120;
};

int run_rollback(const StackOptions& stack, const RollbackFlags& f) {
  if (int code = json_needs_yes(f.json, f.yes, "rollback"); code != 0) return code;
  if (int code = need_terminal(f.yes, "rollback"); code != 0) return code;
  auto planned = open_reported(plan_request(stack));
  if (!planned.ok()) return report_error(planned.error());
  auto lock = lock_and_observe(*planned, run_lock_options(stack, f.skip_unreachable));
  if (!lock.ok()) return report_error(lock.error());
  auto previous = rolled_back_stack(planned->stack, planned->observed, f.services);
  if (!previous.ok()) return report_error(previous.error());
  planned->stack = std::move(previous).value();
  plan_observed(*planned);
  const Plan& plan = planned->plan;
  if (!f.json) render_plan(std::cout, plan, planned->observed);
  if (int code = refuse_plan(plan, {f.skip_unreachable, false}); code != 0) return code;
  if (plan.has_changes() &&
      !confirmed(f.yes, plan, "Do you want to roll back to the previous spec?"))
    return 1;
  CarryOut how{f.json, stack.no_color, {}};
  how.options.max_parallel = stack.parallel;
  how.options.health_timeout = static_cast<Nanos>(f.health_timeout) * 1'000'000'000;
  how.options.interrupted = interrupted;
  return carry_out_plan(planned->stack, plan, planned->fleet, planned->observed, **lock, how);
}

}  // namespace

void add_rollback_command(CLI::App& app, StackOptions& stack, int& exit_code) {
  auto f = std::make_shared<RollbackFlags>();
  CLI::App* sub =
      app.add_subcommand("rollback", "Return services to the spec before their last update");
  sub->add_option("services", f->services, "Services to roll back")
      ->required()
      ->type_name("SERVICE");
  sub->add_flag("-y,--yes", f->yes, "Do not ask for confirmation");
  sub->add_flag("--json", f->json,
                "Stream one JSON object per event on stdout (docs/output.md); needs --yes");
  add_rollout_flags(*sub, f->skip_unreachable, f->health_timeout);
  sub->callback([&stack, &exit_code, f] { exit_code = run_rollback(stack, *f); });
}

}  // namespace berth::cli
