// The inventory file (docs/design.md, Inventory).
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <unordered_map>

#include "engine/load/fields.h"
#include "engine/load/files.h"
#include "engine/load/loader.h"
#include "engine/load/normalize.h"
#include "planner/address.h"

namespace berth {
namespace {

std::string lower(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

// What identifies the engine an address reaches: user, host (case-insensitive), port (22 by
// default) and the engine socket for ssh; the normalized path for unix. "" if malformed (the
// address check reports that).
std::string engine_identity(const Host& h) {
  const std::string& a = h.address;
  if (a.rfind("unix://", 0) == 0)
    return "unix://" + std::filesystem::path(a.substr(7)).lexically_normal().string();
  auto target = parse_ssh_address(h.name, a);
  if (!target.ok()) return "";
  std::string port = target->port.empty() ? "22" : target->port;
  port.erase(0, std::min(port.find_first_not_of('0'), port.size() - 1));  // "022" is 22
  return "ssh://" + target->user + "@" + lower(target->host) + ":" + port + " " + h.socket;
}

// Two names for one engine would each remove what the other placed: refuse them.
void check_duplicate_addresses(load::Context& c, const std::vector<Host>& hosts) {
  std::unordered_map<std::string, const Host*> seen;
  for (const Host& h : hosts) {
    std::string id = engine_identity(h);
    if (id.empty()) continue;
    auto [it, fresh] = seen.emplace(id, &h);
    if (fresh) continue;
    const Host& first = *it->second;
    load::fail(c, h.location,
               fmt::format("hosts '{}' ({}) and '{}' ({}) reach the same engine: '{}' and '{}' "
                           "are the same address",
                           first.name, first.location.str(), h.name, h.location.str(),
                           first.address, h.address),
               "keep one inventory name per engine: remove one of them or correct its address");
  }
}

}  // namespace

Inventory load_inventory(const std::string& path, Diagnostics& diag) {
  Inventory inv;
  inv.file = path;
  auto text = load::read_input_file(path, "inventory", diag);
  if (!text) {
    diag.errors.back().hint += diag.errors.back().hint.empty() ? "" : "; ";
    diag.errors.back().hint +=
        "the inventory is named with -i, or is berth.hosts.yaml beside "
        "the stack";
    return inv;
  }
  load::Node top = load::parse_yaml(*text, path, diag);
  load::Variables none;
  load::Context c{diag, "", "", none};
  if (!diag.ok()) return inv;
  if (!top.is_map() || !top.find("hosts")) {
    load::fail(c, top.location, "the inventory needs a `hosts:` mapping",
               "see README.md, Several hosts");
    return inv;
  }
  load::check_keys(c, top, {{"hosts", "ingress"}, {}}, "the inventory");
  const load::Node& hosts = *top.find("hosts");
  if (!load::check_map(c, hosts, "hosts")) return inv;
  for (size_t i = 0; i < hosts.fields.size(); ++i) {
    const auto& [name, node] = hosts.fields[i];
    Host h;
    h.name = name;
    h.location = hosts.key_locations[i];
    if (!load::check_map(c, node, "hosts." + name)) continue;
    load::check_keys(
        c, node,
        {{"address", "labels", "capacity", "role", "socket", "drain", "private_address"}, {}},
        "host " + name);
    const load::Node* address = node.find("address");
    h.address = address ? load::as_string(c, *address, "address").value_or("") : "";
    const bool ssh = h.address.rfind("ssh://", 0) == 0;
    if ((!ssh && h.address.rfind("unix://", 0) != 0) ||
        (ssh && !parse_ssh_address(name, h.address).ok()))
      load::fail(c, address ? address->location : h.location,
                 fmt::format("host {}: address must be ssh://[user@]host[:port] or "
                             "unix:///path.sock, got '{}'",
                             name, h.address));
    if (const load::Node* l = node.find("labels"))
      for (auto& [k, v] : load::as_map(c, *l, "labels")) h.labels[k] = v.value_or("");
    if (const load::Node* r = node.find("role"))
      h.role = load::as_string(c, *r, "role").value_or("");
    if (const load::Node* so = node.find("socket")) {
      h.socket = load::as_string(c, *so, "socket").value_or("");
      if (!h.socket.empty() && h.socket[0] != '/')
        load::fail(c, so->location,
                   fmt::format("host {}: socket must be an absolute path on the "
                               "host, got '{}'",
                               name, h.socket));
    }
    if (const load::Node* p = node.find("private_address"))
      h.private_address = load::as_string(c, *p, "private_address").value_or("");
    if (h.private_address.empty()) h.private_address = ssh_address_host(h.address);
    if (const load::Node* d = node.find("drain"))
      h.drain = load::as_bool(c, *d, "drain").value_or(false);
    if (const load::Node* cap = node.find("capacity");
        cap && load::check_map(c, *cap, "capacity")) {
      load::check_keys(c, *cap, {{"cpus", "memory", "pids"}, {}}, "capacity");
      Resources r;
      if (const load::Node* v = cap->find("cpus"))
        r.nano_cpus = load::as_cpus(c, *v, "cpus").value_or(0);
      if (const load::Node* v = cap->find("memory"))
        r.memory = load::as_bytes(c, *v, "memory").value_or(0);
      if (const load::Node* v = cap->find("pids")) r.pids = load::as_int(c, *v, "pids").value_or(0);
      h.capacity = r;
    }
    inv.hosts.push_back(std::move(h));
  }
  if (inv.hosts.empty()) load::fail(c, hosts.location, "the inventory lists no hosts");
  check_duplicate_addresses(c, inv.hosts);
  if (const load::Node* ing = top.find("ingress"))
    load::read_ingress_settings(c, *ing, inv, std::filesystem::path(path).parent_path().string());
  std::sort(inv.hosts.begin(), inv.hosts.end(), [](auto& a, auto& b) { return a.name < b.name; });
  return inv;
}

}  // namespace berth
