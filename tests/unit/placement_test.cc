// The packer's properties over generated fleets, and its explanations (issue 3).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "planner/placement.h"
#include "tests/unit/placement_world.h"

namespace berth {
namespace {

using packer_test::Rng;
using packer_test::World;
// What placement leaves running, as the next run would observe it.
using packer_test::observe;

void add_host(World& w, const std::string& name, const std::string& zone, Resources cap) {
  Host h;
  h.name = name;
  h.labels["zone"] = zone;
  w.inventory.hosts.push_back(h);
  ObservedHost o;
  o.name = name;
  o.reachable = true;
  o.capacity = cap;
  w.observed.hosts.push_back(o);
}

World generate(uint64_t seed) {
  Rng r{seed};
  World w;
  w.stack.name = w.observed.stack = "p";
  int hosts = static_cast<int>(r.in(2, 12));
  for (int i = 0; i < hosts; ++i)
    add_host(w, "h" + std::to_string(i), i % 3 == 0 ? "a" : "b",
             {r.in(2, 8) * kNanoCpusPerCpu, r.in(2, 16) << 30, 0});
  int services = static_cast<int>(r.in(1, 6));
  for (int i = 0; i < services; ++i) {
    Service s;
    s.name = "s" + std::to_string(i);
    s.spec.image = "x";
    s.replicas = static_cast<int>(r.in(1, 12));
    s.reservations = {r.in(0, 1500) * 1'000'000, r.in(0, 2048) << 20, 0};
    if (r.in(0, 3) == 0)
      s.placement.constraints.push_back({"node.labels.zone", r.in(0, 1) == 1, "a", {}});
    if (r.in(0, 3) == 0) s.placement.max_replicas_per_node = static_cast<int>(r.in(1, 3));
    if (r.in(0, 4) == 0) s.placement.spread.push_back("node.labels.zone");
    if (r.in(0, 5) == 0) s.spec.ports.push_back({"", 8000 + i, 80, "tcp", {}});
    w.stack.services.push_back(s);
  }
  return w;
}

const Service& svc(const World& w, const std::string& name) {
  return *w.stack.find_service(name);
}

TEST(PlacementProperties, CapacityConstraintsMaxPerNodeAndPortsHold) {
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    World w = generate(seed);
    for (Strategy st : {Strategy::kBinpack, Strategy::kSpread}) {
      PlacementResult p = place(w.stack, w.inventory, w.observed, st);
      std::map<std::string, Resources> used;
      std::map<std::pair<std::string, std::string>, int> per_node;
      std::map<std::pair<std::string, int>, int> ports;
      for (const auto& rp : p.placements) {
        const Service& s = svc(w, rp.service);
        used[rp.host] += s.reservations;
        ++per_node[{rp.service, rp.host}];
        for (const auto& port : s.spec.ports) ++ports[{rp.host, port.host_port}];
        const Host* h = nullptr;
        for (const auto& x : w.inventory.hosts)
          if (x.name == rp.host) h = &x;
        for (const auto& c : s.placement.constraints)
          EXPECT_EQ(h->labels.at("zone") == c.value, c.equal) << "seed " << seed;
      }
      for (const auto& h : w.observed.hosts) {
        EXPECT_LE(used[h.name].nano_cpus, h.capacity.nano_cpus) << "seed " << seed;
        EXPECT_LE(used[h.name].memory, h.capacity.memory) << "seed " << seed;
      }
      for (auto& [key, n] : per_node) {
        int max = svc(w, key.first).placement.max_replicas_per_node;
        if (max) {
          EXPECT_LE(n, max) << "seed " << seed;
        }
      }
      for (auto& [key, n] : ports) EXPECT_EQ(n, 1) << "seed " << seed << " port " << key.second;
      EXPECT_EQ(p.placements.size() + p.unplaced.size(),
                [&] {
                  size_t n = 0;
                  for (auto& s : w.stack.services) n += s.replicas;
                  return n;
                }())
          << "seed " << seed;
    }
  }
}

TEST(PlacementProperties, SpreadPreferenceIsEvenWithinOne) {
  World w;
  w.stack.name = w.observed.stack = "p";
  for (int i = 0; i < 6; ++i)
    add_host(w, "h" + std::to_string(i), i < 4 ? "a" : "b", {8 * kNanoCpusPerCpu, 16LL << 30, 0});
  Service s;
  s.name = "api";
  s.spec.image = "x";
  s.replicas = 9;
  s.placement.spread = {"node.labels.zone"};
  w.stack.services = {s};
  PlacementResult p = place(w.stack, w.inventory, w.observed, Strategy::kBinpack);
  int a = 0, b = 0;
  for (const auto& rp : p.placements) (rp.host == "h4" || rp.host == "h5" ? b : a)++;
  EXPECT_LE(std::abs(a - b), 1) << a << " vs " << b;
}

TEST(PlacementProperties, StickyUnchangedInputAndAnExtraHostMoveNothing) {
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    World w = generate(seed);
    PlacementResult first = place(w.stack, w.inventory, w.observed, Strategy::kBinpack);
    observe(w, first);
    PlacementResult again = place(w.stack, w.inventory, w.observed, Strategy::kBinpack);
    EXPECT_EQ(again.placements, first.placements) << "seed " << seed;
    add_host(w, "zz-new", "a", {64 * kNanoCpusPerCpu, 256LL << 30, 0});
    PlacementResult more = place(w.stack, w.inventory, w.observed, Strategy::kBinpack);
    for (const auto& rp : first.placements)
      EXPECT_NE(std::find(more.placements.begin(), more.placements.end(), rp),
                more.placements.end())
          << "seed " << seed << " moved " << rp.service << "/" << rp.slot;
  }
}

TEST(PlacementProperties, ScaleUpOnlyAddsScaleDownDropsHighestSlots) {
  World w = generate(5);
  w.stack.services.resize(1);
  w.stack.services[0].replicas = 4;
  w.stack.services[0].placement = {};
  w.stack.services[0].spec.ports.clear();
  w.stack.services[0].reservations = {};
  PlacementResult four = place(w.stack, w.inventory, w.observed, Strategy::kSpread);
  observe(w, four);
  w.stack.services[0].replicas = 6;
  PlacementResult six = place(w.stack, w.inventory, w.observed, Strategy::kSpread);
  for (const auto& rp : four.placements)
    EXPECT_NE(std::find(six.placements.begin(), six.placements.end(), rp), six.placements.end());
  w.stack.services[0].replicas = 2;
  PlacementResult two = place(w.stack, w.inventory, w.observed, Strategy::kSpread);
  ASSERT_EQ(two.placements.size(), 2u);
  EXPECT_EQ(two.placements[0], four.placements[0]);
  EXPECT_EQ(two.placements[1], four.placements[1]);
}

TEST(PlacementProperties, ShrunkHostMovesOnlyWhatNoLongerFits) {
  World w;
  w.stack.name = w.observed.stack = "p";
  add_host(w, "h1", "a", {4 * kNanoCpusPerCpu, 8LL << 30, 0});
  add_host(w, "h2", "a", {4 * kNanoCpusPerCpu, 8LL << 30, 0});
  Service s;
  s.name = "api";
  s.spec.image = "x";
  s.replicas = 4;
  s.reservations = {kNanoCpusPerCpu, 1LL << 30, 0};
  w.stack.services = {s};
  PlacementResult before = place(w.stack, w.inventory, w.observed, Strategy::kBinpack);
  ASSERT_EQ(before.placements.size(), 4u);
  observe(w, before);
  w.observed.hosts[0].capacity.nano_cpus = 2 * kNanoCpusPerCpu;  // h1 shrinks to 2 CPUs
  PlacementResult after = place(w.stack, w.inventory, w.observed, Strategy::kBinpack);
  int moved = 0;
  for (size_t i = 0; i < 4; ++i) moved += before.placements[i].host != after.placements[i].host;
  EXPECT_EQ(moved, 2);
}

TEST(PlacementProperties, DeterministicWhateverTheInputOrder) {
  for (uint64_t seed = 1; seed <= 100; ++seed) {
    World w = generate(seed);
    PlacementResult a = place(w.stack, w.inventory, w.observed, Strategy::kBinpack);
    std::reverse(w.observed.hosts.begin(), w.observed.hosts.end());
    std::reverse(w.inventory.hosts.begin(), w.inventory.hosts.end());
    PlacementResult b = place(w.stack, w.inventory, w.observed, Strategy::kBinpack);
    EXPECT_EQ(a.placements, b.placements) << "seed " << seed;
  }
}

// PlacementResult's order: by service name, then slot as a number (global services' host-name
// slots after), whatever the order of the stack's services; the packer sorts on keys computed
// once per replica (planner/placement.cc), checked here against the plain comparison.
TEST(PlacementProperties, PlacementsSortedByServiceThenSlotNumber) {
  for (uint64_t seed = 1; seed <= 100; ++seed) {
    World w = generate(seed);
    std::reverse(w.stack.services.begin(), w.stack.services.end());
    Service agent;
    agent.name = "m-agent";
    agent.spec.image = "x";
    agent.mode = ServiceMode::kGlobal;
    w.stack.services.insert(w.stack.services.begin() + w.stack.services.size() / 2, agent);
    w.stack.services.front().replicas = 23;  // slots 10..23 sort after 2..9
    for (Strategy st : {Strategy::kBinpack, Strategy::kSpread}) {
      PlacementResult p = place(w.stack, w.inventory, w.observed, st);
      EXPECT_TRUE(std::is_sorted(p.placements.begin(), p.placements.end(),
                                 [](const ReplicaPlacement& a, const ReplicaPlacement& b) {
                                   if (a.service != b.service) return a.service < b.service;
                                   return slot_less(a.slot, b.slot);
                                 }))
          << "seed " << seed;
      size_t agents = std::count_if(p.placements.begin(), p.placements.end(),
                                    [](auto& rp) { return rp.service == "m-agent"; });
      EXPECT_EQ(agents, w.observed.hosts.size()) << "seed " << seed;  // needs nothing: everywhere
    }
  }
}

TEST(PlacementReasons, NameWhatRuledEachHostOut) {
  World w;
  w.stack.name = w.observed.stack = "p";
  add_host(w, "h1", "a", {1 * kNanoCpusPerCpu, 8LL << 30, 0});
  add_host(w, "h2", "b", {4 * kNanoCpusPerCpu, 8LL << 30, 0});
  add_host(w, "h3", "b", {4 * kNanoCpusPerCpu, 8LL << 30, 0});
  Service s;
  s.name = "api";
  s.spec.image = "x";
  s.replicas = 1;
  s.reservations = {1'500'000'000, 1LL << 30, 0};
  s.placement.constraints.push_back({"node.labels.zone", true, "a", {}});
  w.stack.services = {s};
  PlacementResult p = place(w.stack, w.inventory, w.observed, Strategy::kBinpack);
  ASSERT_EQ(p.unplaced.size(), 1u);
  EXPECT_EQ(
      p.unplaced[0].reason,
      "3 hosts; 2 excluded by node.labels.zone==a, 1 lack cpus (need 1.5, most free 1 on h1)");

  w.stack.services[0].placement = {};
  w.stack.services[0].placement.max_replicas_per_node = 1;
  w.stack.services[0].replicas = 4;
  w.stack.services[0].reservations = {};
  p = place(w.stack, w.inventory, w.observed, Strategy::kBinpack);
  ASSERT_EQ(p.unplaced.size(), 1u);
  EXPECT_EQ(p.unplaced[0].slot, "4");
  EXPECT_EQ(p.unplaced[0].reason, "3 hosts; 3 by max_replicas_per_node=1");

  w.stack.services[0].placement = {};
  w.stack.services[0].reservations = {0, 16LL << 30, 0};
  w.stack.services[0].replicas = 1;
  p = place(w.stack, w.inventory, w.observed, Strategy::kBinpack);
  ASSERT_EQ(p.unplaced.size(), 1u);
  EXPECT_EQ(p.unplaced[0].reason,
            "3 hosts; 3 lack memory (need 16384MiB, most free 8192MiB on h1)");
}

TEST(PlacementReasons, AnUnreachableHostMakesUnseenSlotsUnknownNotUnplaced) {
  World w;
  w.stack.name = w.observed.stack = "p";
  add_host(w, "h1", "a", {kNanoCpusPerCpu, 1LL << 30, 0});
  w.observed.hosts[0].reachable = false;
  Service s;
  s.name = "api";
  s.spec.image = "x";
  w.stack.services = {s};
  PlacementResult p = place(w.stack, w.inventory, w.observed, Strategy::kBinpack);
  EXPECT_TRUE(p.unplaced.empty());
  EXPECT_TRUE(p.placements.empty());
  ASSERT_EQ(p.unknown.size(), 1u);
  EXPECT_EQ(p.unknown[0].reason, "it may run on unreachable h1");
}

TEST(PlacementReasons, OnlyDrainedHosts) {
  World w;
  w.stack.name = w.observed.stack = "p";
  add_host(w, "h1", "a", {kNanoCpusPerCpu, 1LL << 30, 0});
  w.inventory.hosts[0].drain = true;
  Service s;
  s.name = "api";
  s.spec.image = "x";
  w.stack.services = {s};
  PlacementResult p = place(w.stack, w.inventory, w.observed, Strategy::kBinpack);
  ASSERT_EQ(p.unplaced.size(), 1u);
  EXPECT_EQ(p.unplaced[0].reason, "no host can take replicas (none reachable and undrained)");
}

}  // namespace
}  // namespace berth
