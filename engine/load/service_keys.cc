// The simpler service keys: build, scalar flags, lists and maps, depends_on.
#include <fmt/format.h>

#include "engine/load/normalize.h"
#include "engine/load/scalars.h"

namespace berth::load {

void read_build(Context& c, const Node& n, Service& s) {
  BuildSpec b;
  b.location = n.location;
  if (n.is_scalar()) {
    b.context = resolve_path(c, n.scalar);
  } else if (check_map(c, n, "build")) {
    check_keys(c, n, {{"context", "dockerfile", "args", "target"},
                      {"cache_from", "cache_to", "labels", "network", "shm_size", "extra_hosts",
                       "isolation", "platforms", "secrets", "ssh", "tags", "ulimits",
                       "additional_contexts", "dockerfile_inline", "no_cache", "pull",
                       "privileged", "entitlements"}},
               "build");
    b.context = resolve_path(c, n.find("context") ? as_string(c, *n.find("context"), "context").value_or(".") : ".");
    if (const Node* d = n.find("dockerfile")) b.dockerfile = as_string(c, *d, "dockerfile").value_or("");
    if (const Node* t = n.find("target")) b.target = as_string(c, *t, "target").value_or("");
    if (const Node* a = n.find("args")) {
      for (auto& [k, v] : as_map(c, *a, "build.args")) {
        if (v) b.args[k] = *v;
        else if (c.vars.count(k)) b.args[k] = c.vars.at(k);
      }
    }
  }
  s.build = b;
}

void read_flags(Context& c, const Node& svc, ContainerSpec& spec) {
  auto text = [&](const char* key, std::string& out) {
    if (const Node* n = svc.find(key)) out = as_string(c, *n, key).value_or("");
  };
  auto flag = [&](const char* key, bool& out) {
    if (const Node* n = svc.find(key)) out = as_bool(c, *n, key).value_or(false);
  };
  text("image", spec.image);
  text("user", spec.user);
  text("working_dir", spec.working_dir);
  text("hostname", spec.hostname);
  text("domainname", spec.domainname);
  text("stop_signal", spec.stop_signal);
  text("network_mode", spec.network_mode);
  text("pid", spec.pid);
  text("ipc", spec.ipc);
  text("platform", spec.platform);
  flag("privileged", spec.privileged);
  flag("read_only", spec.read_only);
  flag("tty", spec.tty);
  flag("stdin_open", spec.stdin_open);
  if (const Node* n = svc.find("init")) spec.init = as_bool(c, *n, "init");
  if (const Node* n = svc.find("stop_grace_period"))
    spec.stop_grace_period = as_duration(c, *n, "stop_grace_period").value_or(0);
  if (const Node* n = svc.find("restart")) {
    std::string r = as_string(c, *n, "restart").value_or("no");
    bool ok = r == "no" || r == "always" || r == "unless-stopped" || r == "on-failure" ||
              (r.rfind("on-failure:", 0) == 0 && parse_int(r.substr(11)));
    if (!ok)
      fail(c, n->location, fmt::format("bad restart policy '{}'", r),
           "use no, always, unless-stopped or on-failure[:N]");
    else spec.restart = r;
  }
  if (const Node* n = svc.find("mem_limit")) spec.limits.memory = as_bytes(c, *n, "mem_limit").value_or(0);
  if (const Node* n = svc.find("cpus")) spec.limits.nano_cpus = as_cpus(c, *n, "cpus").value_or(0);
  if (const Node* n = svc.find("pids_limit")) spec.limits.pids = as_int(c, *n, "pids_limit").value_or(0);
}

void read_lists(Context& c, const Node& svc, ContainerSpec& spec) {
  auto list = [&](const char* key, std::vector<std::string>& out, bool scalar_ok) {
    if (const Node* n = svc.find(key)) out = as_list(c, *n, key, scalar_ok);
  };
  list("cap_add", spec.cap_add, false);
  list("cap_drop", spec.cap_drop, false);
  list("dns", spec.dns, true);
  if (const Node* n = svc.find("expose"))
    for (const Node& i : n->is_seq() ? n->items : std::vector<Node>{})
      spec.expose.push_back(as_string(c, i, "expose").value_or(""));
  if (const Node* n = svc.find("labels"))
    for (auto& [k, v] : as_map(c, *n, "labels")) spec.labels[k] = v.value_or("");
  if (const Node* n = svc.find("sysctls"))
    for (auto& [k, v] : as_map(c, *n, "sysctls")) spec.sysctls[k] = v.value_or("");
  if (const Node* n = svc.find("extra_hosts")) {
    // Map form and the list "host:ip" / "host=ip" forms all become "host:ip".
    if (n->is_map()) {
      for (auto& [k, v] : as_map(c, *n, "extra_hosts")) spec.extra_hosts.push_back(k + ":" + v.value_or(""));
    } else {
      for (auto& e : as_list(c, *n, "extra_hosts")) {
        auto eq = e.find('=');
        spec.extra_hosts.push_back(eq == std::string::npos ? e : e.substr(0, eq) + ":" + e.substr(eq + 1));
      }
    }
  }
  if (const Node* n = svc.find("tmpfs"))
    for (auto& t : as_list(c, *n, "tmpfs", true)) {
      auto colon = t.find(':');
      spec.tmpfs[t.substr(0, colon)] = colon == std::string::npos ? "" : t.substr(colon + 1);
    }
  if (const Node* n = svc.find("logging"); n && check_map(c, *n, "logging")) {
    if (const Node* d = n->find("driver")) spec.logging_driver = as_string(c, *d, "driver").value_or("");
    if (const Node* o = n->find("options"))
      for (auto& [k, v] : as_map(c, *o, "logging.options")) spec.logging_options[k] = v.value_or("");
  }
}

void read_depends_on(Context& c, const Node& n, Service& s) {
  if (n.is_seq()) {
    for (const Node& item : n.items)
      if (auto name = as_string(c, item, "depends_on"))
        s.depends_on.push_back({*name, "service_started", true, item.location});
    return;
  }
  if (!check_map(c, n, "depends_on")) return;
  for (size_t i = 0; i < n.fields.size(); ++i) {
    const auto& [name, v] = n.fields[i];
    Dependency d{name, "service_started", true, n.key_locations[i]};
    if (v.is_map()) {
      check_keys(c, v, {{"condition", "required", "restart"}, {}}, "depends_on." + name);
      if (const Node* cond = v.find("condition")) {
        d.condition = as_string(c, *cond, "condition").value_or("");
        if (d.condition != "service_started" && d.condition != "service_healthy" &&
            d.condition != "service_completed_successfully")
          fail(c, cond->location, fmt::format("unknown condition '{}'", d.condition),
               "use service_started, service_healthy or service_completed_successfully");
      }
      if (const Node* r = v.find("required")) d.required = as_bool(c, *r, "required").value_or(true);
    }
    s.depends_on.push_back(d);
  }
}


}  // namespace berth::load
