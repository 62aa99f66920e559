// Compose variable interpolation and .env files.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "engine/load/tree.h"
#include "planner/result.h"

namespace berth::load {

using Variables = std::map<std::string, std::string>;

// Expands ${V}, ${V:-d}, ${V-d}, ${V:?e}, ${V?e}, ${V:+a}, ${V+a} (nested), $V and $$ in one
// string. Errors (missing required variable, bad syntax) go to diag at `where`.
std::string interpolate(const std::string& text, const Variables& vars,
                        const SourceLocation& where, Diagnostics& diag);

// Interpolates every scalar of a tree (keys are left as written, as Compose does).
void interpolate_tree(Node& node, const Variables& vars, Diagnostics& diag);

// Parses a .env file: KEY=VALUE lines, `export `, # comments, single quotes (literal), double
// quotes (escapes, multi-line), unquoted values with ` #` comments, CRLF, ${VAR} references
// to earlier lines or `outer`. Returns nullopt (and an error) if the file cannot be read.
std::optional<Variables> read_env_file(const std::string& path, const Variables& outer,
                                       Diagnostics& diag, bool required = true);

}  // namespace berth::load
