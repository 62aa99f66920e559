#include "engine/load/project_files.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "planner/spec.h"

namespace berth::load {
namespace fs = std::filesystem;

namespace {

Error input_error(std::string message, std::string hint = "") {
  return Error{ErrorKind::kInput, {}, "", "", std::move(message), std::move(hint)};
}

unsigned git_mode(const struct stat& st) {
  if (S_ISDIR(st.st_mode)) return 0755;
  if (S_ISLNK(st.st_mode)) return 0777;
  return (st.st_mode & S_IXUSR) ? 0755 : 0644;
}

const char* special_kind(mode_t mode) {
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISSOCK(mode)) return "a socket";
  return "a device";
}

// Reads one entry at `path`, adding its size to `total`. Inside a tree a symlink is kept as
// one; a source that is a symlink is `follow`ed, as a bind mount would.
Result<ProjectEntry> read_entry(const fs::path& path, const std::string& shown, std::string rel,
                                std::size_t& total, bool follow) {
  struct stat st {};
  if ((follow ? ::stat(path.c_str(), &st) : ::lstat(path.c_str(), &st)) != 0)
    return input_error(fmt::format("cannot read {}: {}", shown, std::strerror(errno)));
  ProjectEntry e{std::move(rel), ProjectEntry::Type::kFile, git_mode(st), ""};
  if (S_ISDIR(st.st_mode)) {
    e.type = ProjectEntry::Type::kDirectory;
    return e;
  }
  if (S_ISLNK(st.st_mode)) {
    std::error_code ec;
    e.type = ProjectEntry::Type::kSymlink;
    e.data = fs::read_symlink(path, ec).string();
    if (ec) return input_error(fmt::format("cannot read the symbolic link {}", shown));
  } else if (!S_ISREG(st.st_mode)) {
    return input_error(fmt::format("{} is {}", shown, special_kind(st.st_mode)),
                       "berth delivers regular files, directories and symbolic links only");
  } else {
    Diagnostics diag;
    auto text = read_input_file(path.string(), "file", diag);
    if (!text) return input_error(fmt::format("cannot read {}: {}", shown, diag.errors[0].message));
    e.data = std::move(*text);
  }
  total += e.data.size();
  if (total > kMaxSourceBytes)
    return input_error(fmt::format("{} is over berth's limit of {} MiB for one delivered source",
                                   shown, kMaxSourceBytes >> 20),
                       "deliver less (a named volume, or an image that contains it)");
  return e;
}

Result<std::vector<ProjectEntry>> read_tree(const fs::path& root, const std::string& source) {
  std::vector<fs::path> paths;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it);
       it.increment(ec))
    paths.push_back(it->path());
  if (ec) return input_error(fmt::format("cannot list the directory {}: {}", source, ec.message()));
  std::vector<std::pair<std::string, fs::path>> sorted;
  for (const auto& p : paths) sorted.emplace_back(p.lexically_relative(root).generic_string(), p);
  std::sort(sorted.begin(), sorted.end());
  std::vector<ProjectEntry> out{{"", ProjectEntry::Type::kDirectory, 0755, ""}};
  std::size_t total = 0;
  for (const auto& [rel, p] : sorted) {
    auto e = read_entry(p, source + "/" + rel, rel, total, /*follow=*/false);
    if (!e.ok()) return e.error();
    out.push_back(std::move(e).value());
  }
  return out;
}

}  // namespace

std::optional<std::string> project_relative(const std::string& path) {
  fs::path p = fs::path(path).lexically_normal();
  if (p.is_absolute()) return std::nullopt;
  std::string s = p.generic_string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  if (s == ".." || s.rfind("../", 0) == 0) return std::nullopt;
  return s.empty() ? std::string(".") : s;
}

Result<std::vector<ProjectEntry>> read_delivered(const FileSpec& file,
                                                 const std::string& project_dir) {
  if (file.source.empty()) return std::vector<ProjectEntry>{{"", {}, 0644, file.content}};
  fs::path path = fs::path(project_dir) / file.source;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 && errno == ENOENT)
    return input_error(
        fmt::format("{} does not exist in the project directory {}", file.source, project_dir),
        "create it; for data the container writes, use a named volume "
        "(berth copies project files into containers: docs/files.md)");
  if (S_ISDIR(st.st_mode)) return read_tree(path, file.source);
  std::size_t total = 0;
  auto e = read_entry(path, file.source, "", total, /*follow=*/true);
  if (!e.ok()) return e.error();
  return std::vector<ProjectEntry>{std::move(e).value()};
}

std::string content_digest(const FileSpec& file, const std::vector<ProjectEntry>& entries) {
  std::string text;
  if (entries.size() == 1 && entries[0].type == ProjectEntry::Type::kFile) {
    text = entries[0].data;
  } else {
    static const char kType[] = {'f', 'd', 'l'};
    for (const ProjectEntry& e : entries)
      text += fmt::format("{} {:04o} {}:{} {}\n", kType[static_cast<int>(e.type)], e.mode,
                          e.path.size(), e.path, sha256_hex(e.data));
  }
  // Length-prefixed, so no name and content can be confused with another pair.
  if (file.secret())
    text = fmt::format("berth secret {}:{}\n{}", file.name.size(), file.name, text);
  return sha256_hex(text);
}

}  // namespace berth::load
