// The top level of a stack: services (with profiles), networks, volumes, x-berth, and the
// checks that span services (depends_on targets and cycles).
#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <set>

#include "engine/load/normalize.h"

namespace berth::load {
namespace {

template <class Spec>
std::vector<Spec> read_resources(Context& c, const Node* section, const std::string& stack,
                                 const char* kind) {
  std::vector<Spec> out;
  if (!section || section->is_null() || !check_map(c, *section, kind)) return out;
  for (size_t i = 0; i < section->fields.size(); ++i) {
    const auto& [key, v] = section->fields[i];
    Spec s;
    s.key = key;
    s.name = stack + "_" + key;
    s.location = section->key_locations[i];
    if (v.is_map()) {
      check_keys(c, v, {{"name", "driver", "driver_opts", "labels", "external", "internal",
                         "attachable"},
                        {"ipam", "enable_ipv6", "enable_ipv4"}},
                 std::string(kind) + "." + key);
      if (const Node* n = v.find("name")) s.name = as_string(c, *n, "name").value_or(s.name);
      if (const Node* n = v.find("driver")) s.driver = as_string(c, *n, "driver").value_or("");
      if (const Node* n = v.find("external")) {
        s.external = n->is_map() || as_bool(c, *n, "external").value_or(false);
        if (s.external && !v.find("name")) s.name = key;
      }
      if (const Node* n = v.find("driver_opts"))
        for (auto& [k, o] : as_map(c, *n, "driver_opts")) s.driver_opts[k] = o.value_or("");
      if (const Node* n = v.find("labels"))
        for (auto& [k, o] : as_map(c, *n, "labels")) s.labels[k] = o.value_or("");
      if constexpr (std::is_same_v<Spec, NetworkSpec>) {
        if (const Node* n = v.find("internal")) s.internal = as_bool(c, *n, "internal").value_or(false);
        if (const Node* n = v.find("attachable")) s.attachable = as_bool(c, *n, "attachable").value_or(false);
      }
    } else if (!v.is_null()) {
      fail(c, v.location, fmt::format("{}.{} must be a mapping", kind, key));
    }
    out.push_back(std::move(s));
  }
  return out;
}

void check_dependencies(Context& c, Stack& stack, const std::set<std::string>& disabled) {
  for (Service& s : stack.services) {
    c.service = s.name;
    std::vector<Dependency> kept;
    for (const Dependency& d : s.depends_on) {
      if (stack.find_service(d.service)) {
        kept.push_back(d);
      } else if (disabled.count(d.service)) {
        if (d.required)
          fail(c, d.location, fmt::format("depends on '{}', which is disabled by its profiles",
                                          d.service),
               fmt::format("enable its profile with --profile, or set required: false"));
      } else {
        fail(c, d.location, fmt::format("depends on unknown service '{}'", d.service),
             "check the service name under `services:`");
      }
    }
    s.depends_on = kept;
  }
  // Cycles: depth-first search, reporting the whole cycle once.
  std::map<std::string, int> state;
  std::vector<std::string> path;
  std::function<void(const Service&)> visit = [&](const Service& s) {
    state[s.name] = 1;
    path.push_back(s.name);
    for (const Dependency& d : s.depends_on) {
      if (state[d.service] == 1) {
        auto from = std::find(path.begin(), path.end(), d.service);
        std::string cycle;
        for (auto it = from; it != path.end(); ++it) cycle += *it + " -> ";
        c.service = s.name;
        fail(c, d.location, "depends_on has a cycle: " + cycle + d.service,
             "remove one of these dependencies");
      } else if (state[d.service] == 0) {
        visit(*stack.find_service(d.service));
      }
    }
    path.pop_back();
    state[s.name] = 2;
  };
  for (const Service& s : stack.services)
    if (state[s.name] == 0) visit(s);
  c.service.clear();
}

}  // namespace

Stack normalize_stack(Context& c, const Node& top, const std::vector<std::string>& profiles) {
  Stack stack;
  check_keys(c, top, {{"services", "networks", "volumes", "configs", "secrets", "name", "version"},
                      {"include", "models"}},
             "the top level");
  if (top.find("version"))
    warn(c, top.key_location("version"), "'version' is obsolete and ignored");
  if (const Node* x = top.find("x-berth"); x && check_map(c, *x, "x-berth")) {
    check_keys(c, *x, {{"strategy"}, {}}, "x-berth");
    if (const Node* s = x->find("strategy")) {
      std::string v = as_string(c, *s, "strategy").value_or("binpack");
      if (v == "spread") stack.strategy = Strategy::kSpread;
      else if (v != "binpack")
        fail(c, s->location, fmt::format("unknown strategy '{}'", v), "use binpack or spread");
    }
  }
  const Node* services = top.find("services");
  if (!services || services->is_null()) {
    fail(c, top.location, "the stack has no services", "add a `services:` section");
    return stack;
  }
  if (!check_map(c, *services, "services")) return stack;
  std::set<std::string> disabled;
  for (size_t i = 0; i < services->fields.size(); ++i) {
    const auto& [name, node] = services->fields[i];
    c.service = name;
    Service s = normalize_service(c, name, node, top);
    s.location = services->key_locations[i];
    bool enabled = s.profiles.empty() ||
                   std::any_of(s.profiles.begin(), s.profiles.end(), [&](auto& p) {
                     return std::find(profiles.begin(), profiles.end(), p) != profiles.end() ||
                            std::find(profiles.begin(), profiles.end(), "*") != profiles.end();
                   });
    if (enabled) stack.services.push_back(std::move(s));
    else disabled.insert(name);
  }
  c.service.clear();
  std::sort(stack.services.begin(), stack.services.end(),
            [](auto& a, auto& b) { return a.name < b.name; });
  check_dependencies(c, stack, disabled);
  return stack;
}

// Networks and volumes need the stack name, known only after discovery: the loader calls this.
void normalize_resources(Context& c, const Node& top, Stack& stack) {
  stack.networks = read_resources<NetworkSpec>(c, top.find("networks"), stack.name, "networks");
  stack.volumes = read_resources<VolumeSpec>(c, top.find("volumes"), stack.name, "volumes");
  bool uses_default = std::any_of(stack.services.begin(), stack.services.end(), [](auto& s) {
    return std::count(s.spec.networks.begin(), s.spec.networks.end(), "default") > 0;
  });
  bool declared = std::any_of(stack.networks.begin(), stack.networks.end(),
                              [](auto& n) { return n.key == "default"; });
  if (uses_default && !declared) {
    NetworkSpec def;
    def.key = "default";
    def.name = stack.name + "_default";
    stack.networks.push_back(def);
  }
  std::sort(stack.networks.begin(), stack.networks.end(), [](auto& a, auto& b) { return a.key < b.key; });
  std::sort(stack.volumes.begin(), stack.volumes.end(), [](auto& a, auto& b) { return a.key < b.key; });
}

}  // namespace berth::load
