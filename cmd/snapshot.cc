// berth snapshot -o FILE: save what runs on the hosts, for `berth plan --snapshot FILE`.
#include <iostream>

#include "cmd/commands.h"
#include "engine/observe.h"
#include "engine/snapshot.h"

namespace berth::cli {
namespace {

int run_snapshot(const StackOptions& stack, const std::string& out) {
  auto opened = open_reported(plan_request(stack));
  if (!opened.ok()) return report_error(opened.error());
  Observed observed = observe(opened->stack.name, opened->fleet, stack.parallel);
  int unreachable = 0;
  for (const auto& h : observed.hosts)
    if (!h.reachable) {
      ++unreachable;
      std::cerr << "warning: " << h.error.str() << "\n";
    }
  if (Status st = write_snapshot(out, opened->fleet.inventory, observed); !st.ok())
    return report_error(st.error());
  std::cout << "Saved the state of " << observed.hosts.size() - unreachable << " host(s) to "
            << out << "; plan against it with `berth plan --snapshot " << out << "`.\n";
  return unreachable ? 1 : 0;
}

}  // namespace

void add_snapshot_command(CLI::App& app, StackOptions& stack, int& exit_code) {
  auto out = std::make_shared<std::string>();
  CLI::App* sub = app.add_subcommand("snapshot", "Save the hosts' state for offline planning");
  sub->add_option("-o,--out", *out, "File to write")->required()->type_name("FILE");
  sub->callback([&stack, &exit_code, out] { exit_code = run_snapshot(stack, *out); });
}

}  // namespace berth::cli
