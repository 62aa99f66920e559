// Exchanges that bring a host the fill just loaded closer to its target
// (planner/placement_kinds.h, refine_host; docs/placement.md).
//
// The fill stops when no kind left fits in the room a host has; that room (up to the smallest
// replica in the tight dimension) is lost on every host, and on fleets of small replicas of a
// few sizes it adds up to 0.3 % of the hosts. Swapping one or two replicas on the host for one
// or two of the pool whose demand is a little larger closes most of it: sizes of 105 and 112
// thousandths of a CPU trade 7 of them at a time.
#include <algorithm>
#include <limits>

#include "planner/placement_kinds.h"

namespace berth::pack {
namespace {

// A multiset of at most two kinds (-1: none).
struct Pick {
  int a = -1, b = -1;
};

// Every pick of zero, one or two replicas from kinds `of` with `count(k)` available.
template <typename Count>
std::vector<Pick> picks(const std::vector<int>& of, bool with_empty, Count count) {
  std::vector<Pick> out;
  if (with_empty) out.push_back({});
  for (size_t i = 0; i < of.size(); ++i) {
    out.push_back({of[i], -1});
    for (size_t j = i; j < of.size(); ++j)
      if (j > i || count(of[i]) >= 2) out.push_back({of[i], of[j]});
  }
  return out;
}

Resources demand(const std::vector<Kind>& kinds, Pick p) {
  Resources r;
  if (p.a >= 0) r += kinds[p.a].demand.resources;
  if (p.b >= 0) r += kinds[p.b].demand.resources;
  return r;
}

// Removes m replicas of plain kind ki that this pass gave host hi (the inverse of give).
void take_back(std::vector<Kind>& kinds, std::vector<HostState>& hosts, std::vector<HostLoad>& load,
               int ki, size_t hi, int64_t m) {
  const Resources& n = kinds[ki].demand.resources;
  hosts[hi].free += Resources{n.nano_cpus * m, n.memory * m, n.pids * m};
  kinds[ki].left += m;
  auto& items = load[hi].items;
  for (size_t i = items.size(); m > 0 && i-- > 0;) {
    if (items[i].first != ki) continue;
    int64_t n_out = std::min(m, items[i].second);
    items[i].second -= n_out, m -= n_out;
  }
  std::erase_if(items, [](auto& it) { return it.second == 0; });
}

// Scores exchanges on host h towards target t: the used amount per dimension, counted up to the
// target, each dimension weighed by the other's capacity (so a share of one host counts the
// same in both). Integer arithmetic, no division per exchange.
struct Gain {
  int64_t used[2], target[2], cap[2];
  Resources free;
  Gain(const HostState& h, const int64_t t[2]) : free(h.free) {
    cap[0] = std::max<int64_t>(h.capacity.nano_cpus, 1),
    cap[1] = std::max<int64_t>(h.capacity.memory, 1);
    used[0] = h.capacity.nano_cpus - h.free.nano_cpus, used[1] = h.capacity.memory - h.free.memory;
    for (int d = 0; d < 2; ++d) target[d] = static_cast<int64_t>((__int128)t[d] * cap[d] / kScale);
  }
  // The gain of taking `in` and giving back `out`; INT128 min when it does not fit.
  __int128 of(const Resources& in, const Resources& out) const {
    int64_t delta[2] = {in.nano_cpus - out.nano_cpus, in.memory - out.memory};
    if (delta[0] > free.nano_cpus || delta[1] > free.memory) return kNoFit;
    if (in.pids > out.pids && in.pids - out.pids > free.pids) return kNoFit;
    __int128 g[2];
    for (int d = 0; d < 2; ++d)
      g[d] = std::min(used[d] + delta[d], target[d]) - std::min(used[d], target[d]);
    g[0] *= cap[1], g[1] *= cap[0];
    for (int d = 0; d < 2; ++d)
      if (target[d] >= cap[d]) g[d] <<= 20;  // a dimension to fill comes first
    return g[0] + g[1];
  }
  static constexpr __int128 kNoFit = -((__int128)1 << 126);
};

}  // namespace

bool refine_host(std::vector<Kind>& kinds, std::vector<HostState>& hosts,
                 std::vector<HostLoad>& load, size_t hi, const int64_t t[2],
                 const std::vector<int>& pool, std::vector<int64_t>& given) {
  const Gain gain(hosts[hi], t);
  if (gain.used[0] >= gain.target[0] && gain.used[1] >= gain.target[1]) return false;
  std::vector<int64_t> on(kinds.size(), 0);
  std::vector<int> here;
  for (auto [ki, m] : load[hi].items) {
    if (!kinds[ki].plain) continue;
    if (on[ki] == 0) here.push_back(ki);
    on[ki] += m;
  }
  std::sort(here.begin(), here.end());
  std::vector<Pick> outs = picks(here, true, [&](int k) { return on[k]; });
  std::vector<Pick> ins = picks(pool, false, [&](int k) { return kinds[k].left; });
  if (outs.size() * ins.size() > kRefineWork) return false;
  std::vector<Resources> in_demand;
  for (const Pick& i : ins) in_demand.push_back(demand(kinds, i));
  __int128 best_gain = 0;
  Pick best_in, best_out;
  for (const Pick& o : outs) {
    Resources out = demand(kinds, o);
    for (size_t n = 0; n < ins.size(); ++n) {
      const Pick& i = ins[n];
      if (i.a == o.a || i.a == o.b || (i.b >= 0 && (i.b == o.a || i.b == o.b))) continue;
      __int128 g = gain.of(in_demand[n], out);
      if (g > best_gain) best_gain = g, best_in = i, best_out = o;
    }
  }
  if (best_gain <= 0) return false;
  for (int k : {best_out.a, best_out.b})
    if (k >= 0) take_back(kinds, hosts, load, k, hi, 1), --given[k];
  for (int k : {best_in.a, best_in.b})
    if (k >= 0) give(kinds, hosts, load, k, hi, 1), ++given[k];
  return true;
}

}  // namespace berth::pack
