// Ingress routes and the Caddy configuration of one proxy host (docs/ingress.md).
//
// A service opts in with `x-berth: {ingress: ...}`; each route says which requests (host name,
// path prefix) go to which container port of its replicas. caddy_config is a pure function of
// the routes every stack has on the fleet and of the upstreams (address:port of the replicas
// that count as running), so the same inputs always give the same bytes: a proxy's config is
// loaded only when those bytes change.
//
// What exists so far is this model, the loader's checks and the configuration; berth does not
// yet run the proxies or assign the ports (docs/ingress.md, "Not done").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "planner/result.h"

namespace berth {

struct IngressRoute {
  std::string host;          // "" = any host name (catch-all)
  std::string path = "/";    // a prefix: "/api" matches /api and /api/...
  int port = 0;              // the container port the replicas serve on
  std::string health;        // "" = no active check by the proxy (the service's own check gates)
  int64_t drain_ms = 30000;  // how long in-flight requests may finish before a replica stops
  SourceLocation location;
};

// The inventory's top-level `ingress:`: which hosts run a proxy, with which image and ports.
struct IngressSettings {
  std::string image = "caddy:2";
  int http_port = 80;
  int https_port = 443;
  std::vector<std::string> hosts;  // empty = every host of the inventory
  SourceLocation location;
};

// One route of one service of one stack, with the replicas to send it to.
struct ProxyRoute {
  std::string stack, service;
  IngressRoute route;
  std::vector<std::string> upstreams;  // "address:port", in the order the proxy should prefer
};

struct ProxySettings {
  int http_port = 80;
  std::string admin_socket = "/run/berth/caddy-admin.sock";  // inside the proxy's container
  int64_t health_interval_ms = 2000;
  int64_t health_timeout_ms = 1000;
  int64_t fail_duration_ms = 10000;  // passive: how long a failed upstream is skipped
};

// Two routes of different services claiming the same host name and path: one error for each
// such pair, naming both (stack and service) and where the second one was declared.
Diagnostics check_route_conflicts(const std::vector<ProxyRoute>& routes);

// Caddy's JSON configuration for one proxy: the admin endpoint on a unix socket only, one HTTP
// server on settings.http_port, one route per (host, path), most specific first (named hosts
// before the catch-all, longer paths before shorter), each a reverse proxy to its upstreams
// with round-robin selection, retries on another upstream, passive health and (when the route
// has a health path) active health checks. A route without upstreams answers 503.
std::string caddy_config(const std::vector<ProxyRoute>& routes, const ProxySettings& settings);

}  // namespace berth
