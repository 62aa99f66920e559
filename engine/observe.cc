#include "engine/observe.h"

#include "engine/parallel.h"
#include "planner/ingress_plan.h"

namespace berth {

namespace {

// Inspects what the plan needs in detail: this stack's containers, and every up container
// (its reservations count as used). Anything but "no such container" fails the host: a
// container berth could not read is never treated as absent.
Status inspect_containers(const std::string& stack, Provider& provider, ObservedHost& out,
                          std::vector<ObservedContainer> listed) {
  for (ObservedContainer& c : listed) {
    if (c.owned_by(stack) || counts_as_running(c)) {
      auto detail = provider.inspect_container(c.id);
      if (!detail.ok() && detail.error().kind == ErrorKind::kNotFound) continue;  // gone since
      if (!detail.ok()) return detail.error();
      c = std::move(detail).value();
    }
    out.containers.push_back(std::move(c));
  }
  return ok_status();
}

// This stack's networks and volumes, and the names of the others.
Status list_infra(const std::string& stack, Provider& provider, ObservedHost& out) {
  auto networks = provider.list_networks("");
  if (!networks.ok()) return networks.error();
  for (ObservedNetwork& n : *networks) {
    auto it = n.labels.find(labels::kStack);
    if (it != n.labels.end() && it->second == stack)
      out.networks.push_back(std::move(n));
    else
      out.other_networks.push_back(n.name);
  }
  auto volumes = provider.list_volumes("");
  if (!volumes.ok()) return volumes.error();
  for (ObservedVolume& v : *volumes) {
    auto it = v.labels.find(labels::kStack);
    if (it != v.labels.end() && it->second == stack)
      out.volumes.push_back(std::move(v));
    else
      out.other_volumes.push_back(v.name);
  }
  return ok_status();
}

// What the host's ingress proxy runs, so that a plan loads it only when that changes. A proxy
// that cannot say leaves it "": the plan then loads it again, which is harmless.
void read_proxy_config(Provider& provider, ObservedHost& out) {
  const ObservedContainer* proxy = find_proxy(out);
  if (!proxy || !counts_as_running(*proxy)) return;
  auto got = provider.exec(proxy->id, {"cat", kProxyConfigPath});
  if (got.ok() && got->exit_code == 0) out.proxy_config = got->output;
}

// Fills one host; on the first failure the host is marked unreachable with that error.
Status observe_host(const std::string& stack, const Host& host, Provider& provider,
                    ObservedHost& out) {
  auto info = provider.info();
  if (!info.ok()) return info.error();
  out.engine_version = info->engine_version;
  out.api_version = info->api_version;
  out.engine_id = info->id;
  out.engine_time = info->system_time;
  out.capacity = host.capacity ? *host.capacity : info->capacity;
  auto containers = provider.list_containers();
  if (!containers.ok()) return containers.error();
  if (Status st = inspect_containers(stack, provider, out, std::move(containers).value()); !st.ok())
    return st;
  read_proxy_config(provider, out);
  return list_infra(stack, provider, out);
}

}  // namespace

Observed observe(const std::string& stack, Fleet& fleet, int max_parallel) {
  Observed observed;
  observed.stack = stack;
  observed.hosts.resize(fleet.size());
  Status all = parallel_for(fleet.size(), max_parallel, [&](size_t i) {
    ObservedHost& out = observed.hosts[i];
    out.name = fleet.inventory.hosts[i].name;
    Status st = observe_host(stack, fleet.inventory.hosts[i], *fleet.providers[i], out);
    if (st.ok()) {
      out.reachable = true;
      return;
    }
    // Nothing half-read is kept: an unreachable host's replicas are unknown, not absent.
    out = ObservedHost{};
    out.name = fleet.inventory.hosts[i].name;
    out.error = st.error();
    if (out.error.host.empty()) out.error.host = out.name;
  });
  if (!all.ok())
    for (ObservedHost& h : observed.hosts)
      if (!h.reachable && h.error.message.empty()) h.error = all.error();
  return observed;
}

}  // namespace berth
