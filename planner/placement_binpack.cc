// Binpack of fresh replicas, host by host: fill one host at a time with the service whose
// demand is best aligned with the host's remaining capacity (the bin-centric dot-product rule,
// ~1.08x optimum on hard 2-D sets), placing replicas of that service in chunks (half of what
// still fits, re-choosing after each chunk) so one service does not exhaust one dimension while
// the other stays idle. Each choice scans the services with replicas left, so the cost is
// O(hosts x chunks x services), independent of the replica count.
#include <algorithm>

#include "planner/placement_internal.h"

namespace berth::pack {
namespace {

__int128 alignment(const HostState& h, const Demand& d) {
  auto term = [](int64_t free, int64_t need, int64_t cap) -> __int128 {
    if (cap <= 0 || need <= 0 || free <= 0) return 0;
    return (__int128)free * 1'000'000 / cap * ((__int128)need * 1'000'000 / cap);
  };
  return term(h.free.nano_cpus, d.resources.nano_cpus, h.capacity.nano_cpus) +
         term(h.free.memory, d.resources.memory, h.capacity.memory);
}

}  // namespace

void pack_by_host(std::vector<Group>& groups, std::vector<HostState>& hosts,
                  PlacementResult& out) {
  // Hosts that already carry load first (fewest hosts in use), then the rest by name.
  std::vector<size_t> order(hosts.size());
  for (size_t i = 0; i < hosts.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    bool used_a = hosts[a].free.nano_cpus < hosts[a].capacity.nano_cpus ||
                  hosts[a].free.memory < hosts[a].capacity.memory;
    bool used_b = hosts[b].free.nano_cpus < hosts[b].capacity.nano_cpus ||
                  hosts[b].free.memory < hosts[b].capacity.memory;
    return used_a > used_b;
  });
  std::vector<Group*> active;
  for (Group& g : groups)
    if (g.next < g.slots.size()) active.push_back(&g);
  for (size_t hi : order) {
    HostState& h = hosts[hi];
    while (!active.empty()) {
      Group* best = nullptr;
      __int128 best_score = -1;
      for (Group* g : active) {
        h.count = (*g->counts)[hi];
        if (check(*g->service, g->demand, h, nullptr) != Refusal::kNone) continue;
        __int128 sc = alignment(h, g->demand);
        if (sc > best_score) best = g, best_score = sc;
      }
      if (!best) break;
      h.count = (*best->counts)[hi];
      int64_t left = static_cast<int64_t>(best->slots.size() - best->next);
      int64_t fit = fit_count(*best->service, best->demand, h);
      int64_t k = left <= fit ? left : std::max<int64_t>(1, (fit + 1) / 2);
      for (int64_t j = 0; j < k; ++j, ++best->next) {
        take(h, best->demand);
        out.placements.push_back({best->service->name, best->slots[best->next], h.name});
      }
      (*best->counts)[hi] = h.count;
      if (best->next == best->slots.size())
        active.erase(std::find(active.begin(), active.end(), best));
    }
  }
  for (Group* g : active) {
    for (size_t hi = 0; hi < hosts.size(); ++hi) hosts[hi].count = (*g->counts)[hi];
    std::string reason = explain(*g->service, g->demand, hosts);
    for (; g->next < g->slots.size(); ++g->next)
      out.unplaced.push_back({g->service->name, g->slots[g->next], reason});
  }
}

}  // namespace berth::pack
