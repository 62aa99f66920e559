// Read-only providers: a saved observed host (berth snapshot) or the inventory alone
// (--offline). Observe, place and diff run unchanged on them; any change is refused.
#include "providers/provider.h"

namespace berth {
namespace {

class ReadOnlyProvider : public Provider {
 public:
  explicit ReadOnlyProvider(ObservedHost state) : state_(std::move(state)) {}

  const std::string& host() const override { return state_.name; }
  Result<EngineInfo> info() override {
    if (!state_.reachable) return state_.error;
    EngineInfo info;
    info.engine_version = state_.engine_version;
    info.api_version = state_.api_version;
    info.id = state_.engine_id;
    info.system_time = state_.engine_time;
    info.capacity = state_.capacity;
    return info;
  }
  Result<std::vector<ObservedContainer>> list_containers() override { return state_.containers; }
  Result<ObservedContainer> inspect_container(const std::string& id) override {
    for (const auto& c : state_.containers)
      if (c.id == id || c.name == id) return c;
    return refuse("inspect a container not in the snapshot");
  }
  // The saved state holds the stack's networks and volumes, and only the names of the rest.
  Result<std::vector<ObservedNetwork>> list_networks(const std::string& label) override {
    std::vector<ObservedNetwork> out = state_.networks;
    if (label.empty())
      for (const auto& name : state_.other_networks) out.push_back({"", name, {}});
    return out;
  }
  Result<std::vector<ObservedVolume>> list_volumes(const std::string& label) override {
    if (label.rfind("io.berth.lock", 0) == 0) return std::vector<ObservedVolume>{};
    std::vector<ObservedVolume> out = state_.volumes;
    if (label.empty())
      for (const auto& name : state_.other_volumes) out.push_back({name, {}, 0});
    return out;
  }
  Result<std::string> create_container(const ContainerCreate&) override { return refuse("create"); }
  Status start_container(const std::string&) override { return refuse("start"); }
  Status stop_container(const std::string&, Nanos) override { return refuse("stop"); }
  Status remove_container(const std::string&, bool) override { return refuse("remove"); }
  Status rename_container(const std::string&, const std::string&) override {
    return refuse("rename");
  }
  Status put_archive(const std::string&, const std::string&, const std::string&) override {
    return refuse("copy files into a container");
  }
  Status update_container(const std::string&, const Resources&, const std::string&) override {
    return refuse("update");
  }
  Status logs(const std::string&, const LogOptions&, const LogSink&) override {
    return refuse("read logs");
  }
  // Observe reads the proxy's configuration this way: a snapshot answers from what it saved.
  Result<ExecResult> exec(const std::string&, const std::vector<std::string>& argv) override {
    if (argv == std::vector<std::string>{"cat", kProxyConfigPath})
      return ExecResult{0, state_.proxy_config};
    return refuse("run a command in a container");
  }
  Result<ObservedNetwork> create_network(const NetworkSpec&,
                                         const std::map<std::string, std::string>&) override {
    return refuse("create a network");
  }
  Status remove_network(const std::string&) override { return refuse("remove a network"); }
  Result<ObservedVolume> create_volume(const VolumeSpec&,
                                       const std::map<std::string, std::string>&) override {
    return refuse("create a volume");
  }
  Status remove_volume(const std::string&) override { return refuse("remove a volume"); }
  Result<bool> image_present(const std::string&) override { return true; }
  Status pull_image(const std::string&, const ProgressFn&) override { return refuse("pull"); }
  Status build_image(const BuildSpec&, const std::string&, const ProgressFn&) override {
    return refuse("build");
  }

 private:
  Error refuse(const std::string& what) const {
    return Error{ErrorKind::kUsage,
                 {},
                 state_.name,
                 "",
                 "cannot " + what + ": this host is a snapshot/offline view",
                 "plan offline, apply against the live hosts"};
  }
  ObservedHost state_;
};

}  // namespace

std::unique_ptr<Provider> make_snapshot_provider(const ObservedHost& saved) {
  return std::make_unique<ReadOnlyProvider>(saved);
}

std::unique_ptr<Provider> make_offline_provider(const Host& host) {
  ObservedHost h;
  h.name = host.name;
  h.reachable = true;
  h.engine_version = "offline";
  h.capacity = host.capacity.value_or(Resources{});
  return std::make_unique<ReadOnlyProvider>(h);
}

}  // namespace berth
