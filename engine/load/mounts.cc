// A service's volumes:, secrets: and configs:.
#include <fmt/format.h>

#include "engine/load/normalize.h"

namespace berth::load {
namespace {

bool is_path(const std::string& s) {
  return !s.empty() && (s[0] == '/' || s[0] == '.' || s[0] == '~');
}

void check_named(Context& c, const Node& top, const MountSpec& m) {
  const Node* volumes = top.find("volumes");
  if (m.type == "volume" && !m.source.empty() && (!volumes || !volumes->find(m.source)))
    fail(c, m.location, fmt::format("named volume '{}' is not declared in the top-level volumes",
                                    m.source),
         fmt::format("add `volumes: {{{}: {{}}}}` at the top of the file, or use a path", m.source));
}

}  // namespace

void normalize_volumes(Context& c, const Node& list, const Node& top, ContainerSpec& spec) {
  if (!list.is_seq()) return fail(c, list.location, "'volumes' must be a list");
  for (const Node& item : list.items) {
    MountSpec m;
    m.location = item.location;
    if (item.is_map()) {
      check_keys(c, item, {{"type", "source", "target", "read_only"},
                           {"bind", "volume", "tmpfs", "consistency", "image"}}, "a volume");
      if (const Node* t = item.find("type")) m.type = as_string(c, *t, "type").value_or("volume");
      if (const Node* s = item.find("source")) m.source = as_string(c, *s, "source").value_or("");
      if (const Node* t = item.find("target")) m.target = as_string(c, *t, "target").value_or("");
      if (const Node* r = item.find("read_only")) m.read_only = as_bool(c, *r, "read_only").value_or(false);
      if (m.type != "volume" && m.type != "bind" && m.type != "tmpfs")
        fail(c, item.location, fmt::format("unsupported volume type '{}'", m.type),
             "use volume, bind or tmpfs");
    } else {
      auto text = as_string(c, item, "volumes");
      if (!text) continue;
      std::vector<std::string> parts;
      for (size_t s = 0;;) {
        size_t colon = text->find(':', s);
        parts.push_back(text->substr(s, colon - s));
        if (colon == std::string::npos) break;
        s = colon + 1;
      }
      if (parts.size() == 1) {
        m.target = parts[0];  // anonymous volume
      } else if (parts.size() <= 3) {
        m.source = parts[0];
        m.target = parts[1];
        if (parts.size() == 3) {
          for (const auto& opt : {parts[2]}) m.read_only = opt.find("ro") != std::string::npos;
        }
        m.type = is_path(m.source) ? "bind" : "volume";
      } else {
        fail(c, item.location, fmt::format("bad volume '{}'", *text),
             "write SOURCE:TARGET[:ro] or a long-syntax mapping");
        continue;
      }
    }
    if (m.target.empty() || m.target[0] != '/') {
      fail(c, item.location, fmt::format("a volume target must be an absolute path, got '{}'",
                                         m.target));
      continue;
    }
    if (m.type == "bind") m.source = resolve_path(c, m.source);
    check_named(c, top, m);
    spec.mounts.push_back(m);
  }
}

void normalize_file_refs(Context& c, const Node& list, const Node& top, const char* kind,
                         ContainerSpec& spec) {
  if (!list.is_seq()) return fail(c, list.location, fmt::format("'{}' must be a list", kind));
  const Node* declared = top.find(kind);
  for (const Node& item : list.items) {
    std::string name, target;
    if (item.is_map()) {
      if (const Node* s = item.find("source")) name = as_string(c, *s, "source").value_or("");
      if (const Node* t = item.find("target")) target = as_string(c, *t, "target").value_or("");
    } else {
      name = as_string(c, item, kind).value_or("");
    }
    const Node* def = declared ? declared->find(name) : nullptr;
    if (!def) {
      fail(c, item.location, fmt::format("{} '{}' is not declared at the top level", kind, name));
      continue;
    }
    const Node* file = def->is_map() ? def->find("file") : nullptr;
    if (!file) {
      warn(c, item.location, fmt::format("{} '{}' has no `file:`; only file {} are supported",
                                         kind, name, kind));
      continue;
    }
    std::string default_target = std::string(kind) == "secrets" ? "/run/secrets/" + name : "/" + name;
    if (target.empty()) target = default_target;
    else if (target[0] != '/' && std::string(kind) == "secrets") target = "/run/secrets/" + target;
    MountSpec m{"bind", resolve_path(c, as_string(c, *file, "file").value_or("")), target, true,
                item.location};
    spec.mounts.push_back(m);
  }
}

}  // namespace berth::load
