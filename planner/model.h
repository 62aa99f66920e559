// The shared model: plain types every stage of the pipeline uses.
//
//   Stack (desired, from the loader)  +  Inventory (hosts)  +  Observed (from providers)
//     -> Placement (planner/placement.h) -> Plan (planner/plan.h) -> apply (engine/)
//
// Units are integers: CPUs in NanoCPUs (1 CPU = 1e9), memory in bytes, durations in
// nanoseconds. Maps are std::map so every iteration order is deterministic.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "planner/ingress.h"
#include "planner/result.h"

namespace berth {

using NanoCpus = int64_t;
using Bytes = int64_t;
using Nanos = int64_t;

constexpr NanoCpus kNanoCpusPerCpu = 1'000'000'000;

// Amounts of the resources the packer knows. 0 means "none" (or "unlimited" for limits).
struct Resources {
  NanoCpus nano_cpus = 0;
  Bytes memory = 0;
  int64_t pids = 0;

  bool empty() const { return nano_cpus == 0 && memory == 0 && pids == 0; }
  Resources& operator+=(const Resources& o);
  Resources& operator-=(const Resources& o);
  friend bool operator==(const Resources&, const Resources&) = default;
};

// ---------------------------------------------------------------- desired state (the stack)

struct PortSpec {
  std::string host_ip;        // "" = all addresses
  int host_port = 0;          // 0 = ephemeral (engine chooses); ranges are expanded by the loader
  int container_port = 0;
  std::string protocol = "tcp";  // tcp | udp | sctp
  SourceLocation location;
};

struct MountSpec {
  std::string type = "volume";  // volume | bind | tmpfs
  std::string source;           // stack volume key (type volume), absolute host path (bind)
  std::string target;           // path in the container
  bool read_only = false;
  SourceLocation location;
};

// A file berth copies into a container after create and before start (docs/files.md): a
// relative bind mount of a file or directory inside the project directory, or a service's
// `configs:` / `secrets:` entry. Absolute bind mounts stay MountSpecs (host paths, as in
// Compose). Only what is needed to deliver and to hash is kept: the content of `file:` sources
// is read again by apply from project_dir/source and must still have content_hash.
struct FileSpec {
  std::string kind = "bind";  // bind | config | secret
  std::string target;         // absolute path in the container
  std::string written_target;  // config/secret: the target as written ("" = none), for
                               // `berth config`; not hashed
  std::string source;  // relative to Stack::project_dir ("conf/app.conf"); a config/secret file
                       // outside it: absolute; "" = content in memory
  std::string name;           // config/secret: its key under the top-level configs:/secrets:
  std::string variable;       // environment: sources: the variable the content came from
  std::string content;        // content:/environment: sources (a secret's is never printed)
  bool directory = false;     // source is a directory: its whole tree lands at target
  bool read_only = false;     // bind `:ro`: delivered without write permission bits
  std::string content_hash;   // sha256 hex; keyed by name for secrets (engine/load/project_files.h)
  int mode = 0644;            // permission bits of the file (of the top directory, for a tree)
  int uid = 0;
  int gid = 0;
  SourceLocation location;

  bool secret() const { return kind == "secret"; }
};

struct HealthcheckSpec {
  bool disable = false;
  std::vector<std::string> test;  // ["CMD", ...], ["CMD-SHELL", "..."] or ["NONE"]
  Nanos interval = 0;             // 0 = engine default
  Nanos timeout = 0;
  Nanos start_period = 0;
  int retries = 0;
};

// Everything that describes one container. Which fields force a recreate and which can be
// updated in place is decided in planner/spec.h, not here.
struct ContainerSpec {
  std::string image;
  std::optional<std::vector<std::string>> command;     // nullopt = image default
  std::optional<std::vector<std::string>> entrypoint;  // nullopt = image default
  std::map<std::string, std::string> environment;      // after env_file + environment merge
  std::map<std::string, std::string> labels;           // user labels (berth adds its own)
  std::string user;
  std::string working_dir;
  std::string hostname;
  std::string domainname;
  std::vector<std::string> cap_add;
  std::vector<std::string> cap_drop;
  std::map<std::string, std::string> sysctls;
  std::vector<PortSpec> ports;  // published ports
  std::vector<std::string> expose;
  std::vector<MountSpec> mounts;
  std::vector<FileSpec> files;  // delivered files, sorted by target
  std::vector<std::string> networks;                          // stack network keys, sorted
  std::map<std::string, std::vector<std::string>> aliases;    // network key -> extra aliases
  std::vector<std::string> extra_hosts;                       // "name:ip" as the user wrote
  std::vector<std::string> dns;
  std::map<std::string, std::string> tmpfs;                   // path -> options
  std::optional<HealthcheckSpec> healthcheck;                 // nullopt = image default
  std::string restart = "no";  // no | always | on-failure[:N] | unless-stopped
  Resources limits;            // deploy.resources.limits (+ mem_limit, cpus, pids_limit)
  std::string stop_signal;
  Nanos stop_grace_period = 0;  // 0 = engine default (10s)
  std::optional<bool> init;
  bool privileged = false;
  bool read_only = false;
  bool tty = false;
  bool stdin_open = false;
  std::string network_mode;  // "" (stack networks), host, none, service:x, container:x
  std::string pid;
  std::string ipc;
  std::map<std::string, std::string> logging_options;
  std::string logging_driver;
  std::string platform;
};

struct BuildSpec {
  std::string context;     // absolute path on the machine running berth
  std::string dockerfile;  // relative to context, default "Dockerfile"
  std::map<std::string, std::string> args;
  std::string target;
  SourceLocation location;
};

struct Dependency {
  std::string service;
  std::string condition = "service_started";  // service_started|service_healthy|
                                              // service_completed_successfully
  bool required = true;
  SourceLocation location;
};

// A placement constraint: "node.hostname==web-1", "node.labels.zone!=b", "node.role==manager".
struct Constraint {
  std::string key;    // node.hostname | node.labels.<k> | node.role | node.id
  bool equal = true;  // == or !=
  std::string value;
  SourceLocation location;
  std::string str() const;  // as the user wrote it, normalized: "node.labels.zone==b"
};

struct PlacementSpec {
  std::vector<Constraint> constraints;
  std::vector<std::string> spread;  // label keys from preferences: "node.labels.zone", in order
  int max_replicas_per_node = 0;    // 0 = unlimited
};

struct UpdateConfig {
  int parallelism = 1;  // 0 = all at once
  Nanos delay = 0;
  std::string failure_action = "pause";  // pause | continue | rollback
  Nanos monitor = 5'000'000'000;         // Swarm's default 5s
  double max_failure_ratio = 0;
  std::string order = "stop-first";  // stop-first | start-first
};

enum class ServiceMode { kReplicated, kGlobal };

struct Service {
  std::string name;
  ContainerSpec spec;
  std::optional<BuildSpec> build;
  std::string container_name;  // explicit container_name (only valid with one replica)
  ServiceMode mode = ServiceMode::kReplicated;
  int replicas = 1;
  Resources reservations;  // deploy.resources.reservations
  PlacementSpec placement;
  UpdateConfig update_config;
  UpdateConfig rollback_config;
  std::vector<Dependency> depends_on;
  std::vector<std::string> profiles;
  std::vector<IngressRoute> ingress;  // x-berth.ingress (planner/ingress.h)
  SourceLocation location;  // where the service's key is
};

struct NetworkSpec {
  std::string key;   // name in the stack file
  std::string name;  // engine name: "<stack>_<key>" unless `name:` or external
  std::string driver;
  std::map<std::string, std::string> driver_opts;
  std::map<std::string, std::string> labels;
  bool external = false;
  bool internal = false;
  bool attachable = false;
  SourceLocation location;
};

struct VolumeSpec {
  std::string key;
  std::string name;  // engine name: "<stack>_<key>" unless `name:` or external
  std::string driver;
  std::map<std::string, std::string> driver_opts;
  std::map<std::string, std::string> labels;
  bool external = false;
  SourceLocation location;
};

// A top-level secret or config as written (for `berth config`; what runs is FileSpec).
struct FileObjectSpec {
  std::string key;
  std::string name;         // "<stack>_<key>" unless `name:`
  std::string file;         // absolute path on the machine running berth, or ""
  std::string environment;  // the variable its content comes from, or ""
};

enum class Strategy { kBinpack, kSpread };

// The desired state: a normalized, interpolated, merged stack. Services are sorted by name.
struct Stack {
  std::string name;
  std::string project_dir;  // directory of the first stack file
  std::vector<std::string> files;
  std::vector<Service> services;
  std::vector<NetworkSpec> networks;  // includes "default" when any service uses it
  std::vector<VolumeSpec> volumes;
  Strategy strategy = Strategy::kBinpack;
  std::vector<FileObjectSpec> secrets;  // sorted by key
  std::vector<FileObjectSpec> configs;

  const Service* find_service(const std::string& name) const;
};

// ---------------------------------------------------------------- inventory

struct Host {
  std::string name;     // inventory key; node.hostname matches it
  std::string address;  // ssh://[user@]host[:port] | unix:///path.sock
  std::map<std::string, std::string> labels;
  std::string role;                 // node.role, default "worker"
  std::optional<Resources> capacity;  // declared; nullopt = what the engine reports
  std::string socket;  // ssh hosts: the engine socket path on the host ("" = find it)
  bool drain = false;  // replicas move off (created elsewhere first); nothing new lands here
  std::string private_address;  // how other hosts reach its replicas; default: address's host
  SourceLocation location;
};

struct Inventory {
  std::vector<Host> hosts;  // sorted by name
  IngressSettings ingress;  // top-level `ingress:` (planner/ingress.h)
  std::string file;         // "" for the embedded default (one host "local")
};

// ---------------------------------------------------------------- observed state

// Label keys berth puts on what it creates (docs/design.md, State).
namespace labels {
inline constexpr const char* kStack = "io.berth.stack";
inline constexpr const char* kService = "io.berth.service";
inline constexpr const char* kSlot = "io.berth.slot";
inline constexpr const char* kSpecHash = "io.berth.spec-hash";
inline constexpr const char* kSpec = "io.berth.spec";
inline constexpr const char* kPrevSpec = "io.berth.prev-spec";  // the model it replaced
inline constexpr const char* kModel = "io.berth.model";  // this replica's whole ContainerSpec
inline constexpr const char* kReserve = "io.berth.reserve";
inline constexpr const char* kCommit = "io.berth.commit";
inline constexpr const char* kNetwork = "io.berth.network";  // stack key of a network
inline constexpr const char* kVolume = "io.berth.volume";    // stack key of a volume
}  // namespace labels

struct ObservedContainer {
  std::string id;
  std::string name;  // without the leading '/'
  std::string image;
  std::map<std::string, std::string> labels;  // as the engine reports (includes image labels)
  std::string state;   // created | running | paused | restarting | exited | dead
  std::string health;  // "" (no check) | starting | healthy | unhealthy
  int exit_code = 0;
  // Filled from inspect: what counts as used on the host, and the fields updatable in place.
  Resources limits;
  Resources reserved;  // berth's reserve label, else MemoryReservation/limits
  std::string restart;
  std::vector<int> published_ports;  // host ports bound
  int restart_count = 0;             // how often the engine restarted it (inspect)
  std::string health_output;         // the last health check's output (inspect), trimmed

  // Convenience accessors over labels ("" when absent).
  std::string label(const char* key) const;
  bool owned_by(const std::string& stack) const;
};

struct ObservedNetwork {
  std::string id;
  std::string name;
  std::map<std::string, std::string> labels;
};

struct ObservedVolume {
  std::string name;
  std::map<std::string, std::string> labels;
  int64_t created_at = 0;  // unix seconds by the engine's clock; 0 = unknown
};

struct ObservedHost {
  std::string name;  // inventory key
  bool reachable = false;
  Error error;  // why not, when !reachable
  std::string engine_version;
  std::string api_version;
  std::string engine_id;    // the engine's own ID (/info): two inventory names, one engine
  int64_t engine_time = 0;  // the engine's clock at observe, unix seconds (lock leases)
  Resources capacity;  // declared capacity if any, else what the engine reports
  std::vector<ObservedContainer> containers;  // every container on the host (all=1)
  std::vector<ObservedNetwork> networks;      // berth's networks of this stack
  std::vector<ObservedVolume> volumes;        // berth's volumes of this stack
  // Names of the host's other networks and volumes (not this stack's): a name the stack needs
  // that is taken here is a plan error, not a surprise half-way through apply.
  std::vector<std::string> other_networks;
  std::vector<std::string> other_volumes;
  // The configuration the ingress proxy on this host runs (kProxyConfigPath in its container,
  // planner/ingress.h); "" when there is no running proxy or it could not be read.
  std::string proxy_config;
};

struct Observed {
  std::string stack;
  std::vector<ObservedHost> hosts;  // same order as Inventory::hosts

  const ObservedHost* find_host(const std::string& name) const;
};

// "<stack>-<service>-<slot>", or the service's container_name.
std::string container_name(const Stack& stack, const Service& s, const std::string& slot);

// ---------------------------------------------------------------- rules every stage shares
// One definition each: observe, placement, the diff, the fingerprint, `hosts` and `ps` call
// these rather than deciding for themselves.

// Whether a container is up: running, restarting or paused. An up container uses its
// reservations on the host, and an up replica with the desired spec needs no change.
bool counts_as_running(const ObservedContainer& c);

// The number of a replicated slot ("3" -> 3), or -1 for anything else (a global service's slot
// is a host name; a label someone edited by hand may be anything).
int slot_number(const std::string& slot);
// Orders slots as numbers first (1 < 2 < 10), then the others by name.
bool slot_less(const std::string& a, const std::string& b);

// While a replica is replaced, the old container is renamed aside to "<name>-berth-old"
// (engine/apply_steps.cc) and removed once the new one is ready. A container found under such
// a name was left by a run that stopped half-way.
inline constexpr const char* kParkedSuffix = "-berth-old";
std::string parked_name(const std::string& container);
bool is_parked(const std::string& container);

// The stack volume keys a service mounts (type volume with a named source). A replica with a
// named volume is stateful: its data lives on its host, so it never moves on its own.
std::vector<std::string> named_volumes(const Service& s);

}  // namespace berth
