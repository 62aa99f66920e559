// Options shared by the subcommands, and the helpers every subcommand uses to report.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "engine/pipeline.h"
#include "engine/sync.h"

namespace berth::cli {

// Flags that say which stack and which hosts (like docker compose's global flags).
struct StackOptions {
  std::vector<std::string> files;
  std::string project_name;
  std::string project_directory;
  std::vector<std::string> env_files;
  std::vector<std::string> profiles;
  std::string inventory;
  std::vector<std::string> ssh_options;
  int parallel = 16;
  bool no_color = false;
};

// Adds -f, -p, --env-file, --profile, --project-directory, -i, --ssh-option, --parallel,
// --no-color.
void add_stack_options(CLI::App& app, StackOptions& options);

// Flags of the commands that roll replicas out (apply, rollback, sync): --skip-unreachable and
// --health-timeout SECONDS (1-86400).
void add_rollout_flags(CLI::App& sub, bool& skip_unreachable, int& health_timeout_seconds);

// Which commit of which repository: `sync` and `status --repo` (docs/sync.md).
struct RepoOptions {
  std::string repo, ref, path, cache_dir;
};
// Adds --repo (required when `required`), --ref, --path, --cache-dir.
void add_repo_options(CLI::App& sub, RepoOptions& options, bool required);
// What the stack and repository flags say for engine/sync.h: -f, --env-file relative to the
// stack's directory in the checkout, -i as given, the process environment, interrupts.
SyncOptions sync_options(const StackOptions& stack, const RepoOptions& repo);

// The request every pipeline-based subcommand starts from (environment from the process).
PlanRequest plan_request(const StackOptions& options);

// Prints every warning and error of diag to stderr; returns true if there were errors.
bool report_diagnostics(const Diagnostics& diag);
// Loads the stack and opens its fleet, printing every diagnostic: how every command that needs
// the stack starts (engine/pipeline.h, open_stack).
Result<Planned> open_reported(const PlanRequest& request);
// Prints "error: <what>" (plus the hint) to stderr and returns the error's exit code.
int report_error(const Error& error);

bool stdin_is_tty();
bool stdout_is_tty();
// Asks on the terminal; true only for "yes".
bool confirm(const std::string& question);
// A command that streams JSON lines cannot also ask on stdout: --json without --yes is a usage
// error (exit 1), said on stderr. Returns 0 when the flags are fine.
int json_needs_yes(bool json, bool yes, const char* command);

// Set by SIGINT/SIGTERM; polled by long operations.
bool interrupted();
void install_interrupt_handler();

}  // namespace berth::cli
