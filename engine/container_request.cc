#include "engine/container_request.h"

#include <nlohmann/json.hpp>

#include "planner/model_json.h"
#include "planner/spec.h"

namespace berth {
namespace {

template <class Spec>
std::string engine_name(const std::vector<Spec>& specs, const std::string& key) {
  for (const auto& s : specs)
    if (s.key == key) return s.name;
  return key;
}

std::map<std::string, std::string> berth_labels(const Stack& stack, const Service& service,
                                                const ReplicaContext& replica) {
  nlohmann::json canonical = canonical_spec(stack, service);
  nlohmann::json reserve = {{"nano_cpus", service.reservations.nano_cpus},
                            {"memory", service.reservations.memory}};
  std::map<std::string, std::string> l = {
      {labels::kStack, stack.name},
      {labels::kService, service.name},
      {labels::kSlot, replica.slot},
      {labels::kSpecHash, spec_hash(canonical)},
      {labels::kSpec, canonical.dump()},
      {labels::kReserve, reserve.dump()},
      {labels::kModel, container_spec_to_json(service.spec).dump()},
      // Compose's own labels, so `docker compose ls/ps` users recognise the containers.
      {"com.docker.compose.project", stack.name},
      {"com.docker.compose.service", service.name},
  };
  if (!replica.prev_spec.empty()) l[labels::kPrevSpec] = replica.prev_spec;
  if (!replica.commit.empty()) l[labels::kCommit] = replica.commit;
  return l;
}

}  // namespace

std::string service_image(const Stack& stack, const Service& service) {
  if (!service.spec.image.empty()) return service.spec.image;
  return stack.name + "-" + service.name;
}

ContainerCreate container_request(const Stack& stack, const Service& service,
                                  const ReplicaContext& replica) {
  ContainerCreate req;
  req.name = container_name(stack, service, replica.slot);
  req.spec = service.spec;
  req.spec.image = service_image(stack, service);
  for (MountSpec& m : req.spec.mounts)
    if (m.type == "volume" && !m.source.empty()) m.source = engine_name(stack.volumes, m.source);
  for (const std::string& h : replica.extra_hosts) req.spec.extra_hosts.push_back(h);
  req.labels = service.spec.labels;
  for (auto& [k, v] : berth_labels(stack, service, replica)) req.labels[k] = v;
  std::vector<IngressBinding> bindings;
  for (size_t k = 0; k < service.ingress.size() && k < replica.ingress_ports.size(); ++k) {
    bindings.push_back({service.ingress[k], replica.ingress_ports[k]});
    PortSpec published;
    published.host_port = replica.ingress_ports[k];
    published.container_port = service.ingress[k].port;
    req.spec.ports.push_back(published);
  }
  if (!bindings.empty()) req.labels[kIngressLabel] = ingress_label(bindings);
  if (service.spec.network_mode.empty()) {
    for (const std::string& key : service.spec.networks) {
      ContainerCreate::Attachment a;
      a.network = engine_name(stack.networks, key);
      // Like Compose: the service name resolves to its replicas on every network it joins.
      a.aliases.push_back(service.name);
      auto extra = service.spec.aliases.find(key);
      if (extra != service.spec.aliases.end())
        a.aliases.insert(a.aliases.end(), extra->second.begin(), extra->second.end());
      req.networks.push_back(std::move(a));
    }
  }
  req.reservations = service.reservations;
  return req;
}

}  // namespace berth
