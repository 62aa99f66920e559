// From merged, interpolated trees to the model (planner/model.h).
#pragma once

#include "engine/load/fields.h"
#include "planner/model.h"

namespace berth::load {

// One service. `stack` gives the declared networks/volumes/secrets/configs to check against.
Service normalize_service(Context& c, const std::string& name, const Node& node,
                          const Node& top);
// Pieces of a service (service_keys.cc).
void read_build(Context& c, const Node& n, Service& s);
void read_flags(Context& c, const Node& svc, ContainerSpec& spec);
void read_lists(Context& c, const Node& svc, ContainerSpec& spec);
void read_depends_on(Context& c, const Node& n, Service& s);
// The deploy: section into `s`.
void normalize_deploy(Context& c, const Node& deploy, Service& s);
// Mounts from `volumes:` of a service.
void normalize_volumes(Context& c, const Node& list, const Node& top, ContainerSpec& spec);
// `secrets:` / `configs:` of a service: read-only bind mounts in s.spec.mounts, and the
// references as written in s.secrets / s.configs (for `berth config`).
void normalize_file_refs(Context& c, const Node& list, const Node& top, const char* kind,
                         Service& s);
// The top-level secrets or configs that have `file:` (`kind` is "secrets" or "configs").
std::vector<FileObjectSpec> read_file_objects(Context& c, const Node& top, const char* kind,
                                              const std::string& stack);
// The whole stack: services, networks, volumes, checks across services (depends_on).
Stack normalize_stack(Context& c, const Node& top, const std::vector<std::string>& profiles);
// Networks and volumes (named after the stack), plus "default" when a service uses it.
void normalize_resources(Context& c, const Node& top, Stack& stack);

}  // namespace berth::load
