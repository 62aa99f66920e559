// Fleet: the hosts of one run and a Provider for each.
//
// Live runs talk to real engines; --offline answers from the inventory's declared capacity with
// nothing running; --snapshot answers from a saved observed state. All three go through the
// same Provider interface, so observe/plan code does not know which it has.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "planner/model.h"
#include "providers/provider.h"

namespace berth {

enum class FleetMode { kLive, kOffline, kSnapshot };

struct Fleet {
  Inventory inventory;
  std::vector<std::unique_ptr<Provider>> providers;  // same order as inventory.hosts

  size_t size() const { return providers.size(); }
  // Index of the host named `name`, or -1.
  int index_of(const std::string& name) const;
};

// The embedded default: one host called "local", the local engine (DOCKER_HOST or the socket).
Inventory default_inventory();

// `path` from -i; "" means berth.hosts.yaml beside the stack if it exists, else the default.
Inventory resolve_inventory(const std::string& path, const std::string& stack_dir,
                            Diagnostics& diag);

// Providers for every host. For kSnapshot, `saved` holds the observed state to answer from.
Result<Fleet> open_fleet(Inventory inventory, FleetMode mode, const ProviderOptions& options,
                         const Observed* saved = nullptr);

}  // namespace berth
