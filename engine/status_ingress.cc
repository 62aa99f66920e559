// `berth status`: the stack's ingress routes, their replicas and the proxies' view of them
// (engine/status.h).
#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>

#include "engine/ingress.h"
#include "engine/parallel.h"
#include "engine/status.h"

namespace berth {
namespace {

const ObservedContainer* find_container(const Observed& observed, const std::string& id) {
  for (const ObservedHost& h : observed.hosts)
    for (const ObservedContainer& c : h.containers)
      if (c.id == id) return &c;
  return nullptr;
}

std::string health_of(const ObservedContainer* c) {
  if (!c) return "unknown";
  return c->health.empty() ? c->state : c->health;
}

}  // namespace

std::vector<RouteStatus> route_status(const Stack& stack, const Observed& observed,
                                      const Plan& plan) {
  std::map<std::string, RouteStatus> routes;
  for (const Upstream& u : plan.ingress.before) {
    if (u.stack != stack.name) continue;
    for (const IngressBinding& b : u.bindings) {
      RouteStatus& r = routes[(b.route.host.empty() ? "*" : b.route.host) + b.route.path];
      r.route = (b.route.host.empty() ? "*" : b.route.host) + b.route.path;
      r.service = u.service;
      UpstreamStatus us;
      us.replica = u.container;
      us.host = u.host;
      us.dial = fmt::format("{}:{}", u.address.empty() ? u.host : u.address, b.host_port);
      us.health = health_of(find_container(observed, u.container_id));
      r.upstreams.push_back(us);
    }
  }
  std::vector<RouteStatus> out;
  for (auto& [key, r] : routes) {
    for (const ProxyChange& p : plan.ingress.proxies) {
      r.proxies.push_back(p.host);
      if (p.reload) r.stale_proxies.push_back(p.host);
    }
    out.push_back(std::move(r));
  }
  return out;
}

void add_proxy_view(std::vector<RouteStatus>& routes, const Plan& plan, const Observed& observed,
                    Fleet& fleet) {
  const std::vector<ProxyChange>& proxies = plan.ingress.proxies;
  std::vector<std::map<std::string, ProxyUpstream>> views(proxies.size());
  (void)parallel_for(proxies.size(), 8, [&](size_t k) {
    const ObservedHost* h = observed.find_host(proxies[k].host);
    int i = fleet.index_of(proxies[k].host);
    if (!h || i < 0 || proxies[k].container_id.empty()) return;
    views[k] = read_proxy_upstreams(*fleet.providers[i], proxies[k].container_id);
  });
  for (RouteStatus& r : routes)
    for (UpstreamStatus& u : r.upstreams)
      for (size_t k = 0; k < proxies.size(); ++k) {
        if (views[k].empty()) continue;
        ++u.proxies;
        // A proxy on the replica's own host reaches it through its gateway name.
        std::string port = u.dial.substr(u.dial.rfind(':') + 1);
        std::string dial =
            proxies[k].host == u.host ? std::string(kProxyOwnHost) + ":" + port : u.dial;
        if (auto it = views[k].find(dial); it != views[k].end() && it->second.fails > 0)
          ++u.proxies_failing;
      }
}

}  // namespace berth
