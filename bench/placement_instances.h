// Generated packing instances for bench/placement_bench.cc (docs/placement.md, Figures).
//
// Every instance is built with splitmix64 and integer arithmetic only (no std::*_distribution),
// so every machine builds the same ones. An instance is a list of item kinds (a demand vector
// and a replica count, i.e. one service) on identical hosts; `to_world` turns it into the
// Stack / Inventory / Observed that berth::place takes.
#pragma once

#include <fmt/format.h>

#include <algorithm>
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

// Hosts of `cap` units in both dimensions; one host unit is `cpu_unit` nanoCPUs and
// `mem_unit` bytes, so every demand is an exact integer.
struct Instance {
  int64_t cap = 1000;
  int hosts = 0;
  std::vector<Kind> kinds;
};

struct World {
  berth::Stack stack;
  berth::Inventory inventory;
  berth::Observed observed;
};

inline World to_world(const Instance& in) {
  constexpr int64_t kCpuPerHost = 16 * berth::kNanoCpusPerCpu;
  constexpr int64_t kMemPerHost = 64LL << 30;
  const int64_t cpu_unit = kCpuPerHost / in.cap, mem_unit = kMemPerHost / in.cap;
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
    o.capacity = {in.cap * cpu_unit, in.cap * mem_unit, 0};
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

// SPEC.md's bound: max over dimensions of ceil(sum of demand / host capacity).
inline int64_t lower_bound(const Instance& in) {
  int64_t cpu = 0, mem = 0;
  for (const Kind& k : in.kinds) cpu += k.cpu * k.replicas, mem += k.mem * k.replicas;
  return (std::max(cpu, mem) + in.cap - 1) / in.cap;
}

// A stronger bound for big items: items above half a host in one dimension never share a
// host with each other, so there are at least as many hosts as such items.
inline int64_t strong_bound(const Instance& in) {
  int64_t big_cpu = 0, big_mem = 0;
  for (const Kind& k : in.kinds) {
    if (2 * k.cpu > in.cap) big_cpu += k.replicas;
    if (2 * k.mem > in.cap) big_mem += k.replicas;
  }
  return std::max({lower_bound(in), big_cpu, big_mem});
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

// Triplets: each host is filled exactly by three items in both dimensions, so the optimum
// is `bins` (the construction behind Caprara & Toth's class 10). Capacity 1000 per dimension.
inline Instance triplets(int bins, uint64_t seed) {
  Instance in;
  Rng rng{seed};
  for (int b = 0; b < bins; ++b) {
    int64_t c1 = rng.between(250, 500), c2 = rng.between(250, 500);
    int64_t m1 = rng.between(250, 500), m2 = rng.between(250, 500);
    in.kinds.push_back({c1, m1, 1});
    in.kinds.push_back({c2, m2, 1});
    in.kinds.push_back({1000 - c1 - c2, 1000 - m1 - m2, 1});
  }
  // Shuffle (Fisher-Yates on our own generator) so the triplets are not adjacent.
  for (size_t i = in.kinds.size(); i > 1; --i) std::swap(in.kinds[i - 1], in.kinds[rng.next() % i]);
  in.hosts = bins * 2;
  return in;
}

}  // namespace bench
