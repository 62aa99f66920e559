#include "cmd/plan_common.h"

#include <fmt/format.h>

#include <iostream>

namespace berth::cli {

Strategy parse_strategy(const std::string& name) {
  return name == "spread" ? Strategy::kSpread : Strategy::kBinpack;
}

nlohmann::json plan_document(const Planned& planned) {
  nlohmann::json doc = plan_to_json(planned.plan);
  nlohmann::json unreachable = nlohmann::json::array();
  for (const ObservedHost& h : planned.observed.hosts)
    if (!h.reachable) unreachable.push_back({{"host", h.name}, {"error", h.error.str()}});
  doc["unreachable"] = unreachable;
  return doc;
}

int check_placeable(const Plan& plan, bool allow_partial) {
  if (plan.unplaced.empty() || allow_partial) return 0;
  std::cerr << fmt::format(
      "error: {} replica{} cannot be placed (reasons above); nothing was changed. Add capacity, "
      "relax the constraints, or pass --allow-partial to go ahead without them.\n",
      plan.unplaced.size(), plan.unplaced.size() == 1 ? "" : "s");
  return 1;
}

void add_unreachable_hosts(const Observed& observed, ApplyReport& report) {
  for (const ObservedHost& h : observed.hosts) {
    if (h.reachable) continue;
    HostReport r;
    r.host = h.name;
    r.errors.push_back(h.error);
    report.hosts.push_back(std::move(r));
  }
}

int apply_exit_code(const ApplyReport& report) {
  if (report.interrupted) return 130;
  if (report.ok()) return 0;
  return report.changes_done() > 0 ? 3 : 1;
}

}  // namespace berth::cli
