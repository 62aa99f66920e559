// The proxies' containers, their configuration loads and the certificates put into them
// (engine/ingress.h, docs/ingress.md).
#include <fmt/format.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "engine/ingress.h"
#include "engine/load/tls_files.h"
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

}  // namespace berth
