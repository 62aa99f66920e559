#include "planner/plan.h"

#include <algorithm>
#include <map>
#include <set>

#include "planner/plan_internal.h"
#include "planner/spec.h"

namespace berth {

const char* action_name(Action a) {
  switch (a) {
    case Action::kCreate: return "create";
    case Action::kUpdate: return "update";
    case Action::kRecreate: return "recreate";
    case Action::kMove: return "move";
    case Action::kRemove: return "remove";
  }
  return "?";
}

int PlanSummary::total_changes() const {
  return create + update + recreate + move + remove + networks_create + networks_remove +
         volumes_create + volumes_remove;
}

namespace {

struct Existing {
  std::string host;
  const ObservedContainer* container;
  bool used = false;
};

using ExistingIndex = std::map<std::pair<std::string, std::string>, std::vector<Existing>>;

ExistingIndex index_existing(const std::string& stack, const Observed& observed) {
  ExistingIndex index;
  for (const ObservedHost& h : observed.hosts)
    for (const ObservedContainer& c : h.containers)
      if (c.owned_by(stack))
        index[{c.label(labels::kService), c.label(labels::kSlot)}].push_back({h.name, &c});
  return index;
}

bool running(const ObservedContainer& c) {
  return c.state == "running" || c.state == "restarting";
}

// Compares an existing replica with its desired spec: nothing, update or recreate.
void compare(const Service& s, const std::string& hash, const nlohmann::json& canonical,
             const ObservedContainer& c, Change& change) {
  if (c.label(labels::kSpecHash) != hash) {
    change.action = Action::kRecreate;
    auto old = nlohmann::json::parse(c.label(labels::kSpec), nullptr, false);
    change.fields = diff_fields(old.is_discarded() ? nlohmann::json::object() : old, canonical);
    if (change.fields.empty()) change.fields.push_back({"spec", "(older berth)", "(current)"});
    return;
  }
  if (!running(c)) {
    change.action = Action::kRecreate;
    change.fields.push_back({"state", c.state, "running"});
    return;
  }
  auto limit = [&](const char* path, int64_t o, int64_t n) {
    if (o != n) change.fields.push_back({path, std::to_string(o), std::to_string(n)});
  };
  limit("limits.cpus", c.limits.nano_cpus, s.spec.limits.nano_cpus);
  limit("limits.memory", c.limits.memory, s.spec.limits.memory);
  limit("limits.pids", c.limits.pids, s.spec.limits.pids);
  if (!c.restart.empty() && c.restart != s.spec.restart)
    change.fields.push_back({"restart", c.restart, s.spec.restart});
  if (!change.fields.empty()) change.action = Action::kUpdate;
}

void count(PlanSummary& sum, Action a) {
  switch (a) {
    case Action::kCreate: ++sum.create; break;
    case Action::kUpdate: ++sum.update; break;
    case Action::kRecreate: ++sum.recreate; break;
    case Action::kMove: ++sum.move; break;
    case Action::kRemove: ++sum.remove; break;
  }
}

}  // namespace

Plan make_plan(const Stack& stack, const Observed& observed, const PlacementResult& placement) {
  Plan plan;
  plan.stack = stack.name;
  plan.fingerprint = observed_fingerprint(observed);
  plan.placements = placement.placements;
  plan.unplaced = placement.unplaced;
  ExistingIndex existing = index_existing(stack.name, observed);
  std::map<std::string, std::pair<nlohmann::json, std::string>> desired;
  for (const Service& s : stack.services) {
    auto canonical = canonical_spec(stack, s);
    desired[s.name] = {canonical, spec_hash(canonical)};
  }
  for (const ReplicaPlacement& p : placement.placements) {
    const Service* s = stack.find_service(p.service);
    if (!s) continue;
    Change change;
    change.service = p.service;
    change.slot = p.slot;
    change.host = p.host;
    change.container = container_name(stack, *s, p.slot);
    auto& candidates = existing[{p.service, p.slot}];
    std::sort(candidates.begin(), candidates.end(),
              [&](const Existing& a, const Existing& b) {
                return (a.host != p.host) < (b.host != p.host) ||
                       ((a.host != p.host) == (b.host != p.host) && a.host < b.host);
              });
    Existing* found = nullptr;
    for (auto& e : candidates)
      if (!e.used) {
        found = &e;
        break;
      }
    if (!found) {
      change.action = Action::kCreate;
    } else {
      found->used = true;
      change.container_id = found->container->id;
      if (found->host != p.host) {
        change.action = Action::kMove;
        change.from_host = found->host;
      } else {
        const auto& [canonical, hash] = desired[s->name];
        compare(*s, hash, canonical, *found->container, change);
        if (change.fields.empty()) {
          ++plan.summary.unchanged;
          continue;
        }
      }
    }
    mask_secret_fields(change.fields);
    count(plan.summary, change.action);
    plan.changes.push_back(std::move(change));
  }
  std::set<std::pair<std::string, std::string>> unplaced;
  for (const auto& u : placement.unplaced) unplaced.insert({u.service, u.slot});
  for (auto& [key, list] : existing) {
    if (unplaced.count(key) && stack.find_service(key.first)) continue;  // keep what runs
    for (auto& e : list) {
      if (e.used) continue;
      Change change;
      change.action = Action::kRemove;
      change.service = key.first;
      change.slot = key.second;
      change.host = e.host;
      change.container = e.container->name;
      change.container_id = e.container->id;
      count(plan.summary, change.action);
      plan.changes.push_back(std::move(change));
    }
  }
  plan_infra(stack, observed, plan);
  sort_changes(plan.changes);
  return plan;
}

}  // namespace berth
