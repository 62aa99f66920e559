// A service's keys (Compose specification, services).
#include <fmt/format.h>

#include <algorithm>

#include "engine/load/normalize.h"
#include "engine/load/scalars.h"

namespace berth::load {
namespace {

const KeySet kServiceKeys = {
    {"image", "build", "command", "entrypoint", "environment", "env_file", "labels", "user",
     "working_dir", "hostname", "domainname", "cap_add", "cap_drop", "sysctls", "ports",
     "expose", "volumes", "networks", "extra_hosts", "dns", "tmpfs", "healthcheck", "restart",
     "deploy", "depends_on", "profiles", "container_name", "stop_signal", "stop_grace_period",
     "init", "privileged", "read_only", "tty", "stdin_open", "network_mode", "pid", "ipc",
     "logging", "platform", "mem_limit", "mem_reservation", "cpus", "pids_limit", "secrets",
     "configs"},
    {"devices", "ulimits", "security_opt", "gpus", "shm_size", "cgroup_parent", "cpu_shares",
     "cpu_quota", "cpu_period", "cpuset", "blkio_config", "oom_kill_disable", "oom_score_adj",
     "userns_mode", "volumes_from", "links", "external_links", "isolation", "storage_opt",
     "mac_address", "group_add", "dns_search", "dns_opt", "device_cgroup_rules", "annotations",
     "attach", "cgroup", "credential_spec", "develop", "extends", "label_file", "mem_swappiness",
     "memswap_limit", "pull_policy", "runtime", "scale", "uts", "post_start", "pre_stop",
     "cpu_count", "cpu_percent", "cpu_rt_runtime", "cpu_rt_period", "stop_grace_period_",
     "use_api_socket", "provider", "models", "lifecycle_hooks"}};

std::optional<std::vector<std::string>> command_of(Context& c, const Node& n,
                                                   const std::string& key) {
  if (n.is_scalar()) {
    auto words = shell_split(n.scalar);
    if (!words) fail(c, n.location, fmt::format("'{}' has an unterminated quote", key));
    return words;
  }
  return as_list(c, n, key);
}

void read_environment(Context& c, const Node& svc, ContainerSpec& spec) {
  if (const Node* files = svc.find("env_file")) {
    std::vector<const Node*> items;
    if (files->is_seq()) for (const Node& i : files->items) items.push_back(&i);
    else items.push_back(files);
    for (const Node* item : items) {
      std::string path;
      bool required = true;
      if (item->is_map()) {
        if (const Node* p = item->find("path")) path = as_string(c, *p, "env_file.path").value_or("");
        if (const Node* r = item->find("required")) required = as_bool(c, *r, "required").value_or(true);
      } else {
        path = as_string(c, *item, "env_file").value_or("");
      }
      if (path.empty()) continue;
      size_t before = c.diag.errors.size();
      auto vars = read_env_file(resolve_path(c, path), c.vars, c.diag, required);
      if (!vars && c.diag.errors.size() > before) {
        // The file could not be read at all: say where it was named, keeping why.
        Error& e = c.diag.errors.back();
        e.message = fmt::format("env_file '{}' cannot be read ({})", path, e.message);
        e.location = item->location;
        e.service = c.service;
      }
      if (vars) for (auto& [k, v] : *vars) spec.environment[k] = v;
    }
  }
  if (const Node* env = svc.find("environment")) {
    for (auto& [k, v] : as_map(c, *env, "environment")) {
      if (v) spec.environment[k] = *v;
      else if (auto it = c.vars.find(k); it != c.vars.end()) spec.environment[k] = it->second;
    }
  }
}

void read_ports(Context& c, const Node& n, ContainerSpec& spec) {
  if (!n.is_seq()) return fail(c, n.location, "'ports' must be a list");
  for (const Node& item : n.items) {
    if (item.is_map()) {
      PortSpec p;
      p.location = item.location;
      for (const auto& [k, v] : item.fields) {
        if (k == "target") p.container_port = static_cast<int>(as_int(c, v, "target").value_or(0));
        else if (k == "published") {
          std::string err;
          auto s = as_string(c, v, "published").value_or("");
          auto parsed = parse_int(s);
          if (!parsed || *parsed < 0 || *parsed > 65535)
            fail(c, v.location, fmt::format("bad published port '{}'", s));
          else p.host_port = static_cast<int>(*parsed);
        } else if (k == "host_ip") p.host_ip = as_string(c, v, k).value_or("");
        else if (k == "protocol") p.protocol = as_string(c, v, k).value_or("tcp");
        else if (k != "mode" && k != "name" && k != "app_protocol" && k.rfind("x-", 0) != 0)
          fail(c, v.location, fmt::format("unknown key '{}' in a port", k));
      }
      if (p.container_port <= 0 || p.container_port > 65535)
        fail(c, item.location, "a port needs a 'target' between 1 and 65535");
      else spec.ports.push_back(p);
      continue;
    }
    auto text = as_string(c, item, "ports");
    if (!text) continue;
    std::string err;
    auto ports = parse_port(*text, &err);
    if (ports.empty()) {
      fail(c, item.location, fmt::format("bad port '{}': {}", *text, err),
           "write CONTAINER, HOST:CONTAINER or IP:HOST:CONTAINER[/udp]");
    }
    for (auto& p : ports) {
      p.location = item.location;
      spec.ports.push_back(p);
    }
  }
}

void read_healthcheck(Context& c, const Node& n, ContainerSpec& spec) {
  if (!check_map(c, n, "healthcheck")) return;
  check_keys(c, n, {{"test", "interval", "timeout", "start_period", "retries", "disable"},
                    {"start_interval"}}, "healthcheck");
  HealthcheckSpec h;
  if (const Node* t = n.find("test")) {
    if (t->is_scalar()) h.test = {"CMD-SHELL", t->scalar};
    else h.test = as_list(c, *t, "healthcheck.test");
    if (!h.test.empty() && h.test[0] != "CMD" && h.test[0] != "CMD-SHELL" && h.test[0] != "NONE")
      fail(c, t->location, "healthcheck.test must start with CMD, CMD-SHELL or NONE",
           "e.g. test: [\"CMD\", \"curl\", \"-f\", \"http://localhost\"]");
  }
  auto dur = [&](const char* key, Nanos& out) {
    if (const Node* v = n.find(key)) out = as_duration(c, *v, std::string("healthcheck.") + key).value_or(0);
  };
  dur("interval", h.interval);
  dur("timeout", h.timeout);
  dur("start_period", h.start_period);
  if (const Node* r = n.find("retries")) h.retries = static_cast<int>(as_int(c, *r, "retries").value_or(0));
  if (const Node* d = n.find("disable")) h.disable = as_bool(c, *d, "disable").value_or(false);
  if (!h.test.empty() && h.test[0] == "NONE") h.disable = true;
  spec.healthcheck = h;
}

void read_networks(Context& c, const Node& n, const Node& top, ContainerSpec& spec) {
  const Node* declared = top.find("networks");
  auto check_declared = [&](const std::string& key, const SourceLocation& at) {
    if (key == "default") return;
    if (!declared || !declared->find(key))
      fail(c, at, fmt::format("network '{}' is not declared in the top-level networks", key),
           "add it under `networks:` at the top of the file");
  };
  if (n.is_seq()) {
    for (const Node& item : n.items)
      if (auto k = as_string(c, item, "networks")) {
        check_declared(*k, item.location);
        spec.networks.push_back(*k);
      }
  } else if (n.is_map()) {
    for (size_t i = 0; i < n.fields.size(); ++i) {
      const auto& [k, v] = n.fields[i];
      check_declared(k, n.key_locations[i]);
      spec.networks.push_back(k);
      if (v.is_map())
        if (const Node* a = v.find("aliases")) spec.aliases[k] = as_list(c, *a, "aliases");
    }
  } else {
    fail(c, n.location, "'networks' must be a list or a mapping");
  }
  std::sort(spec.networks.begin(), spec.networks.end());
}

}  // namespace


Service normalize_service(Context& c, const std::string& name, const Node& node,
                          const Node& top, FileDefinitions& definitions) {
  Service s;
  s.name = name;
  s.location = node.location;
  if (!check_map(c, node, "services." + name)) return s;
  check_keys(c, node, kServiceKeys, "service " + name);
  ContainerSpec& spec = s.spec;
  read_flags(c, node, spec);
  read_lists(c, node, spec);
  read_environment(c, node, spec);
  if (const Node* n = node.find("command")) spec.command = command_of(c, *n, "command");
  if (const Node* n = node.find("entrypoint")) spec.entrypoint = command_of(c, *n, "entrypoint");
  if (const Node* n = node.find("ports")) read_ports(c, *n, spec);
  if (const Node* n = node.find("healthcheck")) read_healthcheck(c, *n, spec);
  if (const Node* n = node.find("volumes")) normalize_volumes(c, *n, top, spec);
  for (const char* kind : {"secrets", "configs"})
    if (const Node* n = node.find(kind)) normalize_file_refs(c, *n, definitions, kind, spec);
  check_delivered(c, spec);
  if (const Node* n = node.find("networks")) read_networks(c, *n, top, spec);
  else if (spec.network_mode.empty()) spec.networks = {"default"};
  if (const Node* n = node.find("build")) read_build(c, *n, s);
  if (const Node* n = node.find("depends_on")) read_depends_on(c, *n, s);
  if (const Node* n = node.find("profiles")) s.profiles = as_list(c, *n, "profiles");
  if (const Node* n = node.find("container_name"))
    s.container_name = as_string(c, *n, "container_name").value_or("");
  if (const Node* n = node.find("mem_reservation"))
    s.reservations.memory = as_bytes(c, *n, "mem_reservation").value_or(0);
  if (const Node* n = node.find("deploy")) normalize_deploy(c, *n, s);
  read_service_extension(c, node, s);
  if (spec.image.empty() && !s.build)
    fail(c, node.location, "the service has neither 'image' nor 'build'",
         "add `image: NAME[:TAG]` (or a `build:` section)");
  if (!s.container_name.empty() && (s.replicas > 1 || s.mode == ServiceMode::kGlobal))
    fail(c, node.key_location("container_name"),
         "container_name cannot be used with more than one replica",
         "remove container_name, or set deploy.replicas to 1");
  return s;
}

}  // namespace berth::load
