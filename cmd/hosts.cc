// berth hosts: each host's reachability, engine, how berth reaches it (TRANSPORT: unix, ssh
// stream-local, or ssh dial-stdio where sshd refuses stream-local forwarding), capacity,
// reserved/free resources, labels and berth replicas. -v also prints why a host fell back.
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cmd/commands.h"
#include "engine/observe.h"

namespace berth::cli {
namespace {

struct HostRow {
  const ObservedHost* host;
  Resources reserved;
  int replicas = 0;
};

HostRow summarize(const ObservedHost& h) {
  HostRow row{&h, {}, 0};
  for (const auto& c : h.containers) {
    if (counts_as_running(c)) row.reserved += c.reserved;
    if (!c.label(labels::kStack).empty()) ++row.replicas;
  }
  return row;
}

std::string cpus(NanoCpus n) { return fmt::format("{:.2f}", n / 1e9); }
std::string gib(Bytes b) { return fmt::format("{:.1f}GiB", b / 1073741824.0); }

int run_hosts(const StackOptions& stack, bool json, bool verbose) {
  Diagnostics diag;
  std::string dir = stack.project_directory.empty() ? std::filesystem::current_path().string()
                                                    : stack.project_directory;
  Inventory inventory = resolve_inventory(stack.inventory, dir, diag);
  if (report_diagnostics(diag)) return 1;
  ProviderOptions provider;
  provider.ssh_options = stack.ssh_options;
  provider.verbose = verbose;
  auto fleet = open_fleet(inventory, FleetMode::kLive, provider);
  if (!fleet.ok()) return report_error(fleet.error());
  Observed observed = observe("", *fleet, stack.parallel);
  // The transport is known once a host's first channel is open; info() reuses that channel.
  std::vector<std::string> transport(observed.hosts.size());
  for (size_t i = 0; i < observed.hosts.size(); ++i)
    if (observed.hosts[i].reachable)
      if (auto info = fleet->providers[i]->info(); info.ok()) transport[i] = info->transport;
  nlohmann::json out = nlohmann::json::array();
  if (!json)
    std::cout << fmt::format("{:<12} {:<11} {:<14} {:<16} {:>6} {:>9} {:>6} {:>9} {:>8}  {}\n",
                             "HOST", "STATUS", "ENGINE", "TRANSPORT", "CPUS", "MEMORY", "FREE",
                             "FREE MEM", "REPLICAS", "LABELS");
  for (size_t i = 0; i < observed.hosts.size(); ++i) {
    HostRow row = summarize(observed.hosts[i]);
    const ObservedHost& h = observed.hosts[i];
    Resources free = h.capacity;
    free -= row.reserved;
    std::string labels_text;
    for (const auto& [k, v] : inventory.hosts[i].labels)
      labels_text += (labels_text.empty() ? "" : ",") + k + "=" + v;
    if (json) {
      out.push_back({{"host", h.name}, {"reachable", h.reachable},
                     {"error", h.reachable ? "" : h.error.str()}, {"engine", h.engine_version},
                     {"api", h.api_version}, {"transport", transport[i]},
                     {"capacity", {{"nano_cpus", h.capacity.nano_cpus},
                                                           {"memory", h.capacity.memory}}},
                     {"reserved", {{"nano_cpus", row.reserved.nano_cpus},
                                   {"memory", row.reserved.memory}}},
                     {"labels", inventory.hosts[i].labels}, {"replicas", row.replicas}});
    } else if (!h.reachable) {
      std::cout << fmt::format("{:<12} {:<11} {}\n", h.name, "unreachable", h.error.str());
    } else {
      std::cout << fmt::format("{:<12} {:<11} {:<14} {:<16} {:>6} {:>9} {:>6} {:>9} {:>8}  {}\n",
                               h.name, "ok", h.engine_version, transport[i],
                               cpus(h.capacity.nano_cpus),
                               gib(h.capacity.memory), cpus(free.nano_cpus), gib(free.memory),
                               row.replicas, labels_text);
    }
  }
  if (json) std::cout << out.dump(2) << "\n";
  for (const auto& h : observed.hosts)
    if (!h.reachable) return 1;
  return 0;
}

}  // namespace

void add_hosts_command(CLI::App& app, StackOptions& stack, int& exit_code) {
  auto json = std::make_shared<bool>(false);
  auto verbose = std::make_shared<bool>(false);
  CLI::App* sub = app.add_subcommand("hosts", "Show every host: reachable, capacity, free, replicas");
  sub->add_flag("--json", *json, "JSON output");
  sub->add_flag("-v,--verbose", *verbose, "Say how each host is reached, and why");
  sub->callback([&stack, &exit_code, json, verbose] {
    exit_code = run_hosts(stack, *json, *verbose);
  });
}

}  // namespace berth::cli
