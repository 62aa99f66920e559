// The ingress proxies during one apply (docs/ingress.md).
//
// The plan says which hosts run a proxy and what runs behind it now (Plan::ingress). The
// router creates or replaces the proxies the plan names, then keeps every proxy's
// configuration equal to caddy_config() of the upstreams as the rollout changes them: each
// change is one load per proxy host, all hosts in parallel, and only where the bytes differ.
// The admin endpoint is reached through the Engine API only (exec in the proxy's container).
// Thread-safe: services roll in parallel and each calls route() when its batch is confirmed.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/fleet.h"
#include "planner/plan.h"
#include "providers/tar.h"

namespace berth {

enum class IngressFault { kNone, kNoDrain, kStopBeforeSwitch };

class IngressRouter {
 public:
  IngressRouter(const Stack& stack, const Plan& plan, Fleet& fleet, int max_parallel);
  bool active() const { return !proxies_.empty(); }

  // Creates or replaces the proxies the plan names (pulling the image where it is missing),
  // each loaded with what runs now. One error per host that failed; those hosts are left out
  // of every later load.
  std::vector<Error> prepare(
      const std::function<void(const std::string&, const std::string&)>& done);

  // The upstream of a replica the plan replaces or removes (by container id), and of the
  // replica a change starts; nullopt-like empty key when the service has no ingress.
  Upstream current(const std::string& container_id) const;
  Upstream planned(const Service& s, const Change& c) const;

  // `arriving` start receiving requests and `leaving` (Upstream::key) stop, on every proxy
  // at once. An error names the first proxy host that did not load; the others may have.
  Status route(const std::vector<Upstream>& arriving, const std::vector<std::string>& leaving);

  // Waits until no proxy has had a request in flight to `u` for 0.5 s (they were switched away
  // from it), at most its routes' drain; then it may stop. Returns the time it waited, in ms.
  int64_t drain(const Upstream& u);

  // Loads every proxy whose configuration still holds replicas drained since (the last step of
  // an apply), so that it runs exactly what the plan renders.
  Status finish();

  // BERTH_INGRESS_FAULT, for the negative controls of tests/integration/ingress_test.cc only:
  // "no-drain" stops replicas with requests in flight, "stop-before-switch" stops the old
  // replicas of a batch before the proxies leave them. Both drop requests, by design.
  IngressFault fault() const { return fault_; }

 private:
  struct Proxy {
    std::string host, id;
    std::string loaded;                     // the configuration it runs
    std::vector<std::string> certificates;  // `tls: files` digests it holds (ProxyChange)
  };
  // This stack's certificate files, read again and checked against the plan's digests.
  Status read_tls();
  // Puts them (and the ACME host's CA root) into the proxy's data volume.
  Status deliver_tls(const Proxy& proxy);
  Status load(Proxy& proxy, const std::string& config);
  // Every proxy loads what config_for() renders for it now, in parallel; the first failure,
  // with its host. Called with mu_ held.
  Status load_all();
  std::string config_for(const Proxy& proxy) const;
  Status create_proxy(Proxy& proxy, const std::string& replaces);

  const Stack& stack_;
  const Plan& plan_;
  Fleet& fleet_;
  int max_parallel_;
  std::vector<Proxy> proxies_;
  std::vector<Upstream> upstreams_;  // what the proxies send to now
  std::vector<Upstream> draining_;   // switched away from, requests in flight still counted
  std::vector<TarEntry> tls_files_;  // read_tls(): below kProxyDataPath
  std::mutex mu_;                    // one route() at a time
  IngressFault fault_ = IngressFault::kNone;
};

// What one proxy's admin endpoint says of each upstream it knows (reverse_proxy/upstreams),
// by dial address; empty when it could not be asked.
struct ProxyUpstream {
  int64_t requests = 0;  // in flight now
  int64_t fails = 0;     // failed requests it still counts (passive health)
};
std::map<std::string, ProxyUpstream> read_proxy_upstreams(Provider& p, const std::string& proxy_id);

// The ingress proxy's container (planner/ingress.h, kProxyContainer): the inventory's image,
// its ports published, caddy run on kProxyConfigPath, the host's gateway as kProxyOwnHost.
ContainerCreate proxy_container(const IngressSettings& settings);

}  // namespace berth
