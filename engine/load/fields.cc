#include "engine/load/fields.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "engine/load/scalars.h"

namespace berth::load {
namespace {

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

template <class T>
std::optional<T> scalar_as(Context& c, const Node& n, const std::string& key, const char* what,
                           std::optional<T> (*parse)(const std::string&)) {
  if (!n.is_scalar()) {
    fail(c, n.location, fmt::format("'{}' must be {}, not {}", key, what, n.kind_name()));
    return std::nullopt;
  }
  auto v = parse(n.scalar);
  if (!v) fail(c, n.location, fmt::format("'{}' must be {}, got '{}'", key, what, n.scalar));
  return v;
}

}  // namespace

void fail(Context& c, const SourceLocation& at, const std::string& message,
          const std::string& hint) {
  c.diag.error({ErrorKind::kInput, at, "", c.service, message, hint});
}

void warn(Context& c, const SourceLocation& at, const std::string& message) {
  c.diag.warn({at, c.service, message});
}

std::optional<std::string> as_string(Context& c, const Node& n, const std::string& key) {
  if (n.is_null()) return std::string();
  if (!n.is_scalar()) {
    fail(c, n.location, fmt::format("'{}' must be a single value, not {}", key, n.kind_name()));
    return std::nullopt;
  }
  return n.scalar;
}

std::optional<int64_t> as_int(Context& c, const Node& n, const std::string& key) {
  return scalar_as<int64_t>(c, n, key, "a whole number", parse_int);
}
std::optional<bool> as_bool(Context& c, const Node& n, const std::string& key) {
  return scalar_as<bool>(c, n, key, "true or false", parse_bool);
}
std::optional<Bytes> as_bytes(Context& c, const Node& n, const std::string& key) {
  return scalar_as<Bytes>(c, n, key, "a byte value such as 512m or 1.5GiB", parse_bytes);
}
std::optional<Nanos> as_duration(Context& c, const Node& n, const std::string& key) {
  return scalar_as<Nanos>(c, n, key, "a duration such as 30s or 1m30s", parse_duration);
}
std::optional<NanoCpus> as_cpus(Context& c, const Node& n, const std::string& key) {
  return scalar_as<NanoCpus>(c, n, key, "a number of CPUs such as 0.5", parse_cpus);
}

std::vector<std::string> as_list(Context& c, const Node& n, const std::string& key,
                                 bool allow_scalar) {
  if (allow_scalar && n.is_scalar()) return {n.scalar};
  if (n.is_null()) return {};
  if (!n.is_seq()) {
    fail(c, n.location, fmt::format("'{}' must be a list, not {}", key, n.kind_name()));
    return {};
  }
  std::vector<std::string> out;
  for (const Node& item : n.items) {
    if (auto s = as_string(c, item, key)) out.push_back(*s);
  }
  return out;
}

std::map<std::string, std::optional<std::string>> as_map(Context& c, const Node& n,
                                                         const std::string& key, char sep) {
  std::map<std::string, std::optional<std::string>> out;
  if (n.is_null()) return out;
  if (n.is_map()) {
    for (const auto& [k, v] : n.fields) {
      if (v.is_null()) out[k] = std::nullopt;
      else if (auto s = as_string(c, v, key + "." + k)) out[k] = *s;
    }
    return out;
  }
  if (!n.is_seq()) {
    fail(c, n.location, fmt::format("'{}' must be a mapping or a list, not {}", key,
                                    n.kind_name()));
    return out;
  }
  for (const Node& item : n.items) {
    auto s = as_string(c, item, key);
    if (!s) continue;
    auto at = s->find(sep);
    if (at == std::string::npos) out[*s] = std::nullopt;
    else out[s->substr(0, at)] = s->substr(at + 1);
  }
  return out;
}

bool check_map(Context& c, const Node& n, const std::string& what) {
  if (n.is_map()) return true;
  fail(c, n.location, fmt::format("'{}' must be a mapping, not {}", what, n.kind_name()));
  return false;
}

void check_keys(Context& c, const Node& n, const KeySet& keys, const std::string& where) {
  for (size_t i = 0; i < n.fields.size(); ++i) {
    const std::string& k = n.fields[i].first;
    if (keys.known.count(k) || k.rfind("x-", 0) == 0) continue;
    const SourceLocation& at = n.key_locations[i];
    if (keys.unsupported.count(k)) {
      warn(c, at, fmt::format("'{}' is not supported by berth yet and is ignored", k));
      continue;
    }
    std::string best;
    size_t best_d = 3;
    for (const auto& cand : keys.known)
      if (size_t d = edit_distance(k, cand); d < best_d) best_d = d, best = cand;
    fail(c, at, fmt::format("unknown key '{}' in {}", k, where),
         best.empty() ? "see the Compose specification for the keys allowed here"
                      : fmt::format("did you mean '{}'?", best));
  }
}

std::string resolve_path(const Context& c, const std::string& path) {
  namespace fs = std::filesystem;
  if (path.rfind("~/", 0) == 0) {
    const char* home = std::getenv("HOME");
    return (fs::path(home ? home : "/") / path.substr(2)).lexically_normal().string();
  }
  fs::path p(path);
  if (p.is_absolute()) return p.lexically_normal().string();
  return (fs::path(c.project_dir) / p).lexically_normal().string();
}

}  // namespace berth::load
