// The canonical spec of a replica and its hash (docs/design.md, State).
//
// canonical_spec() is the JSON of the fields that force a recreate, with sorted keys and
// defaults omitted, so that the same service always gives the same bytes. Not in it: replica
// count, update/rollback config, placement, reservations, the commit, x-* extensions, anything
// derived from placement (extra_hosts for other services), and the fields the engine can change
// in place (limits, restart policy), which the diff compares separately. Delivered files
// (ContainerSpec::files, docs/files.md) count by target, kind, source relative to the project
// directory, content digest, mode and owner: never by absolute path, never by content.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "planner/model.h"

namespace berth {

nlohmann::json canonical_spec(const Stack& stack, const Service& service);
// SHA-256 of canonical.dump(), lowercase hex.
std::string spec_hash(const nlohmann::json& canonical);
// SHA-256 of any text, lowercase hex (OpenSSL).
std::string sha256_hex(const std::string& text);

// True for env names containing a whole '_'-separated word PASSWORD, PASSWD, SECRET, TOKEN,
// KEY or CREDENTIALS (case-insensitive): DB_PASSWORD, API_KEY; not MONKEY.
bool is_secret_name(const std::string& name);
inline constexpr const char* kMasked = "(sensitive)";

}  // namespace berth
