// Files a stack takes from its project directory and delivers into containers (docs/files.md).
// The loader reads them to put their digest in the spec; apply reads them again to deliver
// them and checks that the digest is still the same. Both go through these functions, so
// what is hashed is exactly what is delivered.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "engine/load/files.h"
#include "planner/model.h"
#include "planner/result.h"

namespace berth::load {

struct ProjectEntry {
  enum class Type { kFile, kDirectory, kSymlink };
  std::string path;  // below the source, '/'-separated; "" for the source itself
  Type type = Type::kFile;
  // As Git records it, so a checkout elsewhere (another umask, another owner) reads the same:
  // files 0644, or 0755 when the owner may execute; directories 0755; symlinks 0777.
  unsigned mode = 0644;
  std::string data;  // a file's content, or a symlink's target
};

// Most one source (a file, or a whole directory tree) may hold, like one input file.
inline constexpr std::size_t kMaxSourceBytes = kMaxInputBytes;

// `path` relative to the project directory, normalized ("conf/app.conf"; "." for the project
// directory itself), or nullopt when it leaves the project directory ("../x").
std::optional<std::string> project_relative(const std::string& path);

// What `file` delivers. A content:/environment: source is one file entry holding
// file.content; a file: source or bind mount is read from project_dir/file.source: a regular
// file (following symlinks) is one entry, a directory is itself then everything below it,
// sorted by path, symlinks kept as symlinks. Errors (kInput, no location: the caller knows
// where the file was named): missing, a FIFO/socket/device, over kMaxSourceBytes.
Result<std::vector<ProjectEntry>> read_delivered(const FileSpec& file,
                                                 const std::string& project_dir);

// FileSpec::content_hash of what read_delivered returned: the SHA-256 of a file's content, or
// of a listing of a tree (each entry's type, mode, path and content digest). A secret's is
// keyed by its name, so the label never holds the bare hash of a short password.
std::string content_digest(const FileSpec& file, const std::vector<ProjectEntry>& entries);

}  // namespace berth::load
