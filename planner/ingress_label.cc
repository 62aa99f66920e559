// Ingress routes as label text, and the upstreams behind each route (planner/ingress.h).
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

// The one list of a route's fields that reach a container's labels and its hash.
json route_json(const IngressRoute& r) {
  json j = {{"path", r.path}, {"port", r.port}};
  if (!r.host.empty()) j["host"] = r.host;
  if (!r.health.empty()) j["health"] = r.health;
  if (!r.tls.empty()) j["tls"] = r.tls;
  // The digest, not the sources: where the files sit changes nothing a proxy serves.
  if (!r.tls_digest.empty()) j["tls_digest"] = r.tls_digest;
  return j;
}

IngressRoute route_from(const json& j) {
  IngressRoute r;
  if (!j.is_object()) return r;
  auto text = [&](const char* k) {
    auto it = j.find(k);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  r.host = text("host");
  r.path = text("path");
  r.health = text("health");
  r.tls = text("tls");
  r.tls_digest = text("tls_digest");
  if (auto it = j.find("port"); it != j.end() && it->is_number_integer()) r.port = it->get<int>();
  return r;
}

}  // namespace

std::string health_path_of(const std::vector<std::string>& test, int port) {
  if (test.empty() || (test[0] != "CMD" && test[0] != "CMD-SHELL")) return "";
  std::string text;
  for (size_t k = 1; k < test.size(); ++k) text += test[k] + " ";
  const std::string scheme = "http://";
  for (size_t at = text.find(scheme); at != std::string::npos; at = text.find(scheme, at + 1)) {
    const size_t start = at + scheme.size();
    const size_t end = text.find_first_of(" \t'\";|&)", start);
    const std::string url = text.substr(start, end - start);
    const size_t slash = url.find('/');
    std::string authority = url.substr(0, slash),
                path = slash == std::string::npos ? "/" : url.substr(slash);
    int url_port = 80;
    if (const size_t colon = authority.rfind(':');
        colon != std::string::npos && authority.back() != ']') {
      std::string digits = authority.substr(colon + 1);
      if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos ||
          digits.size() > 5)
        continue;
      url_port = std::stoi(digits);
      authority = authority.substr(0, colon);
    }
    const bool own = authority == "localhost" || authority == "127.0.0.1" || authority == "[::1]" ||
                     authority == "0.0.0.0";
    if (!own || url_port != port) continue;
    if (path.find_first_of("?#*") != std::string::npos) return "";
    return path;
  }
  return "";
}

std::string Upstream::key() const {
  return fmt::format("{}:{}", host, bindings.empty() ? 0 : bindings.front().host_port);
}

std::string ingress_routes_text(const std::vector<IngressRoute>& routes) {
  json list = json::array();
  for (const auto& r : routes) list.push_back(route_json(r));
  return list.dump();
}

std::string ingress_label(const std::vector<IngressBinding>& bindings) {
  json list = json::array();
  for (const auto& b : bindings) {
    json j = route_json(b.route);
    j["host_port"] = b.host_port;
    list.push_back(j);
  }
  return list.dump();
}

std::vector<IngressBinding> parse_ingress_label(const std::string& text) {
  std::vector<IngressBinding> out;
  json list = json::parse(text, nullptr, false);
  if (!list.is_array()) return {};
  for (const json& j : list) {
    IngressBinding b;
    b.route = route_from(j);
    if (j.is_object())
      if (auto it = j.find("host_port"); it != j.end() && it->is_number_integer())
        b.host_port = it->get<int>();
    if (b.route.port <= 0 || b.host_port <= 0 || b.route.path.empty()) return {};
    out.push_back(std::move(b));
  }
  return out;
}

std::vector<ProxyRoute> proxy_routes(const std::vector<Upstream>& upstreams,
                                     const std::string& proxy_host) {
  using Key = std::tuple<std::string, std::string, std::string, std::string>;
  std::map<Key, ProxyRoute> routes;
  for (const Upstream& u : upstreams) {
    const bool own = u.host == proxy_host;
    for (const IngressBinding& b : u.bindings) {
      ProxyRoute& p = routes[{u.stack, u.service, b.route.host, b.route.path}];
      p.stack = u.stack;
      p.service = u.service;
      p.route = b.route;
      if (own)
        p.upstreams.push_back(fmt::format("{}:{}", kProxyOwnHost, b.host_port));
      else if (!u.address.empty())
        p.upstreams.push_back(fmt::format("{}:{}", u.address, b.host_port));
    }
  }
  std::vector<ProxyRoute> out;
  for (auto& [key, p] : routes) {
    std::sort(p.upstreams.begin(), p.upstreams.end());
    out.push_back(std::move(p));
  }
  return out;
}

std::string proxy_spec_key(const IngressSettings& s) {
  // The data volume is part of the container: proxies made before it had none.
  return sha256_hex(fmt::format("{}\n{}\n{}\n{}:{}\n", s.image, s.http_port, s.https_port,
                                kProxyDataVolume, kProxyDataPath))
      .substr(0, 16);
}

}  // namespace berth
