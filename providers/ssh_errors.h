// What ssh (and the remote docker) printed on stderr, turned into one clear error.
#pragma once

#include <string>

#include "planner/result.h"

namespace berth {

// `stderr_text` from the control master (connect/auth, stream-local channels that failed to
// open) or a dial-stdio channel (remote docker).
// Returns an error naming the host and what to do; `fallback` when nothing is recognised.
Error classify_ssh_failure(const std::string& host, const std::string& target,
                           const std::string& stderr_text, const std::string& fallback);

}  // namespace berth
