// Can the remote be reached at all? Internal to engine/git/.
//
// libgit2 1.5 has no connect timeout: with a host's link down its connect waits for the
// kernel (about two minutes). berth opens one TCP connection first, with a bound, so an
// unreachable remote is a clear error in seconds; the real transfer then connects again.
#pragma once

#include <string>

#include "planner/result.h"

namespace berth::git {

// ok when a TCP connection to host:port succeeds within timeout_seconds; else kHost saying
// whether the name did not resolve, the connection was refused, or nothing answered.
Status probe_tcp(const std::string& host, int port, int timeout_seconds);

}  // namespace berth::git
