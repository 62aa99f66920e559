// A ustar archive of a build context, in memory. `.dockerignore` is honoured for plain names
// and directory prefixes (no wildcards).
#pragma once

#include <string>

#include "planner/result.h"

namespace berth {

Result<std::string> tar_directory(const std::string& dir);

}  // namespace berth
