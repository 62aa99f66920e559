// Internal to binpack (planner/placement_binpack.cc): replicas grouped into kinds, and the
// per-host counts the fill and the improvement pass (planner/placement_improve.cc) work on.
//
// A kind is a set of interchangeable replicas: the same demand vector and the same
// constraints, from one or more services without published ports or max_replicas_per_node
// (docs/design.md, Placement: equivalence classes). A service with ports or a per-node maximum is a
// kind of its own, `plain` false, and is checked replica-count-wise through pack::fit_count.
#pragma once

#include <cstdint>
#include <vector>

#include "planner/placement_internal.h"

namespace berth::pack {

struct Kind {
  Demand demand;
  const Service* service = nullptr;  // the first member: constraints (and ports/max if !plain)
  std::vector<Group*> groups;        // members, in stack order
  bool plain = true;                 // no ports, no max_replicas_per_node
  int64_t left = 0;                  // replicas not yet on a host
  int64_t norm[2] = {0, 0};          // demand per dimension in kScale units of a host
};

// Fixed point for shares of a host: a whole host is kScale.
inline constexpr int64_t kScale = 1 << 20;

// Replicas of each kind given to each host, in the order they were given.
struct HostLoad {
  std::vector<std::pair<int, int64_t>> items;  // (kind index, count)
  bool fresh = true;  // carried nothing before this pass (it may be emptied again)
};

// Groups -> kinds, in stack order of their first member.
std::vector<Kind> make_kinds(std::vector<Group>& groups);

// The share of host capacity `cap` that `need` is, in kScale units (0 when cap <= 0).
int64_t share(int64_t need, int64_t cap);

// True when `need` fits in `room` (pids count only when the replica asks for some).
inline bool fits(const Resources& need, const Resources& room) {
  return need.nano_cpus <= room.nano_cpus && need.memory <= room.memory &&
         (need.pids <= 0 || need.pids <= room.pids);
}

// True when one more replica of kind k fits on h by resources (plain kinds only).
inline bool fits_resources(const Kind& k, const HostState& h) {
  return fits(k.demand.resources, h.free);
}

// How many replicas of plain kind k fit on h by resources.
int64_t fit_resources(const Kind& k, const HostState& h);

// Moves `m` replicas of kind `ki` onto host `hi` (resources and the per-host load).
void give(std::vector<Kind>& kinds, std::vector<HostState>& hosts, std::vector<HostLoad>& load,
          int ki, size_t hi, int64_t m);

// Fills host hi with the subset of the plain kinds left that uses most of it, the largest
// kind in (planner/placement_subset.cc); `budget` bounds the search steps.
void fill_best_subset(std::vector<Kind>& kinds, std::vector<HostState>& hosts,
                      std::vector<HostLoad>& load, const std::vector<int>& by_size, size_t hi,
                      int64_t budget);

// After host hi is filled: the exchange of up to two of this pass's replicas on it for up to two
// of `pool` (plain kinds with replicas left, allowed on hi) that brings the host closest to its
// target `t` (kScale shares per dimension; progress counts only up to the target), if any brings
// it closer (planner/placement_refine.cc). Adds what it gave minus what it took back per kind
// to `given`. False when no exchange helps or there are too many to look at (kRefineWork).
inline constexpr size_t kRefineWork = 4096;
bool refine_host(std::vector<Kind>& kinds, std::vector<HostState>& hosts,
                 std::vector<HostLoad>& load, size_t hi, const int64_t t[2],
                 const std::vector<int>& pool, std::vector<int64_t>& given);

// Tries to empty the least-loaded fresh hosts by moving their replicas onto the other hosts
// in use; keeps a move only when the whole host empties. Bounded: at most `attempts` hosts
// tried, each in O(hosts in use x kinds on it).
void empty_light_hosts(std::vector<Kind>& kinds, std::vector<HostState>& hosts,
                       std::vector<HostLoad>& load, int attempts);

// Small stacks of plain kinds, everything placed: a local search that closes the least-loaded
// fresh hosts one at a time and fits their replicas into the other hosts in use, exchanging
// them for smaller ones there (planner/placement_search.cc). Keeps the last packing in which
// every replica has a host; `budget` bounds the work (candidate exchanges looked at).
void search_fewer_hosts(std::vector<Kind>& kinds, std::vector<HostState>& hosts,
                        std::vector<HostLoad>& load, int64_t budget);

}  // namespace berth::pack
