// A host filled with the best subset of what is left ("minimum bin slack" in two dimensions,
// docs/placement.md): a bounded depth-first search over the kinds, largest first, for the counts
// that use the most of the host (CPU share + memory share), the largest kind left always in. Only
// for small stacks (planner/placement_binpack.cc tries it beside the greedy fill and keeps the
// better packing): on items of 5-50 % of a host, picking the set that fits together beats
// picking one item at a time.
#include <algorithm>
#include <array>

#include "planner/placement_kinds.h"

namespace berth::pack {
namespace {

struct Search {
  const std::vector<Kind>& kinds;
  std::vector<int> cand;  // kinds allowed on the host, largest first
  std::vector<int64_t> take, best_take;
  int64_t best = -1, budget;
  int64_t free_cpu, free_mem, free_pids;
  int64_t cap_cpu = 0, cap_mem = 0;
  std::vector<std::array<int64_t, 2>> rest;  // rest[i]: shares of candidates i.. (all left)

  void dfs(size_t i, int64_t score) {
    if (score > best) best = score, best_take = take;
    if (i == cand.size() || --budget < 0) return;
    // What the rest could add at most, per dimension: the room left or all of the rest.
    int64_t most_cpu = std::min(share(free_cpu, cap_cpu), rest[i][0]);
    int64_t most_mem = std::min(share(free_mem, cap_mem), rest[i][1]);
    if (score + most_cpu + most_mem <= best) return;
    const Kind& k = kinds[cand[i]];
    const Resources& n = k.demand.resources;
    int64_t most = k.left;
    if (n.nano_cpus > 0) most = std::min(most, free_cpu / n.nano_cpus);
    if (n.memory > 0) most = std::min(most, free_mem / n.memory);
    if (n.pids > 0) most = std::min(most, free_pids / n.pids);
    // The largest kind left is always in (at least one), as in minimum bin slack.
    int64_t least = i == 0 ? std::min<int64_t>(1, most) : 0;
    for (int64_t c = most; c >= least && budget >= 0; --c) {
      take[i] = c;
      free_cpu -= c * n.nano_cpus, free_mem -= c * n.memory, free_pids -= c * n.pids;
      dfs(i + 1, score + c * (k.norm[0] + k.norm[1]));
      free_cpu += c * n.nano_cpus, free_mem += c * n.memory, free_pids += c * n.pids;
    }
    take[i] = 0;
  }
};

}  // namespace

void fill_best_subset(std::vector<Kind>& kinds, std::vector<HostState>& hosts,
                      std::vector<HostLoad>& load, const std::vector<int>& by_size, size_t hi,
                      int64_t budget) {
  HostState& h = hosts[hi];
  Search s{kinds, {}, {}, {}, -1, budget, h.free.nano_cpus, h.free.memory, h.free.pids};
  for (int ki : by_size) {
    const Kind& k = kinds[ki];
    if (k.left > 0 && fits_resources(k, h) &&
        check(*k.service, k.demand, h, nullptr) == Refusal::kNone)
      s.cand.push_back(ki);
  }
  if (s.cand.empty()) return;
  s.cap_cpu = h.capacity.nano_cpus, s.cap_mem = h.capacity.memory;
  s.rest.assign(s.cand.size() + 1, {0, 0});
  for (size_t i = s.cand.size(); i-- > 0;) {
    const Kind& k = kinds[s.cand[i]];
    s.rest[i] = {s.rest[i + 1][0] + k.left * k.norm[0], s.rest[i + 1][1] + k.left * k.norm[1]};
  }
  s.take.assign(s.cand.size(), 0);
  s.dfs(0, 0);
  for (size_t i = 0; i < s.cand.size(); ++i)
    if (s.best_take[i] > 0) give(kinds, hosts, load, s.cand[i], hi, s.best_take[i]);
}

}  // namespace berth::pack
