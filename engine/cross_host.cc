#include "engine/cross_host.h"

#include "planner/address.h"

#include <arpa/inet.h>
#include <netdb.h>

#include <map>
#include <set>

#include "providers/provider.h"

namespace berth {

std::string host_ip(const Host& host) {
  std::string name = ssh_address_host(host.address);
  if (name.empty() || name.find(':') != std::string::npos) return name;  // none, or IPv6 literal
  addrinfo hints{};
  hints.ai_family = AF_INET;
  addrinfo* found = nullptr;
  if (getaddrinfo(name.c_str(), nullptr, &hints, &found) != 0 || !found) return "";
  char text[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(found->ai_addr)->sin_addr, text, sizeof text);
  freeaddrinfo(found);
  return text;
}

std::vector<std::string> derived_extra_hosts(const Stack& stack, const Plan& plan,
                                             const Inventory& inventory, const Service& service,
                                             const std::string& host) {
  if (inventory.hosts.size() < 2) return {};
  std::map<std::string, std::set<std::string>> hosts_of;  // service -> hosts, sorted by name
  for (const auto& p : plan.placements) hosts_of[p.service].insert(p.host);
  std::vector<std::string> entries;
  for (const Service& other : stack.services) {
    if (other.name == service.name || other.spec.ports.empty()) continue;
    const auto& where = hosts_of[other.name];
    if (where.empty() || where.count(host)) continue;
    for (const Host& h : inventory.hosts) {
      if (h.name != *where.begin()) continue;
      if (std::string ip = host_ip(h); !ip.empty()) entries.push_back(other.name + ":" + ip);
    }
  }
  return entries;
}

}  // namespace berth
