// One service of `berth config`, in the shape and key order of Compose v2's ServiceConfig
// (docs/config.md). Only what the model holds is printed; defaults the model cannot tell from
// "not written" (restart: no, replicas: 1, update_config's defaults) are left out.
#include <algorithm>

#include "engine/load/render_config.h"
#include "engine/load/scalars.h"
#include "planner/spec.h"

namespace berth::render {
namespace {

template <class T>
void put_nonempty(Doc& d, const char* key, const T& v) {
  if (!v.empty()) d[key] = v;
}

Doc masked_map(const std::map<std::string, std::string>& values) {
  Doc out = Doc::object();
  for (const auto& [k, v] : values) out[k] = is_secret_name(k) && !v.empty() ? kMasked : v;
  return out;
}

Doc build_doc(const BuildSpec& b) {
  Doc d = {{"context", b.context},
           {"dockerfile", b.dockerfile.empty() ? "Dockerfile" : b.dockerfile}};
  if (!b.args.empty()) d["args"] = masked_map(b.args);
  put_nonempty(d, "target", b.target);
  return d;
}

Doc healthcheck_doc(const HealthcheckSpec& h) {
  Doc d = Doc::object();
  put_nonempty(d, "test", h.test);
  if (h.timeout) d["timeout"] = duration_value(h.timeout);
  if (h.interval) d["interval"] = duration_value(h.interval);
  if (h.retries) d["retries"] = h.retries;
  if (h.start_period) d["start_period"] = duration_value(h.start_period);
  // `test: [NONE]` already says it; Compose prints `disable` only when it was written.
  if (h.disable && (h.test.empty() || h.test[0] != "NONE")) d["disable"] = true;
  return d;
}

Doc ports_doc(const std::vector<PortSpec>& ports) {
  Doc out = Doc::array();
  for (const PortSpec& p : ports) {
    Doc d = {{"mode", "ingress"}};
    put_nonempty(d, "host_ip", p.host_ip);
    d["target"] = p.container_port;
    if (p.host_port) d["published"] = std::to_string(p.host_port);  // a string in Compose v2
    d["protocol"] = p.protocol;
    out.push_back(d);
  }
  return out;
}

// Volumes as Compose prints them, in the order they were written: the engine's mounts, and the
// project's files berth delivers (printed as the bind mounts they were written as).
Doc volumes_doc(const Stack& stack, const Service& s) {
  std::vector<std::pair<SourceLocation, Doc>> items;
  for (const MountSpec& m : s.spec.mounts) {
    Doc d = {{"type", m.type}};
    put_nonempty(d, "source", m.source);
    d["target"] = m.target;
    if (m.read_only) d["read_only"] = true;
    if (m.type == "bind") d["bind"] = {{"create_host_path", true}};
    if (m.type == "volume") d["volume"] = Doc::object();
    items.push_back({m.location, d});
  }
  for (const FileSpec& f : s.spec.files) {
    if (f.kind != "bind") continue;
    std::string source = f.source == "." ? stack.project_dir : stack.project_dir + "/" + f.source;
    Doc d = {{"type", "bind"}, {"source", source}, {"target", f.target}};
    if (f.read_only) d["read_only"] = true;
    d["bind"] = {{"create_host_path", true}};
    items.push_back({f.location, d});
  }
  std::stable_sort(items.begin(), items.end(), [](const auto& a, const auto& b) {
    return std::make_pair(a.first.line, a.first.column) <
           std::make_pair(b.first.line, b.first.column);
  });
  Doc out = Doc::array();
  for (auto& [where, d] : items) out.push_back(std::move(d));
  return out;
}

Doc resources_doc(const Resources& r) {
  Doc d = Doc::object();
  if (r.nano_cpus) d["cpus"] = cpus_value(r.nano_cpus);
  if (r.memory) d["memory"] = bytes_value(r.memory);
  if (r.pids) d["pids"] = r.pids;
  return d;
}

// Only the settings that differ from the model's defaults (the loader does not record which
// ones were written).
Doc update_doc(const UpdateConfig& u) {
  const UpdateConfig def;
  Doc d = Doc::object();
  if (u.parallelism != def.parallelism) d["parallelism"] = u.parallelism;
  if (u.delay != def.delay) d["delay"] = duration_value(u.delay);
  if (u.failure_action != def.failure_action) d["failure_action"] = u.failure_action;
  if (u.monitor != def.monitor) d["monitor"] = duration_value(u.monitor);
  if (u.max_failure_ratio != def.max_failure_ratio) d["max_failure_ratio"] = u.max_failure_ratio;
  if (u.order != def.order) d["order"] = u.order;
  return d;
}

Doc placement_doc(const PlacementSpec& p) {
  Doc d = Doc::object();
  for (const Constraint& c : p.constraints) d["constraints"].push_back(c.str());
  for (const std::string& key : p.spread) d["preferences"].push_back({{"spread", key}});
  if (p.max_replicas_per_node) d["max_replicas_per_node"] = p.max_replicas_per_node;
  return d;
}

Doc deploy_doc(const Service& s) {
  Doc d = Doc::object();
  if (s.mode == ServiceMode::kGlobal)
    d["mode"] = "global";
  else if (s.replicas != 1)
    d["replicas"] = s.replicas;
  if (Doc u = update_doc(s.update_config); !u.empty()) d["update_config"] = u;
  if (Doc u = update_doc(s.rollback_config); !u.empty()) d["rollback_config"] = u;
  Doc resources = Doc::object();
  if (Doc l = resources_doc(s.spec.limits); !l.empty()) resources["limits"] = l;
  if (Doc r = resources_doc(s.reservations); !r.empty()) resources["reservations"] = r;
  if (!resources.empty()) d["resources"] = resources;
  if (Doc p = placement_doc(s.placement); !p.empty()) d["placement"] = p;
  return d;
}

Doc depends_on_doc(const std::vector<Dependency>& deps) {
  Doc d = Doc::object();
  for (const Dependency& dep : deps)
    d[dep.service] = {{"condition", dep.condition}, {"required", dep.required}};
  return d;
}

Doc networks_doc(const ContainerSpec& spec) {
  Doc d = Doc::object();
  for (const std::string& n : spec.networks) {
    auto it = spec.aliases.find(n);
    d[n] = it == spec.aliases.end() || it->second.empty() ? Doc() : Doc{{"aliases", it->second}};
  }
  return d;
}

// The service's secrets or configs (`kind`: "secret" | "config"), as Compose prints them.
Doc refs_doc(const ContainerSpec& c, const std::string& kind) {
  std::vector<const FileSpec*> written;  // in the order they were written, as Compose prints
  for (const FileSpec& f : c.files)
    if (f.kind == kind) written.push_back(&f);
  std::stable_sort(written.begin(), written.end(), [](const FileSpec* a, const FileSpec* b) {
    return std::make_pair(a->location.line, a->location.column) <
           std::make_pair(b->location.line, b->location.column);
  });
  Doc out = Doc::array();
  for (const FileSpec* file : written) {
    const FileSpec& f = *file;
    // As Compose v2 prints them: a secret's target filled in when not written, a config's
    // only when written, both as written.
    Doc d = {{"source", f.name}};
    if (kind == "secret")
      d["target"] = f.written_target.empty() ? "/run/secrets/" + f.name : f.written_target;
    else if (!f.written_target.empty())
      d["target"] = f.written_target;
    out.push_back(d);
  }
  return out;
}

// "name:ip" as the model keeps it -> "name=ip", sorted, as Compose v2 prints extra_hosts.
std::vector<std::string> extra_hosts(const std::vector<std::string>& hosts) {
  std::vector<std::string> out;
  for (std::string h : hosts) {
    if (auto colon = h.find(':'); colon != std::string::npos) h[colon] = '=';
    out.push_back(h);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> tmpfs_list(const std::map<std::string, std::string>& tmpfs) {
  std::vector<std::string> out;
  for (const auto& [path, options] : tmpfs)
    out.push_back(options.empty() ? path : path + ":" + options);
  return out;
}

// command / entrypoint: JSON always has the key (null = the image's), YAML only when set.
void put_command(Doc& d, const char* key, const std::optional<std::vector<std::string>>& v,
                 ConfigFormat format) {
  if (v)
    d[key] = *v;
  else if (format == ConfigFormat::kJson)
    d[key] = nullptr;
}

}  // namespace

Doc bytes_value(Bytes bytes) {
  return std::to_string(bytes);
}

Doc cpus_value(NanoCpus cpus) {
  if (cpus % kNanoCpusPerCpu == 0) return cpus / kNanoCpusPerCpu;
  return static_cast<double>(cpus) / kNanoCpusPerCpu;
}

Doc duration_value(Nanos nanos) {
  return load::format_duration(nanos);
}

// x-berth.ingress as the loader understood it: each route in full, its defaults written out
// (path, drain, a health path taken from the service's check), certificate files as named.
Doc ingress_doc(const std::vector<IngressRoute>& routes) {
  Doc out = Doc::array();
  for (const IngressRoute& r : routes) {
    Doc d = {{"drain", duration_value(r.drain_ms * 1'000'000)}};
    put_nonempty(d, "health", r.health);
    put_nonempty(d, "host", r.host);
    d["path"] = r.path;
    d["port"] = r.port;
    if (r.tls == "files")
      d["tls"] = {{"cert", r.tls_cert}, {"key", r.tls_key}};
    else
      put_nonempty(d, "tls", r.tls);
    out.push_back(d);
  }
  return out;
}

Doc compose_service(const Stack& stack, const Service& s, ConfigFormat format) {
  const ContainerSpec& c = s.spec;
  Doc d = Doc::object();
  put_nonempty(d, "profiles", s.profiles);
  if (s.build) d["build"] = build_doc(*s.build);
  put_nonempty(d, "cap_add", c.cap_add);
  put_nonempty(d, "cap_drop", c.cap_drop);
  put_command(d, "command", c.command, format);
  if (Doc configs = refs_doc(c, "config"); !configs.empty()) d["configs"] = configs;
  put_nonempty(d, "container_name", s.container_name);
  if (!s.depends_on.empty()) d["depends_on"] = depends_on_doc(s.depends_on);
  if (Doc deploy = deploy_doc(s); !deploy.empty()) d["deploy"] = deploy;
  put_nonempty(d, "dns", c.dns);
  put_nonempty(d, "domainname", c.domainname);
  put_command(d, "entrypoint", c.entrypoint, format);
  if (!c.environment.empty()) d["environment"] = masked_map(c.environment);
  put_nonempty(d, "expose", c.expose);
  put_nonempty(d, "extra_hosts", extra_hosts(c.extra_hosts));
  put_nonempty(d, "hostname", c.hostname);
  if (c.healthcheck) d["healthcheck"] = healthcheck_doc(*c.healthcheck);
  put_nonempty(d, "image", c.image);
  if (c.init) d["init"] = *c.init;
  put_nonempty(d, "ipc", c.ipc);
  put_nonempty(d, "labels", c.labels);
  if (!c.logging_driver.empty() || !c.logging_options.empty()) {
    Doc logging = Doc::object();
    put_nonempty(logging, "driver", c.logging_driver);
    put_nonempty(logging, "options", c.logging_options);
    d["logging"] = logging;
  }
  put_nonempty(d, "network_mode", c.network_mode);
  if (!c.networks.empty()) d["networks"] = networks_doc(c);
  put_nonempty(d, "pid", c.pid);
  put_nonempty(d, "platform", c.platform);
  if (!c.ports.empty()) d["ports"] = ports_doc(c.ports);
  if (c.privileged) d["privileged"] = true;
  if (c.read_only) d["read_only"] = true;
  if (c.restart != "no") d["restart"] = c.restart;
  if (Doc secrets = refs_doc(c, "secret"); !secrets.empty()) d["secrets"] = secrets;
  if (c.stdin_open) d["stdin_open"] = true;
  if (c.stop_grace_period) d["stop_grace_period"] = duration_value(c.stop_grace_period);
  put_nonempty(d, "stop_signal", c.stop_signal);
  put_nonempty(d, "sysctls", c.sysctls);
  put_nonempty(d, "tmpfs", tmpfs_list(c.tmpfs));
  if (c.tty) d["tty"] = true;
  put_nonempty(d, "user", c.user);
  if (Doc volumes = volumes_doc(stack, s); !volumes.empty()) d["volumes"] = volumes;
  put_nonempty(d, "working_dir", c.working_dir);
  if (!s.ingress.empty()) d["x-berth"] = {{"ingress", ingress_doc(s.ingress)}};
  return d;
}

}  // namespace berth::render
