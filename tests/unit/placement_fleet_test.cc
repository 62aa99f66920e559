// The binpack packer on fleets of many services sharing a few sizes (planner/placement_kinds.h:
// identical replicas are grouped into kinds across services): validity, stickiness,
// determinism and packing quality on generated fleets (issue 11). Speed lives in
// bench/placement_bench.cc, never here.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

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

constexpr NanoCpus kCpu = 8 * kNanoCpusPerCpu;
constexpr Bytes kMem = 32LL << 30;

// 3-20 identical hosts; 2-4 sizes of 1-10 % of a host per dimension shared by 2-10 services
// of 5-60 replicas. With `extras`, some services get a zone constraint, a per-node maximum or
// a published port (kinds of their own).
World fleet(uint64_t seed, bool extras) {
  Rng r{seed};
  World w;
  w.stack.name = w.observed.stack = "p";
  int hosts = static_cast<int>(r.in(3, 20));
  for (int i = 0; i < hosts; ++i) {
    Host h;
    h.name = "h" + std::to_string(i);
    h.labels["zone"] = i % 3 == 0 ? "a" : "b";
    w.inventory.hosts.push_back(h);
    ObservedHost o;
    o.name = h.name;
    o.reachable = true;
    o.capacity = {kCpu, kMem, 0};
    w.observed.hosts.push_back(o);
  }
  std::vector<Resources> sizes(static_cast<size_t>(r.in(2, 4)));
  for (Resources& s : sizes) s = {kCpu / 100 * r.in(1, 10), kMem / 100 * r.in(1, 10), 0};
  int services = static_cast<int>(r.in(2, 10));
  for (int i = 0; i < services; ++i) {
    Service s;
    s.name = "s" + std::to_string(i);
    s.spec.image = "x";
    s.replicas = static_cast<int>(r.in(5, 60));
    s.reservations = sizes[r.next() % sizes.size()];
    if (extras && r.in(0, 4) == 0)
      s.placement.constraints.push_back({"node.labels.zone", false, "a", {}});
    if (extras && r.in(0, 4) == 0) s.placement.max_replicas_per_node = static_cast<int>(r.in(1, 6));
    if (extras && r.in(0, 6) == 0) s.spec.ports.push_back({"", 9000 + i, 80, "tcp", {}});
    w.stack.services.push_back(s);
  }
  return w;
}

int64_t lower_bound(const World& w) {
  __int128 cpu = 0, mem = 0;
  for (const Service& s : w.stack.services)
    cpu += (__int128)s.reservations.nano_cpus * s.replicas,
        mem += (__int128)s.reservations.memory * s.replicas;
  return static_cast<int64_t>(std::max((cpu + kCpu - 1) / kCpu, (mem + kMem - 1) / kMem));
}

// Every host within capacity, constraints/maximum/ports honoured, every replica accounted for.
void expect_valid(const World& w, const PlacementResult& p, uint64_t seed) {
  std::map<std::string, Resources> used;
  std::map<std::pair<std::string, std::string>, int> per_node;
  std::set<std::pair<std::string, std::string>> slots;
  size_t wanted = 0;
  for (const Service& s : w.stack.services) wanted += s.replicas;
  for (const auto& rp : p.placements) {
    const Service& s = *w.stack.find_service(rp.service);
    used[rp.host] += s.reservations;
    int n = ++per_node[{rp.service, rp.host}];
    if (s.placement.max_replicas_per_node) EXPECT_LE(n, s.placement.max_replicas_per_node) << seed;
    if (!s.spec.ports.empty()) EXPECT_EQ(n, 1) << seed;
    if (!s.placement.constraints.empty()) EXPECT_NE(rp.host, "h0") << seed;  // h0 is zone a
    EXPECT_TRUE(slots.insert({rp.service, rp.slot}).second) << seed << " twice " << rp.slot;
  }
  for (auto& [host, u] : used) {
    EXPECT_LE(u.nano_cpus, kCpu) << "seed " << seed << " " << host;
    EXPECT_LE(u.memory, kMem) << "seed " << seed << " " << host;
  }
  EXPECT_EQ(p.placements.size() + p.unplaced.size(), wanted) << "seed " << seed;
}

TEST(PlacementFleet, ValidWithConstraintsMaximaAndPorts) {
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    World w = fleet(seed, true);
    expect_valid(w, place(w.stack, w.inventory, w.observed, Strategy::kBinpack), seed);
  }
}

TEST(PlacementFleet, PacksWithinOneHostOfTheBound) {
  // Items of at most 10 % of a host: at most one host above the bound (placement_binpack.cc).
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    World w = fleet(seed, false);
    PlacementResult p = place(w.stack, w.inventory, w.observed, Strategy::kBinpack);
    expect_valid(w, p, seed);  // small plain stacks also try the best-subset fill
    if (!p.unplaced.empty()) {
      EXPECT_GE(lower_bound(w) + 2, static_cast<int64_t>(w.observed.hosts.size())) << seed;
      continue;
    }
    EXPECT_LE(static_cast<int64_t>(hosts_used(p)), lower_bound(w) + 1) << "seed " << seed;
  }
}

TEST(PlacementFleet, ReplanMovesNothingAndScaleDownDropsHighestSlots) {
  for (uint64_t seed = 1; seed <= 150; ++seed) {
    World w = fleet(seed, true);
    PlacementResult first = place(w.stack, w.inventory, w.observed, Strategy::kBinpack);
    observe(w, first);
    EXPECT_EQ(place(w.stack, w.inventory, w.observed, Strategy::kBinpack).placements,
              first.placements)
        << "seed " << seed;
    for (Service& s : w.stack.services) s.replicas = s.replicas / 2 + 1;
    PlacementResult down = place(w.stack, w.inventory, w.observed, Strategy::kBinpack);
    for (const auto& rp : down.placements) {
      EXPECT_LE(std::stoi(rp.slot), w.stack.find_service(rp.service)->replicas) << seed;
      bool kept =
          std::find(first.placements.begin(), first.placements.end(), rp) != first.placements.end();
      bool was_placed = std::any_of(first.placements.begin(), first.placements.end(), [&](auto& x) {
        return x.service == rp.service && x.slot == rp.slot;
      });
      EXPECT_TRUE(kept || !was_placed)
          << "seed " << seed << " moved " << rp.service << "/" << rp.slot;
    }
  }
}

TEST(PlacementFleet, ScaleUpKeepsEveryRunningReplica) {
  for (uint64_t seed = 1; seed <= 150; ++seed) {
    World w = fleet(seed, false);
    for (Service& s : w.stack.services) s.replicas /= 2;
    PlacementResult first = place(w.stack, w.inventory, w.observed, Strategy::kBinpack);
    observe(w, first);
    for (Service& s : w.stack.services) s.replicas *= 2;
    PlacementResult up = place(w.stack, w.inventory, w.observed, Strategy::kBinpack);
    for (const auto& rp : first.placements)
      EXPECT_NE(std::find(up.placements.begin(), up.placements.end(), rp), up.placements.end())
          << "seed " << seed << " moved " << rp.service << "/" << rp.slot;
  }
}

bool cpu_tighter(const World& w) {
  __int128 cpu = 0, mem = 0;  // in shares of a host, cross-multiplied
  for (const Service& s : w.stack.services)
    cpu += (__int128)s.reservations.nano_cpus * s.replicas * kMem,
        mem += (__int128)s.reservations.memory * s.replicas * kCpu;
  return cpu > mem;
}

// The fleets in small: six sizes of 0.3-2 % of a host per dimension, CPU the tighter,
// services of 200-800 replicas, `total` replicas, hosts 1.05x the bound.
World small_replicas_fleet(uint64_t seed, int total) {
  Rng r{seed};
  World w;
  w.stack.name = w.observed.stack = "p";
  std::vector<Resources> sizes(6);
  do {
    w.stack.services.clear();
    for (Resources& s : sizes) s = {kCpu / 10000 * r.in(30, 200), kMem / 10000 * r.in(30, 200), 0};
    for (int left = total, i = 0; left > 0; ++i) {
      Service s;
      s.name = "s" + std::to_string(i);
      s.spec.image = "x";
      s.replicas = static_cast<int>(std::min<int64_t>(left, r.in(200, 800)));
      s.reservations = sizes[r.next() % sizes.size()];
      left -= s.replicas;
      w.stack.services.push_back(s);
    }
  } while (!cpu_tighter(w));
  for (int64_t i = 0; i < lower_bound(w) * 21 / 20 + 1; ++i) {
    w.inventory.hosts.push_back({});
    w.inventory.hosts.back().name = "h" + std::to_string(1000 + i);
    ObservedHost o;
    o.name = w.inventory.hosts.back().name;
    o.reachable = true;
    o.capacity = {kCpu, kMem, 0};
    w.observed.hosts.push_back(o);
  }
  return w;
}

// The fill alone left each host's CPU short by up to the smallest replica; the exchanges after
// it (planner/placement_refine.cc) close that room, so these fleets need at most one host over
// the bound (before them: up to 4 over on 20,000 replicas). Scaling up then keeps every
// replica where it runs: the exchanges move only replicas placed in the same run.
TEST(PlacementFleet, SmallReplicasOfAFewSizesPackToTheBoundAndStay) {
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    World w = small_replicas_fleet(seed, 20000);
    PlacementResult p = binpack(w);
    ASSERT_TRUE(p.unplaced.empty()) << "seed " << seed;
    EXPECT_LE(static_cast<int64_t>(hosts_used(p)), lower_bound(w) + 1) << "seed " << seed;
    observe(w, p);
    for (Service& s : w.stack.services) s.replicas += s.replicas / 20;
    PlacementResult up = binpack(w);
    std::set<std::tuple<std::string, std::string, std::string>> after;
    for (const auto& rp : up.placements) after.insert({rp.service, rp.slot, rp.host});
    for (const auto& rp : p.placements)
      EXPECT_TRUE(after.count({rp.service, rp.slot, rp.host}))
          << "seed " << seed << " moved " << rp.service << "/" << rp.slot;
  }
}

TEST(PlacementFleet, SameResultWhateverTheHostOrder) {
  for (uint64_t seed = 1; seed <= 150; ++seed) {
    World w = fleet(seed, true);
    EXPECT_EQ(binpack_hosts_reversed(w).placements, binpack(w).placements) << "seed " << seed;
  }
}

}  // namespace
}  // namespace berth
