// berth config / berth validate: the stack as `docker compose config` prints it
// (docs/config.md), or just the check.
#include <iostream>
#include <nlohmann/json.hpp>

#include "cmd/commands.h"
#include "cmd/render.h"

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

int run_validate(const StackOptions& stack, bool json) {
  PlanRequest request = plan_request(stack);
  Diagnostics diag;
  auto loaded = load_checked(request.load, diag);
  if (loaded.ok()) resolve_inventory(request.inventory_path, loaded->project_dir, diag);
  int code = !loaded.ok() ? exit_code_for(loaded.error().kind) : diag.ok() ? 0 : 1;
  if (json) {
    // Everything found is in the document: an editor or a CI step reads one thing.
    nlohmann::json errors = nlohmann::json::array(), warnings = nlohmann::json::array();
    for (const Error& e : diag.errors) errors.push_back(error_json(e));
    for (const Warning& w : diag.warnings) warnings.push_back(warning_json(w));
    if (!loaded.ok() && diag.errors.empty()) errors.push_back(error_json(loaded.error()));
    std::cout << nlohmann::json{{"valid", code == 0},
                                {"stack", loaded.ok() ? loaded->name : ""},
                                {"services", loaded.ok() ? loaded->services.size() : 0},
                                {"errors", errors},
                                {"warnings", warnings}}
                     .dump(2)
              << "\n";
    return code;
  }
  report_diagnostics(diag);
  if (!loaded.ok()) return report_error(loaded.error());
  if (code != 0) return code;
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
  auto json = std::make_shared<bool>(false);
  CLI::App* sub = app.add_subcommand("validate", "Check the stack and inventory files only");
  sub->add_flag("--json", *json, "{valid, stack, services, errors[], warnings[]} on stdout");
  sub->callback([&stack, &exit_code, json] { exit_code = run_validate(stack, *json); });
}

}  // namespace berth::cli
