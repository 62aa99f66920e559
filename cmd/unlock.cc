// berth unlock: clear the stack's lock left on the hosts by a run that died.
#include <iostream>

#include "cmd/commands.h"
#include "engine/lock.h"

namespace berth::cli {
namespace {

int run_unlock(const StackOptions& stack) {
  Diagnostics diag;
  auto opened = open_stack(plan_request(stack), diag);
  report_diagnostics(diag);
  if (!opened.ok()) return report_error(opened.error());
  auto removed = force_unlock(opened->stack.name, opened->fleet, stack.parallel);
  if (!removed.ok()) return report_error(removed.error());
  if (removed->empty()) std::cout << "No lock was held on stack " << opened->stack.name << ".\n";
  for (const auto& line : *removed) std::cout << "Removed the lock on " << line << "\n";
  return 0;
}

}  // namespace

void add_unlock_command(CLI::App& app, StackOptions& stack, int& exit_code) {
  CLI::App* sub = app.add_subcommand("unlock", "Remove a stale lock on the stack");
  sub->callback([&stack, &exit_code] { exit_code = run_unlock(stack); });
}

}  // namespace berth::cli
