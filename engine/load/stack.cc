// The top level of a stack: services (with profiles), networks, volumes, x-berth, and the
// checks that span services (depends_on targets and cycles).
#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <unordered_map>

#include "engine/load/normalize.h"

namespace berth::load {
namespace {

constexpr size_t kPollEvery = 256;  // services between two calls of c.interrupted

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

// Reports every cycle once, walking depth first without recursion (a chain of thousands of
// services must not exhaust the stack).
void check_cycles(Context& c, const Stack& stack,
                  const std::unordered_map<std::string, size_t>& index) {
  std::vector<int> state(stack.services.size(), 0);  // 0 new, 1 on the path, 2 done
  std::vector<size_t> path, next;                    // services on the path, next dependency
  for (size_t root = 0; root < stack.services.size(); ++root) {
    if (state[root]) continue;
    state[root] = 1;
    path = {root};
    next = {0};
    while (!path.empty()) {
      const Service& s = stack.services[path.back()];
      if (next.back() == s.depends_on.size()) {
        state[path.back()] = 2;
        path.pop_back();
        next.pop_back();
        continue;
      }
      const Dependency& d = s.depends_on[next.back()++];
      size_t to = index.at(d.service);
      if (state[to] == 1) {
        std::string cycle;
        for (auto it = std::find(path.begin(), path.end(), to); it != path.end(); ++it)
          cycle += stack.services[*it].name + " -> ";
        c.service = s.name;
        fail(c, d.location, "depends_on has a cycle: " + cycle + d.service,
             "remove one of these dependencies");
      } else if (state[to] == 0) {
        state[to] = 1;
        path.push_back(to);
        next.push_back(0);
      }
    }
  }
}

void check_dependencies(Context& c, Stack& stack, const std::set<std::string>& disabled) {
  std::unordered_map<std::string, size_t> index;  // Stack::find_service is a linear scan
  index.reserve(stack.services.size());
  for (size_t i = 0; i < stack.services.size(); ++i) index.emplace(stack.services[i].name, i);
  for (Service& s : stack.services) {
    c.service = s.name;
    std::vector<Dependency> kept;
    for (const Dependency& d : s.depends_on) {
      if (index.count(d.service)) {
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
    s.depends_on = std::move(kept);
  }
  check_cycles(c, stack, index);
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
  FileDefinitions definitions(c, top);
  for (size_t i = 0; i < services->fields.size(); ++i) {
    if (i % kPollEvery == kPollEvery - 1 && c.interrupted && c.interrupted()) {
      c.diag.error({ErrorKind::kInterrupted, top.location, "", "",
                    "interrupted while reading the stack", ""});
      return stack;
    }
    const auto& [name, node] = services->fields[i];
    c.service = name;
    Service s = normalize_service(c, name, node, top, definitions);
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
  stack.secrets = read_file_objects(c, top, "secrets", stack.name);
  stack.configs = read_file_objects(c, top, "configs", stack.name);
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
