// A service's volumes: mounts, and the files of the project it takes (docs/files.md).
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "engine/load/normalize.h"
#include "engine/load/project_files.h"

namespace berth::load {
namespace {

bool is_path(const std::string& s) {
  return !s.empty() && (s[0] == '/' || s[0] == '.' || s[0] == '~');
}

// Absolute and home paths are the host's, as in Compose; anything else is in the project.
bool is_host_path(const std::string& s) {
  return !s.empty() && (s[0] == '/' || s[0] == '~');
}

void check_named(Context& c, const Node& top, const MountSpec& m) {
  const Node* volumes = top.find("volumes");
  if (m.type == "volume" && !m.source.empty() && (!volumes || !volumes->find(m.source)))
    fail(
        c, m.location,
        fmt::format("named volume '{}' is not declared in the top-level volumes", m.source),
        fmt::format("add `volumes: {{{}: {{}}}}` at the top of the file, or use a path", m.source));
}

// A relative bind mount: the file or tree is copied into the container (FileSpec).
void deliver_bind(Context& c, const MountSpec& m, ContainerSpec& spec) {
  auto rel = project_relative(m.source);
  if (!rel)
    return fail(c, m.location,
                fmt::format("bind mount source '{}' is outside the project directory {}", m.source,
                            c.project_dir),
                "berth copies relative bind mounts from the project directory into containers "
                "(docs/files.md): move it inside, or write an absolute path that exists on every "
                "host");
  FileSpec f;
  f.kind = "bind";
  f.target = m.target;
  f.source = *rel;
  f.read_only = m.read_only;
  f.location = m.location;
  if (hash_delivered(c, f)) spec.files.push_back(std::move(f));
}

bool under(const std::string& path, const std::string& dir) {
  return path == dir || (path.rfind(dir, 0) == 0 && (dir.back() == '/' || path[dir.size()] == '/'));
}

}  // namespace

void normalize_volumes(Context& c, const Node& list, const Node& top, ContainerSpec& spec) {
  if (!list.is_seq()) return fail(c, list.location, "'volumes' must be a list");
  for (const Node& item : list.items) {
    MountSpec m;
    m.location = item.location;
    if (item.is_map()) {
      check_keys(c, item,
                 {{"type", "source", "target", "read_only"},
                  {"bind", "volume", "tmpfs", "consistency", "image"}},
                 "a volume");
      if (const Node* t = item.find("type")) m.type = as_string(c, *t, "type").value_or("volume");
      if (const Node* s = item.find("source")) m.source = as_string(c, *s, "source").value_or("");
      if (const Node* t = item.find("target")) m.target = as_string(c, *t, "target").value_or("");
      if (const Node* r = item.find("read_only"))
        m.read_only = as_bool(c, *r, "read_only").value_or(false);
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
      fail(c, item.location,
           fmt::format("a volume target must be an absolute path, got '{}'", m.target));
      continue;
    }
    if (m.type == "bind" && !is_host_path(m.source)) {
      deliver_bind(c, m, spec);
      continue;
    }
    if (m.type == "bind") m.source = resolve_path(c, m.source);
    check_named(c, top, m);
    spec.mounts.push_back(m);
  }
}

bool hash_delivered(Context& c, FileSpec& f) {
  auto entries = read_delivered(f, c.project_dir);
  if (!entries.ok()) {
    fail(c, f.location, entries.error().message, entries.error().hint);
    return false;
  }
  f.content_hash = content_digest(f, *entries);
  f.directory = entries->front().type == ProjectEntry::Type::kDirectory;
  if (f.kind == "bind")
    f.mode = static_cast<int>(entries->front().mode & (f.read_only ? 0555u : 07777u));
  return true;
}

void check_delivered(Context& c, ContainerSpec& spec) {
  for (FileSpec& f : spec.files) {
    f.target = std::filesystem::path(f.target).lexically_normal().generic_string();
    if (f.target.size() > 1 && f.target.back() == '/') f.target.pop_back();
  }
  std::sort(spec.files.begin(), spec.files.end(),
            [](const FileSpec& a, const FileSpec& b) { return a.target < b.target; });
  // A tmpfs is mounted at start, over whatever was copied there before.
  std::vector<std::string> tmpfs;
  for (const MountSpec& m : spec.mounts)
    if (m.type == "tmpfs") tmpfs.push_back(m.target);
  for (const auto& [dir, options] : spec.tmpfs) tmpfs.push_back(dir);
  for (size_t i = 0; i < spec.files.size(); ++i) {
    const FileSpec& f = spec.files[i];
    if (i > 0 && spec.files[i - 1].target == f.target)
      fail(c, f.location, fmt::format("two files are delivered to {}", f.target),
           "give each bind mount, config and secret its own target");
    for (const std::string& dir : tmpfs)
      if (under(f.target, dir))
        fail(c, f.location,
             fmt::format("{} is inside the tmpfs at {}, which would hide it", f.target, dir),
             "deliver it elsewhere, or drop the tmpfs");
  }
  if (spec.read_only && !spec.files.empty())
    fail(c, spec.files.front().location,
         fmt::format("the service has read_only: true, and berth copies {} into the container "
                     "before it starts, which the engine refuses on a read-only root filesystem",
                     spec.files.front().target),
         "drop read_only, or bind-mount an absolute path that exists on every host "
         "(docs/files.md)");
}

std::vector<FileObjectSpec> read_file_objects(Context& c, const Node& top, const char* kind,
                                              const std::string& stack) {
  std::vector<FileObjectSpec> out;
  const Node* section = top.find(kind);
  if (!section || !section->is_map()) return out;
  for (const auto& [key, def] : section->fields) {
    // A `file:` or an `environment:` source; the loader of each service checks the rest.
    const Node* file = def.is_map() ? def.find("file") : nullptr;
    const Node* env = def.is_map() ? def.find("environment") : nullptr;
    if ((!file || !file->is_scalar()) && (!env || !env->is_scalar())) continue;
    FileObjectSpec f{key, stack + "_" + key, file && file->is_scalar() ? resolve_path(c, file->scalar) : "",
                     env && env->is_scalar() ? env->scalar : ""};
    if (const Node* n = def.find("name"); n && n->is_scalar()) f.name = n->scalar;
    out.push_back(std::move(f));
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.key < b.key; });
  return out;
}

}  // namespace berth::load
