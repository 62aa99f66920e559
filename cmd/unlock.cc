// berth unlock: clear the stack's lock left on the hosts by a run that died. It takes the lock
// itself (a stale one is taken over), then releases it; a live run's lock is refused (exit 4)
// unless --force.
#include <iostream>
#include <nlohmann/json.hpp>

#include "cmd/commands.h"
#include "engine/lock.h"

namespace berth::cli {
namespace {

int run_unlock(const StackOptions& stack, bool force, bool json) {
  auto opened = open_reported(plan_request(stack));
  if (!opened.ok()) return report_error(opened.error());
  auto lock = StackLock::acquire(opened->stack.name, opened->fleet,
                                 {stack.parallel, /*skip_unreachable=*/true, force, 0});
  if (!lock.ok()) return report_error(lock.error());
  nlohmann::json unreachable = nlohmann::json::array();
  for (const auto& [index, e] : (*lock)->unreachable()) {
    std::cerr << "warning: not unlocked: " << e.str() << "\n";
    unreachable.push_back(
        {{"host", opened->fleet.inventory.hosts[index].name}, {"error", e.str()}});
  }
  if (json) {
    std::cout << nlohmann::json{{"stack", opened->stack.name},
                                {"removed", (*lock)->notes()},
                                {"unreachable", unreachable}}
                     .dump(2)
              << "\n";
  } else {
    for (const auto& note : (*lock)->notes()) std::cout << "Removed: " << note << "\n";
    if ((*lock)->notes().empty())
      std::cout << "No other run held the lock of stack " << opened->stack.name << ".\n";
  }
  if (Status st = (*lock)->release(); !st.ok()) return report_error(st.error());
  return (*lock)->unreachable().empty() ? 0 : 3;
}

}  // namespace

void add_unlock_command(CLI::App& app, StackOptions& stack, int& exit_code) {
  auto force = std::make_shared<bool>(false);
  auto json = std::make_shared<bool>(false);
  CLI::App* sub = app.add_subcommand("unlock", "Remove a stale lock on the stack");
  sub->add_flag("--force", *force, "Also remove a lock whose holder still renews it");
  sub->add_flag("--json", *json, "{stack, removed[], unreachable[{host, error}]} on stdout");
  sub->callback(
      [&stack, &exit_code, force, json] { exit_code = run_unlock(stack, *force, *json); });
}

}  // namespace berth::cli
