// The ten 2-D vector packing classes of Caprara & Toth (2001), "Lower bounds and algorithms
// for the 2-dimensional vector packing problem", Discrete Applied Mathematics 111, 231-262,
// as reconstructed for bench/placement_bench.cc.
//
// The paper could not be read from here; these parameters are a reconstruction from what is
// commonly repeated about the set, and docs/placement.md (Caprara-Toth classes) says which
// parts are sure and which are not. Sizes: n = 25, 50, 100, 200 (class 10: 24, 51, 99, 201),
// ten instances per size. Item j has a weight w_j (CPU) and a length v_j (memory); hosts hold
// W = V = `cap` in both dimensions.
#pragma once

#include "bench/placement_instances.h"

namespace bench {

inline int caprara_toth_size(int cls, int size_index) {
  static const int kN[] = {25, 50, 100, 200};
  static const int kTriplets[] = {24, 51, 99, 201};
  return cls == 10 ? kTriplets[size_index] : kN[size_index];
}

namespace detail {

// Martello & Vigo's four item types, as vector items on W = V = 100: 1 heavy in w only,
// 2 heavy in v only, 3 heavy in both, 4 light in both.
inline Kind martello_vigo_item(Rng& rng, int type) {
  switch (type) {
    case 1:
      return {rng.between(67, 100), rng.between(1, 50), 1};
    case 2:
      return {rng.between(1, 50), rng.between(67, 100), 1};
    case 3:
      return {rng.between(50, 100), rng.between(50, 100), 1};
    default:
      return {rng.between(1, 50), rng.between(1, 50), 1};
  }
}

// 70 % of the items of `main_type`, 10 % of each other type.
inline Kind martello_vigo_mix(Rng& rng, int main_type) {
  int64_t r = rng.between(0, 9);
  if (r < 7) return martello_vigo_item(rng, main_type);
  int others[3], k = 0;
  for (int t = 1; t <= 4; ++t)
    if (t != main_type) others[k++] = t;
  return martello_vigo_item(rng, others[r - 7]);
}

inline int64_t clamp(int64_t x, int64_t lo, int64_t hi) {
  return std::max(lo, std::min(hi, x));
}

}  // namespace detail

// Instance `index` (0-9) of class `cls` (1-10) with n items; as many hosts as items.
inline Instance caprara_toth(int cls, int n, int index) {
  Instance in;
  Rng rng{static_cast<uint64_t>(cls) * 1'000'003 + static_cast<uint64_t>(n) * 101 + index};
  in.cap = cls >= 6 && cls <= 9 ? 100 : 150;
  for (int j = 0; j < n && cls != 10; ++j) {
    Kind k;
    switch (cls) {
      case 1:
        k = {rng.between(10, 50), rng.between(10, 50), 1};
        break;   // uncorrelated
      case 2: {  // positively correlated: v within +-10 of w
        int64_t w = rng.between(10, 50);
        k = {w, detail::clamp(w + rng.between(-10, 10), 1, 150), 1};
        break;
      }
      case 3: {  // negatively correlated: v within +-10 of 60 - w
        int64_t w = rng.between(10, 50);
        k = {w, detail::clamp(60 - w + rng.between(-10, 10), 1, 150), 1};
        break;
      }
      case 4:
        k = {rng.between(20, 100), rng.between(20, 100), 1};
        break;  // large
      case 5:
        k = {rng.between(1, 100), rng.between(1, 100), 1};
        break;  // wide range
      default:
        k = detail::martello_vigo_mix(rng, cls - 5);
        break;  // classes 6-9
    }
    in.kinds.push_back(k);
  }
  if (cls == 10) {
    // Triplets: each bin filled exactly by three items in both dimensions (optimum n/3).
    for (int b = 0; b < n / 3; ++b) {
      int64_t w1 = rng.between(38, 75), w2 = rng.between(38, 75);
      int64_t v1 = rng.between(38, 75), v2 = rng.between(38, 75);
      in.kinds.push_back({w1, v1, 1});
      in.kinds.push_back({w2, v2, 1});
      in.kinds.push_back({150 - w1 - w2, 150 - v1 - v2, 1});
    }
    for (size_t i = in.kinds.size(); i > 1; --i)
      std::swap(in.kinds[i - 1], in.kinds[rng.next() % i]);
  }
  in.hosts = static_cast<int>(in.kinds.size());
  return in;
}

}  // namespace bench
