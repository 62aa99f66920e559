// What a run shows while it works (docs/output.md): the engine's Events (engine/events.h),
// rendered three ways.
//   JSON lines (--json, on stdout): one object per event, schemas/events.schema.json; the
//     `plan` event carries the plan document, the `done` event the report and exit code.
//   Live (stderr is a terminal, TERM is not dumb): one line per (host, service) redrawn in
//     place at most 10 times a second; failures, rollbacks and pauses print above it.
//   Plain (anything else: CI, pipes): "2026-12-02T15:04:05Z h1 web batch 1/3 started: web-1".
// Every renderer is thread-safe: the engine calls event() from its worker threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>

#include "engine/apply.h"
#include "engine/events.h"
#include "planner/plan.h"

namespace berth::cli {

class RunProgress : public Progress {
 public:
  // An engine event. A kPlan after plan() is not shown twice; a kDone is left to done().
  void event(const Event& e) final;
  // The plan about to be carried out: the `plan` event. Called by cmd/ before apply_plan.
  // time_ms: unix ms, 0 = now (as in emit).
  void plan(const Plan& plan, int64_t time_ms = 0);
  // The run ended: the `done` event (message: the summary line; result from the exit code).
  // The live rendering draws its last frame and stops; the caller prints the summary next.
  void done(const ApplyReport& report, int exit_code, int64_t time_ms = 0);

 protected:
  virtual void on_event(const Event& e) = 0;
  virtual void on_plan(const Event& e, const Plan& plan) = 0;
  virtual void on_done(const Event& e, const ApplyReport& report, int exit_code) = 0;

 private:
  std::atomic<bool> plan_shown_{false};
};

// The three renderings: JSON lines when `json`, else live when `tty`, else plain; to `out`.
std::unique_ptr<RunProgress> make_progress(bool json, bool tty, std::ostream& out,
                                           bool color = false);

// The live rendering with its knobs, for tests: terminal width, colors, a clock (unix ms), and
// whether a background thread redraws running timers between events.
struct LiveOptions {
  int width = 80;
  bool color = false;
  bool ticker = true;
  std::function<int64_t()> now_ms;  // default: the system clock
};
std::unique_ptr<RunProgress> make_live_progress(std::ostream& out, LiveOptions options);

// What a command uses: JSON lines on stdout with --json; else on stderr, live when stderr is a
// terminal and TERM is set and not "dumb", colored unless --no-color or NO_COLOR is set.
std::unique_ptr<RunProgress> make_run_progress(bool json, bool no_color);

// The `done` event's result for an exit code (README.md, Exit codes): 0 ok, 3 partial,
// 6 rolled_back, 7 paused, 8 timed_out, 130 interrupted, anything else failed.
const char* run_result(int exit_code);

}  // namespace berth::cli
