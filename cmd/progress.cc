#include "cmd/progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <iostream>

#include "cmd/progress_internal.h"
#include "cmd/render.h"
#include "engine/utc_time.h"

namespace berth::cli {

void RunProgress::event(const Event& e) {
  if (e.kind == EventKind::kDone) return;  // done() reports the run's end, with the report
  if (e.kind == EventKind::kPlan && plan_shown_) return;
  on_event(e);
}

void RunProgress::plan(const Plan& plan, int64_t time_ms) {
  Event e;
  e.kind = EventKind::kPlan;
  e.time_ms = time_ms ? time_ms : now_unix_ms();
  e.message = summary_line(plan);
  plan_shown_ = true;
  on_plan(e, plan);
}

void RunProgress::done(const ApplyReport& report, int exit_code, int64_t time_ms) {
  Event e;
  e.kind = EventKind::kDone;
  e.time_ms = time_ms ? time_ms : now_unix_ms();
  e.message = apply_summary_line(report);
  e.result = run_result(exit_code);
  on_done(e, report, exit_code);
}

const char* run_result(int exit_code) {
  switch (exit_code) {
    case 0: return "ok";
    case 3: return "partial";
    case 6: return "rolled_back";
    case 7: return "paused";
    case 8: return "timed_out";
    case 130: return "interrupted";
  }
  return "failed";
}

std::unique_ptr<RunProgress> make_progress(bool json, bool tty, std::ostream& out, bool color) {
  if (json) return progress::make_json_progress(out);
  if (tty) {
    LiveOptions options;
    options.color = color;
    struct winsize ws {};
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) options.width = ws.ws_col;
    return make_live_progress(out, std::move(options));
  }
  return progress::make_plain_progress(out);
}

std::unique_ptr<RunProgress> make_run_progress(bool json, bool no_color) {
  if (json) return make_progress(true, false, std::cout);
  const char* term = std::getenv("TERM");
  bool live = isatty(STDERR_FILENO) && term && *term && std::strcmp(term, "dumb") != 0;
  // https://no-color.org: a NO_COLOR that is set and not empty turns colors off.
  const char* no_color_env = std::getenv("NO_COLOR");
  bool color = !no_color && !(no_color_env && *no_color_env);
  return make_progress(false, live, std::cerr, color);
}

}  // namespace berth::cli
