#include "engine/cross_host.h"

#include <arpa/inet.h>
#include <netdb.h>

#include <map>
#include <set>

namespace berth {

std::string host_ip(const Host& host) {
  const std::string prefix = "ssh://";
  if (host.address.rfind(prefix, 0) != 0) return "";
  std::string rest = host.address.substr(prefix.size());
  if (auto at = rest.rfind('@'); at != std::string::npos) rest = rest.substr(at + 1);
  if (!rest.empty() && rest.front() == '[') {  // [v6]:port
    auto close = rest.find(']');
    return close == std::string::npos ? "" : rest.substr(1, close - 1);
  }
  if (auto colon = rest.find(':'); colon != std::string::npos) rest = rest.substr(0, colon);
  addrinfo hints{};
  hints.ai_family = AF_INET;
  addrinfo* found = nullptr;
  if (getaddrinfo(rest.c_str(), nullptr, &hints, &found) != 0 || !found) return "";
  char text[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(found->ai_addr)->sin_addr, text,
            sizeof text);
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
