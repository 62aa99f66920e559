#include "engine/load/tree.h"

#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

namespace berth::load {

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

namespace {

constexpr size_t kMaxNodes = 1'000'000;  // alias bombs expand past this

struct Converter {
  std::string file;
  Diagnostics& diag;
  size_t nodes = 0;
  bool overflow = false;

  SourceLocation at(const YAML::Mark& m) const { return {file, m.line + 1, m.column + 1}; }

  void merge_into(Node& out, const Node& src) {
    // Keys already present win over merged ones, as YAML's merge key says.
    for (size_t i = 0; i < src.fields.size(); ++i) {
      if (out.find(src.fields[i].first)) continue;
      out.fields.push_back(src.fields[i]);
      out.key_locations.push_back(src.key_locations[i]);
    }
  }

  Node convert(const YAML::Node& y) {
    Node n;
    n.location = at(y.Mark());
    if (++nodes > kMaxNodes) {
      if (!overflow)
        diag.error({ErrorKind::kInput, n.location, "", "",
                    "the file expands to more than a million nodes (aliases nested too deep?)",
                    "use fewer nested aliases"});
      overflow = true;
      return n;
    }
    switch (y.Type()) {
      case YAML::NodeType::Scalar:
        n.kind = Node::Kind::kScalar;
        n.scalar = y.Scalar();
        n.quoted = y.Tag() == "!";
        break;
      case YAML::NodeType::Sequence:
        n.kind = Node::Kind::kSequence;
        for (const auto& item : y) n.items.push_back(convert(item));
        break;
      case YAML::NodeType::Map: convert_map(y, n); break;
      default: break;
    }
    return n;
  }

  void convert_map(const YAML::Node& y, Node& n) {
    n.kind = Node::Kind::kMap;
    std::vector<Node> merges;
    for (const auto& kv : y) {
      SourceLocation key_loc = at(kv.first.Mark());
      if (!kv.first.IsScalar()) {
        diag.error({ErrorKind::kInput, key_loc, "", "", "a mapping key must be a plain value", ""});
        continue;
      }
      std::string key = kv.first.Scalar();
      if (key == "<<" && kv.first.Tag() != "!") {
        Node m = convert(kv.second);
        if (m.is_seq()) {
          for (auto& item : m.items) merges.push_back(item);
        } else {
          merges.push_back(m);
        }
        continue;
      }
      if (n.find(key)) {
        diag.error({ErrorKind::kInput, key_loc, "", "",
                    fmt::format("duplicate key '{}' (first at line {})", key,
                                n.key_location(key).line),
                    "keep only one of them"});
        continue;
      }
      n.fields.emplace_back(key, convert(kv.second));
      n.key_locations.push_back(key_loc);
    }
    for (const Node& m : merges) {
      if (!m.is_map()) {
        diag.error({ErrorKind::kInput, m.location, "", "",
                    "a merge key (<<) needs a mapping or a list of mappings", ""});
        continue;
      }
      merge_into(n, m);
    }
  }
};

}  // namespace

Node parse_yaml(const std::string& text, const std::string& file, Diagnostics& diag) {
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(text);
  } catch (const YAML::DeepRecursion& e) {
    diag.error({ErrorKind::kInput, {file, e.mark.line + 1, e.mark.column + 1}, "", "",
                "the file is nested too deeply", "flatten the structure"});
    return {};
  } catch (const YAML::Exception& e) {
    diag.error({ErrorKind::kInput, {file, e.mark.line + 1, e.mark.column + 1}, "", "",
                "invalid YAML: " + e.msg, "fix the syntax at this place"});
    return {};
  }
  if (docs.size() > 1) {
    diag.error({ErrorKind::kInput, {file, 0, 0}, "", "",
                "the file holds more than one YAML document (---)",
                "keep one document per file; use several -f files to combine"});
    return {};
  }
  if (docs.empty() || docs[0].IsNull()) return Node{Node::Kind::kNull, "", false, {file, 1, 1}};
  Converter c{file, diag};
  try {
    return c.convert(docs[0]);
  } catch (const YAML::Exception& e) {
    diag.error({ErrorKind::kInput, {file, e.mark.line + 1, e.mark.column + 1}, "", "",
                "invalid YAML: " + e.msg, ""});
    return {};
  }
}

}  // namespace berth::load
