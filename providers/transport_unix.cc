#include <fmt/format.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "providers/transport.h"

namespace berth {
namespace {

class UnixTransport : public Transport {
 public:
  UnixTransport(std::string host, std::string path) : host_(std::move(host)), path_(std::move(path)) {}

  Result<int> open_channel() override {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (fd < 0 || path_.size() >= sizeof addr.sun_path) {
      if (fd >= 0) ::close(fd);
      return fail("the socket path is too long");
    }
    std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      int err = errno;
      ::close(fd);
      return fail(std::strerror(err));
    }
    return fd;
  }

 private:
  Error fail(const std::string& why) const {
    return Error{ErrorKind::kHost, {}, host_, "",
                 fmt::format("cannot reach the Docker engine at unix://{}: {}", path_, why),
                 "start Docker (e.g. `dockerd &` or `systemctl start docker`), or set DOCKER_HOST"};
  }
  std::string host_, path_;
};

}  // namespace

std::unique_ptr<Transport> make_unix_transport(const std::string& host, const std::string& path) {
  return std::make_unique<UnixTransport>(host, path);
}

}  // namespace berth
