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
      size_t length = 0;
      std::string head = got.substr(0, end);
      for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (auto cl = head.find("\r\ncontent-length:"); cl != std::string::npos)
        length = std::strtoul(head.c_str() + cl + 17, nullptr, 10);
      need = end + 4 + length;
      if (auto v = head.find("\r\napi-version:"); api_version && v != std::string::npos) {
        size_t from = head.find_first_not_of(' ', v + 14), to = head.find("\r\n", v + 2);
        *api_version = from < to ? head.substr(from, to - from) : "";
      }
    }
  }
  return ProbeResult::kAnswered;
}

}  // namespace berth
