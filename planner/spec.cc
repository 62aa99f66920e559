#include "planner/spec.h"

#include <openssl/evp.h>

#include <cctype>
#include <cstdio>

namespace berth {
namespace {

using nlohmann::json;

// Adds key only when the value is not a default, so adding a field to berth later does not
// change the hash of every existing container.
template <class T>
void put(json& j, const char* key, const T& v) {
  if constexpr (std::is_same_v<T, std::string>) {
    if (!v.empty()) j[key] = v;
  } else if constexpr (std::is_same_v<T, bool>) {
    if (v) j[key] = v;
  } else if constexpr (std::is_arithmetic_v<T>) {
    if (v != 0) j[key] = v;
  } else {
    if (!v.empty()) j[key] = v;
  }
}

json ports_json(const std::vector<PortSpec>& ports) {
  json out = json::array();
  for (const auto& p : ports) {
    json j;
    put(j, "host_ip", p.host_ip);
    put(j, "published", p.host_port);
    j["target"] = p.container_port;
    if (p.protocol != "tcp") j["protocol"] = p.protocol;
    out.push_back(j);
  }
  return out;
}

json mounts_json(const std::vector<MountSpec>& mounts) {
  json out = json::array();
  for (const auto& m : mounts) {
    json j = {{"type", m.type}, {"target", m.target}};
    put(j, "source", m.source);
    put(j, "read_only", m.read_only);
    out.push_back(j);
  }
  return out;
}

// Keyed by target. Only what reaches the container counts: the source relative to the project
// directory (never the absolute path, so a checkout elsewhere hashes the same), the content's
// digest (for secrets keyed by name: docs/files.md), the permissions and owner.
json files_json(const std::vector<FileSpec>& files) {
  json out = json::object();
  for (const auto& f : files) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(f.mode) & 07777u);
    json j = {{"kind", f.kind}, {"sha256", f.content_hash}, {"mode", mode}};
    put(j, "source", f.source);
    put(j, "name", f.name);
    put(j, "directory", f.directory);
    put(j, "read_only", f.read_only);
    put(j, "uid", f.uid);
    put(j, "gid", f.gid);
    out[f.target] = j;
  }
  return out;
}

}  // namespace

json canonical_spec(const Stack& stack, const Service& service) {
  const ContainerSpec& s = service.spec;
  json j = json::object();
  j["stack"] = stack.name;
  j["service"] = service.name;
  put(j, "image", s.image);
  if (s.command) j["command"] = *s.command;
  if (s.entrypoint) j["entrypoint"] = *s.entrypoint;
  put(j, "environment", s.environment);
  put(j, "labels", s.labels);
  put(j, "user", s.user);
  put(j, "working_dir", s.working_dir);
  put(j, "hostname", s.hostname);
  put(j, "domainname", s.domainname);
  put(j, "cap_add", s.cap_add);
  put(j, "cap_drop", s.cap_drop);
  put(j, "sysctls", s.sysctls);
  if (!s.ports.empty()) j["ports"] = ports_json(s.ports);
  put(j, "expose", s.expose);
  if (!s.mounts.empty()) j["mounts"] = mounts_json(s.mounts);
  if (!s.files.empty()) j["files"] = files_json(s.files);
  put(j, "networks", s.networks);
  put(j, "aliases", s.aliases);
  put(j, "extra_hosts", s.extra_hosts);
  put(j, "dns", s.dns);
  put(j, "tmpfs", s.tmpfs);
  if (s.healthcheck) {
    const HealthcheckSpec& h = *s.healthcheck;
    json hc = json::object();
    put(hc, "disable", h.disable);
    put(hc, "test", h.test);
    put(hc, "interval", h.interval);
    put(hc, "timeout", h.timeout);
    put(hc, "start_period", h.start_period);
    put(hc, "retries", h.retries);
    j["healthcheck"] = hc;
  }
  put(j, "stop_signal", s.stop_signal);
  put(j, "stop_grace_period", s.stop_grace_period);
  if (s.init) j["init"] = *s.init;
  put(j, "privileged", s.privileged);
  put(j, "read_only", s.read_only);
  put(j, "tty", s.tty);
  put(j, "stdin_open", s.stdin_open);
  put(j, "network_mode", s.network_mode);
  put(j, "pid", s.pid);
  put(j, "ipc", s.ipc);
  put(j, "logging_driver", s.logging_driver);
  put(j, "logging_options", s.logging_options);
  put(j, "platform", s.platform);
  // The routes decide the ports a replica publishes and the label the proxies read.
  if (!service.ingress.empty()) j["ingress"] = json::parse(ingress_routes_text(service.ingress));
  if (service.build) {
    // Not the context path: the same stack checked out elsewhere must hash the same.
    json b = json::object();
    put(b, "dockerfile", service.build->dockerfile);
    put(b, "args", service.build->args);
    put(b, "target", service.build->target);
    j["build"] = b;
  }
  return j;
}

std::string sha256_hex(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) (out += hex[digest[i] >> 4]) += hex[digest[i] & 15];
  return out;
}

std::string spec_hash(const json& canonical) { return sha256_hex(canonical.dump()); }

bool is_secret_name(const std::string& name) {
  static const char* words[] = {"PASSWORD", "PASSWD", "SECRET", "TOKEN", "KEY", "CREDENTIALS"};
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('_', start);
    if (end == std::string::npos) end = name.size();
    std::string word;
    for (size_t i = start; i < end; ++i) word += static_cast<char>(std::toupper(name[i]));
    for (const char* w : words)
      if (word == w) return true;
    start = end + 1;
  }
  return false;
}

}  // namespace berth
