#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "planner/placement_internal.h"

namespace berth::pack {

Demand demand_of(const Service& s) {
  Demand d;
  d.resources = s.reservations;
  for (const PortSpec& p : s.spec.ports)
    if (p.host_port != 0) d.ports.push_back(fmt::format("{}/{}", p.host_port, p.protocol));
  return d;
}

std::vector<HostState> host_table(const Stack& stack, const Inventory& inventory,
                                  const Observed& observed) {
  std::map<std::string, const Host*> by_name;
  for (const Host& h : inventory.hosts) by_name[h.name] = &h;
  std::vector<HostState> hosts;
  for (const ObservedHost& o : observed.hosts) {
    if (!o.reachable) continue;
    HostState h;
    h.name = o.name;
    h.host = by_name.count(o.name) ? by_name[o.name] : nullptr;
    if (h.host && h.host->drain) continue;  // nothing may land on a drained host
    h.capacity = h.free = o.capacity;
    for (const ObservedContainer& c : o.containers) {
      if (c.owned_by(stack.name)) continue;  // this stack's replicas are placed afresh
      if (!counts_as_running(c)) continue;
      h.free -= c.reserved;
      for (int p : c.published_ports) h.ports.insert(fmt::format("{}/tcp", p));
    }
    hosts.push_back(std::move(h));
  }
  std::sort(hosts.begin(), hosts.end(), [](auto& a, auto& b) { return a.name < b.name; });
  return hosts;
}

std::string node_attribute(const HostState& h, const std::string& key) {
  if (key == "node.hostname" || key == "node.id") return h.name;
  if (key == "node.role") return h.host && !h.host->role.empty() ? h.host->role : "worker";
  const std::string prefix = "node.labels.";
  if (key.rfind(prefix, 0) == 0 && h.host) {
    auto it = h.host->labels.find(key.substr(prefix.size()));
    if (it != h.host->labels.end()) return it->second;
  }
  return "";
}

bool satisfies_constraints(const Service& s, const HostState& h, std::string* failed) {
  for (const Constraint& c : s.placement.constraints) {
    bool equal = node_attribute(h, c.key) == c.value;
    if (equal != c.equal) {
      if (failed) *failed = c.str();
      return false;
    }
  }
  return true;
}

bool satisfies_constraints_of(const Service& s, const std::string& host,
                              const Inventory& inventory) {
  HostState h;
  h.name = host;
  for (const Host& i : inventory.hosts)
    if (i.name == host) h.host = &i;
  return satisfies_constraints(s, h, nullptr);
}

int64_t fit_count(const Service& s, const Demand& d, const HostState& h) {
  int64_t n = std::numeric_limits<int64_t>::max();
  auto dim = [&](int64_t need, int64_t free) {
    if (need > 0) n = std::min(n, free < need ? 0 : free / need);
  };
  dim(d.resources.nano_cpus, h.free.nano_cpus);
  dim(d.resources.memory, h.free.memory);
  dim(d.resources.pids, h.free.pids);
  if (s.placement.max_replicas_per_node > 0)
    n = std::min<int64_t>(n, std::max(0, s.placement.max_replicas_per_node - h.count));
  if (!d.ports.empty()) {
    for (const auto& p : d.ports)
      if (h.ports.count(p)) return 0;
    n = std::min<int64_t>(n, 1);
  }
  return n;
}

Refusal check(const Service& s, const Demand& d, const HostState& h, std::string* which) {
  if (!satisfies_constraints(s, h, which)) return Refusal::kConstraint;
  if (s.placement.max_replicas_per_node > 0 && h.count >= s.placement.max_replicas_per_node)
    return Refusal::kMaxPerNode;
  for (const auto& p : d.ports)
    if (h.ports.count(p)) {
      if (which) *which = p;
      return Refusal::kPort;
    }
  if (d.resources.nano_cpus > h.free.nano_cpus) return Refusal::kCpu;
  if (d.resources.memory > h.free.memory) return Refusal::kMemory;
  if (d.resources.pids > 0 && d.resources.pids > h.free.pids) return Refusal::kPids;
  return Refusal::kNone;
}

void take(HostState& h, const Demand& d) {
  h.free -= d.resources;
  for (const auto& p : d.ports) h.ports.insert(p);
  ++h.count;
}

std::string explain(const Service& s, const Demand& d, const std::vector<HostState>& hosts) {
  if (hosts.empty()) return "no host can take replicas (none reachable and undrained)";
  std::map<std::string, int> constraint;
  int max_per_node = 0, ports = 0, cpu = 0, mem = 0, pids = 0;
  const HostState* most_cpu = nullptr;
  const HostState* most_mem = nullptr;
  for (const HostState& h : hosts) {
    std::string which;
    switch (check(s, d, h, &which)) {
      case Refusal::kConstraint: ++constraint[which]; break;
      case Refusal::kMaxPerNode: ++max_per_node; break;
      case Refusal::kPort: ++ports; break;
      case Refusal::kCpu:
        ++cpu;
        if (!most_cpu || h.free.nano_cpus > most_cpu->free.nano_cpus) most_cpu = &h;
        break;
      case Refusal::kMemory:
        ++mem;
        if (!most_mem || h.free.memory > most_mem->free.memory) most_mem = &h;
        break;
      case Refusal::kPids: ++pids; break;
      case Refusal::kNone: break;
    }
  }
  std::vector<std::string> parts;
  for (auto& [c, n] : constraint) parts.push_back(fmt::format("{} excluded by {}", n, c));
  if (max_per_node)
    parts.push_back(fmt::format("{} by max_replicas_per_node={}", max_per_node,
                                s.placement.max_replicas_per_node));
  if (ports) parts.push_back(fmt::format("{} have the published port in use", ports));
  if (cpu)
    parts.push_back(fmt::format("{} lack cpus (need {:g}, most free {:g} on {})", cpu,
                                d.resources.nano_cpus / 1e9,
                                std::max<int64_t>(0, most_cpu->free.nano_cpus) / 1e9,
                                most_cpu->name));
  if (mem)
    parts.push_back(fmt::format("{} lack memory (need {}MiB, most free {}MiB on {})", mem,
                                d.resources.memory >> 20,
                                std::max<int64_t>(0, most_mem->free.memory) >> 20,
                                most_mem->name));
  if (pids) parts.push_back(fmt::format("{} lack pids", pids));
  std::string out = fmt::format("{} host{}", hosts.size(), hosts.size() == 1 ? "" : "s");
  for (size_t i = 0; i < parts.size(); ++i) out += (i == 0 ? "; " : ", ") + parts[i];
  return out;
}

}  // namespace berth::pack
