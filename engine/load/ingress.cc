// A service's `x-berth:` section: `ingress:` routes (planner/ingress.h, docs/ingress.md).
#include <fmt/format.h>

#include "engine/load/normalize.h"

namespace berth::load {
namespace {

// A path or health path: absolute, no query, no wildcard (berth adds the prefix match).
bool read_path(Context& c, const Node& n, const std::string& key, std::string& out) {
  auto v = as_string(c, n, key);
  if (!v) return false;
  if (v->empty() || (*v)[0] != '/' || v->find_first_of("?*# ") != std::string::npos) {
    fail(c, n.location,
         fmt::format("x-berth.ingress.{} '{}' is not a plain absolute path", key, *v),
         "write a path such as /api or /up, without query or wildcard");
    return false;
  }
  out = *v;
  return true;
}

// `tls: internal`: Caddy's own CA. Certificate files and ACME are not supported yet.
void read_tls(Context& c, const Node& n, IngressRoute& r) {
  auto v = n.is_scalar() ? as_string(c, n, "tls") : std::nullopt;
  if (!v || *v != "internal") {
    fail(c, n.location, "x-berth.ingress.tls supports only `internal` in this version",
         "write `tls: internal` (Caddy's own CA), or terminate TLS in front of berth's proxies "
         "(certificate files and ACME: docs/ingress.md, Not done)");
    return;
  }
  if (r.host.empty())
    fail(c, n.location, "x-berth.ingress.tls needs a host name",
         "add `host:` to the route: a certificate is issued for that name");
  r.tls = *v;
}

void read_route(Context& c, const Node& n, Service& s) {
  if (!check_map(c, n, "x-berth.ingress")) return;
  check_keys(c, n, {{"host", "port", "path", "health", "drain", "tls"}, {}}, "x-berth.ingress");
  IngressRoute r;
  r.location = n.location;
  if (const Node* h = n.find("host")) r.host = as_string(c, *h, "host").value_or("");
  if (r.host.find_first_of("/: ") != std::string::npos)
    fail(c, n.key_location("host"),
         fmt::format("x-berth.ingress.host '{}' is not a host name", r.host),
         "give the name only, such as app.example.com, without scheme, port or path");
  const Node* port = n.find("port");
  if (!port) {
    fail(c, n.location, "x-berth.ingress has no port",
         "add `port:` with the container port the service listens on");
  } else if (auto p = as_int(c, *port, "port")) {
    if (*p < 1 || *p > 65535)
      fail(c, port->location, fmt::format("x-berth.ingress.port {} is out of range", *p),
           "use a port between 1 and 65535");
    r.port = static_cast<int>(*p);
  }
  if (const Node* p = n.find("path")) read_path(c, *p, "path", r.path);
  if (const Node* h = n.find("health")) read_path(c, *h, "health", r.health);
  if (const Node* d = n.find("drain"))
    if (auto ns = as_duration(c, *d, "drain")) r.drain_ms = *ns / 1000000;
  if (const Node* t = n.find("tls")) read_tls(c, *t, r);
  s.ingress.push_back(r);
}

}  // namespace

void read_service_extension(Context& c, const Node& svc, Service& s) {
  const Node* x = svc.find("x-berth");
  if (!x || !check_map(c, *x, "x-berth")) return;
  check_keys(c, *x, {{"ingress"}, {}}, "x-berth");
  const Node* in = x->find("ingress");
  if (!in) return;
  if (in->is_seq())
    for (const Node& r : in->items) read_route(c, r, s);
  else
    read_route(c, *in, s);
}

}  // namespace berth::load
