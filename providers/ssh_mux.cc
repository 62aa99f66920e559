#include "providers/ssh_mux.h"

#include <fmt/format.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>

#include "providers/socket_util.h"

namespace berth {
namespace {

// Message types and constants of PROTOCOL.mux (protocol version 4, OpenSSH 5.9 and later).
constexpr uint32_t kHello = 0x00000001;
constexpr uint32_t kOpenForward = 0x10000006;
constexpr uint32_t kOk = 0x80000001;
constexpr uint32_t kPermissionDenied = 0x80000002;
constexpr uint32_t kFailure = 0x80000003;
constexpr uint32_t kProtocolVersion = 4;
constexpr uint32_t kForwardLocal = 1;
constexpr uint32_t kPortIsPath = 0xfffffffe;  // PORT_STREAMLOCAL (-2): "host" is a socket path
constexpr uint32_t kRequestId = 1;

void put_u32(std::string& out, uint32_t v) {
  for (int shift : {24, 16, 8, 0}) out.push_back(static_cast<char>((v >> shift) & 0xff));
}
void put_string(std::string& out, const std::string& s) {
  put_u32(out, static_cast<uint32_t>(s.size()));
  out += s;
}

// Reads from a packet body front to back; a short body reads as zeros / "", and sets bad.
struct Reader {
  const std::string& body;
  size_t at = 0;
  bool bad = false;
  uint32_t u32() {
    if (body.size() - at < 4) return bad = true, 0;
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = v << 8 | static_cast<unsigned char>(body[at++]);
    return v;
  }
  std::string string() {
    uint32_t n = u32();
    if (bad || body.size() - at < n) return bad = true, "";
    std::string s = body.substr(at, n);
    at += n;
    return s;
  }
};

class Connection {
 public:
  Connection(int fd, int timeout_ms)
      : fd_(fd), deadline_(Clock::now() + std::chrono::milliseconds(timeout_ms)) {}
  ~Connection() { ::close(fd_); }

  // Each packet is its length (u32) and then its body.
  bool send(const std::string& body) {
    std::string packet;
    put_u32(packet, static_cast<uint32_t>(body.size()));
    packet += body;
    size_t done = 0;
    while (done < packet.size()) {
      ssize_t n = ::write(fd_, packet.data() + done, packet.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }
  bool receive(std::string& body) {
    std::string head;
    if (!read_exactly(head, 4)) return false;
    uint32_t n = Reader{head}.u32();
    if (n > (1u << 20)) return false;  // no answer to these requests is this long
    return read_exactly(body, n);
  }

 private:
  using Clock = std::chrono::steady_clock;
  bool read_exactly(std::string& out, size_t n) {
    out.clear();
    while (out.size() < n) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now());
      pollfd p{fd_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      char buf[512];
      ssize_t got = ::read(fd_, buf, std::min(sizeof buf, n - out.size()));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) return false;
      out.append(buf, static_cast<size_t>(got));
    }
    return true;
  }
  int fd_;
  Clock::time_point deadline_;
};

}  // namespace

std::string open_streamlocal_forward(const std::string& control_socket,
                                     const std::string& listen_path, const std::string& remote_path,
                                     int timeout_ms) {
  int fd = connect_unix(control_socket);
  if (fd < 0) return fmt::format("cannot reach the ssh control master: {}", std::strerror(errno));
  Connection c(fd, timeout_ms);
  // Both ends say hello first; the master's names its protocol version.
  std::string hello, answer;
  put_u32(hello, kHello);
  put_u32(hello, kProtocolVersion);
  if (!c.send(hello) || !c.receive(answer)) return "the ssh control master did not say hello";
  Reader greeting{answer};
  if (greeting.u32() != kHello || greeting.u32() != kProtocolVersion)
    return "the ssh control master speaks another multiplexing protocol version";
  std::string request;
  put_u32(request, kOpenForward);
  put_u32(request, kRequestId);
  put_u32(request, kForwardLocal);
  put_string(request, listen_path);
  put_u32(request, kPortIsPath);
  put_string(request, remote_path);
  put_u32(request, kPortIsPath);
  if (!c.send(request) || !c.receive(answer))
    return "the ssh control master did not answer the forward request";
  Reader reply{answer};
  uint32_t type = reply.u32();
  uint32_t id = reply.u32();
  if (reply.bad || id != kRequestId) return "the ssh control master answered out of turn";
  if (type == kOk) return "";
  std::string why = type == kPermissionDenied || type == kFailure ? reply.string() : "";
  return why.empty() ? fmt::format("the ssh control master answered {:#x}", type) : why;
}

}  // namespace berth
