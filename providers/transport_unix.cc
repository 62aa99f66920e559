// The local transport: each channel is a connect() to the engine's unix socket.
#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include "providers/socket_util.h"
#include "providers/transport.h"

namespace berth {
namespace {

class UnixTransport : public Transport {
 public:
  UnixTransport(std::string host, std::string path) : host_(std::move(host)), path_(std::move(path)) {}

  Result<int> open_channel() override {
    int fd = connect_unix(path_);
    if (fd >= 0) return fd;
    int err = errno;
    return fail(err == ENAMETOOLONG ? "the socket path is too long" : std::strerror(err));
  }

  std::string kind() const override { return "unix"; }

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
