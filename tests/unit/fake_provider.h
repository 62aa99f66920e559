// An in-memory Provider for unit tests of the engine: containers, networks and volumes live in
// maps; every call is recorded; a host can be made to fail. Not a Docker emulator: it keeps
// just what the engine reads back.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "providers/provider.h"

namespace berth::testing {

class FakeProvider : public Provider {
 public:
  explicit FakeProvider(std::string host, Resources capacity = {4 * kNanoCpusPerCpu, 8LL << 30, 0})
      : host_(std::move(host)), capacity_(capacity) {}

  bool down = false;            // every call fails like an unreachable host
  std::string fail_create_of;   // container name whose create fails
  std::string unhealthy_image;  // containers of this image report "unhealthy"
  std::string starting_image;   // containers of this image stay "starting"
  std::set<std::string>
      unhealthy_names;  // containers of these names (and unhealthy_image) report "unhealthy"
  std::vector<std::string> calls;  // "create demo-web-1", "start demo-web-1", ...
  std::map<std::string, ObservedContainer> containers;  // by id
  std::map<std::string, ObservedNetwork> networks;      // by name
  std::map<std::string, ObservedVolume> volumes;        // by name
  std::vector<std::string> images{"busybox"};
  std::map<std::string, std::string> archives;     // container name -> the last tar put into it
  std::map<std::string, std::string> archives_in;  // "NAME DIR" -> the last tar put there

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

  // Names of running containers, sorted.
  std::vector<std::string> running() const;

 private:
  Error unreachable() const;
  ObservedContainer* find(const std::string& id_or_name);
  void record(const std::string& call);

  std::string host_;
  Resources capacity_;
  int next_id_ = 1;
  mutable std::mutex mu_;
};

}  // namespace berth::testing
