#include "engine/fleet.h"

#include <filesystem>

#include "engine/load/loader.h"

namespace berth {

int Fleet::index_of(const std::string& name) const {
  for (size_t i = 0; i < inventory.hosts.size(); ++i)
    if (inventory.hosts[i].name == name) return static_cast<int>(i);
  return -1;
}

Inventory default_inventory() {
  Inventory inv;
  Host local;
  local.name = "local";
  local.address = default_engine_address();
  local.role = "manager";
  inv.hosts.push_back(std::move(local));
  return inv;
}

Inventory resolve_inventory(const std::string& path, const std::string& stack_dir,
                            Diagnostics& diag) {
  if (!path.empty()) return load_inventory(path, diag);
  std::filesystem::path beside = std::filesystem::path(stack_dir) / "berth.hosts.yaml";
  std::error_code ec;
  if (!stack_dir.empty() && std::filesystem::exists(beside, ec))
    return load_inventory(beside.string(), diag);
  return default_inventory();
}

Result<Fleet> open_fleet(Inventory inventory, FleetMode mode, const ProviderOptions& options,
                         const Observed* saved) {
  Fleet fleet;
  for (const Host& host : inventory.hosts) {
    if (mode == FleetMode::kOffline) {
      fleet.providers.push_back(make_offline_provider(host));
      continue;
    }
    if (mode == FleetMode::kSnapshot) {
      const ObservedHost* h = saved ? saved->find_host(host.name) : nullptr;
      if (!h) {
        return Error{ErrorKind::kInput,
                     {},
                     host.name,
                     "",
                     "the snapshot has no state for this host",
                     "take a new snapshot with `berth snapshot -o FILE` against this inventory"};
      }
      fleet.providers.push_back(make_snapshot_provider(*h));
      continue;
    }
    auto provider = make_provider(host, options);
    if (!provider.ok()) return provider.error();
    fleet.providers.push_back(std::move(provider).value());
  }
  fleet.inventory = std::move(inventory);
  return fleet;
}

}  // namespace berth
