#include "cmd/plan_common.h"

#include <fmt/format.h>

#include <iostream>

namespace berth::cli {

Strategy parse_strategy(const std::string& name) {
  return name == "spread" ? Strategy::kSpread : Strategy::kBinpack;
}

nlohmann::json plan_document(const Planned& planned) {
  return plan_to_json(planned.plan);
}

int refuse_plan(const Plan& plan, const PlanChecks& checks) {
  int code = 0;
  for (const Error& e : plan.blockers) {
    std::cerr << "error: " << e.str() << "\n";
    code = 1;
  }
  if (!plan.unreachable.empty() && !checks.skip_unreachable) {
    for (const UnreachableHost& h : plan.unreachable)
      std::cerr << fmt::format("error: host {} could not be observed: {}\n", h.host, h.error);
    std::string slots = plan.unknown.empty()
                            ? ""
                            : fmt::format(" ({} slot{} may run there)", plan.unknown.size(),
                                          plan.unknown.size() == 1 ? "" : "s");
    std::cerr << fmt::format(
        "error: berth cannot see every host{}, so nothing was changed. Bring the host back, pass "
        "--skip-unreachable to work on the others only (berth never starts a second copy of "
        "what may run there), or remove the host from the inventory to recreate its replicas "
        "elsewhere.\n",
        slots);
    code = 1;
  }
  if (!plan.unplaced.empty() && !checks.allow_partial) {
    std::cerr << fmt::format(
        "error: {} replica{} cannot be placed (reasons above); nothing was changed. Add "
        "capacity, relax the constraints, or pass --allow-partial to go ahead without them.\n",
        plan.unplaced.size(), plan.unplaced.size() == 1 ? "" : "s");
    code = 1;
  }
  return code;
}

int need_terminal(bool yes, const char* command) {
  if (yes || stdin_is_tty()) return 0;
  return report_error(
      Error{ErrorKind::kUsage,
            {},
            "",
            "",
            fmt::format("{} needs confirmation and there is no terminal to ask on", command),
            fmt::format("review with `berth plan`, then run `berth {} --yes`", command)});
}

bool confirmed(bool yes, const Plan& plan, const char* question) {
  if (yes) return true;
  if (!plan.data_moves.empty())
    std::cout << "\nWarning: the moves above leave the data of their volumes behind; the new "
                 "replicas start with empty volumes.\n";
  if (confirm(question)) return true;
  std::cout << "Cancelled; nothing was changed.\n";
  return false;
}

void finish_report(StackLock& lock, ApplyReport& report) {
  for (const std::string& n : lock.notes()) report.notes.push_back(n);
  if (Status st = lock.release(); !st.ok()) report.errors.push_back(st.error());
}

void add_unreachable_hosts(const Observed& observed, ApplyReport& report) {
  for (const ObservedHost& h : observed.hosts) {
    if (h.reachable) continue;
    HostReport r;
    r.host = h.name;
    r.unreachable = true;
    r.errors.push_back(h.error);
    report.hosts.push_back(std::move(r));
  }
}

int apply_exit_code(const ApplyReport& report) {
  if (report.interrupted) return 130;
  for (const auto& r : report.rollouts)
    if (r.result == "rolled_back") return 6;
  for (const auto& r : report.rollouts)
    if (r.result == "paused") return 7;
  if (report.wait_timed_out) return 8;
  if (report.ok()) return 0;
  return report.changes_done() > 0 ? 3 : 1;
}

LockOptions run_lock_options(const StackOptions& stack, bool skip_unreachable) {
  LockOptions o{stack.parallel, skip_unreachable, false, 0};
  o.on_wait = [](const std::string& what) { std::cerr << "berth: " << what << "\n"; };
  return o;
}

}  // namespace berth::cli
