#include "planner/result.h"

#include <fmt/format.h>

namespace berth {

std::string SourceLocation::str() const {
  if (file.empty()) return "";
  if (line <= 0) return file;
  if (column <= 0) return fmt::format("{}:{}", file, line);
  return fmt::format("{}:{}:{}", file, line, column);
}

std::string Error::str() const {
  std::string out;
  if (location.known()) out += location.str() + ": ";
  if (!host.empty()) out += "host " + host + ": ";
  if (!service.empty()) out += "service " + service + ": ";
  out += message;
  if (!hint.empty()) out += " (" + hint + ")";
  return out;
}

std::string Warning::str() const {
  std::string out;
  if (location.known()) out += location.str() + ": ";
  if (!service.empty()) out += "service " + service + ": ";
  return out + message;
}

int exit_code_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kPartial: return 3;
    case ErrorKind::kLock: return 4;
    case ErrorKind::kStalePlan: return 5;
    case ErrorKind::kInterrupted: return 130;
    default: return 1;
  }
}

}  // namespace berth
