// The inventory's top-level `ingress:` and its `acme:` (planner/ingress.h, docs/ingress.md).
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "engine/load/files.h"
#include "engine/load/normalize.h"
#include "planner/ingress_plan.h"

namespace berth::load {
namespace {

std::optional<int> read_port(Context& c, const Node& n, const std::string& key) {
  auto p = as_int(c, n, key);
  if (!p) return std::nullopt;
  if (*p < 1 || *p > 65535) {
    fail(c, n.location, fmt::format("ingress.{} must be 1-65535, got {}", key, *p),
         "use a port between 1 and 65535");
    return std::nullopt;
  }
  return static_cast<int>(*p);
}

bool is_host(const Inventory& inv, const std::string& name) {
  return std::any_of(inv.hosts.begin(), inv.hosts.end(),
                     [&](const Host& h) { return h.name == name; });
}

// `acme: {ca, email, host, ca_root}`. The host is resolved here: ACME needs exactly one proxy
// to hold a name's certificate and answer its challenges.
void read_acme(Context& c, const Node& n, Inventory& inv, const std::string& inventory_dir) {
  AcmeSettings& a = inv.ingress.acme;
  a.location = n.location;
  if (!check_map(c, n, "ingress.acme")) return;
  check_keys(c, n, {{"ca", "email", "host", "ca_root"}, {}}, "ingress.acme");
  if (const Node* v = n.find("ca")) {
    a.ca = as_string(c, *v, "ca").value_or(a.ca);
    if (a.ca.rfind("https://", 0) != 0)
      fail(c, v->location, fmt::format("ingress.acme.ca '{}' is not an https:// URL", a.ca),
           "give the CA's ACME directory URL, such as "
           "https://acme-v02.api.letsencrypt.org/directory");
  }
  if (const Node* v = n.find("email")) a.email = as_string(c, *v, "email").value_or("");
  const std::vector<std::string> proxies = proxy_hosts(inv);
  if (const Node* v = n.find("host")) {
    a.host = as_string(c, *v, "host").value_or("");
    if (std::find(proxies.begin(), proxies.end(), a.host) == proxies.end())
      fail(c, v->location,
           fmt::format("ingress.acme.host '{}' is not a host that runs an ingress proxy", a.host),
           "name a host of the inventory that is in ingress.hosts (or leave ingress.hosts out)");
  } else if (proxies.size() == 1) {
    a.host = proxies.front();
  } else {
    fail(c, n.location, "ingress.acme needs `host:` when several hosts run an ingress proxy",
         "name the one host whose address the public names resolve to: it obtains and serves "
         "their certificates");
  }
  if (const Node* v = n.find("ca_root")) {
    a.ca_root = as_string(c, *v, "ca_root").value_or("");
    std::filesystem::path path(a.ca_root);
    if (path.is_relative()) path = std::filesystem::path(inventory_dir) / path;
    auto pem = read_input_file(path.string(), "ACME CA root", c.diag);
    if (!pem) {
      // Where it was named, with what went wrong reading it.
      Error& e = c.diag.errors.back();
      e.message = fmt::format("ingress.acme.ca_root: {}: {}", path.string(), e.message);
      e.location = v->location;
    } else if (pem->find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
      fail(c, v->location,
           fmt::format("ingress.acme.ca_root '{}' holds no PEM certificate", a.ca_root),
           "give the private CA's root certificate in PEM");
    } else {
      a.ca_root_pem = *pem;
    }
  }
}

}  // namespace

void read_ingress_settings(Context& c, const Node& n, Inventory& inv,
                           const std::string& inventory_dir) {
  IngressSettings& s = inv.ingress;
  s.location = n.location;
  if (!check_map(c, n, "ingress")) return;
  check_keys(c, n, {{"image", "http_port", "https_port", "hosts", "acme"}, {}}, "ingress");
  if (const Node* v = n.find("image")) s.image = as_string(c, *v, "image").value_or(s.image);
  if (const Node* v = n.find("http_port"))
    s.http_port = read_port(c, *v, "http_port").value_or(s.http_port);
  if (const Node* v = n.find("https_port"))
    s.https_port = read_port(c, *v, "https_port").value_or(s.https_port);
  if (const Node* hosts = n.find("hosts")) {
    s.hosts = as_list(c, *hosts, "hosts");
    for (const std::string& name : s.hosts)
      if (!is_host(inv, name))
        fail(c, hosts->location,
             fmt::format("ingress.hosts names '{}', which is not a host of the inventory", name),
             "list only names under `hosts:`");
  }
  if (const Node* acme = n.find("acme")) read_acme(c, *acme, inv, inventory_dir);
}

}  // namespace berth::load
