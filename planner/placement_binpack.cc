// Binpack of fresh replicas, host by host (docs/design.md, Placement; docs/placement.md).
//
// Replicas are grouped into kinds (planner/placement_kinds.h), so the cost depends on hosts and
// kinds, never on replicas. Hosts are filled one at a time (hosts in use first, then by name).
// Each host is steered towards the shape of what is left to place: if the pool still needs
// 90 % of its hosts' CPU and 60 % of their memory, a host's target is full CPU and 60/90 of
// its memory. The next kind is the one whose demand is best aligned (dot product) with the
// host's distance to that target, taken in chunks of half of what the target still has room
// for. Aiming at the pool's shape instead of at free capacity keeps one dimension from being
// used up by the items heavy in it while the other dimension idles on later hosts. A bounded
// pass then tries to empty the least-loaded hosts into the others (placement_improve.cc), and
// on small stacks a local search exchanges replicas to close more hosts (placement_search.cc).
#include <algorithm>
#include <limits>

#include "planner/placement_kinds.h"

namespace berth::pack {
namespace {

struct Filler {
  std::vector<Kind>& kinds;
  std::vector<HostState>& hosts;
  std::vector<HostLoad>& load;
  std::vector<int> active;      // kinds with replicas left, in kind order
  std::vector<int> by_size;     // every kind, largest demand first (credits go in this order)
  std::vector<int64_t> credit;  // replicas each kind is owed, in 1/kCredit units
  std::vector<int8_t> allowed;  // per kind on the current host: -1 unknown, 0 no, 1 yes
  Resources normed_for{-1, -1, -1};
  bool to_capacity = false;   // aim at full capacity instead of the pool's shape
  int64_t subset_budget = 0;  // > 0: fill each host with its best subset first (small stacks)
  static constexpr int kCreditBits = 20;

  // Kinds' demands as shares of a host of this capacity (recomputed when it changes).
  void normalize(const Resources& cap) {
    if (cap == normed_for) return;
    for (Kind& k : kinds) {
      k.norm[0] = share(k.demand.resources.nano_cpus, cap.nano_cpus);
      k.norm[1] = share(k.demand.resources.memory, cap.memory);
    }
    normed_for = cap;
  }

  bool allowed_on(int ki, size_t hi) {
    if (allowed[ki] < 0) {
      Kind& k = kinds[ki];
      HostState& h = hosts[hi];
      h.count = k.plain ? 0 : (*k.groups.front()->counts)[hi];
      allowed[ki] = check(*k.service, k.demand, h, nullptr) == Refusal::kNone;
    }
    return allowed[ki] == 1;
  }

  // How many more replicas of kind ki fit on host hi (0 when it is not allowed there).
  int64_t fit_of(int ki, size_t hi) {
    Kind& k = kinds[ki];
    HostState& h = hosts[hi];
    if (!fits_resources(k, h) || !allowed_on(ki, hi)) return 0;
    h.count = k.plain ? 0 : (*k.groups.front()->counts)[hi];
    return k.plain ? fit_resources(k, h) : fit_count(*k.service, k.demand, h);
  }

  void place(int ki, size_t hi, int64_t m) {
    give(kinds, hosts, load, ki, hi, m);
    credit[ki] -= m << kCreditBits;
  }

  // The host's target per dimension in kScale units (the pool's shape scaled so that its
  // tightest dimension fills the host), and how many hosts the pool needs at least.
  int64_t target(const HostState& h, int64_t t[2]) {
    __int128 pool[2] = {0, 0};
    for (int ki : active) {
      pool[0] += (__int128)kinds[ki].left * kinds[ki].demand.resources.nano_cpus;
      pool[1] += (__int128)kinds[ki].left * kinds[ki].demand.resources.memory;
    }
    __int128 q[2], top = 0, need = 1;
    int64_t cap[2] = {h.capacity.nano_cpus, h.capacity.memory};
    for (int d = 0; d < 2; ++d) {
      q[d] = cap[d] > 0 ? pool[d] * kScale / cap[d] : 0;
      top = std::max(top, q[d]);
      if (cap[d] > 0) need = std::max(need, (pool[d] + cap[d] - 1) / cap[d]);
    }
    for (int d = 0; d < 2; ++d)
      t[d] = top > 0 && !to_capacity ? static_cast<int64_t>(q[d] * kScale / top) : kScale;
    return static_cast<int64_t>(std::min<__int128>(need, std::numeric_limits<int32_t>::max()));
  }

  // Every dense kind is owed its share of this host (what it has left over the hosts the pool
  // still needs); whole replicas owed go first, largest kinds first. Keeping each host's mix equal
  // to the pool's keeps the pool's shape, so the last hosts fill as well as the first.
  void pay_credits(size_t hi, int64_t hosts_needed) {
    for (int ki : by_size) {
      Kind& k = kinds[ki];
      // Only kinds with at least a replica per remaining host: sparse kinds are placed best
      // by alignment alone (forcing them in would spoil the fit of every host).
      if (k.left < hosts_needed) continue;
      credit[ki] += static_cast<int64_t>(((__int128)k.left << kCreditBits) / hosts_needed);
      int64_t owed = credit[ki] >> kCreditBits;
      if (owed <= 0) continue;
      int64_t m = std::min({owed, k.left, fit_of(ki, hi)});
      if (m > 0) place(ki, hi, m);
    }
    std::erase_if(active, [&](int ki) { return kinds[ki].left == 0; });
  }

  // Then the room left: the kind best aligned with the host's distance to its target.
  void top_off(size_t hi, const int64_t t[2]) {
    HostState& h = hosts[hi];
    while (!active.empty()) {
      int64_t r[2] = {t[0] - share(h.capacity.nano_cpus - h.free.nano_cpus, h.capacity.nano_cpus),
                      t[1] - share(h.capacity.memory - h.free.memory, h.capacity.memory)};
      int best = -1;
      int64_t best_score = std::numeric_limits<int64_t>::min();
      for (int ki : active) {
        const Kind& k = kinds[ki];
        if (!fits_resources(k, h)) continue;
        int64_t score = k.norm[0] * r[0] + k.norm[1] * r[1];
        if (score > best_score && allowed_on(ki, hi)) best = ki, best_score = score;
      }
      if (best < 0) return;
      Kind& k = kinds[best];
      int64_t fit = fit_of(best, hi);
      if (fit <= 0) {  // ports or a per-node maximum: not on this host any more
        allowed[best] = 0;
        continue;
      }
      // Room left under the target, in replicas of this kind (dimensions it still fits).
      int64_t room = std::numeric_limits<int64_t>::max();
      for (int d = 0; d < 2; ++d)
        if (k.norm[d] > 0 && r[d] > 0) room = std::min(room, r[d] / k.norm[d]);
      if (room == std::numeric_limits<int64_t>::max()) room = fit;
      place(best, hi, std::min({k.left, fit, std::max<int64_t>(1, room - room / 2)}));
      if (k.left == 0) active.erase(std::find(active.begin(), active.end(), best));
    }
  }

  // Exchanges with what is left that bring the host closer to its target, each followed by
  // a new top-off (planner/placement_refine.cc). Only with few kinds: the cost is per pair.
  void refine(size_t hi, const int64_t t[2]) {
    if (active.size() > 64) return;
    std::vector<int64_t> given(kinds.size(), 0);
    for (int step = 0; step < 8; ++step) {
      std::vector<int> pool;
      for (int ki : active)
        if (kinds[ki].plain && kinds[ki].left > 0 && allowed_on(ki, hi)) pool.push_back(ki);
      if (pool.empty() || !refine_host(kinds, hosts, load, hi, t, pool, given)) break;
      for (size_t ki = 0; ki < kinds.size(); ++ki) {
        if (given[ki] == 0) continue;
        credit[ki] -= given[ki] << kCreditBits;
        auto at = std::lower_bound(active.begin(), active.end(), static_cast<int>(ki));
        if (kinds[ki].left > 0 && (at == active.end() || *at != static_cast<int>(ki)))
          active.insert(at, static_cast<int>(ki));
        given[ki] = 0;
      }
      std::erase_if(active, [&](int ki) { return kinds[ki].left == 0; });
      top_off(hi, t);
    }
  }

  void fill(size_t hi) {
    normalize(hosts[hi].capacity);
    std::fill(allowed.begin(), allowed.end(), int8_t{-1});
    int64_t t[2];
    int64_t hosts_needed = target(hosts[hi], t);
    if (subset_budget > 0) {
      fill_best_subset(kinds, hosts, load, by_size, hi, subset_budget);
      std::erase_if(active, [&](int ki) { return kinds[ki].left == 0; });
    }
    pay_credits(hi, hosts_needed);
    top_off(hi, t);
    refine(hi, t);
  }
};

// Hosts that already carry load first (fewest hosts in use), then the rest by name.
std::vector<size_t> host_order(const std::vector<HostState>& hosts) {
  std::vector<size_t> order(hosts.size());
  for (size_t i = 0; i < hosts.size(); ++i) order[i] = i;
  auto used = [&](size_t i) {
    return hosts[i].free.nano_cpus < hosts[i].capacity.nano_cpus ||
           hosts[i].free.memory < hosts[i].capacity.memory;
  };
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return used(a) > used(b); });
  return order;
}

// Turns per-host counts of kinds into slots: a kind's replicas are its members' slots in
// stack order, handed out host by host in fill order.
void emit(std::vector<Kind>& kinds, std::vector<HostState>& hosts,
          const std::vector<HostLoad>& load, const std::vector<size_t>& order,
          PlacementResult& out) {
  size_t placed = 0;
  for (const HostLoad& l : load)
    for (auto [ki, m] : l.items) placed += static_cast<size_t>(m);
  out.placements.reserve(out.placements.size() + placed);
  for (size_t hi : order) {
    for (auto [ki, m] : load[hi].items) {
      Kind& k = kinds[ki];
      for (size_t g = 0; m > 0 && g < k.groups.size(); ++g) {
        Group& grp = *k.groups[g];
        int64_t n = std::min<int64_t>(m, static_cast<int64_t>(grp.slots.size() - grp.next));
        for (int64_t j = 0; j < n; ++j, ++grp.next)
          out.placements.push_back({grp.service->name, grp.slots[grp.next], hosts[hi].name});
        if (k.plain) (*grp.counts)[hi] += static_cast<int>(n);
        m -= n;
      }
    }
  }
}

// One complete pass: fill the hosts in order, then try to empty the lightest. Returns the
// number of hosts in use afterwards, or hosts + 1 if some replica found no host.
// Modes: 0 aims at the pool's shape, 1 at full capacity, 2 also takes each host's best subset.
size_t pack_once(std::vector<Kind>& kinds, std::vector<HostState>& hosts,
                 std::vector<HostLoad>& load, const std::vector<size_t>& order, int mode) {
  Filler f{kinds, hosts, load};
  f.to_capacity = mode == 1;
  f.subset_budget = mode == 2 ? 10'000 : 0;
  f.credit.assign(kinds.size(), 0);
  f.allowed.assign(kinds.size(), -1);
  for (size_t ki = 0; ki < kinds.size(); ++ki)
    if (kinds[ki].left > 0) f.active.push_back(static_cast<int>(ki));
  if (!order.empty()) f.normalize(hosts[order.front()].capacity);
  f.by_size = f.active;
  std::stable_sort(f.by_size.begin(), f.by_size.end(), [&](int a, int b) {
    return kinds[a].norm[0] + kinds[a].norm[1] > kinds[b].norm[0] + kinds[b].norm[1];
  });
  for (size_t hi : order) {
    if (f.active.empty()) break;
    f.fill(hi);
  }
  // Only when everything found a host: emptying a host into the others' gaps would take
  // room a replica still waiting could have used.
  if (!f.active.empty()) return hosts.size() + 1;
  empty_light_hosts(kinds, hosts, load, 64);
  size_t used = 0;
  for (size_t hi = 0; hi < hosts.size(); ++hi)
    used += !load[hi].items.empty() || !(hosts[hi].free == hosts[hi].capacity);
  return used;
}

// Small stacks (at most this many replicas, kinds and hosts) of plain kinds also get the
// costlier passes, whose cost grows with replicas x hosts: the best-subset fill
// (planner/placement_subset.cc) and the local search (planner/placement_search.cc).
constexpr int64_t kSmallStack = 2048;
bool small_and_plain(const std::vector<Kind>& kinds) {
  int64_t replicas = 0;
  for (const Kind& k : kinds) {
    if (!k.plain) return false;
    for (const Group* g : k.groups) replicas += static_cast<int64_t>(g->slots.size() - g->next);
  }
  return replicas <= kSmallStack;
}

// Small stacks (few kinds and hosts, e.g. one replica per service) are cheap to pack several
// ways: aiming at full capacity, or taking each host's best subset, wins on some mixes of big
// items (the Caprara-Toth classes, docs/placement.md). The first mode with the fewest hosts
// wins: same input, same choice.
int best_mode(const std::vector<Kind>& kinds, const std::vector<HostState>& hosts,
              const std::vector<size_t>& order) {
  if (kinds.size() > kSmallStack || hosts.size() > kSmallStack) return 0;
  // The subset search costs up to its budget per host opened: few replicas only.
  int modes = small_and_plain(kinds) ? 3 : 2;
  int best = 0;
  size_t best_used = 0;
  for (int mode = 0; mode < modes; ++mode) {
    std::vector<Kind> k = kinds;
    std::vector<HostState> h = hosts;
    std::vector<HostLoad> l(hosts.size());
    std::vector<std::vector<int>> saved;  // per-host counts that non-plain kinds change
    for (const Kind& x : k)
      if (!x.plain) saved.push_back(*x.groups.front()->counts);
    for (size_t hi = 0; hi < hosts.size(); ++hi) l[hi].fresh = h[hi].free == h[hi].capacity;
    size_t used = pack_once(k, h, l, order, mode);
    size_t i = 0;
    for (const Kind& x : k)
      if (!x.plain) *x.groups.front()->counts = saved[i++];
    if (mode == 0 || used < best_used) best = mode, best_used = used;
  }
  return best;
}

}  // namespace

void pack_by_host(std::vector<Group>& groups, std::vector<HostState>& hosts, PlacementResult& out) {
  std::vector<Kind> kinds = make_kinds(groups);
  std::vector<HostLoad> load(hosts.size());
  std::vector<size_t> order = host_order(hosts);
  for (size_t hi = 0; hi < hosts.size(); ++hi)
    load[hi].fresh = hosts[hi].free == hosts[hi].capacity;
  size_t used = pack_once(kinds, hosts, load, order, best_mode(kinds, hosts, order));
  // The search needs every replica on a host (its moves keep them all placed).
  if (used <= hosts.size() && hosts.size() <= kSmallStack && small_and_plain(kinds))
    search_fewer_hosts(kinds, hosts, load, 2'000'000);
  emit(kinds, hosts, load, order, out);
  for (Group& g : groups) {
    if (g.next == g.slots.size()) continue;
    for (size_t hi = 0; hi < hosts.size(); ++hi) hosts[hi].count = (*g.counts)[hi];
    std::string reason = explain(*g.service, g.demand, hosts);
    for (; g.next < g.slots.size(); ++g.next)
      out.unplaced.push_back({g.service->name, g.slots[g.next], reason});
  }
}

}  // namespace berth::pack
