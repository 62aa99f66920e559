// Ingress: routes, the upstreams behind them and the Caddy configuration of the proxies
// (docs/ingress.md).
//
// A service opts in with `x-berth: {ingress: ...}`; each route says which requests (host name,
// path prefix) go to which container port of its replicas. Every replica of such a service
// publishes each route's container port on a host port berth assigns (assign_ingress_ports) and
// records route and port in its io.berth.ingress label, so every proxy's configuration is a
// pure function of the replicas that run on the fleet, of every stack: caddy_config gives the
// same bytes for the same inputs, and a proxy is loaded only when those bytes change.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
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
  // "" = HTTP only; else also HTTPS: "internal" (Caddy's own CA), "files" (the stack's own
  // certificate and key), "acme" (issued by the inventory's ACME CA on its one ACME host).
  std::string tls;
  std::string tls_cert, tls_key;  // "files": sources relative to the project directory
  std::string tls_digest;         // "files": digest of both (engine/load/tls_files.h); hashed
  SourceLocation location;
};

// The inventory's `ingress.acme:`: the CA that issues certificates for `tls: acme` routes, and
// the one proxy host that serves those names on HTTPS (the name's public address must reach
// its HTTP port, where Caddy answers the CA's HTTP-01 challenge).
struct AcmeSettings {
  std::string ca = "https://acme-v02.api.letsencrypt.org/directory";
  std::string email;        // "" = none (the CA may ask for one)
  std::string host;         // the proxy host; "" = no ACME (the loader resolves it)
  std::string ca_root;      // a PEM file trusted for the CA's own HTTPS (a private CA), as written
  std::string ca_root_pem;  // its content ("" = the system's roots), delivered to the ACME host
  SourceLocation location;
};

// The inventory's top-level `ingress:`: which hosts run a proxy, with which image and ports.
struct IngressSettings {
  std::string image = "caddy:2";
  int http_port = 80;
  int https_port = 443;
  std::vector<std::string> hosts;  // empty = every host of the inventory
  AcmeSettings acme;
  SourceLocation location;
};

// A route of one replica with the host port berth assigned it.
struct IngressBinding {
  IngressRoute route;
  int host_port = 0;
};

// One replica the proxies send requests to: observed running, or about to be started by a plan.
struct Upstream {
  std::string stack, service, container;  // container: "<service>-<slot>" ("web-2")
  std::string container_id;               // observed ones; "" for one a plan starts
  std::string host;                       // inventory host it runs on
  std::string address;                    // that host's private address ("" = none)
  std::vector<IngressBinding> bindings;
  // Identifies it while its container changes name (a replica parked aside): host:first port.
  std::string key() const;
};

// One route of one service of one stack, with the replicas to send it to.
struct ProxyRoute {
  std::string stack, service;
  IngressRoute route;
  std::vector<std::string> upstreams;  // "address:port", in the order the proxy should prefer
};

struct ProxySettings {
  int http_port = 80;  // inside the proxy's container
  int https_port = 443;
  std::string admin_listen = "localhost:2019";  // inside the proxy's network namespace only
  int64_t health_interval_ms = 2000;
  int64_t health_timeout_ms = 1000;
  int64_t fail_duration_ms = 10000;  // passive: how long a failed upstream is skipped
  int64_t grace_ms = 30000;          // how long an old configuration may finish its requests
  // Digests of the `tls: files` certificates this proxy holds (proxy_certificates): a route
  // whose certificate it lacks is served on HTTP only, never a load that fails on the file.
  std::vector<std::string> certificates;
  // This proxy is the ACME host: `tls: acme` routes are served on HTTPS here, with this CA.
  std::optional<AcmeSettings> acme;
};

// How a proxy's container reaches a replica on its own host: the host's gateway, through the
// replica's published port (the proxy has its own network namespace, so its admin endpoint on
// loopback is reachable by nothing but the Engine API).
inline constexpr const char* kProxyOwnHost = "host.docker.internal";
inline constexpr const char* kProxyContainer = "berth-ingress";
inline constexpr const char* kProxyLabel = "io.berth.ingress-proxy";
inline constexpr const char* kProxyConfigPath = "/etc/berth/caddy.json";
inline constexpr const char* kIngressLabel = "io.berth.ingress";  // on each ingress replica
// The proxy's data (Caddy's XDG_DATA_HOME): its own CA, ACME certificates and account, the
// stacks' certificate files. A named volume, so they outlive the proxy's container.
inline constexpr const char* kProxyDataVolume = "berth-ingress-data";
inline constexpr const char* kProxyDataPath = "/data";
inline constexpr const char* kProxyTlsDir = "berth/tls";  // below kProxyDataPath

// Where a proxy keeps a `tls: files` certificate and key, by digest, relative to
// kProxyDataPath; and the private CA root of `ingress.acme.ca_root`.
std::string tls_certificate_file(const std::string& digest);
std::string tls_key_file(const std::string& digest);
std::string acme_root_file(const std::string& pem);

// The path a service's HTTP health check asks of its own container on `port`: the first URL
// in `test` (a CMD or CMD-SHELL healthcheck) on localhost, 127.0.0.1, [::1] or 0.0.0.0 with
// that port (80 when none is written), such as "/up" for `wget -qO- http://localhost:8080/up`;
// "/" for a URL without a path; "" when there is none, or it has a query. A route without
// `health:` has its proxies check that path: its default is the service's own check.
std::string health_path_of(const std::vector<std::string>& test, int port);

// The routes as canonical JSON text, without host ports or drain (they change nothing in a
// container): what the spec hash covers.
std::string ingress_routes_text(const std::vector<IngressRoute>& routes);
// The io.berth.ingress label of a replica, and back ({} when the text is not such a label).
std::string ingress_label(const std::vector<IngressBinding>& bindings);
std::vector<IngressBinding> parse_ingress_label(const std::string& text);

// The routes of a set of upstreams as the proxy on `proxy_host` sees them: each route's
// upstreams as dial addresses (replicas on proxy_host through kProxyOwnHost, the others through
// their host's private address; replicas on a host without one only from their own host).
std::vector<ProxyRoute> proxy_routes(const std::vector<Upstream>& upstreams,
                                     const std::string& proxy_host);

// The settings every proxy shares for these upstreams: Caddy's grace period is the longest
// drain of any route.
ProxySettings proxy_settings(const std::vector<Upstream>& upstreams);

// The `tls: files` certificates a proxy holds: those its running configuration loads (they are
// in its data volume) and those the stack being applied delivers to every proxy. Sorted.
std::vector<std::string> proxy_certificates(const std::string& running_config,
                                            const std::vector<IngressRoute>& delivered);

// Two routes of different services claiming the same host name and path: one error for each
// such pair, naming both (stack and service) and where the second one was declared.
Diagnostics check_route_conflicts(const std::vector<ProxyRoute>& routes);

// Caddy's JSON configuration for one proxy: the admin endpoint on loopback inside the proxy's
// own network namespace, one HTTP server on settings.http_port, one route per (host, path),
// most specific first (named hosts before the catch-all, longer paths before shorter), each a
// reverse proxy to its upstreams with round-robin selection, retries on another upstream,
// passive health and (when the route has a health path) active health checks. A route without
// upstreams answers 503, a request no route matches 404. Routes with `tls: internal` are also
// served on settings.https_port with certificates from Caddy's own CA (never installed into
// any trust store); `tls: files` routes with the stack's certificate when the proxy holds it
// (settings.certificates); `tls: acme` routes only on the ACME host (settings.acme), with
// certificates Caddy obtains from that CA. A name with a certificate of its own is never
// sent to an issuer.
// `draining`: dial addresses of replicas the proxy no longer sends to but whose requests in
// flight are still being waited for; a route no request can match keeps them in Caddy's
// upstream pool, so reverse_proxy/upstreams goes on counting those requests after the load.
std::string caddy_config(const std::vector<ProxyRoute>& routes, const ProxySettings& settings,
                         const std::vector<std::string>& draining = {});

// The proxy's container spec digest (image and ports): a proxy whose label differs is replaced.
std::string proxy_spec_key(const IngressSettings& settings);

}  // namespace berth
