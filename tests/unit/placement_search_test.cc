// The local search after the fill (planner/placement_search.cc) on small stacks of big
// replicas, where the fill alone leaves hosts to spare: how many hosts it uses against the
// optimum (found here by exhaustive search), and that it keeps capacity, constraints and
// running replicas. Speed lives in bench/placement_bench.cc, never here.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>

#include "planner/placement.h"
#include "tests/unit/placement_world.h"

namespace berth {
namespace {

using packer_test::binpack;
using packer_test::binpack_hosts_reversed;
using packer_test::hosts_used;
using packer_test::observe;
using packer_test::Rng;
using packer_test::World;

constexpr int64_t kUnits = 100;  // a host is 100 units of CPU and of memory
constexpr NanoCpus kCpuUnit = kNanoCpusPerCpu / 10;
constexpr Bytes kMemUnit = 64LL << 20;

// As many hosts as services; services of one replica of 10-60 units per dimension (most hosts
// take two or three). With `zones`, a third of the services may not run on zone a (h0, h3, ...).
World mix(uint64_t seed, int services, bool zones) {
  Rng r{seed};
  World w;
  w.stack.name = w.observed.stack = "p";
  for (int i = 0; i < services; ++i) {
    Host h;
    h.name = "h" + std::to_string(i);
    h.labels["zone"] = i % 3 == 0 ? "a" : "b";
    w.inventory.hosts.push_back(h);
    ObservedHost o;
    o.name = h.name;
    o.reachable = true;
    o.capacity = {kUnits * kCpuUnit, kUnits * kMemUnit, 0};
    w.observed.hosts.push_back(o);
  }
  for (int i = 0; i < services; ++i) {
    Service s;
    s.name = "s" + std::to_string(i);
    s.spec.image = "x";
    s.replicas = 1;
    s.reservations = {r.in(10, 60) * kCpuUnit, r.in(10, 60) * kMemUnit, 0};
    if (zones && r.in(0, 2) == 0)
      s.placement.constraints.push_back({"node.labels.zone", false, "a", {}});
    w.stack.services.push_back(s);
  }
  return w;
}

// The fewest hosts that hold the stack (exhaustive, largest first; a few thousand nodes here).
int optimum(const Stack& stack) {
  std::vector<std::pair<int64_t, int64_t>> items;  // (cpu, memory) units, one per service
  for (const Service& s : stack.services)
    items.push_back({s.reservations.nano_cpus / kCpuUnit, s.reservations.memory / kMemUnit});
  std::sort(items.begin(), items.end(), [](auto& a, auto& b) {
    return std::max(a.first, a.second) > std::max(b.first, b.second);
  });
  int best = static_cast<int>(items.size());
  std::vector<std::pair<int64_t, int64_t>> room(items.size());
  std::function<void(size_t, int)> dfs = [&](size_t i, int used) {
    if (used >= best) return;
    if (i == items.size()) {
      best = used;
      return;
    }
    auto [c, m] = items[i];
    for (int b = 0; b <= used; ++b) {  // b == used: a new host
      if (b == used) room[b] = {kUnits, kUnits};
      if (room[b].first < c || room[b].second < m) continue;
      room[b].first -= c, room[b].second -= m;
      dfs(i + 1, b == used ? used + 1 : used);
      room[b].first += c, room[b].second += m;
    }
  };
  dfs(0, 0);
  return best;
}

TEST(PlacementSearch, UsesTheOptimumOnAlmostEverySmallMixOfBigReplicas) {
  // Measured: 3 hosts over the optimum in all (297 of 300 optimal); the fill alone, before the
  // search, used 17 more.
  int over = 0;
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    World w = mix(seed, 14, false);
    PlacementResult p = place(w.stack, w.inventory, w.observed, Strategy::kBinpack);
    ASSERT_TRUE(p.unplaced.empty()) << "seed " << seed;
    int best = optimum(w.stack);
    EXPECT_LE(static_cast<int>(hosts_used(p)), best + 1) << "seed " << seed;
    over += static_cast<int>(hosts_used(p)) - best;
  }
  EXPECT_LE(over, 3);
}

TEST(PlacementSearch, KeepsCapacityConstraintsAndRunningReplicas) {
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    World w = mix(seed, 16, true);
    PlacementResult p = place(w.stack, w.inventory, w.observed, Strategy::kBinpack);
    std::map<std::string, std::pair<int64_t, int64_t>> used;
    for (const auto& rp : p.placements) {
      const Service& s = *w.stack.find_service(rp.service);
      used[rp.host].first += s.reservations.nano_cpus;
      used[rp.host].second += s.reservations.memory;
      if (!s.placement.constraints.empty()) {
        EXPECT_NE(std::stoi(rp.host.substr(1)) % 3, 0) << "seed " << seed << " zone a";
      }
    }
    for (auto& [host, u] : used) {
      EXPECT_LE(u.first, kUnits * kCpuUnit) << "seed " << seed << " " << host;
      EXPECT_LE(u.second, kUnits * kMemUnit) << "seed " << seed << " " << host;
    }
    // Re-planning moves nothing; new services leave every running replica where it is.
    observe(w, p);
    EXPECT_EQ(place(w.stack, w.inventory, w.observed, Strategy::kBinpack).placements, p.placements)
        << "seed " << seed;
    World more = mix(seed, 16, true);
    more.observed = w.observed;
    Rng r{seed * 7919};
    for (int i = 0; i < 6; ++i) {
      Service s = more.stack.services[i];
      s.name = "t" + std::to_string(i);
      s.reservations = {r.in(10, 60) * kCpuUnit, r.in(10, 60) * kMemUnit, 0};
      more.stack.services.push_back(s);
    }
    PlacementResult q = place(more.stack, more.inventory, more.observed, Strategy::kBinpack);
    for (const auto& rp : p.placements)
      EXPECT_NE(std::find(q.placements.begin(), q.placements.end(), rp), q.placements.end())
          << "seed " << seed << " moved " << rp.service;
  }
}

TEST(PlacementSearch, SameResultWhateverTheHostOrder) {
  for (uint64_t seed = 1; seed <= 100; ++seed) {
    World w = mix(seed, 16, true);
    EXPECT_EQ(binpack_hosts_reversed(w).placements, binpack(w).placements) << "seed " << seed;
  }
}

}  // namespace
}  // namespace berth
