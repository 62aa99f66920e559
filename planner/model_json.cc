// JSON forms of the model via nlohmann's field-list macros: one line per type, so a field added
// to model.h is one word here. Missing keys read as defaults.
#include "planner/model_json.h"

#include <optional>

#include "planner/spec.h"

namespace nlohmann {
template <class T>
struct adl_serializer<std::optional<T>> {
  static void to_json(json& j, const std::optional<T>& v) {
    if (v) j = *v;
    else j = nullptr;
  }
  static void from_json(const json& j, std::optional<T>& v) {
    if (j.is_null()) v.reset();
    else v = j.get<T>();
  }
};
}  // namespace nlohmann

namespace berth {

NLOHMANN_JSON_SERIALIZE_ENUM(ServiceMode, {{ServiceMode::kReplicated, "replicated"},
                                           {ServiceMode::kGlobal, "global"}})
NLOHMANN_JSON_SERIALIZE_ENUM(Strategy, {{Strategy::kBinpack, "binpack"},
                                        {Strategy::kSpread, "spread"}})
NLOHMANN_JSON_SERIALIZE_ENUM(ErrorKind, {{ErrorKind::kUsage, "usage"},
                                         {ErrorKind::kInput, "input"},
                                         {ErrorKind::kHost, "host"},
                                         {ErrorKind::kPartial, "partial"},
                                         {ErrorKind::kLock, "lock"},
                                         {ErrorKind::kStalePlan, "stale"},
                                         {ErrorKind::kInterrupted, "interrupted"},
                                         {ErrorKind::kInternal, "internal"}})

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SourceLocation, file, line, column)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Error, kind, location, host, service, message,
                                                hint)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Resources, nano_cpus, memory, pids)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PortSpec, host_ip, host_port, container_port,
                                                protocol, location)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(MountSpec, type, source, target, read_only,
                                                location)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(FileSpec, kind, target, written_target, source, name, variable,
                                                content, directory, read_only, content_hash,
                                                mode, uid, gid, location)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(HealthcheckSpec, disable, test, interval,
                                                timeout, start_period, retries)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(
    ContainerSpec, image, command, entrypoint, environment, labels, user, working_dir, hostname,
    domainname, cap_add, cap_drop, sysctls, ports, expose, mounts, files, networks, aliases,
    extra_hosts, dns, tmpfs, healthcheck, restart, limits, stop_signal, stop_grace_period, init,
    privileged, read_only, tty, stdin_open, network_mode, pid, ipc, logging_options,
    logging_driver, platform)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(BuildSpec, context, dockerfile, args, target,
                                                location)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Dependency, service, condition, required,
                                                location)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Constraint, key, equal, value, location)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PlacementSpec, constraints, spread,
                                                max_replicas_per_node)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(UpdateConfig, parallelism, delay,
                                                failure_action, monitor, max_failure_ratio, order)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Service, name, spec, build, container_name, mode,
                                                replicas, reservations, placement, update_config,
                                                rollback_config, depends_on, profiles, location)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(NetworkSpec, key, name, driver, driver_opts,
                                                labels, external, internal, attachable, location)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(VolumeSpec, key, name, driver, driver_opts,
                                                labels, external, location)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(FileObjectSpec, key, name, file, environment)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Stack, name, project_dir, files, services,
                                                networks, volumes, strategy, secrets, configs)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Host, name, address, labels, role, capacity,
                                                socket, drain, location)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Inventory, hosts, file)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ObservedContainer, id, name, image, labels,
                                                state, health, exit_code, limits, reserved,
                                                restart, published_ports, restart_count,
                                                health_output)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ObservedNetwork, id, name, labels)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ObservedVolume, name, labels, created_at)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ObservedHost, name, reachable, error,
                                                engine_version, api_version, engine_id,
                                                engine_time, capacity, containers, networks,
                                                volumes, other_networks, other_volumes,
                                                proxy_config)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Observed, stack, hosts)

namespace {

template <class T>
Result<T> read(const nlohmann::json& doc, const char* what) {
  try {
    return doc.get<T>();
  } catch (const nlohmann::json::exception&) {
    return Error{ErrorKind::kInput, {}, "", "",
                 std::string("the saved ") + what + " is damaged or from another berth version",
                 "write it again with this berth"};
  }
}

}  // namespace

nlohmann::json stack_to_json(const Stack& stack, bool reveal_secrets) {
  nlohmann::json doc = stack;
  if (reveal_secrets) return doc;
  for (size_t i = 0; i < stack.services.size(); ++i) {
    const auto& files = stack.services[i].spec.files;
    for (size_t k = 0; k < files.size(); ++k)
      if (files[k].secret() && !files[k].content.empty())
        doc["services"][i]["spec"]["files"][k]["content"] = kMasked;
  }
  return doc;
}
Result<Stack> stack_from_json(const nlohmann::json& doc) { return read<Stack>(doc, "stack"); }
nlohmann::json inventory_to_json(const Inventory& inventory) { return inventory; }
Result<Inventory> inventory_from_json(const nlohmann::json& doc) {
  return read<Inventory>(doc, "inventory");
}
nlohmann::json container_spec_to_json(const ContainerSpec& spec) {
  nlohmann::json j = spec;
  // Where each port and mount was written says nothing about what runs: keep labels short.
  for (auto* list : {&j["ports"], &j["mounts"]})
    for (auto& item : *list) item.erase("location");
  return j;
}
Result<ContainerSpec> container_spec_from_json(const nlohmann::json& doc) {
  return read<ContainerSpec>(doc, "container spec");
}
nlohmann::json observed_to_json(const Observed& observed) { return observed; }
Result<Observed> observed_from_json(const nlohmann::json& doc) {
  return read<Observed>(doc, "observed state");
}

}  // namespace berth
