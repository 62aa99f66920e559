// The ten 2-D vector packing classes of Caprara & Toth (2001), "Lower bounds and algorithms
// for the 2-dimensional vector packing problem", Discrete Applied Mathematics 111, 231-262,
// for bench/placement_bench.cc.
//
// Item j has a weight w_j (CPU) and a length v_j (memory); hosts hold W (CPU) and V (memory).
// U[a, b] is a uniform integer in [a, b].
//   1: w, v in U[100, 400], W = V = 1000       6: w, v in U[20, 100], W = V = 150
//   2: w, v in U[1, 1000], W = V = 1000        7: w in U[20, 100], v in U[w - 10, w + 10], 150
//   3: w, v in U[200, 800], W = V = 1000       8: w in U[20, 100], v in U[110 - w, 130 - w], 150
//   4: w, v in U[50, 200], W = V = 1000        9: w, v in U[100, 400]; L = ceil(max(sum w,
//   5: w, v in U[25, 100], W = V = 1000           sum v) / 1000), W = ceil(sum w / L), V likewise
//  10: triplets on W = V = 100: two items with w, v in U[25, 50], the third 100 - their sum
//      in each dimension, so the optimum is n / 3.
// Sizes n = 25, 50, 100, 200 (class 10: 24, 51, 99, 201), ten instances per size. The same
// definitions are in two independent public generators (docs/placement.md, Caprara-Toth
// classes, names them); the random numbers here are our own (splitmix64), so the instances are
// of the same classes, not the paper's files.
#pragma once

#include "bench/placement_instances.h"

namespace bench {

inline int caprara_toth_size(int cls, int size_index) {
  static const int kN[] = {25, 50, 100, 200};
  static const int kTriplets[] = {24, 51, 99, 201};
  return cls == 10 ? kTriplets[size_index] : kN[size_index];
}

namespace detail {

// Classes 1-6: both dimensions uniform in [lo, hi] on hosts of `cap`.
struct UniformClass {
  int64_t lo, hi, cap;
};
inline constexpr UniformClass kUniformClasses[] = {
    {100, 400, 1000}, {1, 1000, 1000}, {200, 800, 1000},
    {50, 200, 1000},  {25, 100, 1000}, {20, 100, 150},
};

// Class 9: capacities cut to the items' totals, so the bound has almost no slack.
inline void fit_capacities_to_totals(Instance& in) {
  int64_t cpu = 0, mem = 0;
  for (const Kind& k : in.kinds) cpu += k.cpu, mem += k.mem;
  int64_t bins = (std::max(cpu, mem) + 999) / 1000;
  in.cap = (cpu + bins - 1) / bins;
  in.mem_cap = (mem + bins - 1) / bins;
}

}  // namespace detail

// Instance `index` (0-9) of class `cls` (1-10) with n items; as many hosts as items.
inline Instance caprara_toth(int cls, int n, int index) {
  Instance in;
  Rng rng{static_cast<uint64_t>(cls) * 1'000'003 + static_cast<uint64_t>(n) * 101 + index};
  if (cls == 10) {
    in.cap = 100;
    add_triplets(in, rng, n / 3);
  } else {
    in.cap = cls <= 6 ? detail::kUniformClasses[cls - 1].cap : cls <= 8 ? 150 : 1000;
    for (int j = 0; j < n; ++j) {
      int64_t w, v;
      if (cls <= 6) {
        const detail::UniformClass& c = detail::kUniformClasses[cls - 1];
        w = rng.between(c.lo, c.hi), v = rng.between(c.lo, c.hi);
      } else if (cls == 7) {  // positively correlated
        w = rng.between(20, 100), v = rng.between(w - 10, w + 10);
      } else if (cls == 8) {  // negatively correlated
        w = rng.between(20, 100), v = rng.between(110 - w, 130 - w);
      } else {
        w = rng.between(100, 400), v = rng.between(100, 400);
      }
      in.kinds.push_back({w, v, 1});
    }
    if (cls == 9) detail::fit_capacities_to_totals(in);
  }
  in.hosts = static_cast<int>(in.kinds.size());
  return in;
}

}  // namespace bench
