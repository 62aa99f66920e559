#include "cmd/carry_out.h"

#include <iostream>

#include "cmd/plan_common.h"
#include "cmd/progress.h"
#include "cmd/render.h"

namespace berth::cli {

int carry_out_plan(const Stack& stack, const Plan& plan, Fleet& fleet, const Observed& observed,
                   StackLock& lock, const CarryOut& how) {
  ApplyReport report;
  std::unique_ptr<RunProgress> progress;
  if (plan.has_changes() || how.json) {
    progress = make_run_progress(how.json, how.no_color);
    progress->plan(plan);
  }
  if (plan.has_changes()) report = apply_plan(stack, plan, fleet, how.options, *progress);
  finish_report(lock, report);
  add_unreachable_hosts(observed, report);
  int code = apply_exit_code(report);
  if (progress) progress->done(report, code);
  if (!how.json && plan.has_changes())
    render_apply_report(how.report_out ? *how.report_out : std::cout, report);
  return code;
}

}  // namespace berth::cli
