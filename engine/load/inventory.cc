// The inventory file (SPEC.md, Inventory).
#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "engine/load/fields.h"
#include "engine/load/loader.h"

namespace berth {

Inventory load_inventory(const std::string& path, Diagnostics& diag) {
  Inventory inv;
  inv.file = path;
  std::ifstream in(path);
  if (!in) {
    diag.error({ErrorKind::kInput, {path, 0, 0}, "", "", "cannot read the inventory",
                "check the path given with -i"});
    return inv;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  load::Node top = load::parse_yaml(buf.str(), path, diag);
  load::Variables none;
  load::Context c{diag, "", "", none};
  if (!diag.ok()) return inv;
  if (!top.is_map() || !top.find("hosts")) {
    load::fail(c, top.location, "the inventory needs a `hosts:` mapping",
               "see README.md, Several hosts");
    return inv;
  }
  load::check_keys(c, top, {{"hosts"}, {}}, "the inventory");
  const load::Node& hosts = *top.find("hosts");
  if (!load::check_map(c, hosts, "hosts")) return inv;
  for (size_t i = 0; i < hosts.fields.size(); ++i) {
    const auto& [name, node] = hosts.fields[i];
    Host h;
    h.name = name;
    h.location = hosts.key_locations[i];
    if (!load::check_map(c, node, "hosts." + name)) continue;
    load::check_keys(c, node, {{"address", "labels", "capacity", "role", "socket", "drain"}, {}}, "host " + name);
    const load::Node* address = node.find("address");
    h.address = address ? load::as_string(c, *address, "address").value_or("") : "";
    if (h.address.rfind("ssh://", 0) != 0 && h.address.rfind("unix://", 0) != 0)
      load::fail(c, address ? address->location : h.location,
                 fmt::format("host {}: address must be ssh://[user@]host[:port] or "
                             "unix:///path.sock, got '{}'", name, h.address));
    if (const load::Node* l = node.find("labels"))
      for (auto& [k, v] : load::as_map(c, *l, "labels")) h.labels[k] = v.value_or("");
    if (const load::Node* r = node.find("role")) h.role = load::as_string(c, *r, "role").value_or("");
    if (const load::Node* so = node.find("socket")) {
      h.socket = load::as_string(c, *so, "socket").value_or("");
      if (!h.socket.empty() && h.socket[0] != '/')
        load::fail(c, so->location, fmt::format("host {}: socket must be an absolute path on the "
                                                "host, got '{}'", name, h.socket));
    }
    if (const load::Node* d = node.find("drain")) h.drain = load::as_bool(c, *d, "drain").value_or(false);
    if (const load::Node* cap = node.find("capacity"); cap && load::check_map(c, *cap, "capacity")) {
      load::check_keys(c, *cap, {{"cpus", "memory", "pids"}, {}}, "capacity");
      Resources r;
      if (const load::Node* v = cap->find("cpus")) r.nano_cpus = load::as_cpus(c, *v, "cpus").value_or(0);
      if (const load::Node* v = cap->find("memory")) r.memory = load::as_bytes(c, *v, "memory").value_or(0);
      if (const load::Node* v = cap->find("pids")) r.pids = load::as_int(c, *v, "pids").value_or(0);
      h.capacity = r;
    }
    inv.hosts.push_back(std::move(h));
  }
  if (inv.hosts.empty()) load::fail(c, hosts.location, "the inventory lists no hosts");
  std::sort(inv.hosts.begin(), inv.hosts.end(), [](auto& a, auto& b) { return a.name < b.name; });
  return inv;
}

}  // namespace berth
