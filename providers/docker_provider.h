// The Docker Engine API provider over any Transport, with a small pool of channels so one
// long call (a pull, a log stream) never blocks the others. Internal to providers/.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "providers/http.h"
#include "providers/transport.h"

namespace berth {

class DockerProvider : public Provider {
 public:
  DockerProvider(std::string host, std::unique_ptr<Transport> transport, int max_channels,
                 const ProviderOptions& options);
  ~DockerProvider() override;

  const std::string& host() const override { return host_; }
  Result<EngineInfo> info() override;
  Result<std::vector<ObservedContainer>> list_containers() override;
  Result<ObservedContainer> inspect_container(const std::string& id) override;
  Result<std::string> create_container(const ContainerCreate& request) override;
  Status start_container(const std::string& id) override;
  Status stop_container(const std::string& id, Nanos timeout) override;
  Status remove_container(const std::string& id, bool volumes) override;
  Status rename_container(const std::string& id, const std::string& name) override;
  Status put_archive(const std::string& id, const std::string& dir,
                     const std::string& tar) override;
  Status update_container(const std::string& id, const Resources& limits,
                          const std::string& restart) override;
  Status logs(const std::string& id, const LogOptions& options, const LogSink& sink) override;
  Result<ExecResult> exec(const std::string& id, const std::vector<std::string>& argv) override;
  Result<std::vector<ObservedNetwork>> list_networks(const std::string& label) override;
  Result<ObservedNetwork> create_network(const NetworkSpec& spec,
                                         const std::map<std::string, std::string>& l) override;
  Status remove_network(const std::string& id) override;
  Result<std::vector<ObservedVolume>> list_volumes(const std::string& label) override;
  Result<ObservedVolume> create_volume(const VolumeSpec& spec,
                                       const std::map<std::string, std::string>& l) override;
  Status remove_volume(const std::string& name) override;
  Result<bool> image_present(const std::string& ref) override;
  Status pull_image(const std::string& ref, const ProgressFn& progress) override;
  Status build_image(const BuildSpec& build, const std::string& tag,
                     const ProgressFn& progress) override;

 private:
  // One request on a pooled channel, under the negotiated API version. `ok` lists the statuses
  // that are not errors (besides 2xx). A request without its own timeout gets timeout_,
  // unless `untimed` (`logs -f`).
  Result<http::Response> call(http::Request request, std::initializer_list<int> ok = {},
                              const http::ChunkFn* on_chunk = nullptr, bool untimed = false);
  // call() without the API version prefix: request.target is sent as it is.
  Result<http::Response> send(http::Request request, std::initializer_list<int> ok = {},
                              const http::ChunkFn* on_chunk = nullptr, bool untimed = false);
  // "/v1.41": the API version prefix, negotiated on the first request of a run.
  Result<std::string> api_prefix();
  Status negotiate();  // under negotiate_mu_
  Result<std::unique_ptr<http::Connection>> acquire();
  void release(std::unique_ptr<http::Connection> c);
  // The engine's message of a failed call, with a hint where one is known.
  Error engine_error(const http::Response& r) const;
  // Reads a JSON-lines progress stream (pull, build) and fails on errorDetail.
  Status progress_stream(http::Request request, const std::string& what,
                         const ProgressFn& progress);

  std::string host_;
  std::unique_ptr<Transport> transport_;
  int max_channels_;
  std::chrono::milliseconds timeout_;  // ordinary requests (docs/timeouts.md)
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<http::Connection>> idle_;
  int open_ = 0;
  std::mutex negotiate_mu_;
  std::string api_;                 // "/v1.41", empty until negotiated; guarded by negotiate_mu_
  std::optional<EngineInfo> info_;  // the last answer of info(), and when it came
  std::chrono::steady_clock::time_point info_at_;
};

}  // namespace berth
