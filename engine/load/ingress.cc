// A service's `x-berth:` section: `ingress:` routes (planner/ingress.h, docs/ingress.md).
#include <fmt/format.h>

#include "engine/load/normalize.h"
#include "engine/load/project_files.h"
#include "engine/load/tls_files.h"

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

// A certificate or key file of `tls: {cert, key}`: inside the project directory, as
// delivered files are (docs/files.md), so the same commit elsewhere hashes the same.
bool read_tls_path(Context& c, const Node& n, const std::string& key, std::string& out) {
  const Node* v = n.find(key);
  if (!v) {
    fail(c, n.location, fmt::format("x-berth.ingress.tls has no {}", key),
         "write `tls: {cert: FILE, key: FILE}` with PEM files of the project directory");
    return false;
  }
  auto path = as_string(c, *v, key);
  if (!path) return false;
  auto relative = project_relative(*path);
  if (!relative || path->empty() || (*path)[0] == '/') {
    fail(c, v->location,
         fmt::format("x-berth.ingress.tls.{} '{}' is not inside the project directory", key, *path),
         "keep the file in the project directory and name it by a relative path");
    return false;
  }
  out = *relative;
  return true;
}

// `tls: internal` (Caddy's own CA), `tls: acme` (the inventory's ACME CA) or
// `tls: {cert: FILE, key: FILE}` (the stack's own certificate, checked and hashed here).
void read_tls(Context& c, const Node& n, IngressRoute& r) {
  if (r.host.empty()) {
    fail(c, n.location, "x-berth.ingress.tls needs a host name",
         "add `host:` to the route: HTTPS serves a certificate for that name");
    return;
  }
  if (n.is_map()) {
    check_keys(c, n, {{"cert", "key"}, {}}, "x-berth.ingress.tls");
    if (!read_tls_path(c, n, "cert", r.tls_cert) || !read_tls_path(c, n, "key", r.tls_key)) return;
    auto files = read_tls_files(r, c.project_dir);
    if (!files.ok()) {
      fail(c, n.location, files.error().message, files.error().hint);
      return;
    }
    r.tls = "files";
    r.tls_digest = files->digest;
    return;
  }
  auto v = n.is_scalar() ? as_string(c, n, "tls") : std::nullopt;
  if (!v || (*v != "internal" && *v != "acme")) {
    fail(c, n.location, "x-berth.ingress.tls must be `internal`, `acme` or {cert: FILE, key: FILE}",
         "internal: Caddy's own CA; acme: the inventory's ingress.acme CA; cert/key: PEM files "
         "of the project directory (docs/ingress.md)");
    return;
  }
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
  // `health` defaults to the service's own check, when that check asks the route's port.
  const auto& check = s.spec.healthcheck;
  if (check && !check->disable)
    for (IngressRoute& r : s.ingress)
      if (r.health.empty()) r.health = health_path_of(check->test, r.port);
}

}  // namespace berth::load
