// The Compose loader: stack files, .env and inventory -> the Desired model (planner/model.h).
// (API pinned by the lead; the loader helper owns the implementation.)
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "planner/model.h"
#include "planner/result.h"

namespace berth {

struct LoadOptions {
  std::vector<std::string> files;      // -f, in order; empty = find as Compose does
  std::string project_name;            // -p ("" = not given)
  std::vector<std::string> env_files;  // --env-file (default: .env beside the first file)
  std::vector<std::string> profiles;   // --profile
  std::string working_dir;             // "" = current directory
  std::map<std::string, std::string> environment;  // process environment
  // Polled every few thousand nodes while loading (cmd/options.cc fills it from SIGINT and
  // SIGTERM); when it returns true, loading stops with an ErrorKind::kInterrupted error.
  std::function<bool()> interrupted;
};

// Loads, interpolates, merges and normalizes. Every problem found goes into diag (errors and
// warnings, each with file:line:col); the returned Stack is meaningful only if diag.ok().
// Stack and env files must be regular files of at most 64 MiB (engine/load/files.h): anything
// else is refused before it is read, so a FIFO never blocks. Time and memory are linear in
// the size of the files.
Stack load_stack(const LoadOptions& options, Diagnostics& diag);
// Inventory file (docs/design.md, Inventory). Hosts sorted by name. The same rules for what may be
// read; two hosts with the same address (same user, host, port and socket for ssh; same path
// for unix) are an error naming both.
Inventory load_inventory(const std::string& path, Diagnostics& diag);
// `berth config` output: the document `docker compose config` prints (docs/config.md), as
// YAML (every string value quoted) and as JSON. Secret-looking env values are masked.
std::string render_config_yaml(const Stack& stack);
nlohmann::ordered_json render_config_json(const Stack& stack);

}  // namespace berth
