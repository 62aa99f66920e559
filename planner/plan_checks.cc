// What the diff checks before anything is applied: names the plan needs that something berth
// does not own already holds, inventory hosts that turn out to be one engine, and stateful
// replicas that would leave their data behind.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "planner/plan_internal.h"

namespace berth {
namespace {

Error blocker(const std::string& host, const std::string& service, std::string message,
              std::string hint) {
  return Error{ErrorKind::kInput, {}, host, service, std::move(message), std::move(hint)};
}

// Two inventory names that reach one engine would each remove what the other placed.
void check_engines(const Observed& observed, Plan& plan) {
  std::map<std::string, std::vector<std::string>> by_id;
  for (const ObservedHost& h : observed.hosts)
    if (h.reachable && !h.engine_id.empty()) by_id[h.engine_id].push_back(h.name);
  for (const auto& [id, names] : by_id) {
    if (names.size() < 2) continue;
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    plan.blockers.push_back(blocker(
        names.front(), "", fmt::format("inventory hosts {} reach the same Docker engine ({})", list, id),
        "keep one name for each engine in the inventory"));
  }
}

// A container name the plan creates on a host where a container berth does not own has it.
void check_container_names(const Stack& stack, const ObservedHost& h, const Plan& plan,
                           std::vector<Error>& out) {
  std::map<std::string, const ObservedContainer*> foreign;
  for (const ObservedContainer& c : h.containers)
    if (!c.owned_by(stack.name)) foreign[c.name] = &c;
  if (foreign.empty()) return;
  for (const Change& c : plan.changes) {
    if (c.host != h.name || c.action == Action::kRemove || c.action == Action::kUpdate) continue;
    for (const std::string& name : {c.container, parked_name(c.container)}) {
      auto it = foreign.find(name);
      if (it == foreign.end()) continue;
      out.push_back(blocker(
          h.name, c.service,
          fmt::format("the container name {} is taken by a container berth does not own ({})",
                      name, it->second->image),
          fmt::format("remove or rename it (`docker rm {}` on {}), or set container_name", name,
                      h.name)));
    }
  }
}

void check_network_names(const ObservedHost& h, const Plan& plan, std::vector<Error>& out) {
  std::set<std::string> taken(h.other_networks.begin(), h.other_networks.end());
  for (const InfraChange& r : plan.infra) {
    if (r.host != h.name || r.action != Action::kCreate) continue;
    if (r.kind != InfraChange::Kind::kNetwork || !taken.count(r.name)) continue;
    out.push_back(blocker(h.name, "",
                          fmt::format("a network named {} exists and berth did not create it for "
                                      "this stack",
                                      r.name),
                          fmt::format("remove it (`docker network rm {}` on {}), or declare the "
                                      "network `external: true` to use it",
                                      r.name, h.name)));
  }
}

void check_data_moves(const Stack& stack, Plan& plan) {
  for (const Change& c : plan.changes) {
    if (c.action != Action::kMove) continue;
    const Service* s = stack.find_service(c.service);
    if (!s) continue;
    std::vector<std::string> keys = named_volumes(*s), names;
    if (keys.empty()) continue;
    for (const std::string& k : keys) {
      std::string name = k;
      for (const VolumeSpec& v : stack.volumes)
        if (v.key == k) name = v.name;
      names.push_back(name);
    }
    plan.data_moves.push_back({c.service, c.slot, c.from_host, c.host, names});
  }
}

}  // namespace

void check_plan(const Stack& stack, const Observed& observed, Plan& plan) {
  check_engines(observed, plan);
  for (const ObservedHost& h : observed.hosts) {
    if (!h.reachable) continue;
    check_container_names(stack, h, plan, plan.blockers);
    check_network_names(h, plan, plan.blockers);
  }
  check_data_moves(stack, plan);
}

}  // namespace berth
