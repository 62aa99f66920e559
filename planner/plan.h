// Plan: the pure diff of desired (Stack + Placement) against Observed (docs/design.md, Plan and
// apply).
//
// Applying a Plan is the engine's only way to change a host. Unchanged replicas appear only in
// the summary's counts.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "planner/model.h"
#include "planner/placement.h"
#include "planner/rollout.h"

namespace berth {

enum class Action { kCreate, kUpdate, kRecreate, kMove, kRemove };
const char* action_name(Action a);  // "create", "update", ...

struct FieldChange {
  std::string path;       // "image", "environment.DB_HOST", "ports[0]"
  std::string old_value;  // JSON text of the value, "" when absent
  std::string new_value;
  bool secret = false;  // masked in every rendering
};

// One replica's change.
struct Change {
  Action action = Action::kCreate;
  std::string service;
  std::string slot;
  std::string host;                 // where it will run (where it ran, for remove)
  std::string from_host;            // moves only
  std::string container;            // container name
  std::string container_id;         // existing container replaced/updated/removed, "" for create
  std::vector<FieldChange> fields;  // recreate: the fields that force it; update: what changes
  // Removals only: a container left by a run that stopped half-way (a replica parked aside, a
  // second copy of a slot). Leftovers go first, before anything needs their names.
  bool leftover = false;
  // Replacements only: the old container stops before the new one starts (planner/rollout.h).
  bool stop_first = false;
  // Ingress services' new replicas: the host port of each route (Service::ingress order),
  // assigned by the plan so it never clashes on that host (planner/ingress_plan.h).
  std::vector<int> ingress_ports;
};

// A replica that moves away from the data of its named volumes, which stays behind on
// `from_host` (berth does not copy volumes). Shown before any confirmation.
struct DataMove {
  std::string service;
  std::string slot;
  std::string from_host;
  std::string host;
  std::vector<std::string> volumes;  // engine names of the volumes left behind
};

// A host that could not be observed: its replicas are unknown, never assumed absent.
struct UnreachableHost {
  std::string host;
  std::string error;  // one line
};

// A network or volume to create or remove on one host.
struct InfraChange {
  enum class Kind { kNetwork, kVolume } kind = Kind::kNetwork;
  Action action = Action::kCreate;  // kCreate | kRemove
  std::string key;                  // stack key
  std::string name;                 // engine name
  std::string host;
  std::string id;  // existing id, for remove
};

// What the plan does to the ingress proxy of one host (planner/ingress_plan.h).
struct ProxyChange {
  std::string host;
  std::string action;          // "" (its configuration only) | "create" | "recreate"
  std::string container_id;    // the proxy there now, for recreate
  bool reload = false;         // its configuration changes
  std::string running_config;  // what it runs now (ObservedHost::proxy_config); not printed
  std::vector<std::string> certificates;  // `tls: files` digests it holds (proxy_certificates)
  // Replicas ("web-4") the proxy starts sending to, stops sending to, and switches to a new
  // container of (a replacement).
  std::vector<std::string> added, removed, switched;
};

struct IngressPlan {
  IngressSettings settings;
  std::vector<Upstream> before;      // every ingress replica running now, reachable hosts
  std::vector<ProxyChange> proxies;  // every reachable proxy host, changed or not
  bool active() const { return !proxies.empty(); }
  int changes() const;  // proxies created, recreated or reloaded
};

struct PlanSummary {
  int create = 0, update = 0, recreate = 0, move = 0, remove = 0, unchanged = 0;
  int proxies = 0;  // ingress proxies created, recreated or reloaded
  int networks_create = 0, networks_remove = 0, volumes_create = 0, volumes_remove = 0;
  int total_changes() const;
};

struct Plan {
  static constexpr int kFormatVersion = 1;
  std::string stack;
  std::string fingerprint;  // of every observed object the plan depends on
  std::vector<InfraChange> infra;
  std::vector<Change> changes;  // sorted by (host, service, slot as number)
  std::vector<ReplicaPlacement> placements;
  std::vector<UnplacedReplica> unplaced;
  // Slots left alone because they may run on a host that could not be observed.
  std::vector<UnplacedReplica> unknown;
  std::vector<UnreachableHost> unreachable;
  std::vector<DataMove> data_moves;
  // What makes the plan impossible to apply as it is (a name taken by a container berth does not
  // own, two inventory hosts that are one engine): `plan` reports them and exits 1.
  std::vector<Error> blockers;
  std::vector<RolloutPlan> rollouts;  // how each service with replacements rolls
  IngressPlan ingress;
  PlanSummary summary;

  bool has_changes() const { return summary.total_changes() > 0; }
};

// The diff. `removed services`: replicas of this stack whose service is gone, or whose slot is
// above the replica count, are removed.
Plan make_plan(const Stack& stack, const Observed& observed, const PlacementResult& placement);

// Fingerprint of the observed objects of this stack (ids, spec hashes, states) and of the
// capacity of every host: a saved plan whose fingerprint differs is stale.
std::string observed_fingerprint(const Observed& observed);

// The plan document (docs/design.md): format_version, fingerprint, changes[], placements[],
// unplaced[], summary. Secret values are masked unless `reveal_secrets`.
nlohmann::json plan_to_json(const Plan& plan, bool reveal_secrets = false);
Result<Plan> plan_from_json(const nlohmann::json& doc);

}  // namespace berth
