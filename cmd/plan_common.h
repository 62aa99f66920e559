// Pieces plan, apply and destroy share.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "cmd/options.h"
#include "engine/apply.h"
#include "engine/pipeline.h"

namespace berth::cli {

Strategy parse_strategy(const std::string& name);
nlohmann::json plan_document(const Planned& planned);

// What stops a plan from being applied, each said on stderr, in this order: blockers (names
// taken, two hosts one engine), hosts that could not be observed (unless skip_unreachable),
// replicas that cannot be placed (unless allow_partial). Returns 0, or 1 (nothing was changed).
struct PlanChecks {
  bool skip_unreachable = false;
  bool allow_partial = false;
};
int refuse_plan(const Plan& plan, const PlanChecks& checks);

// Fails at once when a command needs confirmation (no --yes) and stdin is not a terminal.
int need_terminal(bool yes, const char* command);
// Asks on the terminal (unless yes); false when the user declines. A plan that moves replicas
// away from their volumes says so just before the question.
bool confirmed(bool yes, const Plan& plan, const char* question);

// The lock of a run that changes hosts: --parallel, --skip-unreachable, and a line on stderr
// when it has to wait for the ingress proxies' lock.
LockOptions run_lock_options(const StackOptions& stack, bool skip_unreachable);

// Folds the lock's notes and release error into the report.
void finish_report(StackLock& lock, ApplyReport& report);
// Adds unreachable hosts to an apply report as failed hosts.
void add_unreachable_hosts(const Observed& observed, ApplyReport& report);
// 0 all done; 3 partly done; 1 nothing done; 6 a rollout failed and was rolled back; 7 a
// rollout paused; 8 --wait timed out; 130 interrupted (README, exit codes).
int apply_exit_code(const ApplyReport& report);

}  // namespace berth::cli
