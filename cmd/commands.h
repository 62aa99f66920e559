// One function per subcommand file: each adds its subcommand to the app and, when that
// subcommand runs, stores its exit code in `exit_code`.
#pragma once

#include <CLI/CLI.hpp>

#include "cmd/options.h"

namespace berth::cli {

void add_plan_command(CLI::App& app, StackOptions& stack, int& exit_code);
void add_apply_command(CLI::App& app, StackOptions& stack, int& exit_code);
void add_destroy_command(CLI::App& app, StackOptions& stack, int& exit_code);
void add_config_command(CLI::App& app, StackOptions& stack, int& exit_code);
void add_validate_command(CLI::App& app, StackOptions& stack, int& exit_code);
void add_ps_command(CLI::App& app, StackOptions& stack, int& exit_code);
void add_logs_command(CLI::App& app, StackOptions& stack, int& exit_code);
void add_snapshot_command(CLI::App& app, StackOptions& stack, int& exit_code);
void add_hosts_command(CLI::App& app, StackOptions& stack, int& exit_code);
void add_unlock_command(CLI::App& app, StackOptions& stack, int& exit_code);
void add_rollback_command(CLI::App& app, StackOptions& stack, int& exit_code);
void add_status_command(CLI::App& app, StackOptions& stack, int& exit_code);
void add_sync_command(CLI::App& app, StackOptions& stack, int& exit_code);

}  // namespace berth::cli
