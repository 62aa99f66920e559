#include "engine/deliver_files.h"

#include <fmt/format.h>

#include <cstdlib>
#include <cstring>
#include <ctime>

#include "engine/load/project_files.h"

namespace berth {
namespace {

using load::ProjectEntry;

// How a file is named in messages: its source path, or the config/secret's name.
std::string shown(const FileSpec& f) {
  if (f.kind == "bind") return f.source;
  std::string what = fmt::format("{} {}", f.kind, f.name);
  return f.source.empty() ? what : fmt::format("{} ({})", what, f.source);
}

TarEntry::Type tar_type(ProjectEntry::Type t) {
  switch (t) {
    case ProjectEntry::Type::kDirectory: return TarEntry::Type::kDirectory;
    case ProjectEntry::Type::kSymlink: return TarEntry::Type::kSymlink;
    default: return TarEntry::Type::kFile;
  }
}

// The archive entries of one file at its target: a file with the FileSpec's mode and owner;
// a tree with each entry's mode (less write bits when read_only), owned by root.
void add_entries(const FileSpec& f, std::vector<ProjectEntry>& entries, int64_t mtime,
                 std::vector<TarEntry>& out) {
  const size_t start = f.target.find_first_not_of('/');
  const std::string base = start == std::string::npos ? "" : f.target.substr(start);
  if (!f.directory) {
    out.push_back({base, TarEntry::Type::kFile, static_cast<unsigned>(f.mode), f.uid, f.gid,
                   std::move(entries.front().data), mtime});
    return;
  }
  for (ProjectEntry& e : entries) {
    std::string name = base.empty() ? e.path : e.path.empty() ? base : base + "/" + e.path;
    if (name.empty()) continue;  // the container's root itself
    unsigned mode =
        e.type == ProjectEntry::Type::kSymlink ? 0777 : e.mode & (f.read_only ? 0555u : 07777u);
    out.push_back({std::move(name), tar_type(e.type), mode, 0, 0, std::move(e.data), mtime});
  }
}

bool delivery_disabled() {
  const char* v = std::getenv("BERTH_TEST_NO_FILE_DELIVERY");
  return v && std::strcmp(v, "1") == 0;
}

// What `f` delivers, read again; an error naming it if it changed since the plan.
Result<std::vector<ProjectEntry>> read_unchanged(const Stack& stack, const Service& service,
                                                 const FileSpec& f, const std::string& host) {
  auto failure = [&](std::string message, std::string hint) {
    Error e{ErrorKind::kInput, f.location, host, service.name, std::move(message), {}};
    e.hint = std::move(hint);
    return e;
  };
  auto entries = load::read_delivered(f, stack.project_dir);
  if (!entries.ok())
    return failure(fmt::format("cannot deliver {}: {}", shown(f), entries.error().message),
                   entries.error().hint);
  if (load::content_digest(f, *entries) != f.content_hash)
    return failure(fmt::format("{} changed since the plan was made", shown(f)),
                   "run `berth plan` again, then apply that plan");
  return entries;
}

}  // namespace

Status verify_files(const Stack& stack) {
  for (const Service& service : stack.services)
    for (const FileSpec& f : service.spec.files)
      if (auto entries = read_unchanged(stack, service, f, ""); !entries.ok())
        return entries.error();
  return ok_status();
}

Status deliver_files(Provider& provider, const Stack& stack, const Service& service,
                     const std::string& container_id) {
  if (service.spec.files.empty() || delivery_disabled()) return ok_status();
  // The copy's time, like a file just written: a server's cache validators (mtime, ETag)
  // change with each delivery, which only a change of content brings.
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  std::vector<TarEntry> archive;
  for (const FileSpec& f : service.spec.files) {
    auto entries = read_unchanged(stack, service, f, provider.host());
    if (!entries.ok()) return entries.error();
    add_entries(f, *entries, now, archive);
  }
  Status st = provider.put_archive(container_id, "/", tar_archive(archive));
  if (!st.ok()) {
    Error e = st.error();
    e.message = fmt::format("cannot copy the service's files into its container: {}", e.message);
    return e;
  }
  return ok_status();
}

}  // namespace berth
