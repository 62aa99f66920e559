// The ingress proxies during one apply: routing and draining (engine/ingress.h,
// docs/ingress.md); their containers and loads are in ingress_proxy.cc.
#include "engine/ingress.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <set>
#include <thread>

#include "engine/parallel.h"
#include "planner/ingress_plan.h"

namespace berth {

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

std::string IngressRouter::config_for(const Proxy& proxy) const {
  const std::string& host = proxy.host;
  std::vector<std::string> draining;
  for (const ProxyRoute& r : proxy_routes(draining_, host))
    draining.insert(draining.end(), r.upstreams.begin(), r.upstreams.end());
  std::sort(draining.begin(), draining.end());
  draining.erase(std::unique(draining.begin(), draining.end()), draining.end());
  return proxy_config(upstreams_, host, plan_.ingress.settings, proxy.certificates, draining);
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
