#include "engine/load/files.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace berth::load {
namespace {

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  return "not a regular file";
}

void refuse(Diagnostics& diag, const std::string& path, const char* what, std::string message) {
  diag.error({ErrorKind::kInput, {path, 0, 0}, "", "", std::move(message),
              fmt::format("name a regular file as the {}; to use generated content, write it "
                          "to a file first", what)});
}

// Checks what fstat/stat found; true if it is a regular file of an acceptable size.
bool acceptable(const struct stat& st, const std::string& path, const char* what,
                Diagnostics& diag) {
  if (!S_ISREG(st.st_mode)) {
    refuse(diag, path, what, fmt::format("this {} is {}, not a regular file", what,
                                         kind_of(st.st_mode)));
    return false;
  }
  if (static_cast<std::size_t>(st.st_size) > kMaxInputBytes) {
    diag.error({ErrorKind::kInput, {path, 0, 0}, "", "",
                fmt::format("this {} is {} MiB, over berth's limit of {} MiB", what,
                            st.st_size >> 20, kMaxInputBytes >> 20),
                "split it into several files, or check that this is the file you meant"});
    return false;
  }
  return true;
}

void cannot_read(Diagnostics& diag, const std::string& path, const char* what, int err) {
  diag.error({ErrorKind::kInput, {path, 0, 0}, "", "",
              fmt::format("cannot read this {}: {}", what, std::strerror(err)),
              err == ENOENT ? "check the path" : "check that it exists and is readable"});
}

}  // namespace

FileState file_state(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return FileState::kMissing;
  if (S_ISREG(st.st_mode)) return FileState::kRegular;
  return S_ISDIR(st.st_mode) ? FileState::kDirectory : FileState::kOther;
}

std::optional<std::string> read_input_file(const std::string& path, const char* what,
                                           Diagnostics& diag) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return cannot_read(diag, path, what, errno), std::nullopt;
  if (!acceptable(st, path, what, diag)) return std::nullopt;
  // O_NONBLOCK: if the path was swapped for a FIFO since stat, open still returns at once.
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return cannot_read(diag, path, what, errno), std::nullopt;
  std::optional<std::string> text;
  if (::fstat(fd, &st) != 0) {
    cannot_read(diag, path, what, errno);
  } else if (acceptable(st, path, what, diag)) {
    // Read to the end, but never past the limit (the file may grow while we read).
    std::string buf(static_cast<std::size_t>(st.st_size), '\0');
    std::size_t got = 0;
    for (;;) {
      if (got == buf.size()) buf.resize(std::min(kMaxInputBytes + 1, buf.size() * 2 + 4096));
      ssize_t n = ::read(fd, buf.data() + got, buf.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        cannot_read(diag, path, what, errno);
        break;
      }
      if (n == 0) {
        buf.resize(got);
        text = std::move(buf);
        break;
      }
      got += static_cast<std::size_t>(n);
      if (got > kMaxInputBytes) {
        diag.error({ErrorKind::kInput, {path, 0, 0}, "", "",
                    fmt::format("this {} is over berth's limit of {} MiB", what,
                                kMaxInputBytes >> 20),
                    "split it into several files"});
        break;
      }
    }
  }
  ::close(fd);
  return text;
}

}  // namespace berth::load
