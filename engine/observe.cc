#include "engine/observe.h"

#include <functional>

#include "engine/parallel.h"
#include "planner/ingress_plan.h"

namespace berth {

namespace {

// Calls on one engine at once while observing it: each read is one round trip, and a host's
// reads need not wait for each other (a 20-container host is then ~2 round trips deep, not 22).
constexpr int kReadsPerHost = 8;

// Inspects what the plan needs in detail: this stack's containers, and every up container
// (its reservations count as used), all at once. Anything but "no such container" fails the
// host: a container berth could not read is never treated as absent. `also` runs beside them.
Status inspect_containers(const std::string& stack, Provider& provider, ObservedHost& out,
                          std::vector<ObservedContainer> listed,
                          const std::function<Status()>& also) {
  std::vector<Status> got(listed.size() + 1, ok_status());
  std::vector<char> gone(listed.size(), 0);
  Status run = parallel_for(listed.size() + 1, kReadsPerHost, [&](size_t i) {
    if (i == listed.size()) {
      got[i] = also();
      return;
    }
    ObservedContainer& c = listed[i];
    if (!c.owned_by(stack) && !counts_as_running(c)) return;
    auto detail = provider.inspect_container(c.id);
    if (detail.ok())
      c = std::move(detail).value();
    else if (detail.error().kind == ErrorKind::kNotFound)
      gone[i] = 1;  // removed since the list
    else
      got[i] = detail.error();
  });
  if (!run.ok()) return run;
  for (const Status& st : got)
    if (!st.ok()) return st;
  for (size_t i = 0; i < listed.size(); ++i)
    if (!gone[i]) out.containers.push_back(std::move(listed[i]));
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

// This stack's containers (inspected), networks and volumes, and the proxy's configuration.
Status observe_contents(const std::string& stack, Provider& provider, ObservedHost& out) {
  auto containers = provider.list_containers();
  if (!containers.ok()) return containers.error();
  auto infra = [&] { return list_infra(stack, provider, out); };
  if (Status st = inspect_containers(stack, provider, out, std::move(containers).value(), infra);
      !st.ok())
    return st;
  read_proxy_config(provider, out);
  return ok_status();
}

// Fills one host; on the first failure the host is marked unreachable with that error (the
// engine's facts' error first: it is the one that names an SSH or engine problem).
Status observe_host(const std::string& stack, const Host& host, Provider& provider,
                    ObservedHost& out) {
  // /info is a host's slowest read (~35 ms on the lab) and nothing else waits for it: it
  // runs beside the lists and inspects, not before them.
  Result<EngineInfo> info = Error{};
  Status contents = ok_status();
  Status run = parallel_for(2, 2, [&](size_t i) {
    if (i == 0)
      info = provider.info();
    else
      contents = observe_contents(stack, provider, out);
  });
  if (!run.ok()) return run;
  if (!info.ok()) return info.error();
  if (!contents.ok()) return contents;
  out.engine_version = info->engine_version;
  out.api_version = info->api_version;
  out.engine_id = info->id;
  out.engine_time = info->system_time;
  out.capacity = host.capacity ? *host.capacity : info->capacity;
  return ok_status();
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
