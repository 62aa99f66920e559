// Tar archives in memory: the build contexts streamed to the engine, and the files delivered
// into containers (Provider::put_archive, docs/files.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "planner/result.h"

namespace berth {

struct TarEntry {
  enum class Type { kFile, kDirectory, kSymlink };
  std::string name;  // path in the archive, '/'-separated, no leading '/' and no trailing '/'
  Type type = Type::kFile;
  unsigned mode = 0644;  // permission bits (07777)
  int uid = 0;
  int gid = 0;
  std::string data;   // a file's content, or a symlink's target
  int64_t mtime = 0;  // modification time, unix seconds
};

// An uncompressed POSIX archive of the entries, in order: ustar headers, with a PAX extended
// header before any entry whose name or link target does not fit ustar's fields.
std::string tar_archive(const std::vector<TarEntry>& entries);

// A build context: every directory and regular file under `dir`, sorted, owned by 0:0 with
// their modes. `.dockerignore` is honoured for plain names and directory prefixes (no
// wildcards).
Result<std::string> tar_directory(const std::string& dir);

}  // namespace berth
