// berth snapshot -o FILE: save what runs on the hosts, for `berth plan --snapshot FILE`.
#include <iostream>
#include <nlohmann/json.hpp>

#include "cmd/commands.h"
#include "engine/observe.h"
#include "engine/snapshot.h"

namespace berth::cli {
namespace {

int run_snapshot(const StackOptions& stack, const std::string& out, bool json) {
  auto opened = open_reported(plan_request(stack));
  if (!opened.ok()) return report_error(opened.error());
  Observed observed = observe(opened->stack.name, opened->fleet, stack.parallel);
  nlohmann::json unreachable = nlohmann::json::array();
  for (const auto& h : observed.hosts)
    if (!h.reachable) {
      unreachable.push_back({{"host", h.name}, {"error", h.error.str()}});
      std::cerr << "warning: " << h.error.str() << "\n";
    }
  if (Status st = write_snapshot(out, opened->fleet.inventory, observed); !st.ok())
    return report_error(st.error());
  size_t saved = observed.hosts.size() - unreachable.size();
  if (json)
    std::cout << nlohmann::json{{"file", out}, {"hosts_saved", saved}, {"unreachable", unreachable}}
                     .dump(2)
              << "\n";
  else
    std::cout << "Saved the state of " << saved << " host(s) to " << out
              << "; plan against it with `berth plan --snapshot " << out << "`.\n";
  return unreachable.empty() ? 0 : 1;
}

}  // namespace

void add_snapshot_command(CLI::App& app, StackOptions& stack, int& exit_code) {
  auto out = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  CLI::App* sub = app.add_subcommand("snapshot", "Save the hosts' state for offline planning");
  sub->add_option("-o,--out", *out, "File to write")->required()->type_name("FILE");
  sub->add_flag("--json", *json, "{file, hosts_saved, unreachable[{host, error}]} on stdout");
  sub->callback([&stack, &exit_code, out, json] { exit_code = run_snapshot(stack, *out, *json); });
}

}  // namespace berth::cli
