#include "engine/load/tree.h"

#include <mutex>
#include <set>

namespace berth::load {

const std::string* intern_file(const std::string& path) {
  static std::mutex mu;
  static std::set<std::string> names;  // node-based: addresses stay valid
  std::lock_guard<std::mutex> lock(mu);
  return &*names.insert(path).first;
}

const Node* Node::find(const std::string& key) const {
  for (const auto& [k, v] : fields)
    if (k == key) return &v;
  return nullptr;
}

Node* Node::find(const std::string& key) {
  for (auto& [k, v] : fields)
    if (k == key) return &v;
  return nullptr;
}

SourceLocation Node::key_location(const std::string& key) const {
  for (size_t i = 0; i < fields.size(); ++i)
    if (fields[i].first == key) return key_locations[i];
  return location;
}

const char* Node::kind_name() const {
  switch (kind) {
    case Kind::kNull: return "nothing";
    case Kind::kScalar: return "a single value";
    case Kind::kSequence: return "a list";
    case Kind::kMap: return "a mapping";
  }
  return "?";
}

}  // namespace berth::load
