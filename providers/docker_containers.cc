// Containers, networks and volumes over the Engine API.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "providers/docker_api.h"
#include "providers/docker_provider.h"

namespace berth {

using nlohmann::json;

namespace {

Error bad_json(const std::string& host, const std::string& what) {
  return Error{
      ErrorKind::kHost, {}, host, "", "the engine sent an unreadable answer to " + what, ""};
}

std::string label_filter(const std::string& label) {
  return docker::url_encode(json({{"label", {label}}}).dump());
}

}  // namespace

Result<std::vector<ObservedContainer>> DockerProvider::list_containers() {
  auto r = call({"GET", "/containers/json?all=1", "", "", {}});
  if (!r.ok()) return r.error();
  json j = json::parse(r->body, nullptr, false);
  if (!j.is_array()) return bad_json(host_, "the container list");
  std::vector<ObservedContainer> out;
  for (const auto& c : j) out.push_back(docker::container_from_list(c));
  return out;
}

Result<ObservedContainer> DockerProvider::inspect_container(const std::string& id) {
  auto r = call({"GET", "/containers/" + docker::url_encode(id) + "/json", "", "", {}});
  if (!r.ok()) return r.error();
  json j = json::parse(r->body, nullptr, false);
  if (!j.is_object()) return bad_json(host_, "inspect");
  return docker::container_from_inspect(j);
}

Result<std::string> DockerProvider::create_container(const ContainerCreate& req) {
  auto r = call({"POST",
                 "/containers/create?name=" + docker::url_encode(req.name),
                 docker::container_body(req).dump(),
                 "application/json",
                 {}});
  if (!r.ok()) {
    Error e = r.error();
    e.message = fmt::format("cannot create {}: {}", req.name, e.message);
    return e;
  }
  std::string id = docker::str(docker::parse(r->body), "Id");
  if (id.empty()) return bad_json(host_, "create " + req.name);
  // The engine takes one network at create; the others are connected before start.
  for (size_t i = 1; i < req.networks.size() && req.spec.network_mode.empty(); ++i) {
    json body = {{"Container", id}, {"EndpointConfig", {{"Aliases", req.networks[i].aliases}}}};
    auto c = call({"POST",
                   "/networks/" + docker::url_encode(req.networks[i].network) + "/connect",
                   body.dump(),
                   "application/json",
                   {}});
    if (!c.ok()) {
      (void)call({"DELETE", "/containers/" + id + "?force=1", "", "", {}});
      return c.error();
    }
  }
  return id;
}

Status DockerProvider::start_container(const std::string& id) {
  auto r = call({"POST", "/containers/" + id + "/start", "", "", {}}, {304});
  if (!r.ok()) return r.error();
  return ok_status();
}

Status DockerProvider::stop_container(const std::string& id, Nanos timeout) {
  http::Request req{
      "POST", fmt::format("/containers/{}/stop?t={}", id, timeout / 1'000'000'000), "", "", {}};
  // The engine answers after the grace period at most: wait that long on top.
  req.timeout = timeout_ + std::chrono::milliseconds(std::max<Nanos>(0, timeout) / 1'000'000);
  auto r = call(std::move(req), {304});
  if (!r.ok()) return r.error();
  return ok_status();
}

Status DockerProvider::remove_container(const std::string& id, bool volumes) {
  auto r =
      call({"DELETE", fmt::format("/containers/{}?force=1&v={}", id, volumes ? 1 : 0), "", "", {}},
           {404});
  if (!r.ok()) return r.error();
  return ok_status();
}

Status DockerProvider::rename_container(const std::string& id, const std::string& name) {
  auto r = call({"POST",
                 fmt::format("/containers/{}/rename?name={}", id, docker::url_encode(name)),
                 "",
                 "",
                 {}});
  if (!r.ok()) return r.error();
  return ok_status();
}

Status DockerProvider::put_archive(const std::string& id, const std::string& dir,
                                   const std::string& tar) {
  http::Request req{"PUT",
                    fmt::format("/containers/{}/archive?path={}", id, docker::url_encode(dir)),
                    tar,
                    "application/x-tar",
                    {}};
  // Sending is one timed step: allow for a slow link, at least 1 MB/s on top.
  req.timeout = timeout_ + std::chrono::milliseconds(tar.size() / 1000);
  auto r = call(std::move(req));
  if (!r.ok()) return r.error();
  return ok_status();
}

Status DockerProvider::update_container(const std::string& id, const Resources& limits,
                                        const std::string& restart) {
  json body = {{"NanoCpus", limits.nano_cpus},
               {"Memory", limits.memory},
               {"PidsLimit", limits.pids},
               {"RestartPolicy", docker::restart_policy(restart)}};
  if (limits.memory) body["MemorySwap"] = -1;
  auto r = call({"POST", "/containers/" + id + "/update", body.dump(), "application/json", {}});
  if (!r.ok()) return r.error();
  return ok_status();
}

Status DockerProvider::logs(const std::string& id, const LogOptions& o, const LogSink& sink) {
  docker::LogDemuxer demux(sink);
  http::ChunkFn feed = [&](std::string_view chunk) {
    demux.feed(chunk);
    return true;
  };
  auto r =
      call({"GET",
            fmt::format("/containers/{}/logs?stdout=1&stderr=1&follow={}&tail={}"
                        "&timestamps={}",
                        id, o.follow ? 1 : 0, docker::url_encode(o.tail), o.timestamps ? 1 : 0),
            "",
            "",
            {}},
           {}, &feed, /*untimed=*/o.follow);
  if (!r.ok()) return r.error();
  return ok_status();
}

Result<ExecResult> DockerProvider::exec(const std::string& id,
                                        const std::vector<std::string>& argv) {
  json body = {{"Cmd", argv}, {"AttachStdout", true}, {"AttachStderr", true}};
  auto created = call({"POST", "/containers/" + id + "/exec", body.dump(), "application/json", {}});
  if (!created.ok()) return created.error();
  std::string exec_id = docker::str(docker::parse(created->body), "Id");
  if (exec_id.empty()) return bad_json(host_, "exec in " + id);
  ExecResult out;
  docker::LogDemuxer demux([&](int, const std::string& text) { out.output += text; });
  http::ChunkFn feed = [&](std::string_view chunk) {
    demux.feed(chunk);
    return true;
  };
  // The engine answers with the command's multiplexed output until it ends, then closes.
  json start = {{"Detach", false}, {"Tty", false}};
  auto ran = call({"POST", "/exec/" + exec_id + "/start", start.dump(), "application/json", {}}, {},
                  &feed);
  if (!ran.ok()) return ran.error();
  auto state = call({"GET", "/exec/" + exec_id + "/json", "", "", {}});
  if (!state.ok()) return state.error();
  json j = docker::parse(state->body);
  out.exit_code = docker::member(j, "Running").is_boolean() && j["Running"].get<bool>()
                      ? -1
                      : static_cast<int>(docker::num(j, "ExitCode"));
  return out;
}

Result<std::vector<ObservedNetwork>> DockerProvider::list_networks(const std::string& label) {
  std::string query = label.empty() ? "" : "?filters=" + label_filter(label);
  auto r = call({"GET", "/networks" + query, "", "", {}});
  if (!r.ok()) return r.error();
  json j = json::parse(r->body, nullptr, false);
  if (!j.is_array()) return bad_json(host_, "the network list");
  std::vector<ObservedNetwork> out;
  for (const auto& n : j) out.push_back(docker::network_from_list(n));
  return out;
}

Result<ObservedNetwork> DockerProvider::create_network(
    const NetworkSpec& spec, const std::map<std::string, std::string>& labels) {
  json body = {
      {"Name", spec.name},         {"CheckDuplicate", true},        {"Labels", labels},
      {"Internal", spec.internal}, {"Attachable", spec.attachable}, {"Options", spec.driver_opts}};
  if (!spec.driver.empty()) body["Driver"] = spec.driver;
  auto r = call({"POST", "/networks/create", body.dump(), "application/json", {}});
  if (!r.ok()) return r.error();
  std::string id = docker::str(docker::parse(r->body), "Id");
  if (id.empty()) return bad_json(host_, "create network " + spec.name);
  return ObservedNetwork{id, spec.name, labels};
}

Status DockerProvider::remove_network(const std::string& id) {
  auto r = call({"DELETE", "/networks/" + docker::url_encode(id), "", "", {}}, {404});
  if (!r.ok()) return r.error();
  return ok_status();
}

Result<std::vector<ObservedVolume>> DockerProvider::list_volumes(const std::string& label) {
  std::string query = label.empty() ? "" : "?filters=" + label_filter(label);
  auto r = call({"GET", "/volumes" + query, "", "", {}});
  if (!r.ok()) return r.error();
  json j = json::parse(r->body, nullptr, false);
  if (!j.is_object()) return bad_json(host_, "the volume list");
  std::vector<ObservedVolume> out;
  const json& volumes = docker::member(j, "Volumes");  // null when there are none
  if (volumes.is_array())
    for (const auto& v : volumes) out.push_back(docker::volume_from_list(v));
  return out;
}

Result<ObservedVolume> DockerProvider::create_volume(
    const VolumeSpec& spec, const std::map<std::string, std::string>& labels) {
  json body = {{"Name", spec.name}, {"Labels", labels}, {"DriverOpts", spec.driver_opts}};
  if (!spec.driver.empty()) body["Driver"] = spec.driver;
  auto r = call({"POST", "/volumes/create", body.dump(), "application/json", {}});
  if (!r.ok()) return r.error();
  json v = docker::parse(r->body);
  if (!v.is_object()) return bad_json(host_, "create volume " + spec.name);
  // An existing volume comes back with ITS labels: the caller checks them.
  return ObservedVolume{spec.name, docker::string_map(v, "Labels")};
}

Status DockerProvider::remove_volume(const std::string& name) {
  auto r = call({"DELETE", "/volumes/" + docker::url_encode(name), "", "", {}}, {404});
  if (!r.ok()) return r.error();
  return ok_status();
}

}  // namespace berth
