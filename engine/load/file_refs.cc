// Top-level configs: and secrets:, and a service's references to them (docs/files.md): each
// becomes a FileSpec, delivered into the container like a relative bind mount.
#include <fmt/format.h>

#include "engine/load/normalize.h"
#include "engine/load/project_files.h"

namespace berth::load {
namespace {

const KeySet kConfigKeys = {{"file", "content", "environment", "external"},
                            {"name", "labels", "template_driver"}};
const KeySet kSecretKeys = {{"file", "environment", "external"},
                            {"name", "labels", "driver", "driver_opts", "template_driver"}};

bool is_secrets(const std::string& kind) {
  return kind == "secrets";
}

// Compose's file modes: octal when quoted or written with a leading 0 (0440, "440", 0o440),
// decimal otherwise, as compose-go reads them.
std::optional<int> as_mode(Context& c, const Node& n) {
  std::string text = as_string(c, n, "mode").value_or("");
  bool octal = n.quoted || (text.size() > 1 && text[0] == '0');
  if (text.rfind("0o", 0) == 0) text = text.substr(2);
  int value = 0;
  bool ok = !text.empty();
  for (char ch : text) {
    int digit = ch - '0';
    if (digit < 0 || digit > (octal ? 7 : 9) || value > 07777)
      ok = false;
    else
      value = value * (octal ? 8 : 10) + digit;
  }
  if (!ok || value > 07777) {
    fail(c, n.location, fmt::format("bad file mode '{}'", n.scalar),
         "write permission bits in octal, e.g. 0440");
    return std::nullopt;
  }
  return value;
}

std::optional<int> as_id(Context& c, const Node& n, const char* key) {
  auto v = as_int(c, n, key);
  if (v && (*v < 0 || *v > 0x7fffffff)) {
    fail(c, n.location, fmt::format("'{}' must be a user or group number, 0 or more", key));
    return std::nullopt;
  }
  return v ? std::optional<int>(static_cast<int>(*v)) : std::nullopt;
}

// The definition's source, content and digest; nullopt when it cannot be delivered (reported).
std::optional<FileSpec> read_definition(Context& c, const Node& def, const std::string& kind,
                                        const std::string& name, const SourceLocation& used_at) {
  FileSpec f;
  f.kind = is_secrets(kind) ? "secret" : "config";
  f.name = name;
  f.location = def.location;
  const std::string where = kind + "." + name;
  if (const Node* e = def.find("external"); e && as_bool(c, *e, "external").value_or(false)) {
    warn(c, used_at,
         fmt::format("{} is external (a Swarm object), which berth cannot deliver: "
                     "the container does not get it",
                     where));
    return std::nullopt;
  }
  const Node* file = def.find("file");
  const Node* content = is_secrets(kind) ? nullptr : def.find("content");
  const Node* variable = def.find("environment");
  if ((file != nullptr) + (content != nullptr) + (variable != nullptr) != 1) {
    fail(c, def.location,
         fmt::format("{} needs exactly one of file:{}, environment:", where,
                     is_secrets(kind) ? "" : ", content:"));
    return std::nullopt;
  }
  if (content) f.content = as_string(c, *content, "content").value_or("");
  if (variable) {
    f.variable = as_string(c, *variable, "environment").value_or("");
    auto it = c.vars.find(f.variable);
    if (it == c.vars.end()) {
      fail(c, variable->location,
           fmt::format("{} comes from ${}, which is not set", where, f.variable),
           "set it in the environment or in .env");
      return std::nullopt;
    }
    f.content = it->second;
  }
  if (file) {
    std::string path = as_string(c, *file, "file").value_or("");
    auto rel = project_relative(path);
    if (!rel && !path.empty() && path[0] != '/' && path[0] != '~') {
      fail(c, file->location,
           fmt::format("{} names '{}', outside the project directory {}", where, path,
                       c.project_dir),
           "move it inside the project, or write its absolute path");
      return std::nullopt;
    }
    f.source = rel ? *rel : resolve_path(c, path);
    f.location = file->location;
  }
  if (!hash_delivered(c, f)) return std::nullopt;
  if (f.directory) {
    fail(c, f.location, fmt::format("{} names a directory; a {} is one file", where, f.kind));
    return std::nullopt;
  }
  return f;
}

}  // namespace

FileDefinitions::FileDefinitions(Context& c, const Node& top) : top_(top) {
  for (const char* kind : {"configs", "secrets"}) {
    const Node* section = top.find(kind);
    if (!section || section->is_null() || !check_map(c, *section, kind)) continue;
    for (const auto& [name, def] : section->fields)
      if (check_map(c, def, std::string(kind) + "." + name))
        check_keys(c, def, is_secrets(kind) ? kSecretKeys : kConfigKeys,
                   std::string(kind) + "." + name);
  }
}

const FileSpec* FileDefinitions::find(Context& c, const std::string& kind, const std::string& name,
                                      const SourceLocation& used_at) {
  auto key = kind + "/" + name;
  if (auto it = cache_.find(key); it != cache_.end()) return it->second ? &*it->second : nullptr;
  const Node* section = top_.find(kind);
  const Node* def = section && section->is_map() ? section->find(name) : nullptr;
  std::optional<FileSpec> f;
  if (!def)
    fail(c, used_at, fmt::format("{} '{}' is not declared at the top level", kind, name),
         fmt::format("add it under `{}:` at the top of the file", kind));
  else if (def->is_map())
    f = read_definition(c, *def, kind, name, used_at);
  auto& slot = cache_[key] = std::move(f);
  return slot ? &*slot : nullptr;
}

void normalize_file_refs(Context& c, const Node& list, FileDefinitions& definitions,
                         const std::string& kind, ContainerSpec& spec) {
  if (!list.is_seq()) return fail(c, list.location, fmt::format("'{}' must be a list", kind));
  const bool secret = is_secrets(kind);
  for (const Node& item : list.items) {
    std::string name, target;
    std::optional<int> mode = secret ? 0400 : 0444, uid = 0, gid = 0;
    if (item.is_map()) {
      check_keys(c, item, {{"source", "target", "uid", "gid", "mode"}, {}}, "a " + kind + " entry");
      if (const Node* s = item.find("source")) name = as_string(c, *s, "source").value_or("");
      if (const Node* t = item.find("target")) target = as_string(c, *t, "target").value_or("");
      if (const Node* m = item.find("mode")) mode = as_mode(c, *m);
      if (const Node* u = item.find("uid")) uid = as_id(c, *u, "uid");
      if (const Node* g = item.find("gid")) gid = as_id(c, *g, "gid");
    } else {
      name = as_string(c, item, kind).value_or("");
    }
    const FileSpec* def = definitions.find(c, kind, name, item.location);
    if (!def || !mode || !uid || !gid) continue;
    FileSpec f = *def;
    // Compose's targets: a secret's is under /run/secrets unless absolute; a config's at /.
    const std::string base = secret ? "/run/secrets/" : "/";
    f.written_target = target;
    if (target.empty())
      target = base + name;
    else if (target[0] != '/')
      target = base + target;
    f.target = target;
    f.mode = *mode;
    f.uid = *uid;
    f.gid = *gid;
    f.location = item.location;
    spec.files.push_back(std::move(f));
  }
}

}  // namespace berth::load
