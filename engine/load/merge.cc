// Several -f files merged the Compose way, driven by one table of per-key rules.
#include "engine/load/merge.h"

#include <set>

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

void merge_into(Node& base, const Node& over, const std::string& key, int depth) {
  Rule rule = depth >= 2 ? rule_for(key) : Rule::kMergeMap;
  if (base.is_seq() && over.is_seq() && rule == Rule::kAppend) {
    for (const Node& item : over.items) {
      bool dup = false;
      for (const Node& have : base.items)
        dup = dup || (have.is_scalar() && item.is_scalar() && have.scalar == item.scalar);
      if (!dup) base.items.push_back(item);
    }
    return;
  }
  if (base.is_seq() && over.is_seq() && rule == Rule::kByTarget) {
    for (const Node& item : over.items) {
      bool replaced = false;
      for (Node& have : base.items)
        if (volume_target(have) == volume_target(item)) have = item, replaced = true;
      if (!replaced) base.items.push_back(item);
    }
    return;
  }
  if (base.is_map() && over.is_map() && rule != Rule::kOverride) {
    for (size_t i = 0; i < over.fields.size(); ++i) {
      const auto& [k, v] = over.fields[i];
      if (Node* have = base.find(k)) {
        merge_into(*have, v, k, depth + 1);
      } else {
        base.fields.emplace_back(k, v);
        base.key_locations.push_back(over.key_locations[i]);
      }
    }
    return;
  }
  base = over;
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

void merge_stack(Node& base, const Node& over) {
  if (over.is_null()) return;
  if (base.is_null() || !base.is_map() || !over.is_map()) {
    base = over;
    return;
  }
  merge_into(base, over, "", 0);
}

}  // namespace berth::load
