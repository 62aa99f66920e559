// berth config / berth validate: the stack as `docker compose config` prints it
// (docs/config.md), or just the check.
#include <iostream>

#include "cmd/commands.h"

namespace berth::cli {
namespace {

int run_config(const StackOptions& stack, bool json) {
  Diagnostics diag;
  auto loaded = load_checked(plan_request(stack).load, diag);
  report_diagnostics(diag);
  if (!loaded.ok()) return report_error(loaded.error());
  if (!json) {
    std::cout << render_config_yaml(*loaded);
    return 0;
  }
  // A value that is not UTF-8 (from a latin-1 .env, say) is printed with U+FFFD, not thrown.
  std::cout << render_config_json(*loaded).dump(2, ' ', false,
                                                 nlohmann::json::error_handler_t::replace)
            << "\n";
  return 0;
}

int run_validate(const StackOptions& stack) {
  PlanRequest request = plan_request(stack);
  Diagnostics diag;
  auto loaded = load_checked(request.load, diag);
  if (loaded.ok()) resolve_inventory(request.inventory_path, loaded->project_dir, diag);
  report_diagnostics(diag);
  if (!loaded.ok()) return report_error(loaded.error());
  if (!diag.ok()) return 1;
  std::cout << "The stack " << loaded->name << " is valid (" << loaded->services.size()
            << " services).\n";
  return 0;
}

}  // namespace

void add_config_command(CLI::App& app, StackOptions& stack, int& exit_code) {
  auto json = std::make_shared<bool>(false);
  CLI::App* sub = app.add_subcommand("config", "Print the stack as `docker compose config` does");
  sub->add_flag("--json", *json, "JSON instead of YAML (as `docker compose config --format json`)");
  sub->callback([&stack, &exit_code, json] { exit_code = run_config(stack, *json); });
}

void add_validate_command(CLI::App& app, StackOptions& stack, int& exit_code) {
  CLI::App* sub = app.add_subcommand("validate", "Check the stack and inventory files only");
  sub->callback([&stack, &exit_code] { exit_code = run_validate(stack); });
}

}  // namespace berth::cli
