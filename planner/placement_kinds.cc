// Kinds of interchangeable replicas and the bookkeeping the binpack passes share
// (planner/placement_kinds.h).
#include "planner/placement_kinds.h"

#include <limits>
#include <map>
#include <string>
#include <tuple>

namespace berth::pack {

std::vector<Kind> make_kinds(std::vector<Group>& groups) {
  std::vector<Kind> kinds;
  // Ordered map: kinds are numbered by the first member in stack order, whatever the keys.
  std::map<std::tuple<int64_t, int64_t, int64_t, std::string>, int> index;
  for (Group& g : groups) {
    int64_t left = static_cast<int64_t>(g.slots.size() - g.next);
    if (left == 0) continue;
    const Service& s = *g.service;
    bool plain = g.demand.ports.empty() && s.placement.max_replicas_per_node <= 0;
    int ki = -1;
    if (plain) {
      std::string constraints;
      for (const Constraint& c : s.placement.constraints) constraints += c.str() + '\n';
      const Resources& r = g.demand.resources;
      auto [it, added] = index.try_emplace({r.nano_cpus, r.memory, r.pids, constraints},
                                           static_cast<int>(kinds.size()));
      if (!added) ki = it->second;
    }
    if (ki < 0) {
      ki = static_cast<int>(kinds.size());
      kinds.push_back({g.demand, &s, {}, plain, 0, {0, 0}});
    }
    kinds[ki].groups.push_back(&g);
    kinds[ki].left += left;
  }
  return kinds;
}

int64_t share(int64_t need, int64_t cap) {
  if (cap <= 0) return 0;
  return static_cast<int64_t>((__int128)need * kScale / cap);
}

int64_t fit_resources(const Kind& k, const HostState& h) {
  int64_t n = std::numeric_limits<int64_t>::max();
  auto dim = [&](int64_t need, int64_t free) {
    if (need > 0) n = std::min(n, free < need ? 0 : free / need);
  };
  dim(k.demand.resources.nano_cpus, h.free.nano_cpus);
  dim(k.demand.resources.memory, h.free.memory);
  dim(k.demand.resources.pids, h.free.pids);
  return n;
}

void give(std::vector<Kind>& kinds, std::vector<HostState>& hosts, std::vector<HostLoad>& load,
          int ki, size_t hi, int64_t m) {
  Kind& k = kinds[ki];
  HostState& h = hosts[hi];
  if (k.plain) {
    const Resources& n = k.demand.resources;
    h.free.nano_cpus -= n.nano_cpus * m;
    h.free.memory -= n.memory * m;
    h.free.pids -= n.pids * m;
  } else {  // one service: ports and its per-host count go through take()
    std::vector<int>& counts = *k.groups.front()->counts;
    h.count = counts[hi];
    for (int64_t j = 0; j < m; ++j) take(h, k.demand);
    counts[hi] = h.count;
  }
  k.left -= m;
  auto& items = load[hi].items;
  if (!items.empty() && items.back().first == ki)
    items.back().second += m;
  else
    items.push_back({ki, m});
}

}  // namespace berth::pack
