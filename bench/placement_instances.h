// Generated packing instances for bench/placement_bench.cc (docs/placement.md, Figures).
//
// Every instance is built with splitmix64 and integer arithmetic only (no std::*_distribution),
// so every machine builds the same ones. An instance is a list of item kinds (a demand vector
// and a replica count, i.e. one service) on identical hosts; `to_world` turns it into the
// Stack / Inventory / Observed that berth::place takes.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "planner/model.h"

namespace bench {

struct Rng {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform integer in [lo, hi] (modulo bias is below 2^-40 for these ranges).
  int64_t between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(next() % static_cast<uint64_t>(hi - lo + 1));
  }
};

struct Kind {
  int64_t cpu = 0, mem = 0;  // in host units (see Instance::cap)
  int replicas = 1;
};

// Hosts of `cap` units of CPU and `mem_cap` units of memory (0: `cap` as well); one unit is a
// whole number of nanoCPUs or bytes (see to_world), so every demand is an exact integer.
struct Instance {
  int64_t cap = 1000;
  int64_t mem_cap = 0;
  int hosts = 0;
  std::vector<Kind> kinds;
  int64_t memory_capacity() const { return mem_cap > 0 ? mem_cap : cap; }
};

struct World {
  berth::Stack stack;
  berth::Inventory inventory;
  berth::Observed observed;
};

inline World to_world(const Instance& in) {
  constexpr int64_t kCpuPerHost = 16 * berth::kNanoCpusPerCpu;
  constexpr int64_t kMemPerHost = 64LL << 30;
  const int64_t cpu_unit = kCpuPerHost / in.cap, mem_unit = kMemPerHost / in.memory_capacity();
  World w;
  w.stack.name = w.observed.stack = "bench";
  for (int i = 0; i < in.hosts; ++i) {
    berth::Host h;
    h.name = fmt::format("h{:05d}", i);
    h.labels["zone"] = fmt::format("z{}", i % 3);
    w.inventory.hosts.push_back(h);
    berth::ObservedHost o;
    o.name = h.name;
    o.reachable = true;
    o.capacity = {in.cap * cpu_unit, in.memory_capacity() * mem_unit, 0};
    w.observed.hosts.push_back(o);
  }
  for (size_t k = 0; k < in.kinds.size(); ++k) {
    berth::Service s;
    s.name = fmt::format("s{:06d}", k);
    s.spec.image = "app";
    s.replicas = in.kinds[k].replicas;
    s.reservations = {in.kinds[k].cpu * cpu_unit, in.kinds[k].mem * mem_unit, 0};
    w.stack.services.push_back(s);
  }
  return w;
}

// docs/design.md's bound: max over dimensions of ceil(sum of demand / host capacity).
inline int64_t lower_bound(const Instance& in) {
  int64_t cpu = 0, mem = 0;
  for (const Kind& k : in.kinds) cpu += k.cpu * k.replicas, mem += k.mem * k.replicas;
  const int64_t mem_cap = in.memory_capacity();
  return std::max((cpu + in.cap - 1) / in.cap, (mem + mem_cap - 1) / mem_cap);
}

// One replica's demand, (cpu, memory) in host units.
using Size = std::array<int64_t, 2>;

// Every replica of the instance, the largest share of a host (in either dimension) first.
inline std::vector<Size> replicas_largest_first(const Instance& in) {
  const int64_t cap[2] = {in.cap, in.memory_capacity()};
  std::vector<Size> items;
  for (const Kind& k : in.kinds)
    for (int r = 0; r < k.replicas; ++r) items.push_back({k.cpu, k.mem});
  auto larger_share = [&](const Size& x) { return std::max(x[0] * cap[1], x[1] * cap[0]); };
  std::stable_sort(items.begin(), items.end(),
                   [&](auto& a, auto& b) { return larger_share(a) > larger_share(b); });
  return items;
}

// A stronger bound, the largest of three (O(replicas^2): for the small Caprara-Toth sets):
// - lower_bound;
// - a conflict clique: replicas no two of which fit on one host need a host each. It is grown
//   greedily from the replicas above half a host in CPU (and again from those above half in
//   memory), adding the largest replicas that conflict with every member;
// - a cardinality bound: no host takes more than k replicas, where k is the most of the
//   smallest replicas that fit together by CPU, by memory and by the sum of both shares.
inline int64_t strong_bound(const Instance& in) {
  const int64_t cap[2] = {in.cap, in.memory_capacity()};
  std::vector<Size> items = replicas_largest_first(in);
  auto sum_share = [&](const Size& x) { return x[0] * cap[1] + x[1] * cap[0]; };
  int64_t best = lower_bound(in);
  for (int dim = 0; dim < 2; ++dim) {
    auto big = [&](const Size& x) { return 2 * x[dim] > cap[dim]; };
    std::vector<Size> clique;
    for (const auto& x : items)
      if (big(x)) clique.push_back(x);
    for (const auto& x : items) {
      if (big(x)) continue;
      if (std::all_of(clique.begin(), clique.end(),
                      [&](auto& c) { return c[0] + x[0] > cap[0] || c[1] + x[1] > cap[1]; }))
        clique.push_back(x);
    }
    best = std::max(best, static_cast<int64_t>(clique.size()));
  }
  // Cardinality: the k smallest of each measure must fit for any host to hold k.
  std::vector<int64_t> by[3];
  for (const auto& x : items)
    by[0].push_back(x[0]), by[1].push_back(x[1]), by[2].push_back(sum_share(x));
  const int64_t limit[3] = {cap[0], cap[1], 2 * cap[0] * cap[1]};
  size_t most = items.size();
  for (int m = 0; m < 3; ++m) {
    std::sort(by[m].begin(), by[m].end());
    int64_t total = 0;
    for (size_t k = 0; k < by[m].size(); ++k)
      if ((total += by[m][k]) > limit[m]) {
        most = std::min(most, k);
        break;
      }
  }
  if (most > 0) best = std::max(best, static_cast<int64_t>((items.size() + most - 1) / most));
  return best;
}

// Uniform mix: `services` services of `replicas` each, demand per dimension uniform in
// [lo, hi] per-mille of a host. The fleet is 1.3x the bound unless `hosts` is given.
inline Instance uniform_mix(int services, int replicas, int lo, int hi, uint64_t seed,
                            int hosts = 0) {
  Instance in;
  Rng rng{seed};
  for (int s = 0; s < services; ++s)
    in.kinds.push_back({rng.between(lo, hi), rng.between(lo, hi), replicas});
  in.hosts = hosts ? hosts : static_cast<int>(lower_bound(in) * 13 / 10 + 1);
  return in;
}

// Services fleet (issue 11): many services of hundreds of identical replicas, only a few
// distinct sizes across the stack. Six sizes are drawn per instance, each dimension 0.3-2 %
// of a host independently; each service takes one size and 200-800 replicas until `total`
// replicas. CPU is made the tighter dimension: when the drawn stack needs more memory than
// CPU, the sizes are drawn again. The fleet is `hosts`.
inline Instance services_fleet(int total, int hosts, uint64_t seed) {
  Instance in;
  in.cap = 10000;  // per 10,000 of a host: 0.3 % = 30
  in.hosts = hosts;
  Rng rng{seed};
  for (;;) {
    in.kinds.clear();
    Kind sizes[6];
    for (Kind& k : sizes) k = {rng.between(30, 200), rng.between(30, 200), 0};
    for (int left = total; left > 0;) {
      Kind k = sizes[rng.next() % 6];
      k.replicas = static_cast<int>(std::min<int64_t>(left, rng.between(200, 800)));
      left -= k.replicas;
      in.kinds.push_back(k);
    }
    int64_t cpu = 0, mem = 0;
    for (const Kind& k : in.kinds) cpu += k.cpu * k.replicas, mem += k.mem * k.replicas;
    if (cpu > mem) return in;
  }
}

// Adds `bins` host-fulls of triplets on hosts of `in.cap` (the same in both dimensions): two
// items in [cap/4, cap/2] per dimension and a third that fills the host exactly, so the
// optimum is `bins` (Caprara & Toth's class 10), shuffled so that triplets are not adjacent.
inline void add_triplets(Instance& in, Rng& rng, int bins) {
  const int64_t cap = in.cap;
  for (int b = 0; b < bins; ++b) {
    int64_t c1 = rng.between(cap / 4, cap / 2), c2 = rng.between(cap / 4, cap / 2);
    int64_t m1 = rng.between(cap / 4, cap / 2), m2 = rng.between(cap / 4, cap / 2);
    in.kinds.push_back({c1, m1, 1});
    in.kinds.push_back({c2, m2, 1});
    in.kinds.push_back({cap - c1 - c2, cap - m1 - m2, 1});
  }
  // Fisher-Yates on our own generator.
  for (size_t i = in.kinds.size(); i > 1; --i) std::swap(in.kinds[i - 1], in.kinds[rng.next() % i]);
}

// Triplets on hosts of 1000 per dimension, twice as many hosts as the optimum.
inline Instance triplets(int bins, uint64_t seed) {
  Instance in;
  Rng rng{seed};
  add_triplets(in, rng, bins);
  in.hosts = bins * 2;
  return in;
}

}  // namespace bench
