#include "providers/docker_provider.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <thread>

#include "providers/docker_api.h"

namespace berth {

using nlohmann::json;

namespace {

// BERTH_TRACE=1: one line per Engine API request on stderr when it ends (Unix time in ms,
// host, method, path, status, the wait for a channel and the whole time), to see where a run's
// time goes (docs/output.md; bench/rollout_bench.py reads it).
bool tracing() {
  static const bool on = [] {
    const char* v = std::getenv("BERTH_TRACE");
    return v && *v && std::string(v) != "0";
  }();
  return on;
}

void trace(const std::string& host, const http::Request& r, int status, double wait_ms,
           double total_ms) {
  long long now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  std::fprintf(stderr, "berth trace: %lld %s %s %s -> %d (channel %.1f ms, total %.1f ms)\n",
               now_ms, host.c_str(), r.method.c_str(), r.target.c_str(), status, wait_ms, total_ms);
}

}  // namespace

DockerProvider::DockerProvider(std::string host, std::unique_ptr<Transport> transport,
                               int max_channels, const ProviderOptions& options)
    : host_(std::move(host)),
      transport_(std::move(transport)),
      max_channels_(std::max(1, max_channels)),
      timeout_(std::chrono::seconds(std::max(1, options.request_timeout_seconds))) {}

DockerProvider::~DockerProvider() {
  idle_.clear();  // close channels before the transport (ssh) goes away
  transport_.reset();
}

Result<std::unique_ptr<http::Connection>> DockerProvider::acquire() {
  std::unique_lock<std::mutex> lock(mu_);
  // A dial-stdio channel is a Docker CLI started on the host (~0.2-0.6 s): reuse one that
  // comes free soon rather than start another for every read in flight. A long call (a
  // pull, `logs -f`) still gets the rest a channel of their own after that wait.
  constexpr auto kReuseWait = std::chrono::milliseconds(250);
  auto idle = [&] { return !idle_.empty(); };
  if (!transport_->cheap_channels() && open_ > 0) cv_.wait_for(lock, kReuseWait, idle);
  cv_.wait(lock, [&] { return !idle_.empty() || open_ < max_channels_; });
  if (!idle_.empty()) {
    auto c = std::move(idle_.back());
    idle_.pop_back();
    return c;
  }
  ++open_;
  lock.unlock();
  auto fd = transport_->open_channel();
  if (!fd.ok()) {
    std::lock_guard<std::mutex> g(mu_);
    --open_;
    cv_.notify_one();
    return fd.error();
  }
  return std::make_unique<http::Connection>(*fd);
}

void DockerProvider::release(std::unique_ptr<http::Connection> c) {
  std::lock_guard<std::mutex> g(mu_);
  if (c->broken())
    --open_;
  else
    idle_.push_back(std::move(c));
  cv_.notify_one();
}

Error DockerProvider::engine_error(const http::Response& r) const {
  std::string msg = docker::error_message(r.body);
  std::string hint;
  if (msg.find("NanoCPUs") != std::string::npos || msg.find("CPUs available") != std::string::npos)
    hint = "lower deploy.resources.limits.cpus to at most the host's CPU count";
  else if (r.status == 409)
    hint = "another container or object has this name; remove it or rename it";
  // 404 is its own kind: callers tell "gone" (a container removed meanwhile) from a failure.
  return Error{r.status == 404 ? ErrorKind::kNotFound : ErrorKind::kHost, {}, host_, "", msg, hint};
}

Result<http::Response> DockerProvider::call(http::Request request, std::initializer_list<int> ok,
                                            const http::ChunkFn* on_chunk, bool untimed) {
  auto api = api_prefix();
  if (!api.ok()) return api.error();
  request.target = *api + request.target;
  return send(std::move(request), ok, on_chunk, untimed);
}

Result<http::Response> DockerProvider::send(http::Request request, std::initializer_list<int> ok,
                                            const http::ChunkFn* on_chunk, bool untimed) {
  if (request.timeout.count() == 0 && !untimed) request.timeout = timeout_;
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  auto conn = acquire();
  if (!conn.ok()) return conn.error();
  auto c = std::move(conn).value();
  const auto t1 = clock::now();
  // A streamed answer that is an error still carries the engine's message: keep its start.
  std::string head;
  http::ChunkFn keep = [&](std::string_view chunk) {
    if (head.size() < 65536) head.append(chunk);
    return (*on_chunk)(chunk);
  };
  auto response = on_chunk ? c->stream(request, keep) : c->send(request);
  bool timed_out = c->timed_out();
  release(std::move(c));
  if (tracing()) {
    using ms = std::chrono::duration<double, std::milli>;
    trace(host_, request, response.ok() ? response->status : -1, ms(t1 - t0).count(),
          ms(clock::now() - t0).count());
  }
  if (response.ok() && on_chunk && response->body.empty()) response->body = head;
  if (!response.ok()) {
    // A stalled engine is not an ssh failure: keep the timeout's own message.
    Error e = timed_out ? response.error() : transport_->explain(response.error());
    e.host = host_;
    return e;
  }
  int status = response->status;
  bool fine = status / 100 == 2 || std::find(ok.begin(), ok.end(), status) != ok.end();
  if (!fine) return engine_error(*response);
  return response;
}

Result<std::string> DockerProvider::api_prefix() {
  // Requests start on several threads at once (observe asks /info beside the lists): the first
  // pings, the others wait for its answer.
  std::lock_guard<std::mutex> once(negotiate_mu_);
  if (api_.empty())
    if (Status st = negotiate(); !st.ok()) return st.error();
  return api_;
}

Status DockerProvider::negotiate() {
  auto conn = acquire();
  if (!conn.ok()) return conn.error();
  auto c = std::move(conn).value();
  // An SSH transport pinged the engine to test its channel: that answer names the version,
  // and asking again would be one more round trip before the first list.
  std::string version = transport_->api_version();
  if (version.empty()) {
    http::Request ping{"GET", "/_ping", "", "", {}};
    ping.timeout = timeout_;
    auto r = c->send(ping);
    bool timed_out = c->timed_out();
    release(std::move(c));
    if (!r.ok()) {
      Error e = timed_out ? r.error() : transport_->explain(r.error());
      e.host = host_;
      return e;
    }
    version = r->headers.count("api-version") ? r->headers["api-version"] : "1.41";
  } else {
    release(std::move(c));
  }
  int major = 0, minor = 0;
  std::sscanf(version.c_str(), "%d.%d", &major, &minor);
  if (major < 1 || (major == 1 && minor < 41))
    return Error{ErrorKind::kHost,
                 {},
                 host_,
                 "",
                 fmt::format("the Docker engine speaks API {}, berth needs 1.41 or newer", version),
                 "upgrade Docker on this host (20.10 or newer)"};
  if (major == 1 && minor > 45) minor = 45;
  api_ = fmt::format("/v{}.{}", major, minor);
  return ok_status();
}

// The lock, observe and the unlock each ask for the engine's facts; they do not change within
// a run and the engine's clock moves with ours, so one /info per host serves them all (the
// API version came with /_ping). A copy older than kInfoFresh is asked again, so a
// long `berth sync` sees an upgraded engine or a moved clock.
Result<EngineInfo> DockerProvider::info() {
  constexpr auto kInfoFresh = std::chrono::seconds(60);
  using clock = std::chrono::steady_clock;
  {
    std::lock_guard<std::mutex> g(mu_);
    auto age = clock::now() - info_at_;
    if (info_ && age < kInfoFresh) {
      EngineInfo out = *info_;
      if (out.system_time)
        out.system_time += std::chrono::duration_cast<std::chrono::seconds>(age).count();
      return out;
    }
  }
  // /info is a host's slowest read (~35 ms on the lab: dockerd runs `runc --version` for it);
  // it goes out unversioned beside the /_ping that negotiates the version, not after it. The
  // fields read from it are the same in every API version berth speaks.
  Result<std::string> api = Error{};
  std::thread negotiating([&] { api = api_prefix(); });
  const auto asked = clock::now();
  auto info = send({"GET", "/info", "", "", {}});
  negotiating.join();
  if (!api.ok()) return api.error();
  if (!info.ok()) return info.error();
  EngineInfo out = docker::engine_info(docker::parse(info->body));
  out.api_version = api->substr(2);
  out.transport = transport_->kind();
  std::lock_guard<std::mutex> g(mu_);
  info_ = out;
  info_at_ = asked;
  return out;
}

}  // namespace berth

namespace berth {
std::unique_ptr<Provider> make_docker_provider(const std::string& host,
                                               std::unique_ptr<Transport> transport,
                                               int max_channels, const ProviderOptions& options) {
  return std::make_unique<DockerProvider>(host, std::move(transport), max_channels, options);
}
}  // namespace berth
