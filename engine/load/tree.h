// A YAML document as berth reads it: our own tree with a location on every node, built from
// yaml-cpp once. Merge keys (<<) are resolved, aliases expanded (with a cap), duplicate keys
// reported with both locations, and more than one document refused (TRAPS.md, yaml-cpp).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "planner/result.h"

namespace berth::load {

struct Node {
  enum class Kind { kNull, kScalar, kSequence, kMap } kind = Kind::kNull;
  std::string scalar;  // the text of a scalar (after interpolation, once done)
  bool quoted = false;  // a quoted scalar is always a string
  SourceLocation location;
  std::vector<Node> items;                          // sequence
  std::vector<std::pair<std::string, Node>> fields;  // map, in file order
  std::vector<SourceLocation> key_locations;         // map: where each key is

  bool is_map() const { return kind == Kind::kMap; }
  bool is_seq() const { return kind == Kind::kSequence; }
  bool is_scalar() const { return kind == Kind::kScalar; }
  bool is_null() const { return kind == Kind::kNull; }
  const Node* find(const std::string& key) const;
  Node* find(const std::string& key);
  SourceLocation key_location(const std::string& key) const;
  const char* kind_name() const;
};

// Parses one file's text. Errors go into diag; returns a null node on failure.
Node parse_yaml(const std::string& text, const std::string& file, Diagnostics& diag);

}  // namespace berth::load
