// The proxy's configuration as Caddy's JSON (planner/ingress.h). nlohmann-json stays in here.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <tuple>

#include "planner/ingress.h"

namespace berth {
namespace {

using nlohmann::json;

std::string duration(int64_t ms) {
  return fmt::format("{}ms", ms);
}

std::string route_name(const IngressRoute& r) {
  return (r.host.empty() ? std::string("*") : r.host) + r.path;
}

// Named hosts before the catch-all, then longer paths first, so the most specific route wins:
// Caddy tries routes in order and stops at the first terminal one that matches.
bool more_specific(const ProxyRoute* a, const ProxyRoute* b) {
  auto key = [](const ProxyRoute* p) {
    return std::make_tuple(p->route.host.empty(), -static_cast<long>(p->route.path.size()),
                           p->route.host, p->route.path, p->stack, p->service);
  };
  return key(a) < key(b);
}

json matcher(const IngressRoute& r) {
  json m = json::object();
  if (!r.host.empty()) m["host"] = {r.host};
  if (r.path != "/") {
    std::string base = r.path.back() == '/' ? r.path.substr(0, r.path.size() - 1) : r.path;
    m["path"] = {base, base + "/*"};
  }
  return m;
}

json reverse_proxy(const ProxyRoute& p, const ProxySettings& s) {
  json upstreams = json::array();
  for (const auto& u : p.upstreams) upstreams.push_back({{"dial", u}});
  json health = {{"passive",
                  {{"fail_duration", duration(s.fail_duration_ms)},
                   {"max_fails", 1},
                   {"unhealthy_status", {502, 503, 504}}}}};
  if (!p.route.health.empty())
    health["active"] = {{"uri", p.route.health},
                        {"interval", duration(s.health_interval_ms)},
                        {"timeout", duration(s.health_timeout_ms)}};
  return {{"handler", "reverse_proxy"},
          {"upstreams", upstreams},
          {"load_balancing",
           {{"selection_policy", {{"policy", "round_robin"}}},
            {"try_duration", "5s"},
            {"try_interval", "250ms"}}},
          {"health_checks", health}};
}

json unavailable() {
  return {{"handler", "static_response"}, {"status_code", 503}, {"body", "no healthy replica\n"}};
}

// Every server ends with a 404 for requests no route claims (Caddy would answer an empty 200).
json with_fallback(json routes) {
  routes.push_back({{"@id", "berth-no-route"},
                    {"handle",
                     {{{"handler", "static_response"},
                       {"status_code", 404},
                       {"body", "no ingress route for this host and path\n"}}}}});
  return routes;
}

}  // namespace

Diagnostics check_route_conflicts(const std::vector<ProxyRoute>& routes) {
  Diagnostics d;
  std::map<std::pair<std::string, std::string>, const ProxyRoute*> first;
  for (const auto& p : routes) {
    auto [at, fresh] = first.emplace(std::make_pair(p.route.host, p.route.path), &p);
    const ProxyRoute& q = *at->second;
    if (fresh || (q.stack == p.stack && q.service == p.service)) continue;
    d.error(Error{ErrorKind::kInput, p.route.location, "", p.service,
                  fmt::format("ingress route {} is claimed by stack {} (service {}) and by stack "
                              "{} (service {})",
                              route_name(p.route), q.stack, q.service, p.stack, p.service),
                  "give one of them another host name or path"});
  }
  return d;
}

std::string caddy_config(const std::vector<ProxyRoute>& routes, const ProxySettings& settings,
                         const std::vector<std::string>& draining) {
  std::vector<const ProxyRoute*> order;
  for (const auto& p : routes) order.push_back(&p);
  std::stable_sort(order.begin(), order.end(), more_specific);
  json http_routes = json::array(), tls_routes = json::array(), tls_hosts = json::array();
  for (const ProxyRoute* p : order) {
    json route = {
        {"@id", fmt::format("berth-{}-{}-{}", p->stack, p->service, route_name(p->route))},
        {"handle", {p->upstreams.empty() ? unavailable() : reverse_proxy(*p, settings)}},
        {"terminal", true}};
    if (json m = matcher(p->route); !m.empty()) route["match"] = {m};
    http_routes.push_back(route);
    if (p->route.tls.empty()) continue;
    route["@id"] = route["@id"].get<std::string>() + "-tls";
    tls_routes.push_back(route);
    if (std::find(tls_hosts.begin(), tls_hosts.end(), p->route.host) == tls_hosts.end())
      tls_hosts.push_back(p->route.host);
  }
  if (!draining.empty()) {
    // Never matched (a reserved name and path): it only holds the draining upstreams.
    json dials = json::array();
    for (const auto& d : draining) dials.push_back({{"dial", d}});
    http_routes.push_back(
        {{"@id", "berth-draining"},
         {"match", {{{"host", {"berth-draining.invalid"}}, {"path", {"/.berth-draining"}}}}},
         {"handle", {{{"handler", "reverse_proxy"}, {"upstreams", dials}}}},
         {"terminal", true}});
  }
  json servers = {{"berth",
                   {{"listen", {fmt::format(":{}", settings.http_port)}},
                    {"routes", with_fallback(http_routes)},
                    {"automatic_https", {{"disable", true}}}}}};
  json apps = json::object();
  if (!tls_routes.empty()) {
    servers["berth-tls"] = {{"listen", {fmt::format(":{}", settings.https_port)}},
                            {"routes", with_fallback(tls_routes)},
                            {"tls_connection_policies", json::array({json::object()})},
                            {"automatic_https", {{"disable_redirects", true}}}};
    apps["tls"] = {
        {"automation",
         {{"policies", {{{"subjects", tls_hosts}, {"issuers", {{{"module", "internal"}}}}}}}}}};
    apps["pki"] = {{"certificate_authorities", {{"local", {{"install_trust", false}}}}}};
  }
  apps["http"] = {{"servers", servers}, {"grace_period", duration(settings.grace_ms)}};
  json doc = {{"admin", {{"listen", settings.admin_listen}}}, {"apps", apps}};
  return doc.dump(2) + "\n";
}

}  // namespace berth
