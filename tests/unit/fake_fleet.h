// Pieces engine tests build on: a Fleet of in-memory FakeProviders, a Progress that drops every
// event, and a small busybox service.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/events.h"
#include "engine/fleet.h"
#include "fake_provider.h"

namespace berth::testing {

// Hosts named as given, each a FakeProvider with the default capacity, in that order.
struct FakeFleet {
  Fleet fleet;
  std::vector<FakeProvider*> hosts;  // owned by fleet.providers

  explicit FakeFleet(const std::vector<std::string>& names) {
    for (const std::string& name : names) {
      Host host;
      host.name = name;
      fleet.inventory.hosts.push_back(host);
      auto provider = std::make_unique<FakeProvider>(name);
      hosts.push_back(provider.get());
      fleet.providers.push_back(std::move(provider));
    }
  }
};

class SilentProgress : public Progress {
 public:
  void event(const Event&) override {}
};

// `replicas` of busybox on the default network, reserving 64 MiB each.
inline Service busybox_service(const std::string& name, int replicas) {
  Service s;
  s.name = name;
  s.replicas = replicas;
  s.spec.image = "busybox";
  s.spec.networks = {"default"};
  s.reservations.memory = 64LL << 20;
  return s;
}

}  // namespace berth::testing
