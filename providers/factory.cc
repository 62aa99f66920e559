// make_provider: the implementation is chosen by the address scheme.
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

#include "providers/transport.h"

namespace berth {

std::string default_engine_address() {
  const char* env = std::getenv("DOCKER_HOST");
  return env && *env ? env : "unix:///var/run/docker.sock";
}

namespace {

// Fills the defaults and the environment's overrides (docs/timeouts.md).
ProviderOptions resolve(ProviderOptions o) {
  if (o.request_timeout_seconds <= 0) {
    o.request_timeout_seconds = 30;
    if (const char* env = std::getenv("BERTH_ENGINE_TIMEOUT"); env && std::atoi(env) > 0)
      o.request_timeout_seconds = std::atoi(env);
  }
  if (const char* env = std::getenv("BERTH_VERBOSE"); env && *env && std::string(env) != "0")
    o.verbose = true;
  return o;
}

}  // namespace

Result<std::unique_ptr<Provider>> make_provider(const Host& host, const ProviderOptions& given) {
  ProviderOptions options = resolve(given);
  const std::string& a = host.address;
  if (a.rfind("unix://", 0) == 0)
    // Local connections are cheap: allow as many as the engine work that runs in parallel.
    return make_docker_provider(host.name, make_unix_transport(host.name, a.substr(7)),
                                std::max(options.channels_per_host, 16), options);
  if (a.rfind("ssh://", 0) == 0) {
    auto transport = make_ssh_transport(host, options);
    if (!transport.ok()) return transport.error();
    return make_docker_provider(host.name, std::move(transport).value(),
                                options.channels_per_host, options);
  }
  return Error{ErrorKind::kInput, host.location, host.name, "",
               fmt::format("unsupported address '{}'", a),
               "use ssh://[user@]host[:port] or unix:///path/to/docker.sock"};
}

}  // namespace berth
