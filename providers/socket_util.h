// Small socket helpers shared by the transports. Internal to providers/.
#pragma once

#include <string>

namespace berth {

// A connected, close-on-exec unix stream socket to `path`, or -1 with errno set
// (ENAMETOOLONG when the path does not fit in sockaddr_un).
int connect_unix(const std::string& path);

enum class ProbeResult { kAnswered, kClosed, kTimedOut };
// Sends `GET /_ping` on fd and reads one whole HTTP answer (headers and Content-Length body),
// waiting at most timeout_ms in all. kAnswered leaves fd at a clean request boundary, so it
// can carry the next request; kClosed means the peer closed (or reset) the stream first.
// When answered, *api_version (if given) is the answer's Api-Version header ("" if none).
ProbeResult probe_engine(int fd, int timeout_ms, std::string* api_version = nullptr);

}  // namespace berth
