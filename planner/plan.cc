#include "planner/plan.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

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
         volumes_create + volumes_remove + proxies;
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

// The container that is the replica of a slot placed on `host`: one on that host if any, else
// the copy to move. A container under its own name beats one parked aside, an up one beats a
// stopped one; the rest of the slot's containers are leftovers.
Existing* pick_primary(std::vector<Existing>& candidates, const std::string& host) {
  auto rank = [&](const Existing& e) {
    return std::make_tuple(e.host != host, is_parked(e.container->name),
                           !counts_as_running(*e.container), e.host, e.container->name);
  };
  Existing* best = nullptr;
  for (Existing& e : candidates)
    if (!best || rank(e) < rank(*best)) best = &e;
  return best;
}

// Compares an existing replica with its desired spec: nothing, update or recreate. An update
// may also put back a replica left parked aside, or start one that is stopped.
void compare(const Service& s, const std::string& hash, const nlohmann::json& canonical,
             const ObservedContainer& c, Change& change) {
  if (c.label(labels::kSpecHash) != hash || c.state == "dead" || c.state == "removing") {
    change.action = Action::kRecreate;
    auto old = nlohmann::json::parse(c.label(labels::kSpec), nullptr, false);
    change.fields = diff_fields(old.is_discarded() ? nlohmann::json::object() : old, canonical);
    if (change.fields.empty()) change.fields.push_back({"state", c.state, "running"});
    return;
  }
  if (c.name != change.container) change.fields.push_back({"name", c.name, change.container});
  if (!counts_as_running(c)) change.fields.push_back({"state", c.state, "running"});
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

Change removal(const std::pair<std::string, std::string>& key, const Existing& e, bool leftover) {
  Change change;
  change.action = Action::kRemove;
  change.service = key.first;
  change.slot = key.second;
  change.host = e.host;
  change.container = e.container->name;
  change.container_id = e.container->id;
  change.leftover = leftover;
  return change;
}

}  // namespace

Plan make_plan(const Stack& stack, const Observed& observed, const PlacementResult& placement) {
  Plan plan;
  plan.stack = stack.name;
  plan.fingerprint = observed_fingerprint(observed);
  plan.placements = placement.placements;
  plan.unplaced = placement.unplaced;
  plan.unknown = placement.unknown;
  for (const ObservedHost& h : observed.hosts)
    if (!h.reachable) plan.unreachable.push_back({h.name, h.error.str()});
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
    Existing* found = pick_primary(existing[{p.service, p.slot}], p.host);
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
  // What is not a placed replica: leftovers of a placed slot go first; a slot that could not be
  // placed, or may also run on an unreachable host, keeps what runs; the rest is removed.
  std::set<std::pair<std::string, std::string>> keep;
  for (const auto& u : placement.unplaced) keep.insert({u.service, u.slot});
  for (const auto& u : placement.unknown) keep.insert({u.service, u.slot});
  for (auto& [key, list] : existing) {
    bool placed = std::any_of(list.begin(), list.end(), [](auto& e) { return e.used; });
    if (!placed && keep.count(key) && stack.find_service(key.first)) continue;
    for (auto& e : list) {
      if (e.used) continue;
      plan.changes.push_back(removal(key, e, placed || is_parked(e.container->name)));
      count(plan.summary, Action::kRemove);
    }
  }
  plan_infra(stack, observed, plan);
  check_plan(stack, observed, plan);
  sort_changes(plan.changes);
  plan.rollouts = plan_rollouts(stack, observed, plan.changes);
  return plan;
}

}  // namespace berth
