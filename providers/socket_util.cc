#include "providers/socket_util.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>

namespace berth {
namespace {

// The value of header `name` (lowercase) in a lowercased response head, or "" without it.
std::string header_value(const std::string& head, const std::string& name) {
  auto at = head.find("\r\n" + name + ":");
  if (at == std::string::npos) return "";
  size_t from = head.find_first_not_of(' ', at + 3 + name.size());
  size_t to = head.find("\r\n", at + 2);
  return from < to ? head.substr(from, to - from) : "";
}

}  // namespace

int connect_unix(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int err = errno;
    ::close(fd);
    errno = err;
    return -1;
  }
  return fd;
}

ProbeResult probe_engine(int fd, int timeout_ms, std::string* api_version) {
  using clock = std::chrono::steady_clock;
  auto deadline = clock::now() + std::chrono::milliseconds(timeout_ms);
  static const char kPing[] = "GET /_ping HTTP/1.1\r\nHost: docker\r\nUser-Agent: berth\r\n\r\n";
  if (::send(fd, kPing, sizeof kPing - 1, MSG_NOSIGNAL) != ssize_t(sizeof kPing - 1))
    return ProbeResult::kClosed;
  std::string got;
  size_t need = std::string::npos;  // total bytes of the answer, once the headers are in
  while (need == std::string::npos || got.size() < need) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    if (left.count() <= 0) return ProbeResult::kTimedOut;
    pollfd p{fd, POLLIN, 0};
    int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n == 0 ? ProbeResult::kTimedOut : ProbeResult::kClosed;
    char buf[4096];
    ssize_t r = ::recv(fd, buf, sizeof buf, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return ProbeResult::kClosed;
    got.append(buf, r);
    if (need == std::string::npos) {
      auto end = got.find("\r\n\r\n");
      if (end == std::string::npos) continue;
      if (got.rfind("HTTP/1.", 0) != 0) return ProbeResult::kClosed;
      // Only one request was sent, so nothing beyond this answer can arrive.
      std::string head = got.substr(0, end);
      for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      need = end + 4 + std::strtoul(header_value(head, "content-length").c_str(), nullptr, 10);
      if (api_version) *api_version = header_value(head, "api-version");
    }
  }
  return ProbeResult::kAnswered;
}

}  // namespace berth
