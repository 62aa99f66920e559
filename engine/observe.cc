#include "engine/observe.h"

#include "engine/parallel.h"

namespace berth {

std::string lock_label(const std::string& stack) { return "io.berth.lock=" + stack; }

namespace {

bool counts_as_used(const ObservedContainer& c) {
  return c.state == "running" || c.state == "restarting" || c.state == "paused";
}

// Fills one host; on the first failure the host is marked unreachable with that error.
void observe_host(const std::string& stack, const Host& host, Provider& provider,
                  ObservedHost& out) {
  out.name = host.name;
  auto info = provider.info();
  if (!info.ok()) {
    out.error = info.error();
    return;
  }
  out.engine_version = info->engine_version;
  out.api_version = info->api_version;
  out.capacity = host.capacity ? *host.capacity : info->capacity;

  auto containers = provider.list_containers();
  if (!containers.ok()) {
    out.error = containers.error();
    return;
  }
  for (ObservedContainer& c : *containers) {
    if (c.owned_by(stack) || counts_as_used(c)) {
      auto detail = provider.inspect_container(c.id);
      // A container removed between list and inspect is simply gone.
      if (!detail.ok()) continue;
      c = std::move(detail).value();
    }
    out.containers.push_back(std::move(c));
  }
  auto networks = provider.list_networks(std::string(labels::kStack) + "=" + stack);
  auto volumes = provider.list_volumes(std::string(labels::kStack) + "=" + stack);
  auto locks = provider.list_volumes(lock_label(stack));
  if (!networks.ok()) return void(out.error = networks.error());
  if (!volumes.ok()) return void(out.error = volumes.error());
  if (!locks.ok()) return void(out.error = locks.error());
  out.networks = std::move(networks).value();
  out.volumes = std::move(volumes).value();
  if (!locks->empty()) out.lock = locks->front().labels;
  out.reachable = true;
}

}  // namespace

Observed observe(const std::string& stack, Fleet& fleet, int max_parallel) {
  Observed observed;
  observed.stack = stack;
  observed.hosts.resize(fleet.size());
  parallel_for(fleet.size(), max_parallel, [&](size_t i) {
    observe_host(stack, fleet.inventory.hosts[i], *fleet.providers[i], observed.hosts[i]);
  });
  return observed;
}

}  // namespace berth
