// parse_yaml: libyaml's event parser straight into our Node tree (tree.h). yaml-cpp's
// YAML::Load took most of a large stack's time and memory (its scanner reads ~5 MB/s and it
// builds a node graph of its own; docs/benchmarks.md, Loader); libyaml's events are ~8 times
// faster and hold nothing. Building from events also lets us cap what aliases expand to
// before copying, find duplicate keys with a hash set, and poll for an interruption.
#include <fmt/format.h>
#include <yaml.h>

#include <memory>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "engine/load/tree.h"

namespace berth::load {
namespace {

constexpr size_t kMaxNodes = 1'000'000;  // past this, aliases must not dominate (alias bombs)
constexpr size_t kAliasShare = 4;        // expanded nodes allowed per node written in the file
constexpr size_t kPollEvery = 4096;      // nodes between two calls of `interrupted`
constexpr size_t kSmallMap = 8;          // maps up to this size are checked pairwise
constexpr size_t kMaxDepth = 500;        // libyaml has no limit; our tree walks recurse

struct Stop {};  // unwinds out of the builder once going on is pointless (error already given)

// Turns libyaml's events into one Node tree.
class Builder {
 public:
  Builder(const std::string& file, Diagnostics& diag, const std::function<bool()>& interrupted)
      : file_(intern_file(file)), diag_(diag), interrupted_(interrupted) {}

  Node root;
  bool has_document = false;

  // One event; throws Stop after reporting an error that ends the parse.
  void on(const yaml_event_t& e) {
    switch (e.type) {
      case YAML_DOCUMENT_START_EVENT: return document_start();
      case YAML_ALIAS_EVENT: return alias(e);
      case YAML_SCALAR_EVENT: return scalar(e);
      case YAML_SEQUENCE_START_EVENT:
        return open(Node::Kind::kSequence, e.start_mark, e.data.sequence_start.anchor);
      case YAML_MAPPING_START_EVENT:
        return open(Node::Kind::kMap, e.start_mark, e.data.mapping_start.anchor);
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT: return close();
      default: return;
    }
  }

  Mark at(const yaml_mark_t& m) const {
    return {file_, static_cast<int>(m.line) + 1, static_cast<int>(m.column) + 1};
  }

 private:
  static std::string text(const yaml_char_t* s) {
    return s ? reinterpret_cast<const char*>(s) : "";
  }

  void document_start() {
    if (!has_document) return void(has_document = true);
    diag_.error({ErrorKind::kInput, {*file_, 0, 0}, "", "",
                 "the file holds more than one YAML document (---)",
                 "keep one document per file; use several -f files to combine"});
    throw Stop{};
  }

  // A scalar as YAML 1.1 core reads it: a plain ~, null or nothing is a null; a quoted or
  // block scalar (or one tagged ! or !!str) is always a string, never a number or a bool.
  void scalar(const yaml_event_t& e) {
    const auto& d = e.data.scalar;
    std::string tag = text(d.tag);
    bool plain = d.style == YAML_PLAIN_SCALAR_STYLE;
    std::string_view value(reinterpret_cast<const char*>(d.value), d.length);
    Node n;
    n.location = at(e.start_mark);
    if (plain && tag.empty() &&
        (value.empty() || value == "~" || value == "null" || value == "Null" || value == "NULL")) {
      n.kind = Node::Kind::kNull;
    } else {
      n.kind = Node::Kind::kScalar;
      n.scalar = value;
      n.quoted = tag.empty() ? !plain : tag == "!" || tag == "tag:yaml.org,2002:str";
    }
    if (!key_expected()) count(n.location, false);
    add(std::move(n), text(d.anchor));
  }

  void alias(const yaml_event_t& e) {
    std::string name = text(e.data.alias.anchor);
    auto it = anchors_.find(name);
    if (it == anchors_.end()) {
      diag_.error({ErrorKind::kInput, at(e.start_mark), "", "",
                   fmt::format("alias *{} names no anchor defined before it", name),
                   fmt::format("define &{} on an earlier node (not one that contains the alias)",
                               name)});
      throw Stop{};
    }
    if (key_expected()) return add(Node(it->second), "");
    add(copy(it->second, frames_.size()), "");
  }

 private:
  struct Frame {
    Node node;
    std::string anchor;
    bool have_key = false;    // a map's key waits for its value
    bool skip_value = false;  // ... and was refused: drop the value
    bool merge = false;       // ... and is `<<`
    std::string key;
    Mark key_location;
    std::vector<Node> merges;  // `<<` values, applied when the map ends
  };

  bool key_expected() const {
    return !frames_.empty() && frames_.back().node.is_map() && !frames_.back().have_key;
  }

  // Counts one node of the tree (written in the file, or `expanded` from an alias).
  void count(const Mark& where, bool expanded) {
    ++nodes_;
    if (expanded) ++expanded_;
    if (nodes_ > kMaxNodes && expanded_ > kAliasShare * (nodes_ - expanded_)) {
      diag_.error({ErrorKind::kInput, where, "", "",
                   "the file expands to more than a million nodes (aliases nested too deep?)",
                   "use fewer nested aliases"});
      throw Stop{};
    }
    if (interrupted_ && nodes_ % kPollEvery == 0 && interrupted_()) {
      diag_.error({ErrorKind::kInterrupted, {*file_, 0, 0}, "", "",
                   "interrupted while reading this file", ""});
      throw Stop{};
    }
  }

  // An alias's content, copied node by node so the cap stops a bomb before memory does.
  Node copy(const Node& src, size_t depth) {
    count(src.location, true);
    if (depth > kMaxDepth) {
      diag_.error({ErrorKind::kInput, src.location, "", "",
                   "aliases nest the file too deeply", "flatten the structure"});
      throw Stop{};
    }
    Node n;
    n.kind = src.kind;
    n.scalar = src.scalar;
    n.quoted = src.quoted;
    n.location = src.location;
    n.key_locations = src.key_locations;
    n.items.reserve(src.items.size());
    for (const Node& item : src.items) n.items.push_back(copy(item, depth + 1));
    n.fields.reserve(src.fields.size());
    for (const auto& [k, v] : src.fields) n.fields.emplace_back(k, copy(v, depth + 1));
    return n;
  }

  void open(Node::Kind kind, const yaml_mark_t& mark, const yaml_char_t* anchor) {
    Frame f;
    f.node.kind = kind;
    f.node.location = at(mark);
    f.anchor = text(anchor);
    if (!key_expected()) count(f.node.location, false);
    if (frames_.size() >= kMaxDepth) {
      diag_.error({ErrorKind::kInput, f.node.location, "", "", "the file is nested too deeply",
                   "flatten the structure"});
      throw Stop{};
    }
    frames_.push_back(std::move(f));
  }

  void close() {
    Frame f = std::move(frames_.back());
    frames_.pop_back();
    if (f.node.is_map()) finish_map(f);
    add(std::move(f.node), f.anchor);
  }

  // A finished node goes into its parent: a sequence item, a map key, or a map value.
  void add(Node n, const std::string& anchor) {
    if (!anchor.empty()) anchors_[anchor] = n;  // later aliases copy it (latest definition)
    if (frames_.empty()) return void(root = std::move(n));
    Frame& f = frames_.back();
    if (f.node.is_seq()) return f.node.items.push_back(std::move(n));
    if (!f.have_key) {
      f.have_key = true;
      f.skip_value = !n.is_scalar();
      if (f.skip_value)
        return diag_.error({ErrorKind::kInput, n.location, "", "",
                            "a mapping key must be a plain value", ""});
      f.merge = n.scalar == "<<" && !n.quoted;
      f.key = std::move(n.scalar);
      f.key_location = n.location;
      return;
    }
    f.have_key = false;
    if (f.skip_value) return;
    if (f.merge && n.is_seq()) {
      for (Node& item : n.items) f.merges.push_back(std::move(item));
    } else if (f.merge) {
      f.merges.push_back(std::move(n));
    } else {
      f.node.fields.emplace_back(std::move(f.key), std::move(n));
      f.node.key_locations.push_back(f.key_location);
    }
  }

  void finish_map(Frame& f) {
    drop_duplicates(f.node);
    for (Node& m : f.merges) {
      if (!m.is_map()) {
        diag_.error({ErrorKind::kInput, m.location, "", "",
                     "a merge key (<<) needs a mapping or a list of mappings", ""});
        continue;
      }
      merge_into(f.node, m);
    }
  }

  // Reports every key seen before in the same map (both lines) and keeps the first.
  void drop_duplicates(Node& map) {
    auto& fields = map.fields;
    std::vector<size_t> first(fields.size(), SIZE_MAX);
    if (fields.size() <= kSmallMap) {
      for (size_t i = 0; i < fields.size(); ++i)
        for (size_t j = 0; j < i && first[i] == SIZE_MAX; ++j)
          if (first[j] == SIZE_MAX && fields[j].first == fields[i].first) first[i] = j;
    } else {
      std::unordered_map<std::string_view, size_t> seen;
      seen.reserve(fields.size());
      for (size_t i = 0; i < fields.size(); ++i)
        if (auto [it, fresh] = seen.emplace(fields[i].first, i); !fresh) first[i] = it->second;
    }
    size_t kept = 0;
    for (size_t i = 0; i < fields.size(); ++i) {
      if (first[i] != SIZE_MAX) {
        diag_.error({ErrorKind::kInput, map.key_locations[i], "", "",
                     fmt::format("duplicate key '{}' (first at line {})", fields[i].first,
                                 map.key_locations[first[i]].line),
                     "keep only one of them"});
        continue;
      }
      if (kept != i) {
        fields[kept] = std::move(fields[i]);
        map.key_locations[kept] = std::move(map.key_locations[i]);
      }
      ++kept;
    }
    fields.resize(kept);
    map.key_locations.resize(kept);
  }

  // Keys already present win over merged ones, as YAML's merge key says.
  static void merge_into(Node& out, Node& src) {
    std::unordered_set<std::string> have;
    bool big = out.fields.size() + src.fields.size() > kSmallMap;
    if (big)
      for (const auto& field : out.fields) have.insert(field.first);
    for (size_t i = 0; i < src.fields.size(); ++i) {
      const std::string& key = src.fields[i].first;
      if (big ? !have.insert(key).second : out.find(key) != nullptr) continue;
      out.fields.push_back(std::move(src.fields[i]));
      out.key_locations.push_back(src.key_locations[i]);
    }
  }

  const std::string* file_;
  Diagnostics& diag_;
  const std::function<bool()>& interrupted_;
  std::vector<Frame> frames_;
  std::unordered_map<std::string, Node> anchors_;
  size_t nodes_ = 0;
  size_t expanded_ = 0;
};

}  // namespace

Node parse_yaml(const std::string& text, const std::string& file, Diagnostics& diag,
                const std::function<bool()>& interrupted) {
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser)) {
    diag.error({ErrorKind::kInternal, {file, 0, 0}, "", "", "out of memory reading YAML", ""});
    return {};
  }
  std::unique_ptr<yaml_parser_t, void (*)(yaml_parser_t*)> guard(&parser, yaml_parser_delete);
  yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text.data()),
                               text.size());
  Builder b(file, diag, interrupted);
  for (;;) {
    yaml_event_t event;
    if (!yaml_parser_parse(&parser, &event)) {
      std::string problem = parser.problem ? parser.problem : "unreadable input";
      if (parser.context) problem = std::string(parser.context) + ", " + problem;
      size_t where = parser.problem_mark.index;
      bool tab = where < text.size() && text[where] == '\t';
      diag.error({ErrorKind::kInput, b.at(parser.problem_mark), "", "",
                  "invalid YAML: " + (tab ? "a tab cannot indent YAML" : problem),
                  tab ? "indent with spaces" : "fix the syntax at this place"});
      return {};
    }
    std::unique_ptr<yaml_event_t, void (*)(yaml_event_t*)> owned(&event, yaml_event_delete);
    if (event.type == YAML_STREAM_END_EVENT) break;
    try {
      b.on(event);
    } catch (const Stop&) {
      return {};
    }
  }
  if (!b.has_document || b.root.is_null()) return Node{Node::Kind::kNull, "", false, {intern_file(file), 1, 1}};
  return std::move(b.root);
}

}  // namespace berth::load
