#include "fake_provider.h"

#include <algorithm>

namespace berth::testing {
namespace {

bool matches(const std::map<std::string, std::string>& labels, const std::string& selector) {
  if (selector.empty()) return true;  // like the engine: no filter lists everything
  auto eq = selector.find('=');
  if (eq == std::string::npos) return labels.count(selector) > 0;
  auto it = labels.find(selector.substr(0, eq));
  return it != labels.end() && it->second == selector.substr(eq + 1);
}

}  // namespace

Error FakeProvider::unreachable() const {
  return Error{ErrorKind::kHost, {}, host_, "", "cannot connect (fake host is down)", ""};
}

void FakeProvider::record(const std::string& call) {
  calls.push_back(call);
}

ObservedContainer* FakeProvider::find(const std::string& key) {
  if (auto it = containers.find(key); it != containers.end()) return &it->second;
  for (auto& [id, c] : containers)
    if (c.name == key) return &c;
  return nullptr;
}

Result<EngineInfo> FakeProvider::info() {
  if (down) return unreachable();
  EngineInfo info;
  info.engine_version = "fake";
  info.api_version = "1.41";
  info.os = "linux";
  info.capacity = capacity_;
  return info;
}

Result<std::vector<ObservedContainer>> FakeProvider::list_containers() {
  std::lock_guard<std::mutex> g(mu_);
  if (down) return unreachable();
  std::vector<ObservedContainer> out;
  for (auto& [id, c] : containers) out.push_back(c);
  return out;
}

Result<ObservedContainer> FakeProvider::inspect_container(const std::string& id) {
  std::lock_guard<std::mutex> g(mu_);
  if (down) return unreachable();
  ObservedContainer* c = find(id);
  if (!c) return Error{ErrorKind::kHost, {}, host_, "", "no such container: " + id, ""};
  return *c;
}

Result<std::string> FakeProvider::create_container(const ContainerCreate& r) {
  std::lock_guard<std::mutex> g(mu_);
  if (down) return unreachable();
  record("create " + r.name);
  if (r.name == fail_create_of)
    return Error{ErrorKind::kHost, {}, host_, "", "create failed (injected)", ""};
  if (find(r.name)) return Error{ErrorKind::kHost, {}, host_, "", "name in use: " + r.name, ""};
  ObservedContainer c;
  c.id = "c" + std::to_string(next_id_++);
  c.name = r.name;
  c.image = r.spec.image;
  c.labels = r.labels;
  c.state = "created";
  c.limits = r.spec.limits;
  c.restart = r.spec.restart;
  c.reserved = r.reservations;
  for (const auto& p : r.spec.ports)
    if (p.host_port) c.published_ports.push_back(p.host_port);
  containers[c.id] = c;
  return c.id;
}

Status FakeProvider::start_container(const std::string& id) {
  std::lock_guard<std::mutex> g(mu_);
  if (down) return unreachable();
  ObservedContainer* c = find(id);
  if (!c) return Error{ErrorKind::kHost, {}, host_, "", "no such container", ""};
  record("start " + c->name);
  c->state = "running";
  c->health =
      c->image == unhealthy_image && (unhealthy_names.empty() || unhealthy_names.count(c->name))
          ? "unhealthy"
      : c->image == starting_image ? "starting"
                                   : "";
  return ok_status();
}

Status FakeProvider::stop_container(const std::string& id, Nanos) {
  std::lock_guard<std::mutex> g(mu_);
  if (down) return unreachable();
  ObservedContainer* c = find(id);
  if (!c) return Error{ErrorKind::kHost, {}, host_, "", "no such container", ""};
  record("stop " + c->name);
  c->state = "exited";
  return ok_status();
}

Status FakeProvider::remove_container(const std::string& id, bool) {
  std::lock_guard<std::mutex> g(mu_);
  if (down) return unreachable();
  ObservedContainer* c = find(id);
  if (!c) return Error{ErrorKind::kHost, {}, host_, "", "no such container", ""};
  record("remove " + c->name);
  containers.erase(c->id);
  return ok_status();
}

Status FakeProvider::rename_container(const std::string& id, const std::string& name) {
  std::lock_guard<std::mutex> g(mu_);
  ObservedContainer* c = find(id);
  if (!c) return Error{ErrorKind::kHost, {}, host_, "", "no such container", ""};
  record("rename " + c->name + " " + name);
  c->name = name;
  return ok_status();
}

Status FakeProvider::put_archive(const std::string& id, const std::string& dir,
                                 const std::string& tar) {
  std::lock_guard<std::mutex> g(mu_);
  if (down) return unreachable();
  ObservedContainer* c = find(id);
  if (!c) return Error{ErrorKind::kHost, {}, host_, "", "no such container", ""};
  if (c->state != "created")
    return Error{ErrorKind::kHost, {}, host_, "", "put_archive into a started container", ""};
  record("put_archive " + c->name + " " + dir);
  archives[c->name] = tar;
  archives_in[c->name + " " + dir] = tar;
  return ok_status();
}

Status FakeProvider::update_container(const std::string& id, const Resources& limits,
                                      const std::string& restart) {
  std::lock_guard<std::mutex> g(mu_);
  ObservedContainer* c = find(id);
  if (!c) return Error{ErrorKind::kHost, {}, host_, "", "no such container", ""};
  record("update " + c->name);
  c->limits = limits;
  c->restart = restart;
  return ok_status();
}

Status FakeProvider::logs(const std::string&, const LogOptions&, const LogSink& sink) {
  sink(1, "hello\n");
  return ok_status();
}

Result<ExecResult> FakeProvider::exec(const std::string&, const std::vector<std::string>&) {
  return Error{ErrorKind::kHost, {}, host_, "", "the fake engine runs no commands", ""};
}

Result<std::vector<ObservedNetwork>> FakeProvider::list_networks(const std::string& label) {
  std::lock_guard<std::mutex> g(mu_);
  if (down) return unreachable();
  std::vector<ObservedNetwork> out;
  for (auto& [n, net] : networks)
    if (matches(net.labels, label)) out.push_back(net);
  return out;
}

Result<ObservedNetwork> FakeProvider::create_network(const NetworkSpec& spec,
                                                     const std::map<std::string, std::string>& l) {
  std::lock_guard<std::mutex> g(mu_);
  if (down) return unreachable();
  record("create network " + spec.name);
  ObservedNetwork n{"n" + std::to_string(next_id_++), spec.name, l};
  networks[spec.name] = n;
  return n;
}

Status FakeProvider::remove_network(const std::string& id) {
  std::lock_guard<std::mutex> g(mu_);
  for (auto it = networks.begin(); it != networks.end(); ++it) {
    if (it->second.id == id || it->first == id) {
      record("remove network " + it->first);
      networks.erase(it);
      return ok_status();
    }
  }
  return Error{ErrorKind::kHost, {}, host_, "", "no such network", ""};
}

Result<std::vector<ObservedVolume>> FakeProvider::list_volumes(const std::string& label) {
  std::lock_guard<std::mutex> g(mu_);
  if (down) return unreachable();
  std::vector<ObservedVolume> out;
  for (auto& [n, v] : volumes)
    if (matches(v.labels, label)) out.push_back(v);
  return out;
}

Result<ObservedVolume> FakeProvider::create_volume(const VolumeSpec& spec,
                                                   const std::map<std::string, std::string>& l) {
  std::lock_guard<std::mutex> g(mu_);
  if (down) return unreachable();
  // Like the engine: an existing volume comes back with its own labels.
  if (auto it = volumes.find(spec.name); it != volumes.end()) return it->second;
  record("create volume " + spec.name);
  ObservedVolume v{spec.name, l};
  volumes[spec.name] = v;
  return v;
}

Status FakeProvider::remove_volume(const std::string& name) {
  std::lock_guard<std::mutex> g(mu_);
  if (down) return unreachable();
  if (!volumes.erase(name)) return Error{ErrorKind::kHost, {}, host_, "", "no such volume", ""};
  record("remove volume " + name);
  return ok_status();
}

Result<bool> FakeProvider::image_present(const std::string& ref) {
  std::lock_guard<std::mutex> g(mu_);
  if (down) return unreachable();
  return std::find(images.begin(), images.end(), ref) != images.end();
}

Status FakeProvider::pull_image(const std::string& ref, const ProgressFn&) {
  std::lock_guard<std::mutex> g(mu_);
  record("pull " + ref);
  return Error{ErrorKind::kHost, {}, host_, "", "pull access denied for " + ref, ""};
}

Status FakeProvider::build_image(const BuildSpec&, const std::string& tag, const ProgressFn&) {
  std::lock_guard<std::mutex> g(mu_);
  record("build " + tag);
  images.push_back(tag);
  return ok_status();
}

std::vector<std::string> FakeProvider::running() const {
  std::lock_guard<std::mutex> g(mu_);
  std::vector<std::string> out;
  for (auto& [id, c] : containers)
    if (c.state == "running") out.push_back(c.name);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace berth::testing
