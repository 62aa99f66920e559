// A YAML document as berth reads it: our own tree with a location on every node, built from
// yaml-cpp once. Merge keys (<<) are resolved, aliases expanded (with a cap), duplicate keys
// reported with both locations, and more than one document refused (docs/traps.md, yaml-cpp).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "planner/result.h"

namespace berth::load {

// Where a node is: a SourceLocation whose file name is shared by every node of a file (a
// heap string per node and per key was a third of the loader's allocations). Converts to
// SourceLocation wherever one is expected.
struct Mark {
  const std::string* file = nullptr;  // from intern_file: lives as long as the process
  int line = 0;                       // 1-based, 0 = unknown
  int column = 0;

  operator SourceLocation() const { return {file ? *file : std::string(), line, column}; }
};

// One shared copy of a file name per process (a handful of paths: never freed).
const std::string* intern_file(const std::string& path);

struct Node {
  enum class Kind { kNull, kScalar, kSequence, kMap } kind = Kind::kNull;
  std::string scalar;  // the text of a scalar (after interpolation, once done)
  bool quoted = false;  // a quoted scalar is always a string
  Mark location;
  std::vector<Node> items;                          // sequence
  std::vector<std::pair<std::string, Node>> fields;  // map, in file order
  std::vector<Mark> key_locations;                   // map: where each key is

  bool is_map() const { return kind == Kind::kMap; }
  bool is_seq() const { return kind == Kind::kSequence; }
  bool is_scalar() const { return kind == Kind::kScalar; }
  bool is_null() const { return kind == Kind::kNull; }
  const Node* find(const std::string& key) const;
  Node* find(const std::string& key);
  SourceLocation key_location(const std::string& key) const;
  const char* kind_name() const;
};

// Parses one file's text (tree_build.cc). Errors go into diag; returns a null node on
// failure. Time and memory are linear in the text plus what aliases expand to (capped).
// `interrupted`, if set, is polled every few thousand nodes; when it returns true, parsing
// stops with an ErrorKind::kInterrupted error.
Node parse_yaml(const std::string& text, const std::string& file, Diagnostics& diag,
                const std::function<bool()>& interrupted = {});

}  // namespace berth::load
