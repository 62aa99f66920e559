// Reading the files a user names (stack files, .env files, the inventory) safely: only regular
// files, never larger than kMaxInputBytes, and never blocking on a FIFO or a device.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "planner/result.h"

namespace berth::load {

// Larger files are refused: a real stack is well under a megabyte.
inline constexpr std::size_t kMaxInputBytes = 64u << 20;

enum class FileState { kRegular, kMissing, kDirectory, kOther };

// What is at `path` (following symlinks), without opening it.
FileState file_state(const std::string& path);

// Reads a whole file. `what` names it in messages ("stack file", "env file", "inventory").
// A missing file, a directory, a FIFO, a socket or a device, a file over kMaxInputBytes, or a
// read error is one error in diag (file = path) and nullopt. A FIFO is refused before it is
// opened for reading (stat first, then open with O_NONBLOCK and check again with fstat), so
// this never waits for a writer.
std::optional<std::string> read_input_file(const std::string& path, const char* what,
                                           Diagnostics& diag);

}  // namespace berth::load
