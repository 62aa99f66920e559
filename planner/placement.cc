// The packer. Two phases: sticky replicas keep their host while it still satisfies them; then
// the rest are placed service by service, largest demand first. Replicas of one service are
// identical, so binpack fills the best-fitting host with as many as fit at once (one scan of
// the hosts per host used, not per replica); spread and spread preferences go one replica at
// a time to the least loaded host / label group.
#include <algorithm>
#include <map>

#include "planner/placement_internal.h"

namespace berth {
namespace {

using pack::Demand;
using pack::HostState;

// Desired slots of a service: "1".."N", or the eligible host names for global services.
std::vector<std::string> wanted_slots(const Service& s, const std::vector<HostState>& hosts) {
  std::vector<std::string> slots;
  if (s.mode == ServiceMode::kGlobal) {
    for (const HostState& h : hosts)
      if (pack::satisfies_constraints(s, h, nullptr)) slots.push_back(h.name);
  } else {
    for (int i = 1; i <= s.replicas; ++i) slots.push_back(std::to_string(i));
  }
  return slots;
}

// Lower is better. Integer arithmetic only, so every machine picks the same host.
__int128 score(const HostState& h, const Demand& d, Strategy strategy) {
  auto left = [](int64_t free, int64_t need, int64_t cap) -> __int128 {
    return cap <= 0 ? 0 : (__int128)(free - need) * 1'000'000 / cap;
  };
  __int128 remaining = left(h.free.nano_cpus, d.resources.nano_cpus, h.capacity.nano_cpus) +
                       left(h.free.memory, d.resources.memory, h.capacity.memory);
  // binpack: tightest fit; spread: most room left, then fewest replicas of this service.
  if (strategy == Strategy::kBinpack) return remaining;
  return (__int128)h.count * 4'000'000 - remaining;
}

int best_host(const Service& s, const Demand& d, const std::vector<HostState>& hosts,
              Strategy strategy, const std::string& group_key, const std::string& group) {
  int best = -1;
  __int128 best_score = 0;
  for (size_t i = 0; i < hosts.size(); ++i) {
    const HostState& h = hosts[i];
    if (!group_key.empty() && pack::node_attribute(h, group_key) != group) continue;
    if (pack::check(s, d, h, nullptr) != pack::Refusal::kNone) continue;
    __int128 sc = score(h, d, strategy);
    if (best < 0 || sc < best_score) best = static_cast<int>(i), best_score = sc;
  }
  return best;
}

// With spread preferences: the label value (of the first preference) with the fewest replicas
// of this service among those that still have a feasible host.
int best_host_spread_pref(const Service& s, const Demand& d, std::vector<HostState>& hosts,
                          Strategy strategy, std::map<std::string, int>& per_value) {
  const std::string& key = s.placement.spread.front();
  std::map<std::string, int> candidates;
  for (const HostState& h : hosts) candidates.emplace(pack::node_attribute(h, key), 0);
  std::vector<std::pair<int, std::string>> order;
  for (auto& [value, unused] : candidates) order.push_back({per_value[value], value});
  std::sort(order.begin(), order.end());
  for (auto& [count, value] : order) {
    int i = best_host(s, d, hosts, strategy, key, value);
    if (i >= 0) {
      ++per_value[value];
      return i;
    }
  }
  return -1;
}

void place_service(const Service& s, const std::vector<std::string>& slots,
                   std::vector<HostState>& hosts, Strategy strategy,
                   std::map<std::string, int> per_value, PlacementResult& out) {
  Demand d = pack::demand_of(s);
  size_t next = 0;
  while (next < slots.size()) {
    if (s.mode == ServiceMode::kGlobal) {
      const std::string& host = slots[next];
      auto it = std::find_if(hosts.begin(), hosts.end(), [&](auto& h) { return h.name == host; });
      if (pack::check(s, d, *it, nullptr) == pack::Refusal::kNone) {
        pack::take(*it, d);
        out.placements.push_back({s.name, host, host});
      } else {
        out.unplaced.push_back({s.name, host, pack::explain(s, d, {*it})});
      }
      ++next;
      continue;
    }
    int i = s.placement.spread.empty() ? best_host(s, d, hosts, strategy, "", "")
                                       : best_host_spread_pref(s, d, hosts, strategy, per_value);
    if (i < 0) {
      std::string reason = pack::explain(s, d, hosts);
      for (; next < slots.size(); ++next) out.unplaced.push_back({s.name, slots[next], reason});
      break;
    }
    // Binpack without preferences fills the chosen host with as many as fit at once.
    int64_t k = 1;
    if (strategy == Strategy::kBinpack && s.placement.spread.empty())
      k = std::min<int64_t>(pack::fit_count(s, d, hosts[i]), slots.size() - next);
    for (int64_t j = 0; j < std::max<int64_t>(k, 1); ++j, ++next) {
      pack::take(hosts[i], d);
      out.placements.push_back({s.name, slots[next], hosts[i].name});
    }
  }
}

// Where each (service, slot) of this stack runs now: reachable hosts, those where the replica is
// up first, then by name (so a half-done move keeps the copy that serves).
using Running = std::map<std::pair<std::string, std::string>, std::vector<std::string>>;

Running running_replicas(const Stack& stack, const Observed& observed) {
  std::map<std::pair<std::string, std::string>, std::vector<std::pair<bool, std::string>>> seen;
  for (const ObservedHost& o : observed.hosts) {
    if (!o.reachable) continue;
    for (const ObservedContainer& c : o.containers)
      if (c.owned_by(stack.name))
        seen[{c.label(labels::kService), c.label(labels::kSlot)}].push_back(
            {!counts_as_running(c), o.name});
  }
  Running out;
  for (auto& [key, hosts] : seen) {
    std::sort(hosts.begin(), hosts.end());
    for (auto& [down, name] : hosts)
      if (out[key].empty() || out[key].back() != name) out[key].push_back(name);
  }
  return out;
}

// "h1 (connection refused), h3 (...)": the hosts that could not be observed.
std::string unreachable_hosts(const Observed& observed) {
  std::string out;
  for (const ObservedHost& o : observed.hosts)
    if (!o.reachable) out += (out.empty() ? "" : ", ") + o.name;
  return out;
}

}  // namespace

PlacementResult place(const Stack& stack, const Inventory& inventory, const Observed& observed,
                      Strategy strategy) {
  std::vector<HostState> hosts = pack::host_table(stack, inventory, observed);
  std::map<std::string, size_t> host_index;
  for (size_t i = 0; i < hosts.size(); ++i) host_index[hosts[i].name] = i;
  const Running running = running_replicas(stack, observed);
  const std::string unreachable = unreachable_hosts(observed);

  PlacementResult out;
  std::map<std::string, std::vector<std::string>> todo;      // service -> slots to place
  std::map<std::string, std::map<std::string, int>> spread;  // service -> label value -> n
  std::vector<std::vector<int>> counts(stack.services.size(), std::vector<int>(hosts.size()));
  // Phase 1: sticky. Keep every replica that still fits where it runs; a stateful one stays
  // wherever its constraints still allow.
  for (size_t si = 0; si < stack.services.size(); ++si) {
    const Service& s = stack.services[si];
    const bool stateful = !named_volumes(s).empty();
    Demand d = pack::demand_of(s);
    std::vector<std::string> slots = wanted_slots(s, hosts);
    if (s.mode == ServiceMode::kGlobal)  // an unreachable host's own slot is unknown
      for (const ObservedHost& o : observed.hosts)
        if (!o.reachable && pack::satisfies_constraints_of(s, o.name, inventory))
          out.unknown.push_back({s.name, o.name, "its host " + o.name + " is unreachable"});
    for (const std::string& slot : slots) {
      bool kept = false;
      auto it = running.find({s.name, slot});
      for (const std::string& host :
           it == running.end() ? std::vector<std::string>{} : it->second) {
        auto hi = host_index.find(host);
        if (hi == host_index.end()) continue;  // drained, or no longer in the inventory
        HostState& h = hosts[hi->second];
        h.count = counts[si][hi->second];
        if (s.mode == ServiceMode::kGlobal && host != slot) continue;
        pack::Refusal why = pack::check(s, d, h, nullptr);
        if (why != pack::Refusal::kNone && !(stateful && why != pack::Refusal::kConstraint))
          continue;
        pack::take(h, d);
        counts[si][hi->second] = h.count;
        out.placements.push_back({s.name, slot, host});
        if (!s.placement.spread.empty())
          ++spread[s.name][pack::node_attribute(h, s.placement.spread.front())];
        kept = true;
        break;
      }
      if (kept) continue;
      // Not seen on a reachable host: it may run on one that could not be observed, and a
      // second copy must never be started.
      if (!unreachable.empty() && s.mode == ServiceMode::kReplicated)
        out.unknown.push_back({s.name, slot, "it may run on unreachable " + unreachable});
      else
        todo[s.name].push_back(slot);
    }
  }
  // Phase 2: the rest. Binpack without preferences goes host by host (placement_binpack.cc);
  // spread, preferences and global services go service by service, largest demand first.
  std::vector<size_t> order;
  std::vector<pack::Group> groups;
  for (size_t si = 0; si < stack.services.size(); ++si) {
    const Service& s = stack.services[si];
    if (!todo.count(s.name)) continue;
    if (strategy == Strategy::kBinpack && s.placement.spread.empty() &&
        s.mode == ServiceMode::kReplicated)
      groups.push_back({&s, pack::demand_of(s), todo[s.name], 0, &counts[si]});
    else
      order.push_back(si);
  }
  auto size = [&](size_t si) {
    const Resources& r = stack.services[si].reservations;
    return (__int128)r.nano_cpus * 8 + r.memory / 1024;  // ~1 CPU : 8 GiB
  };
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return size(a) > size(b); });
  for (size_t si : order) {
    const Service& s = stack.services[si];
    for (size_t hi = 0; hi < hosts.size(); ++hi) hosts[hi].count = counts[si][hi];
    place_service(s, todo[s.name], hosts, strategy, spread[s.name], out);
  }
  pack::pack_by_host(groups, hosts, out);
  pack::sort_placements(stack, out.placements);
  return out;
}

}  // namespace berth
