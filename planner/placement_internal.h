// Internal to the packer: the host table and the checks that rule a host in or out.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "planner/placement.h"

namespace berth::pack {

struct HostState {
  std::string name;
  const Host* host = nullptr;  // inventory entry (labels, role); may be null
  Resources capacity;
  Resources free;               // capacity minus everything placed or running
  std::set<std::string> ports;  // "8080/tcp" bound on this host
  int count = 0;                // replicas of the service being placed
};

// The demand of one replica of a service.
struct Demand {
  Resources resources;
  std::vector<std::string> ports;  // published host ports, "8080/tcp"
};

Demand demand_of(const Service& s);
// Reachable, undrained hosts with what other stacks' and unowned running containers use.
std::vector<HostState> host_table(const Stack& stack, const Inventory& inventory,
                                  const Observed& observed);

// Why a host cannot take one more replica, or "" if it can.
enum class Refusal { kNone, kConstraint, kMaxPerNode, kPort, kCpu, kMemory, kPids };
Refusal check(const Service& s, const Demand& d, const HostState& h, std::string* which);
bool satisfies_constraints(const Service& s, const HostState& h, std::string* failed);
// The same for a host known only by name (one that could not be observed).
bool satisfies_constraints_of(const Service& s, const std::string& host,
                              const Inventory& inventory);
// How many more replicas fit on h by resources and max-per-node (ports: at most 1).
int64_t fit_count(const Service& s, const Demand& d, const HostState& h);
void take(HostState& h, const Demand& d);
// The value of a "node.labels.k" (or node.hostname/role) key on a host; "" when missing.
std::string node_attribute(const HostState& h, const std::string& key);

// Replicas of one service still to place (binpack, no spread preferences).
struct Group {
  const Service* service = nullptr;
  Demand demand;
  std::vector<std::string> slots;
  size_t next = 0;
  std::vector<int>* counts = nullptr;  // replicas of this service per host index
};
// Fills hosts one at a time with the best-aligned groups (placement_binpack.cc).
void pack_by_host(std::vector<Group>& groups, std::vector<HostState>& hosts, PlacementResult& out);

// Sorts by (service, slot as number, host), the order PlacementResult promises, on keys
// computed once per placement: comparing strings and parsing slots inside the sort took a third
// of the time of placing 1,000,000 replicas. `placements` name services of `stack`.
void sort_placements(const Stack& stack, std::vector<ReplicaPlacement>& placements);

// Nomad-style explanation of why no host could take a replica of s.
std::string explain(const Service& s, const Demand& d, const std::vector<HostState>& hosts);

}  // namespace berth::pack
