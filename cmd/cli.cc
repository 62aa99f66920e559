#include "cmd/cli.h"

#include <cstdlib>
#include <exception>
#include <iostream>

#include "cmd/commands.h"

namespace berth::cli {

int run(int argc, char** argv) {
  CLI::App app{"berth: a Compose file on many Docker hosts, with a real planner", "berth"};
  app.set_version_flag("--version", "berth 0.1.0");
  app.require_subcommand(1);
  app.fallthrough();  // stack flags may come after the subcommand, as with docker compose
  StackOptions stack;
  add_stack_options(app, stack);
  int exit_code = 0;
  add_plan_command(app, stack, exit_code);
  add_apply_command(app, stack, exit_code);
  add_destroy_command(app, stack, exit_code);
  add_ps_command(app, stack, exit_code);
  add_status_command(app, stack, exit_code);
  add_logs_command(app, stack, exit_code);
  add_config_command(app, stack, exit_code);
  add_validate_command(app, stack, exit_code);
  add_hosts_command(app, stack, exit_code);
  add_snapshot_command(app, stack, exit_code);
  add_unlock_command(app, stack, exit_code);
  add_rollback_command(app, stack, exit_code);
  add_sync_command(app, stack, exit_code);
  install_interrupt_handler();
  // The one place exceptions are caught: library code returns Results, so anything reaching
  // here is a bug, reported as one line rather than a crash.
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "error: berth hit an internal error and stopped; please report it with the "
                 "command you ran"
              << (std::getenv("BERTH_DEBUG") ? std::string(" (") + e.what() + ")" : "") << "\n";
    return 1;
  }
  return exit_code;
}

}  // namespace berth::cli
