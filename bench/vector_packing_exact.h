// Exact two-dimensional vector packing for small instances, to measure the packer against the
// optimum rather than against a bound (bench/placement_bench.cc, `ct-exact`).
//
// A depth-first search puts the replicas, largest first, into each open host with room (hosts
// with the same room left are tried once) or into a new host, and cuts a branch when the
// hosts it has plus what the rest needs beyond the room left (in either dimension) reach the
// best packing known. It starts from an upper bound (the packer's packing) and stops at
// `node_limit` nodes: `proven` says whether it finished, or reached a lower bound.
#pragma once

#include <algorithm>
#include <cstdint>
#include <set>
#include <vector>

#include "bench/placement_instances.h"

namespace bench {

struct ExactPacking {
  int64_t hosts = 0;    // the fewest hosts found (the optimum when proven)
  bool proven = false;  // no packing with fewer hosts exists
};

namespace detail {

struct ExactSearch {
  std::vector<Size> items;     // largest first
  std::vector<Size> rest;      // rest[i]: total of items i..
  std::vector<Size> smallest;  // smallest[i]: least of items i.. in each dimension
  std::vector<Size> room;      // per open host
  int64_t cap[2] = {0, 0};
  int64_t best = 0, floor = 0, nodes = 0, node_limit = 0;

  void dfs(size_t i) {
    const int64_t used = static_cast<int64_t>(room.size());
    if (used >= best || best <= floor || ++nodes > node_limit) return;
    if (i == items.size()) {
      best = used;
      return;
    }
    // Hosts the rest needs beyond the room left. A room too small for every item still to
    // place (in either dimension) is waste, not room: on instances cut to fit their bound
    // exactly (Caprara-Toth class 9) this is what proves the bound cannot be reached.
    int64_t more = 0, free[2] = {0, 0};
    for (const auto& r : room)
      if (r[0] >= smallest[i][0] && r[1] >= smallest[i][1]) free[0] += r[0], free[1] += r[1];
    for (int d = 0; d < 2; ++d)
      if (rest[i][d] > free[d]) more = std::max(more, (rest[i][d] - free[d] + cap[d] - 1) / cap[d]);
    if (used + more >= best) return;
    std::set<Size> tried;
    const auto& x = items[i];
    for (size_t b = 0; b < room.size(); ++b) {
      if (room[b][0] < x[0] || room[b][1] < x[1] || !tried.insert(room[b]).second) continue;
      room[b][0] -= x[0], room[b][1] -= x[1];
      dfs(i + 1);
      room[b][0] += x[0], room[b][1] += x[1];
    }
    room.push_back({cap[0] - x[0], cap[1] - x[1]});
    dfs(i + 1);
    room.pop_back();
  }
};

}  // namespace detail

// The fewest hosts for `in` (hosts of in.cap x in.memory_capacity), searching below `upper`;
// `lower` is a known lower bound (reaching it proves the optimum).
inline ExactPacking exact_packing(const Instance& in, int64_t upper, int64_t lower,
                                  int64_t node_limit) {
  detail::ExactSearch s;
  s.cap[0] = in.cap, s.cap[1] = in.memory_capacity();
  s.items = replicas_largest_first(in);
  s.rest.assign(s.items.size() + 1, {0, 0});
  for (size_t i = s.items.size(); i-- > 0;)
    s.rest[i] = {s.rest[i + 1][0] + s.items[i][0], s.rest[i + 1][1] + s.items[i][1]};
  s.smallest.assign(s.items.size() + 1, {INT64_MAX, INT64_MAX});
  for (size_t i = s.items.size(); i-- > 0;)
    s.smallest[i] = {std::min(s.smallest[i + 1][0], s.items[i][0]),
                     std::min(s.smallest[i + 1][1], s.items[i][1])};
  s.best = upper, s.floor = lower, s.node_limit = node_limit;
  s.dfs(0);
  return {s.best, s.best <= lower || s.nodes <= node_limit};
}

}  // namespace bench
