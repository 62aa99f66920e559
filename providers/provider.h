// Provider: the narrow interface through which the engine reads and changes one host.
//
// Speaks in planner/ model types only: no HTTP, SSH, socket or Boost type appears here, so
// engine/ never sees a transport. Implementations (chosen by make_provider from the host's
// address scheme, like ccache's storage backends):
//   unix:///path.sock  -> Docker Engine API over a local unix socket
//   ssh://user@host:22 -> the same API over one OpenSSH control master per host per run,
//                         each channel a stream-local forward of the engine socket (or
//                         `docker system dial-stdio` where the server refuses those)
//   snapshot / offline -> read-only; answers from a saved Observed host or declared capacity
//
// Every method is blocking and thread-safe: the engine calls one provider from several
// threads (one pull does not block an inspect). Errors carry the host name and a message a user
// can act on (kind kHost). A provider connects lazily, on first use, and its destructor closes
// every connection and stops every child process it started (by PID).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "planner/model.h"
#include "planner/result.h"
#include "providers/tar.h"  // put_archive takes what tar_archive writes

namespace berth {

struct EngineInfo {
  std::string engine_version;  // "20.10.24+dfsg1"
  std::string api_version;     // negotiated, e.g. "1.41"
  std::string os;
  std::string id;           // the engine's ID: the same engine reached under two names has one
  int64_t system_time = 0;  // the engine's clock, unix seconds (0 = unknown)
  Resources capacity;       // NCPU * 1e9, MemTotal
  std::string transport;    // "unix", "ssh stream-local" or "ssh dial-stdio"
};

// What the engine needs to create one container. Everything is resolved already: mounts of type
// volume name engine volumes, networks are engine network names (the first is given at create,
// the others connected before start), labels include berth's io.berth.* labels.
struct ContainerCreate {
  std::string name;
  ContainerSpec spec;
  std::map<std::string, std::string> labels;  // user labels + berth labels
  struct Attachment {
    std::string network;  // engine network name or id
    std::vector<std::string> aliases;
  };
  std::vector<Attachment> networks;
  Resources reservations;  // memory reservation is passed to the engine (MemoryReservation)
};

struct LogOptions {
  bool follow = false;
  std::string tail = "all";  // "all" or a number
  bool timestamps = false;
};

// What a command run inside a container said and how it ended.
struct ExecResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr, interleaved as they came
};

// Progress lines for pulls and builds ("web-1: pulling nginx:1.27 layer 3/7").
using ProgressFn = std::function<void(const std::string& line)>;
// Log output: stream 1 = stdout, 2 = stderr; the text is one chunk, not necessarily a line.
using LogSink = std::function<void(int stream, const std::string& text)>;

class Provider {
 public:
  virtual ~Provider() = default;

  // Inventory name of the host this provider talks to.
  virtual const std::string& host() const = 0;

  // Connects if needed, negotiates the API version, reports the engine. The first error a user
  // sees for an unreachable host comes from here (unknown host key, auth refused, timeout...).
  virtual Result<EngineInfo> info() = 0;

  // Every container on the host (all=1), with labels, state and published host ports.
  virtual Result<std::vector<ObservedContainer>> list_containers() = 0;
  // One container with its limits, restart policy, health and ports filled in.
  virtual Result<ObservedContainer> inspect_container(const std::string& id) = 0;
  // Returns the new container's id.
  virtual Result<std::string> create_container(const ContainerCreate& request) = 0;
  virtual Status start_container(const std::string& id) = 0;
  virtual Status stop_container(const std::string& id, Nanos timeout) = 0;
  virtual Status remove_container(const std::string& id, bool remove_anonymous_volumes) = 0;
  virtual Status rename_container(const std::string& id, const std::string& new_name) = 0;
  // Extracts `tar` (tar_archive) into directory `dir` of a container, which may be created
  // and not yet started; entries keep the modes and owners of their headers. The engine
  // refuses it for a read_only root filesystem outside volumes.
  virtual Status put_archive(const std::string& id, const std::string& dir,
                             const std::string& tar) = 0;
  // In-place update of the fields the engine can change on a live container.
  virtual Status update_container(const std::string& id, const Resources& limits,
                                  const std::string& restart) = 0;
  virtual Status logs(const std::string& id, const LogOptions& options, const LogSink& sink) = 0;
  // Runs argv in a running container, waits for it to end and returns its output and exit
  // code (the ingress proxies' admin endpoint is reached this way only).
  virtual Result<ExecResult> exec(const std::string& id, const std::vector<std::string>& argv) = 0;

  // Networks and volumes whose labels match `label` ("key=value" or "key"); for networks, ""
  // lists every network on the host.
  virtual Result<std::vector<ObservedNetwork>> list_networks(const std::string& label) = 0;
  virtual Result<ObservedNetwork> create_network(
      const NetworkSpec& spec, const std::map<std::string, std::string>& labels) = 0;
  virtual Status remove_network(const std::string& id_or_name) = 0;
  virtual Result<std::vector<ObservedVolume>> list_volumes(const std::string& label) = 0;
  // Idempotent, like the engine's: if the volume exists it comes back with ITS labels, which
  // the caller must check (this is also what makes volume-based locks atomic).
  virtual Result<ObservedVolume> create_volume(
      const VolumeSpec& spec, const std::map<std::string, std::string>& labels) = 0;
  virtual Status remove_volume(const std::string& name) = 0;

  virtual Result<bool> image_present(const std::string& ref) = 0;
  // Pulls with registry auth from the user's Docker config; errors mid-stream are errors.
  virtual Status pull_image(const std::string& ref, const ProgressFn& progress) = 0;
  // Streams build.context as a tar to the engine and tags the result `tag`.
  virtual Status build_image(const BuildSpec& build, const std::string& tag,
                             const ProgressFn& progress) = 0;
};

struct ProviderOptions {
  std::vector<std::string> ssh_options;  // extra `-o` options (--ssh-option)
  int connect_timeout_seconds = 10;
  int channels_per_host = 8;  // dial-stdio channels multiplexed over one SSH connection
  // Longest wait for an ordinary engine request (docs/timeouts.md); 0 = the default, 30 s, or
  // BERTH_ENGINE_TIMEOUT seconds when that is set.
  int request_timeout_seconds = 0;
  bool verbose = false;  // notes on stderr: which transport each host uses, and why
};

// Chooses the implementation from host.address's scheme. Does not connect.
Result<std::unique_ptr<Provider>> make_provider(const Host& host, const ProviderOptions& options);

// A read-only provider that answers from a saved observed host (berth snapshot) or, for
// --offline, from the inventory alone (nothing running, declared capacity). Mutations fail.
std::unique_ptr<Provider> make_snapshot_provider(const ObservedHost& saved);
std::unique_ptr<Provider> make_offline_provider(const Host& host);

// Address of the local engine: DOCKER_HOST if set, else unix:///var/run/docker.sock.
std::string default_engine_address();

}  // namespace berth
