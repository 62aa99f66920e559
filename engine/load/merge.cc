// Several -f files merged the Compose way, driven by one table of per-key rules.
#include "engine/load/merge.h"

#include <set>
#include <unordered_map>
#include <unordered_set>

namespace berth::load {
namespace {

enum class Rule { kOverride, kMergeMap, kAppend, kByTarget };

// Rules for keys of a service (Compose specification, merge and override). Keys not listed:
// mappings merge key by key, anything else is replaced.
Rule rule_for(const std::string& key) {
  static const std::set<std::string> append = {
      "ports", "expose", "dns", "dns_search", "cap_add", "cap_drop", "env_file", "profiles",
      "secrets", "configs", "tmpfs", "devices", "security_opt", "external_links", "links"};
  static const std::set<std::string> replace = {"command", "entrypoint", "test"};
  if (append.count(key)) return Rule::kAppend;
  if (key == "volumes") return Rule::kByTarget;
  if (replace.count(key)) return Rule::kOverride;
  return Rule::kMergeMap;
}

// KEY=VALUE lists become mappings so that both forms merge by key.
void list_to_map(Node& n) {
  if (!n.is_seq()) return;
  Node m;
  m.kind = Node::Kind::kMap;
  m.location = n.location;
  for (const Node& item : n.items) {
    if (!item.is_scalar()) return;  // leave it for the normalizer to report
    auto eq = item.scalar.find('=');
    Node v;
    v.location = item.location;
    if (eq != std::string::npos) {
      v.kind = Node::Kind::kScalar;
      v.scalar = item.scalar.substr(eq + 1);
      v.quoted = true;
    }
    m.fields.emplace_back(item.scalar.substr(0, eq), v);
    m.key_locations.push_back(item.location);
  }
  n = m;
}

std::string volume_target(const Node& n) {
  if (n.is_map()) {
    const Node* t = n.find("target");
    return t ? t->scalar : "";
  }
  auto first = n.scalar.find(':');
  if (first == std::string::npos) return n.scalar;
  auto second = n.scalar.find(':', first + 1);
  return n.scalar.substr(first + 1, second == std::string::npos ? std::string::npos
                                                                 : second - first - 1);
}

constexpr size_t kSmall = 8;  // up to this many entries, a linear scan beats hashing

// Appends the scalars of `over` that `base` does not hold yet.
void append_unique(Node& base, Node&& over) {
  std::unordered_set<std::string> have;
  for (const Node& n : base.items)
    if (n.is_scalar()) have.insert(n.scalar);
  for (Node& item : over.items)
    if (!item.is_scalar() || have.insert(item.scalar).second) base.items.push_back(std::move(item));
}

// Volumes of `over` replace those of `base` with the same target; the others are appended.
void merge_by_target(Node& base, Node&& over) {
  std::unordered_map<std::string, size_t> at;
  for (size_t i = 0; i < base.items.size(); ++i) at.emplace(volume_target(base.items[i]), i);
  for (Node& item : over.items) {
    auto it = at.find(volume_target(item));
    if (it != at.end()) {
      base.items[it->second] = std::move(item);
    } else {
      at.emplace(volume_target(item), base.items.size());
      base.items.push_back(std::move(item));
    }
  }
}

void merge_into(Node& base, Node&& over, const std::string& key, int depth) {
  Rule rule = depth >= 2 ? rule_for(key) : Rule::kMergeMap;
  if (base.is_seq() && over.is_seq() && rule == Rule::kAppend)
    return append_unique(base, std::move(over));
  if (base.is_seq() && over.is_seq() && rule == Rule::kByTarget)
    return merge_by_target(base, std::move(over));
  if (base.is_map() && over.is_map() && rule != Rule::kOverride) {
    // Index base's keys once (a long services: mapping would otherwise cost n * m finds).
    std::unordered_map<std::string, size_t> at;
    bool big = base.fields.size() + over.fields.size() > kSmall;
    if (big)
      for (size_t i = 0; i < base.fields.size(); ++i) at.emplace(base.fields[i].first, i);
    for (size_t i = 0; i < over.fields.size(); ++i) {
      auto& [k, v] = over.fields[i];
      Node* have = nullptr;
      if (!big) {
        have = base.find(k);
      } else if (auto it = at.find(k); it != at.end()) {
        have = &base.fields[it->second].second;
      }
      if (have) {
        merge_into(*have, std::move(v), k, depth + 1);
        continue;
      }
      if (big) at.emplace(k, base.fields.size());
      base.fields.emplace_back(std::move(k), std::move(v));
      base.key_locations.push_back(over.key_locations[i]);
    }
    return;
  }
  base = std::move(over);
}

}  // namespace

void prepare_for_merge(Node& top) {
  Node* services = top.find("services");
  if (!services || !services->is_map()) return;
  for (auto& [name, svc] : services->fields) {
    if (!svc.is_map()) continue;
    for (const char* key : {"environment", "labels", "sysctls"})
      if (Node* n = svc.find(key)) list_to_map(*n);
    if (Node* b = svc.find("build"); b && b->is_map())
      if (Node* a = b->find("args")) list_to_map(*a);
  }
}

void merge_stack(Node& base, Node&& over) {
  if (over.is_null()) return;
  if (base.is_null() || !base.is_map() || !over.is_map()) {
    base = std::move(over);
    return;
  }
  merge_into(base, std::move(over), "", 0);
}

}  // namespace berth::load
