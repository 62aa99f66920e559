// Typed reads of tree nodes, each reporting a precise error (file:line:col, service) when the
// node has the wrong shape. Used by the normalizers.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/load/interpolate.h"
#include "engine/load/tree.h"
#include "planner/model.h"

namespace berth::load {

struct Context {
  Diagnostics& diag;
  std::string service;      // current service, for messages
  std::string project_dir;  // relative paths resolve here
  const Variables& vars;
  std::function<bool()> interrupted = {};  // polled between services (loader.h)
};

void fail(Context& c, const SourceLocation& at, const std::string& message,
          const std::string& hint = "");
void warn(Context& c, const SourceLocation& at, const std::string& message);

std::optional<std::string> as_string(Context& c, const Node& n, const std::string& key);
std::optional<int64_t> as_int(Context& c, const Node& n, const std::string& key);
std::optional<bool> as_bool(Context& c, const Node& n, const std::string& key);
std::optional<Bytes> as_bytes(Context& c, const Node& n, const std::string& key);
std::optional<Nanos> as_duration(Context& c, const Node& n, const std::string& key);
std::optional<NanoCpus> as_cpus(Context& c, const Node& n, const std::string& key);
// A list of scalars, or (when allowed) one scalar.
std::vector<std::string> as_list(Context& c, const Node& n, const std::string& key,
                                 bool allow_scalar = false);
// A mapping of scalars, or a list of "K<sep>V" strings. A list item without sep maps to
// nullopt (environment: take it from the process), so callers decide.
std::map<std::string, std::optional<std::string>> as_map(Context& c, const Node& n,
                                                         const std::string& key, char sep = '=');

// Keys of a mapping: `known` are read by the caller, `unsupported` are Compose keys berth does
// not implement (a warning each), anything else (but x-*) is an error with a suggestion.
struct KeySet {
  std::set<std::string> known;
  std::set<std::string> unsupported;
};
bool check_map(Context& c, const Node& n, const std::string& what);
void check_keys(Context& c, const Node& n, const KeySet& keys, const std::string& where);

// Resolves a path against the project directory; "~" is the home directory.
std::string resolve_path(const Context& c, const std::string& path);

}  // namespace berth::load
