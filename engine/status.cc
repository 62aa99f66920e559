#include "engine/status.h"

#include <algorithm>
#include <map>
#include <set>

namespace berth {
namespace {

void add_distinct(std::vector<std::string>& list, const std::string& value) {
  if (value.empty() || std::find(list.begin(), list.end(), value) != list.end()) return;
  list.insert(std::upper_bound(list.begin(), list.end(), value), value);
}

bool healthy(const ObservedContainer& c) {
  return c.state == "running" && (c.health.empty() || c.health == "healthy");
}

// The service's row on one host: its placements there and the replicas found there (a replica
// parked aside by a run that stopped half-way is not one).
HostServiceStatus host_row(const std::string& service, const ObservedHost& h, const Plan& plan,
                           const std::string& stack) {
  HostServiceStatus row;
  row.host = h.name;
  for (const ReplicaPlacement& p : plan.placements)
    if (p.service == service && p.host == h.name) ++row.desired;
  for (const ObservedContainer& c : h.containers) {
    if (!c.owned_by(stack) || c.label(labels::kService) != service || is_parked(c.name)) continue;
    row.running += counts_as_running(c);
    row.healthy += healthy(c);
    add_distinct(row.images, c.image);
    add_distinct(row.versions, spec_version(c));
  }
  for (const Change& c : plan.changes)
    row.pending_changes += c.service == service && (c.host == h.name || c.from_host == h.name);
  return row;
}

}  // namespace

std::string spec_version(const ObservedContainer& c) {
  std::string commit = c.label(labels::kCommit);
  return (commit.empty() ? c.label(labels::kSpecHash) : commit).substr(0, 12);
}

StackStatus stack_status(const Stack& stack, const Observed& observed, const Plan& plan) {
  StackStatus out;
  out.stack = stack.name;
  std::set<std::string> names;
  for (const Service& s : stack.services) names.insert(s.name);
  for (const ObservedHost& h : observed.hosts)
    for (const ObservedContainer& c : h.containers)
      if (c.owned_by(stack.name) && !c.label(labels::kService).empty())
        names.insert(c.label(labels::kService));
  std::map<std::string, RolloutRecord> rollouts = read_rollout_records(observed);
  for (const std::string& name : names) {
    ServiceStatus s;
    s.service = name;
    s.in_stack = stack.find_service(name) != nullptr;
    for (const ObservedHost& h : observed.hosts) {
      if (!h.reachable) continue;
      HostServiceStatus row = host_row(name, h, plan, stack.name);
      s.running += row.running;
      s.healthy += row.healthy;
      if (row.desired > 0 || !row.images.empty()) s.hosts.push_back(std::move(row));
    }
    // Desired: every slot the stack asks for, placed or not (unplaced, or unknown because it
    // may run on an unreachable host).
    auto of_service = [&](const auto& list) {
      return static_cast<int>(std::count_if(list.begin(), list.end(),
                                            [&](const auto& r) { return r.service == name; }));
    };
    s.desired = of_service(plan.placements) + of_service(plan.unplaced) + of_service(plan.unknown);
    s.pending_changes = of_service(plan.changes);
    if (auto it = rollouts.find(name); it != rollouts.end()) s.last_rollout = it->second;
    out.services.push_back(std::move(s));
  }
  for (const ObservedHost& h : observed.hosts)
    if (!h.reachable) out.unreachable.push_back({h.name, h.error.str()});
  return out;
}

}  // namespace berth
