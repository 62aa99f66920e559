#include "providers/docker_api.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>

#include <fmt/format.h>

namespace berth::docker {

using nlohmann::json;

namespace {

json string_map(const std::map<std::string, std::string>& m) {
  json j = json::object();
  for (auto& [k, v] : m) j[k] = v;
  return j;
}

std::string s(const json& j, const char* key) { return str(j, key); }
int64_t n(const json& j, const char* key) { return num(j, key); }

}  // namespace

const json& member(const json& j, const char* key) {
  static const json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

std::string str(const json& j, const char* key) {
  const json& v = member(j, key);
  return v.is_string() ? v.get_ref<const std::string&>() : "";
}

int64_t num(const json& j, const char* key) {
  const json& v = member(j, key);
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_float()) {
    double d = v.get<double>();
    return d > -9.2e18 && d < 9.2e18 ? static_cast<int64_t>(d) : 0;
  }
  return 0;
}

std::map<std::string, std::string> string_map(const json& j, const char* key) {
  std::map<std::string, std::string> out;
  const json& m = member(j, key);
  if (m.is_object())
    for (auto it = m.begin(); it != m.end(); ++it)
      if (it->is_string()) out[it.key()] = it->get<std::string>();
  return out;
}

json parse(const std::string& body) { return json::parse(body, nullptr, false); }

EngineInfo engine_info(const json& info) {
  EngineInfo out;
  out.engine_version = str(info, "ServerVersion");
  out.os = str(info, "OperatingSystem");
  out.id = str(info, "ID");
  out.system_time = engine_time(str(info, "SystemTime"));
  int64_t cpus = num(info, "NCPU");
  out.capacity.nano_cpus = cpus > 0 && cpus < 1'000'000 ? cpus * kNanoCpusPerCpu : 0;
  out.capacity.memory = std::max<int64_t>(0, num(info, "MemTotal"));
  return out;
}

ObservedNetwork network_from_list(const json& j) {
  return ObservedNetwork{str(j, "Id"), str(j, "Name"), string_map(j, "Labels")};
}

ObservedVolume volume_from_list(const json& j) {
  ObservedVolume v{str(j, "Name"), string_map(j, "Labels")};
  v.created_at = engine_time(str(j, "CreatedAt"));
  return v;
}

ProgressLine progress_line(const json& line) {
  ProgressLine out;
  const json& error = member(line, "error");
  const json& detail = member(line, "errorDetail");
  if (!error.is_null() || !detail.is_null()) {
    out.failed = true;
    out.text = str(line, "error");
    if (out.text.empty()) out.text = str(detail, "message");
    if (out.text.empty()) out.text = error.is_null() ? detail.dump() : error.dump();
    return out;
  }
  out.text = str(line, "stream");
  if (out.text.empty()) out.text = str(line, "status");
  while (!out.text.empty() && (out.text.back() == '\n' || out.text.back() == '\r'))
    out.text.pop_back();
  return out;
}

json restart_policy(const std::string& restart) {
  if (restart.rfind("on-failure", 0) == 0) {
    auto colon = restart.find(':');
    int max = colon == std::string::npos ? 0 : std::atoi(restart.c_str() + colon + 1);
    return {{"Name", "on-failure"}, {"MaximumRetryCount", max}};
  }
  return {{"Name", restart == "no" ? "" : restart}};
}

json container_body(const ContainerCreate& r) {
  const ContainerSpec& spec = r.spec;
  json env = json::array();
  for (auto& [k, v] : spec.environment) env.push_back(k + "=" + v);
  json body = {{"Image", spec.image}, {"Env", env}, {"Labels", string_map(r.labels)}};
  if (spec.command) body["Cmd"] = *spec.command;
  if (spec.entrypoint) body["Entrypoint"] = *spec.entrypoint;
  if (!spec.user.empty()) body["User"] = spec.user;
  if (!spec.working_dir.empty()) body["WorkingDir"] = spec.working_dir;
  if (!spec.hostname.empty()) body["Hostname"] = spec.hostname;
  if (!spec.domainname.empty()) body["Domainname"] = spec.domainname;
  if (!spec.stop_signal.empty()) body["StopSignal"] = spec.stop_signal;
  if (spec.stop_grace_period > 0) body["StopTimeout"] = spec.stop_grace_period / 1'000'000'000;
  body["Tty"] = spec.tty;
  body["OpenStdin"] = spec.stdin_open;
  json exposed = json::object(), bindings = json::object();
  for (const PortSpec& p : spec.ports) {
    std::string key = fmt::format("{}/{}", p.container_port, p.protocol);
    exposed[key] = json::object();
    json b = {{"HostIp", p.host_ip}, {"HostPort", p.host_port ? std::to_string(p.host_port) : ""}};
    bindings[key].push_back(b);
  }
  for (const std::string& e : spec.expose)
    exposed[e.find('/') == std::string::npos ? e + "/tcp" : e] = json::object();
  if (!exposed.empty()) body["ExposedPorts"] = exposed;
  if (spec.healthcheck) {
    const HealthcheckSpec& h = *spec.healthcheck;
    json hc = {{"Test", h.disable ? json::array({"NONE"}) : json(h.test)}};
    if (h.interval) hc["Interval"] = h.interval;
    if (h.timeout) hc["Timeout"] = h.timeout;
    if (h.start_period) hc["StartPeriod"] = h.start_period;
    if (h.retries) hc["Retries"] = h.retries;
    body["Healthcheck"] = hc;
  }
  json mounts = json::array();
  for (const MountSpec& m : spec.mounts) {
    json mj = {{"Type", m.type}, {"Target", m.target}, {"ReadOnly", m.read_only}};
    if (!m.source.empty()) mj["Source"] = m.source;
    mounts.push_back(mj);
  }
  json host = {{"Mounts", mounts}, {"PortBindings", bindings},
               {"RestartPolicy", restart_policy(spec.restart)}};
  if (spec.limits.nano_cpus) host["NanoCpus"] = spec.limits.nano_cpus;
  if (spec.limits.memory) host["Memory"] = spec.limits.memory;
  if (spec.limits.pids) host["PidsLimit"] = spec.limits.pids;
  Bytes reserve = r.reservations.memory;
  if (reserve && (!spec.limits.memory || reserve <= spec.limits.memory))
    host["MemoryReservation"] = reserve;
  if (!spec.cap_add.empty()) host["CapAdd"] = spec.cap_add;
  if (!spec.cap_drop.empty()) host["CapDrop"] = spec.cap_drop;
  if (!spec.sysctls.empty()) host["Sysctls"] = string_map(spec.sysctls);
  if (!spec.extra_hosts.empty()) host["ExtraHosts"] = spec.extra_hosts;
  if (!spec.dns.empty()) host["Dns"] = spec.dns;
  if (!spec.tmpfs.empty()) host["Tmpfs"] = string_map(spec.tmpfs);
  if (spec.init) host["Init"] = *spec.init;
  host["Privileged"] = spec.privileged;
  host["ReadonlyRootfs"] = spec.read_only;
  if (!spec.pid.empty()) host["PidMode"] = spec.pid;
  if (!spec.ipc.empty()) host["IpcMode"] = spec.ipc;
  if (!spec.logging_driver.empty())
    host["LogConfig"] = {{"Type", spec.logging_driver}, {"Config", string_map(spec.logging_options)}};
  if (!spec.network_mode.empty()) {
    host["NetworkMode"] = spec.network_mode;
  } else if (!r.networks.empty()) {
    host["NetworkMode"] = r.networks.front().network;
    body["NetworkingConfig"] = {
        {"EndpointsConfig", {{r.networks.front().network, {{"Aliases", r.networks.front().aliases}}}}}};
  }
  body["HostConfig"] = host;
  return body;
}

ObservedContainer container_from_list(const json& j) {
  ObservedContainer c;
  c.id = s(j, "Id");
  const json& names = member(j, "Names");
  if (names.is_array() && !names.empty() && names[0].is_string()) {
    c.name = names[0].get<std::string>();
    if (!c.name.empty() && c.name[0] == '/') c.name.erase(0, 1);
  }
  c.image = s(j, "Image");
  c.labels = string_map(j, "Labels");
  c.state = s(j, "State");
  std::string status = s(j, "Status");
  if (status.find("(healthy)") != std::string::npos) c.health = "healthy";
  else if (status.find("(unhealthy)") != std::string::npos) c.health = "unhealthy";
  else if (status.find("(health: starting)") != std::string::npos) c.health = "starting";
  const json& ports = member(j, "Ports");
  if (ports.is_array())
    for (const auto& p : ports)
      if (int64_t port = n(p, "PublicPort"); port > 0 && port < 65536)
        c.published_ports.push_back(static_cast<int>(port));
  return c;
}

ObservedContainer container_from_inspect(const json& j) {
  ObservedContainer c;
  c.id = s(j, "Id");
  c.name = s(j, "Name");
  if (!c.name.empty() && c.name[0] == '/') c.name.erase(0, 1);
  const json& config = member(j, "Config");
  c.image = s(config, "Image");
  c.labels = string_map(config, "Labels");
  const json& state = member(j, "State");
  c.state = s(state, "Status");
  c.exit_code = static_cast<int>(n(state, "ExitCode"));
  c.health = s(member(state, "Health"), "Status");
  c.restart_count = static_cast<int>(n(j, "RestartCount"));
  const json& log = member(member(state, "Health"), "Log");
  if (log.is_array() && !log.empty()) {
    c.health_output = s(log.back(), "Output");
    while (!c.health_output.empty() && std::isspace(static_cast<unsigned char>(c.health_output.back())))
      c.health_output.pop_back();
    if (c.health_output.size() > 2000) c.health_output = c.health_output.substr(0, 2000) + "...";
  }
  const json& host = member(j, "HostConfig");
  c.limits.nano_cpus = n(host, "NanoCpus");
  if (!c.limits.nano_cpus && n(host, "CpuPeriod") > 0 && n(host, "CpuQuota") > 0 &&
      n(host, "CpuQuota") < 1'000'000'000'000)
    c.limits.nano_cpus = n(host, "CpuQuota") * 1'000'000'000 / n(host, "CpuPeriod");
  c.limits.memory = n(host, "Memory");
  c.limits.pids = std::max<int64_t>(0, n(host, "PidsLimit"));
  const json& policy = member(host, "RestartPolicy");
  std::string name = s(policy, "Name");
  c.restart = name.empty() ? "no" : name;
  if (name == "on-failure" && n(policy, "MaximumRetryCount") > 0)
    c.restart = fmt::format("on-failure:{}", n(policy, "MaximumRetryCount"));
  auto reserve = c.labels.find(labels::kReserve);
  json r = reserve == c.labels.end() ? json() : json::parse(reserve->second, nullptr, false);
  if (r.is_object()) {
    c.reserved = {n(r, "nano_cpus"), n(r, "memory"), 0};
  } else {
    Bytes mem = n(host, "MemoryReservation");
    c.reserved = {c.limits.nano_cpus, mem ? mem : c.limits.memory, 0};
  }
  const json& ports = member(member(j, "NetworkSettings"), "Ports");
  if (ports.is_object())
    for (auto it = ports.begin(); it != ports.end(); ++it)
      if (it->is_array())
      for (const auto& b : *it)
        if (int p = std::atoi(s(b, "HostPort").c_str()); p > 0) c.published_ports.push_back(p);
  std::sort(c.published_ports.begin(), c.published_ports.end());
  c.published_ports.erase(std::unique(c.published_ports.begin(), c.published_ports.end()),
                          c.published_ports.end());
  return c;
}

std::string error_message(const std::string& body) {
  auto j = json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("message") && j["message"].is_string())
    return j["message"].get<std::string>();
  std::string text = body;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text.empty() ? "no details" : text;
}

void LogDemuxer::feed(std::string_view data) {
  pending_.append(data);
  while (pending_.size() >= 8) {
    unsigned char stream = static_cast<unsigned char>(pending_[0]);
    if (stream > 2 || pending_[1] || pending_[2] || pending_[3]) {
      // Not a multiplexed stream (TTY container): raw output.
      sink_(1, pending_);
      pending_.clear();
      return;
    }
    uint32_t size = (uint32_t(uint8_t(pending_[4])) << 24) | (uint32_t(uint8_t(pending_[5])) << 16) |
                    (uint32_t(uint8_t(pending_[6])) << 8) | uint32_t(uint8_t(pending_[7]));
    if (pending_.size() < 8 + size) return;
    sink_(stream == 2 ? 2 : 1, pending_.substr(8, size));
    pending_.erase(0, 8 + size);
  }
}

std::pair<std::string, std::string> split_image(const std::string& ref) {
  auto at = ref.find('@');
  if (at != std::string::npos) return {ref.substr(0, at), ref.substr(at + 1)};
  auto slash = ref.rfind('/');
  auto colon = ref.rfind(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash))
    return {ref.substr(0, colon), ref.substr(colon + 1)};
  return {ref, "latest"};
}

std::string url_encode(const std::string& in) {
  std::string out;
  for (unsigned char ch : in) {
    if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') out += ch;
    else out += fmt::format("%{:02X}", ch);
  }
  return out;
}

int64_t engine_time(const std::string& text) {
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!end) return 0;
  int64_t t = timegm(&tm);
  // Skip fractional seconds, then apply a numeric offset ("+01:00"); "Z" is UTC.
  while (*end == '.' || (*end >= '0' && *end <= '9')) ++end;
  int hh = 0, mm = 0;
  if ((*end == '+' || *end == '-') && std::sscanf(end + 1, "%d:%d", &hh, &mm) == 2)
    t -= (*end == '+' ? 1 : -1) * (hh * 3600 + mm * 60);
  return t;
}

}  // namespace berth::docker
