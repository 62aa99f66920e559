#include "unix_listener.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace berth::testing {

UnixListener::UnixListener(const std::string& socket_name, int backlog) {
  char tmpl[] = "/tmp/berth-fake-XXXXXX";
  dir_ = mkdtemp(tmpl);
  path_ = dir_ + "/" + socket_name;
  fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path_.c_str());
  ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::listen(fd_, backlog);
}

UnixListener::~UnixListener() {
  ::close(fd_);
  ::unlink(path_.c_str());
  ::rmdir(dir_.c_str());
}

int UnixListener::accept() {
  return ::accept(fd_, nullptr, nullptr);
}

void UnixListener::shutdown() {
  ::shutdown(fd_, SHUT_RDWR);
}

}  // namespace berth::testing
