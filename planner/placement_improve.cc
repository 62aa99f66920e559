// The improvement pass after the host-by-host fill (planner/placement_kinds.h): try to empty
// the least-loaded hosts the fill opened, moving their replicas into the room left on the
// other hosts in use. The fill leaves its last hosts part-full and the earlier ones with
// small gaps; whenever the gaps can take a whole host's replicas, that host is saved.
#include <algorithm>

#include "planner/placement_kinds.h"

namespace berth::pack {
namespace {

int64_t used_share(const HostState& h) {
  return share(h.capacity.nano_cpus - h.free.nano_cpus, h.capacity.nano_cpus) +
         share(h.capacity.memory - h.free.memory, h.capacity.memory);
}

bool in_use(const HostState& h, const HostLoad& l) {
  return !l.items.empty() || !(h.free == h.capacity);
}

struct Move {
  int kind;
  size_t host;
  int64_t count;
};

// Moves every replica on host `from` to `targets` (fullest first), or nothing.
bool try_empty(std::vector<Kind>& kinds, std::vector<HostState>& hosts, std::vector<HostLoad>& load,
               size_t from, const std::vector<size_t>& targets) {
  std::vector<std::pair<int, int64_t>> items = load[from].items;
  // Largest replicas first: they are the hardest to fit into gaps.
  std::stable_sort(items.begin(), items.end(), [&](auto& a, auto& b) {
    const Kind &x = kinds[a.first], &y = kinds[b.first];
    return x.norm[0] + x.norm[1] > y.norm[0] + y.norm[1];
  });
  std::vector<Move> moves;
  bool ok = true;
  for (auto [ki, m] : items) {
    Kind& k = kinds[ki];
    for (size_t t : targets) {
      if (m == 0) break;
      HostState& h = hosts[t];
      if (!fits_resources(k, h) || check(*k.service, k.demand, h, nullptr) != Refusal::kNone)
        continue;
      int64_t n = std::min(m, fit_resources(k, h));
      h.free -= Resources{k.demand.resources.nano_cpus * n, k.demand.resources.memory * n,
                          k.demand.resources.pids * n};
      moves.push_back({ki, t, n});
      m -= n;
    }
    if (m > 0) {
      ok = false;
      break;
    }
  }
  for (const Move& mv : moves) {
    const Resources& r = kinds[mv.kind].demand.resources;
    if (!ok) {
      hosts[mv.host].free +=
          Resources{r.nano_cpus * mv.count, r.memory * mv.count, r.pids * mv.count};
      continue;
    }
    auto& to = load[mv.host].items;
    if (!to.empty() && to.back().first == mv.kind)
      to.back().second += mv.count;
    else
      to.push_back({mv.kind, mv.count});
  }
  if (ok) {
    load[from].items.clear();
    hosts[from].free = hosts[from].capacity;  // fresh: nothing else was on it
  }
  return ok;
}

}  // namespace

void empty_light_hosts(std::vector<Kind>& kinds, std::vector<HostState>& hosts,
                       std::vector<HostLoad>& load, int attempts) {
  std::vector<size_t> light;
  for (size_t i = 0; i < hosts.size(); ++i) {
    bool movable = load[i].fresh && !load[i].items.empty();
    for (auto [ki, m] : load[i].items) movable = movable && kinds[ki].plain;
    if (movable) light.push_back(i);
  }
  std::stable_sort(light.begin(), light.end(),
                   [&](size_t a, size_t b) { return used_share(hosts[a]) < used_share(hosts[b]); });
  if (light.size() > static_cast<size_t>(attempts)) light.resize(attempts);
  for (size_t from : light) {
    // The other hosts in use, fullest first (best fit), ties by name.
    std::vector<std::pair<int64_t, size_t>> targets;
    for (size_t i = 0; i < hosts.size(); ++i)
      if (i != from && in_use(hosts[i], load[i])) targets.push_back({-used_share(hosts[i]), i});
    std::sort(targets.begin(), targets.end());
    std::vector<size_t> order;
    for (auto& t : targets) order.push_back(t.second);
    try_empty(kinds, hosts, load, from, order);
  }
}

}  // namespace berth::pack
