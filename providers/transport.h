// How a provider reaches an engine: something that opens byte channels to the Engine API.
// Internal to providers/.
#pragma once

#include <memory>
#include <string>

#include "planner/result.h"
#include "providers/provider.h"

namespace berth {

class Transport {
 public:
  virtual ~Transport() = default;
  // A new connected stream fd speaking to the engine (close-on-exec; the caller owns it).
  virtual Result<int> open_channel() = 0;
  // Turns a failure seen on a channel into the clearest error the transport can give
  // (for SSH: what ssh printed on stderr, classified).
  virtual Error explain(Error seen) { return seen; }
  // How channels reach the engine, for `berth hosts` and -v: "unix", "ssh stream-local",
  // "ssh dial-stdio" (known once the first channel is open).
  virtual std::string kind() const = 0;
  // Whether a new channel costs next to nothing (a unix socket, a stream-local forward), or
  // a process on the host (a dial-stdio Docker CLI): the provider then reuses a few channels
  // rather than open one per call in flight.
  virtual bool cheap_channels() const { return true; }
  // The Engine API version that the transport's own probe of the engine was told (the
  // Api-Version header of its /_ping), known once the first channel is open; "" when it did
  // not probe, and the provider pings for itself.
  virtual std::string api_version() const { return ""; }
};

std::unique_ptr<Transport> make_unix_transport(const std::string& host, const std::string& path);
// host.address: ssh://[user@]host[:port]; host.socket: the engine socket on the host ("" =
// what the remote login's DOCKER_HOST names, else /var/run/docker.sock).
Result<std::unique_ptr<Transport>> make_ssh_transport(const Host& host,
                                                      const ProviderOptions& options);

// The provider over any transport.
// Every request waits at most options.request_timeout_seconds for the engine (longer for
// pulls and builds, none for `logs -f`: docs/timeouts.md).
std::unique_ptr<Provider> make_docker_provider(const std::string& host,
                                               std::unique_ptr<Transport> transport,
                                               int max_channels, const ProviderOptions& options);

}  // namespace berth
