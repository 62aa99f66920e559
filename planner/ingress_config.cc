// The proxy's configuration as Caddy's JSON (planner/ingress.h). nlohmann-json stays in here.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <tuple>

#include "planner/ingress.h"
#include "planner/spec.h"

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

std::string data_path(const std::string& relative) {
  return fmt::format("{}/{}", kProxyDataPath, relative);
}

// `tls:` of the routes this proxy serves on HTTPS: the names each issuer covers, the
// certificate files it loads (each once) and the names those cover.
struct TlsPlan {
  json internal = json::array(), acme = json::array(), skip = json::array();
  json load_files = json::array();
  bool any() const { return !internal.empty() || !acme.empty() || !load_files.empty(); }
};

void add_unique(json& list, const std::string& v) {
  if (std::find(list.begin(), list.end(), v) == list.end()) list.push_back(v);
}

// Whether this proxy serves `r` on HTTPS, noting how in `t`.
bool plan_tls(const IngressRoute& r, const ProxySettings& s, TlsPlan& t) {
  if (r.tls == "internal") {
    add_unique(t.internal, r.host);
    return true;
  }
  if (r.tls == "acme" && s.acme) {
    add_unique(t.acme, r.host);
    return true;
  }
  if (r.tls == "files" &&
      std::binary_search(s.certificates.begin(), s.certificates.end(), r.tls_digest)) {
    json pair = {{"certificate", data_path(tls_certificate_file(r.tls_digest))},
                 {"key", data_path(tls_key_file(r.tls_digest))}};
    if (std::find(t.load_files.begin(), t.load_files.end(), pair) == t.load_files.end())
      t.load_files.push_back(pair);
    add_unique(t.skip, r.host);
    return true;
  }
  return false;
}

json acme_issuer(const AcmeSettings& a) {
  json issuer = {{"module", "acme"}, {"ca", a.ca}};
  if (!a.email.empty()) issuer["email"] = a.email;
  if (!a.ca_root_pem.empty())
    issuer["trusted_roots_pem_files"] = {data_path(acme_root_file(a.ca_root_pem))};
  return issuer;
}

json tls_app(const TlsPlan& t, const AcmeSettings* acme) {
  json policies = json::array();
  if (!t.internal.empty())
    policies.push_back({{"subjects", t.internal}, {"issuers", {{{"module", "internal"}}}}});
  if (!t.acme.empty() && acme)
    policies.push_back({{"subjects", t.acme}, {"issuers", {acme_issuer(*acme)}}});
  json app = json::object();
  if (!policies.empty()) app["automation"] = {{"policies", policies}};
  if (!t.load_files.empty()) app["certificates"] = {{"load_files", t.load_files}};
  return app;
}

}  // namespace

std::string tls_certificate_file(const std::string& digest) {
  return fmt::format("{}/{}.crt", kProxyTlsDir, digest);
}
std::string tls_key_file(const std::string& digest) {
  return fmt::format("{}/{}.key", kProxyTlsDir, digest);
}
std::string acme_root_file(const std::string& pem) {
  return fmt::format("berth/acme/{}.pem", sha256_hex(pem).substr(0, 16));
}

ProxySettings proxy_settings(const std::vector<Upstream>& upstreams) {
  ProxySettings s;
  for (const Upstream& u : upstreams)
    for (const IngressBinding& b : u.bindings) s.grace_ms = std::max(s.grace_ms, b.route.drain_ms);
  return s;
}

std::vector<std::string> proxy_certificates(const std::string& running_config,
                                            const std::vector<IngressRoute>& delivered) {
  std::vector<std::string> out;
  for (const IngressRoute& r : delivered)
    if (r.tls == "files" && !r.tls_digest.empty()) out.push_back(r.tls_digest);
  const json doc = json::parse(running_config, nullptr, false);
  const json::json_pointer at("/apps/tls/certificates/load_files");
  const std::string prefix = data_path(tls_certificate_file(""));  // ".../tls/.crt"
  const std::string dir = prefix.substr(0, prefix.size() - 4), ext = ".crt";
  if (doc.is_object() && doc.contains(at) && doc[at].is_array())
    for (const json& f : doc[at]) {
      if (!f.is_object() || !f.contains("certificate") || !f["certificate"].is_string()) continue;
      std::string path = f["certificate"].get<std::string>();
      if (path.rfind(dir, 0) == 0 && path.size() > dir.size() + ext.size() &&
          path.compare(path.size() - ext.size(), ext.size(), ext) == 0)
        out.push_back(path.substr(dir.size(), path.size() - dir.size() - ext.size()));
    }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

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
  json http_routes = json::array(), tls_routes = json::array();
  TlsPlan tls;
  for (const ProxyRoute* p : order) {
    json route = {
        {"@id", fmt::format("berth-{}-{}-{}", p->stack, p->service, route_name(p->route))},
        {"handle", {p->upstreams.empty() ? unavailable() : reverse_proxy(*p, settings)}},
        {"terminal", true}};
    if (json m = matcher(p->route); !m.empty()) route["match"] = {m};
    http_routes.push_back(route);
    if (!plan_tls(p->route, settings, tls)) continue;
    route["@id"] = route["@id"].get<std::string>() + "-tls";
    tls_routes.push_back(route);
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
  if (tls.any()) {
    // Names with a certificate file are left out of automatic HTTPS, which would otherwise
    // try to obtain one for them too. Redirects stay off: HTTP keeps serving every route.
    json automatic = {{"disable_redirects", true}};
    if (!tls.skip.empty()) automatic["skip_certificates"] = tls.skip;
    servers["berth-tls"] = {{"listen", {fmt::format(":{}", settings.https_port)}},
                            {"routes", with_fallback(tls_routes)},
                            {"tls_connection_policies", json::array({json::object()})},
                            {"automatic_https", automatic}};
    apps["tls"] = tls_app(tls, settings.acme ? &*settings.acme : nullptr);
    if (!tls.internal.empty())
      apps["pki"] = {{"certificate_authorities", {{"local", {{"install_trust", false}}}}}};
  }
  apps["http"] = {{"servers", servers}, {"grace_period", duration(settings.grace_ms)}};
  json doc = {{"admin", {{"listen", settings.admin_listen}}}, {"apps", apps}};
  return doc.dump(2) + "\n";
}

}  // namespace berth
