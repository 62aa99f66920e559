#include "engine/git/reachable.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "engine/git/errors.h"

namespace berth::git {
namespace {

// 0 on success, else the errno of the failed connect (ETIMEDOUT when nothing answered).
int try_connect(const addrinfo& ai, int timeout_ms) {
  int fd = ::socket(ai.ai_family, ai.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai.ai_protocol);
  if (fd < 0) return errno;
  int err = 0;
  if (::connect(fd, ai.ai_addr, ai.ai_addrlen) != 0) {
    err = errno;
    if (err == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      int n;
      while ((n = ::poll(&p, 1, timeout_ms)) < 0 && errno == EINTR) {
      }
      socklen_t len = sizeof err;
      if (n == 0)
        err = ETIMEDOUT;
      else if (n < 0 || ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
        err = errno;
    }
  }
  ::close(fd);
  return err;
}

}  // namespace

Status probe_tcp(const std::string& host, int port, int timeout_seconds) {
  std::string where = host + ":" + std::to_string(port);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_family = AF_UNSPEC;
  addrinfo* found = nullptr;
  int gai = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
  if (gai != 0)
    return make_error(ErrorKind::kHost,
                      "cannot resolve the git host " + host + ": " + ::gai_strerror(gai),
                      "check the host name in the repository URL and this machine's DNS");
  int err = 0;
  for (addrinfo* ai = found; ai; ai = ai->ai_next) {
    err = try_connect(*ai, timeout_seconds * 1000);
    if (err == 0) break;
  }
  ::freeaddrinfo(found);
  if (err == 0) return ok_status();
  std::string why = err == ETIMEDOUT ? "no answer within " + std::to_string(timeout_seconds) + " s"
                                     : std::strerror(err);
  return make_error(ErrorKind::kHost, "cannot reach the git host " + where + ": " + why,
                    "check the repository URL, that the server is up, and the network to it");
}

}  // namespace berth::git
