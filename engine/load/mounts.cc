// A service's volumes:, secrets: and configs:.
#include <fmt/format.h>

#include <algorithm>

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
                         Service& s) {
  if (!list.is_seq()) return fail(c, list.location, fmt::format("'{}' must be a list", kind));
  const bool secret = std::string(kind) == "secrets";
  const Node* declared = top.find(kind);
  for (const Node& item : list.items) {
    FileObjectRef ref;
    if (item.is_map()) {
      if (const Node* n = item.find("source")) ref.source = as_string(c, *n, "source").value_or("");
      if (const Node* n = item.find("target")) ref.target = as_string(c, *n, "target").value_or("");
    } else {
      ref.source = as_string(c, item, kind).value_or("");
    }
    const Node* def = declared ? declared->find(ref.source) : nullptr;
    if (!def) {
      fail(c, item.location,
           fmt::format("{} '{}' is not declared at the top level", kind, ref.source));
      continue;
    }
    const Node* file = def->is_map() ? def->find("file") : nullptr;
    if (!file) {
      warn(c, item.location, fmt::format("{} '{}' has no `file:`; only file {} are supported",
                                         kind, ref.source, kind));
      continue;
    }
    // Compose's defaults: a secret lands in /run/secrets/, a config at /<name>.
    if (secret && ref.target.empty()) ref.target = "/run/secrets/" + ref.source;
    std::string mounted = ref.target.empty() ? "/" + ref.source : ref.target;
    if (secret && mounted[0] != '/') mounted = "/run/secrets/" + mounted;
    MountSpec m{"bind", resolve_path(c, as_string(c, *file, "file").value_or("")), mounted, true,
                item.location};
    s.spec.mounts.push_back(m);
    (secret ? s.secrets : s.configs).push_back(ref);
  }
}

std::vector<FileObjectSpec> read_file_objects(Context& c, const Node& top, const char* kind,
                                              const std::string& stack) {
  std::vector<FileObjectSpec> out;
  const Node* section = top.find(kind);
  if (!section || !section->is_map()) return out;
  for (const auto& [key, def] : section->fields) {
    // Without a usable `file:` it is not deliverable: each service using it says so.
    const Node* file = def.is_map() ? def.find("file") : nullptr;
    if (!file || !file->is_scalar()) continue;
    FileObjectSpec f{key, stack + "_" + key, resolve_path(c, file->scalar)};
    if (const Node* n = def.find("name"); n && n->is_scalar()) f.name = n->scalar;
    out.push_back(std::move(f));
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.key < b.key; });
  return out;
}

}  // namespace berth::load
