// What the packer's unit tests share (tests/unit/placement_fleet_test.cc,
// tests/unit/placement_search_test.cc): a seeded generator, the packer's inputs, and the
// running state a placement leaves for the next run to observe.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "planner/placement.h"

namespace berth::packer_test {

// splitmix64: the same numbers on every machine (no std::*_distribution).
struct Rng {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  int64_t in(int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(next() % (hi - lo + 1)); }
};

// The packer's inputs; the stack and the observed state are named "p".
struct World {
  Stack stack;
  Inventory inventory;
  Observed observed;
};

// Replaces what runs on the hosts by the placement's replicas of stack "p".
inline void observe(World& w, const PlacementResult& p) {
  std::map<std::string, ObservedHost*> by_name;
  for (auto& h : w.observed.hosts) h.containers.clear(), by_name[h.name] = &h;
  for (const auto& rp : p.placements) {
    ObservedContainer c;
    c.id = rp.service + "-" + rp.slot;
    c.state = "running";
    c.labels = {{labels::kStack, "p"}, {labels::kService, rp.service}, {labels::kSlot, rp.slot}};
    if (auto it = by_name.find(rp.host); it != by_name.end()) it->second->containers.push_back(c);
  }
}

inline PlacementResult binpack(const World& w) {
  return place(w.stack, w.inventory, w.observed, Strategy::kBinpack);
}

// The binpack placement with the hosts listed in the opposite order (it must not matter).
inline PlacementResult binpack_hosts_reversed(World w) {
  std::reverse(w.observed.hosts.begin(), w.observed.hosts.end());
  std::reverse(w.inventory.hosts.begin(), w.inventory.hosts.end());
  return binpack(w);
}

inline size_t hosts_used(const PlacementResult& p) {
  std::set<std::string> used;
  for (const auto& rp : p.placements) used.insert(rp.host);
  return used.size();
}

}  // namespace berth::packer_test
