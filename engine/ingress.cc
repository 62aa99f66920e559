// The ingress proxies during one apply (engine/ingress.h, docs/ingress.md).
#include "engine/ingress.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <thread>

#include "engine/load/tls_files.h"
#include "engine/parallel.h"
#include "planner/ingress_plan.h"

namespace berth {
namespace {

constexpr const char* kNextConfigPath = "/etc/berth/caddy.next.json";

Error proxy_error(const std::string& host, const std::string& what) {
  return Error{ErrorKind::kHost,
               {},
               host,
               "",
               "ingress proxy: " + what,
               "see `docker logs " + std::string(kProxyContainer) + "` on that host"};
}

std::string archive_of(const std::string& name, const std::string& config) {
  TarEntry e;
  e.name = name;
  e.data = config;
  e.mode = 0644;
  return tar_archive({e});
}

}  // namespace

std::map<std::string, ProxyUpstream> read_proxy_upstreams(Provider& p, const std::string& id) {
  std::map<std::string, ProxyUpstream> out;
  auto got = p.exec(id, {"wget", "-qO-", "http://localhost:2019/reverse_proxy/upstreams"});
  if (!got.ok() || got->exit_code != 0) return out;
  auto list = nlohmann::json::parse(got->output, nullptr, false);
  if (!list.is_array()) return out;
  for (const auto& u : list) {
    if (!u.is_object() || !u.contains("address") || !u["address"].is_string()) continue;
    ProxyUpstream& v = out[u["address"].get<std::string>()];
    if (u.contains("num_requests") && u["num_requests"].is_number_integer())
      v.requests = u["num_requests"].get<int64_t>();
    if (u.contains("fails") && u["fails"].is_number_integer()) v.fails = u["fails"].get<int64_t>();
  }
  return out;
}

ContainerCreate proxy_container(const IngressSettings& settings) {
  ContainerCreate req;
  req.name = kProxyContainer;
  req.spec.image = settings.image;
  req.spec.command = std::vector<std::string>{"caddy", "run", "--config", kProxyConfigPath};
  PortSpec http;
  http.host_port = settings.http_port;
  http.container_port = 80;
  PortSpec https = http;
  https.host_port = settings.https_port;
  https.container_port = 443;
  req.spec.ports = {http, https};
  MountSpec data;
  data.source = kProxyDataVolume;
  data.target = kProxyDataPath;
  req.spec.mounts = {data};
  req.spec.restart = "unless-stopped";
  req.spec.extra_hosts = {std::string(kProxyOwnHost) + ":host-gateway"};
  // Each reload opens new listening sockets and closes the old ones; without this the kernel
  // resets connections still queued on an old one, which no client retries (docs/ingress.md).
  req.spec.sysctls = {{"net.ipv4.tcp_migrate_req", "1"}};
  req.labels = {{kProxyLabel, "1"}, {labels::kSpecHash, proxy_spec_key(settings)}};
  return req;
}

IngressRouter::IngressRouter(const Stack& stack, const Plan& plan, Fleet& fleet, int max_parallel)
    : stack_(stack), plan_(plan), fleet_(fleet), max_parallel_(max_parallel) {
  upstreams_ = plan.ingress.before;
  if (const char* f = std::getenv("BERTH_INGRESS_FAULT")) {
    std::string fault = f;
    if (fault == "no-drain") fault_ = IngressFault::kNoDrain;
    if (fault == "stop-before-switch") fault_ = IngressFault::kStopBeforeSwitch;
  }
  for (const ProxyChange& c : plan.ingress.proxies)
    proxies_.push_back({c.host, c.container_id, c.running_config, c.certificates});
}

Status IngressRouter::read_tls() {
  for (const IngressRoute& r : delivered_tls(stack_)) {
    auto files = load::read_tls_files(r, stack_.project_dir);
    Error e{
        ErrorKind::kInput, r.location, "", "", "", "run `berth plan` again, then apply that plan"};
    if (!files.ok()) {
      e.message = "cannot deliver the certificate of ingress route " + r.host + ": " +
                  files.error().message;
      return e;
    }
    if (files->digest != r.tls_digest) {
      e.message = fmt::format(
          "the certificate or key of ingress route {} ({}, {}) changed since "
          "the plan was made",
          r.host, r.tls_cert, r.tls_key);
      return e;
    }
    tls_files_.push_back({tls_certificate_file(r.tls_digest), TarEntry::Type::kFile, 0644, 0, 0,
                          files->certificate, 0});
    tls_files_.push_back(
        {tls_key_file(r.tls_digest), TarEntry::Type::kFile, 0600, 0, 0, files->key, 0});
  }
  return ok_status();
}

Status IngressRouter::deliver_tls(const Proxy& proxy) {
  std::vector<TarEntry> entries = tls_files_;
  const AcmeSettings& acme = plan_.ingress.settings.acme;
  if (acme.host == proxy.host && !acme.ca_root_pem.empty())
    entries.push_back(
        {acme_root_file(acme.ca_root_pem), TarEntry::Type::kFile, 0644, 0, 0, acme.ca_root_pem, 0});
  if (entries.empty()) return ok_status();
  Provider& p = *fleet_.providers[fleet_.index_of(proxy.host)];
  return p.put_archive(proxy.id, kProxyDataPath, tar_archive(entries));
}

std::string IngressRouter::config_for(const Proxy& proxy) const {
  const std::string& host = proxy.host;
  std::vector<std::string> draining;
  for (const ProxyRoute& r : proxy_routes(draining_, host))
    draining.insert(draining.end(), r.upstreams.begin(), r.upstreams.end());
  std::sort(draining.begin(), draining.end());
  draining.erase(std::unique(draining.begin(), draining.end()), draining.end());
  return proxy_config(upstreams_, host, plan_.ingress.settings, proxy.certificates, draining);
}

Status IngressRouter::create_proxy(Proxy& proxy, const std::string& replaces) {
  Provider& p = *fleet_.providers[fleet_.index_of(proxy.host)];
  const IngressSettings& settings = plan_.ingress.settings;
  auto present = p.image_present(settings.image);
  if (!present.ok()) return present.error();
  if (!*present)
    if (Status st = p.pull_image(settings.image, [](const std::string&) {}); !st.ok()) return st;
  if (!replaces.empty()) {
    (void)p.stop_container(replaces, 10'000'000'000);
    if (Status st = p.remove_container(replaces, true); !st.ok()) return st;
  }
  auto id = p.create_container(proxy_container(settings));
  if (!id.ok()) return id.error();
  proxy.id = *id;
  if (Status st = deliver_tls(proxy); !st.ok()) return st;
  std::string config = config_for(proxy);
  if (Status st = p.put_archive(proxy.id, "/etc/berth", archive_of("caddy.json", config)); !st.ok())
    return st;
  if (Status st = p.start_container(proxy.id); !st.ok()) return st;
  proxy.loaded = config;
  return ok_status();
}

std::vector<Error> IngressRouter::prepare(
    const std::function<void(const std::string&, const std::string&)>& done) {
  std::lock_guard<std::mutex> guard(mu_);
  if (Status st = read_tls(); !st.ok()) {
    for (Proxy& proxy : proxies_) proxy.id.clear();
    return {st.error()};
  }
  std::vector<Error> errors(proxies_.size());
  (void)parallel_for(proxies_.size(), max_parallel_, [&](size_t k) {
    Proxy& proxy = proxies_[k];
    const ProxyChange& change = plan_.ingress.proxies[k];
    Status st = ok_status();
    if (!change.action.empty()) {
      st = create_proxy(proxy, change.action == "recreate" ? change.container_id : "");
      if (st.ok())
        done(proxy.host,
             fmt::format("{} ingress proxy {}", change.action == "create" ? "created" : "replaced",
                         kProxyContainer));
    } else {
      st = deliver_tls(proxy);
      if (st.ok()) st = load(proxy, config_for(proxy));
    }
    if (!st.ok()) {
      errors[k] = st.error();
      if (errors[k].host.empty()) errors[k].host = proxy.host;
      proxy.id.clear();  // left out from now on
    }
  });
  std::vector<Error> out;
  for (Error& e : errors)
    if (!e.message.empty()) out.push_back(std::move(e));
  return out;
}

Status IngressRouter::load(Proxy& proxy, const std::string& config) {
  if (proxy.id.empty() || proxy.loaded == config) return ok_status();
  Provider& p = *fleet_.providers[fleet_.index_of(proxy.host)];
  if (Status st = p.put_archive(proxy.id, "/etc/berth", archive_of("caddy.next.json", config));
      !st.ok())
    return st;
  // A proxy just started may not listen on its admin endpoint yet: a few tries, 5 s at most.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (;;) {
    auto r = p.exec(proxy.id, {"caddy", "reload", "--config", kNextConfigPath, "--address",
                               "localhost:2019", "--force"});
    if (!r.ok()) return r.error();
    if (r->exit_code == 0) break;
    if (std::chrono::steady_clock::now() > deadline) {
      std::string out = r->output;
      while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
      return proxy_error(proxy.host, "could not load its configuration: " +
                                         out.substr(out.size() > 300 ? out.size() - 300 : 0));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // The file the plan reads back is replaced only once Caddy runs what it says.
  auto mv = p.exec(proxy.id, {"mv", kNextConfigPath, kProxyConfigPath});
  if (!mv.ok()) return mv.error();
  proxy.loaded = config;
  return ok_status();
}

Upstream IngressRouter::current(const std::string& container_id) const {
  for (const Upstream& u : plan_.ingress.before)
    if (u.container_id == container_id) return u;
  return {};
}

Upstream IngressRouter::planned(const Service& s, const Change& c) const {
  if (c.ingress_ports.empty()) return {};
  return planned_upstream(stack_, s, c, fleet_.inventory);
}

Status IngressRouter::route(const std::vector<Upstream>& arriving,
                            const std::vector<std::string>& leaving) {
  if (!active()) return ok_status();
  std::lock_guard<std::mutex> guard(mu_);
  std::set<std::string> gone(leaving.begin(), leaving.end());
  for (const Upstream& u : arriving) gone.insert(u.key());  // never twice
  for (const Upstream& u : upstreams_)
    if (gone.count(u.key()) && std::find(leaving.begin(), leaving.end(), u.key()) != leaving.end())
      draining_.push_back(u);
  std::erase_if(upstreams_, [&](const Upstream& u) { return gone.count(u.key()) > 0; });
  // One coming back (a rollback) is no longer draining.
  std::erase_if(draining_, [&](const Upstream& d) {
    return std::any_of(arriving.begin(), arriving.end(),
                       [&](const Upstream& a) { return a.key() == d.key(); });
  });
  for (const Upstream& u : arriving)
    if (!u.bindings.empty()) upstreams_.push_back(u);
  return load_all();
}

Status IngressRouter::load_all() {
  std::vector<Status> results(proxies_.size(), ok_status());
  (void)parallel_for(proxies_.size(), max_parallel_,
                     [&](size_t k) { results[k] = load(proxies_[k], config_for(proxies_[k])); });
  for (size_t k = 0; k < results.size(); ++k) {
    if (results[k].ok()) continue;
    Error e = results[k].error();
    if (e.host.empty()) e.host = proxies_[k].host;
    return e;
  }
  return ok_status();
}

Status IngressRouter::finish() {
  if (!active()) return ok_status();
  std::lock_guard<std::mutex> guard(mu_);
  return load_all();
}

int64_t IngressRouter::drain(const Upstream& u) {
  if (!active() || u.bindings.empty() || fault_ == IngressFault::kNoDrain) return 0;
  int64_t bound_ms = 0;
  for (const IngressBinding& b : u.bindings) bound_ms = std::max(bound_ms, b.route.drain_ms);
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + std::chrono::milliseconds(bound_ms);
  // Quiet for a while on every proxy, not just once: for a moment after a load, the old
  // configuration may still take a request on a keep-alive connection it had open.
  const auto settle = std::chrono::milliseconds(500);
  std::optional<std::chrono::steady_clock::time_point> quiet_since;
  for (;;) {
    std::vector<int64_t> busy(proxies_.size(), 0);
    (void)parallel_for(proxies_.size(), max_parallel_, [&](size_t k) {
      const Proxy& proxy = proxies_[k];
      if (proxy.id.empty()) return;
      std::set<std::string> dials;
      for (const ProxyRoute& r : proxy_routes({u}, proxy.host))
        dials.insert(r.upstreams.begin(), r.upstreams.end());
      // A proxy that cannot say is not waited for: it was switched already.
      auto view = read_proxy_upstreams(*fleet_.providers[fleet_.index_of(proxy.host)], proxy.id);
      for (const std::string& d : dials)
        if (auto it = view.find(d); it != view.end()) busy[k] += it->second.requests;
    });
    const auto now = std::chrono::steady_clock::now();
    if (std::all_of(busy.begin(), busy.end(), [](int64_t n) { return n == 0; })) {
      if (!quiet_since) quiet_since = now;
      if (now - *quiet_since >= settle) break;
    } else {
      quiet_since.reset();
    }
    if (now >= deadline) break;
    // Each look is an exec in every proxy (a runc start on its host): four a second is enough.
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  {
    std::lock_guard<std::mutex> guard(mu_);
    std::erase_if(draining_, [&](const Upstream& d) { return d.key() == u.key(); });
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start)
      .count();
}

}  // namespace berth
