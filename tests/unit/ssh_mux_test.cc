// The control-master client (providers/ssh_mux.h) against a scripted master on a unix socket:
// what it sends, and what it says for each answer a master can give. The real master is
// exercised by tests/integration/transport_test.cc (every stream-local host goes through it).
#include "providers/ssh_mux.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <functional>
#include <string>
#include <thread>

#include "unix_listener.h"

namespace berth {
namespace {

using ::testing::HasSubstr;

std::string u32(uint32_t v) {
  std::string s;
  for (int shift : {24, 16, 8, 0}) s.push_back(static_cast<char>((v >> shift) & 0xff));
  return s;
}
std::string str(const std::string& s) {
  return u32(static_cast<uint32_t>(s.size())) + s;
}
std::string packet(const std::string& body) {
  return u32(static_cast<uint32_t>(body.size())) + body;
}

const std::string kHello = u32(1) + u32(4);

// Accepts one client and runs `script` on it; `read_packet` gives the client's next body.
class FakeMaster {
 public:
  using Script = std::function<void(FakeMaster&, int fd)>;
  explicit FakeMaster(Script script) : listener_("ctl", 1) {
    thread_ = std::thread([this, script] {
      int c = listener_.accept();
      if (c < 0) return;
      script(*this, c);
      ::close(c);
    });
  }
  ~FakeMaster() {
    listener_.shutdown();
    thread_.join();
  }
  const std::string& path() const { return listener_.path(); }
  std::string read_packet(int fd) {
    std::string head = read_n(fd, 4);
    if (head.size() < 4) return "";
    uint32_t n = 0;
    for (char ch : head) n = n << 8 | static_cast<unsigned char>(ch);
    return read_n(fd, n);
  }
  static void write_all(int fd, const std::string& s) { (void)!::write(fd, s.data(), s.size()); }
  std::string request;  // the client's forward request, as sent

 private:
  static std::string read_n(int fd, size_t n) {
    std::string out;
    char buf[256];
    while (out.size() < n) {
      ssize_t got = ::read(fd, buf, std::min(sizeof buf, n - out.size()));
      if (got <= 0) break;
      out.append(buf, static_cast<size_t>(got));
    }
    return out;
  }
  testing::UnixListener listener_;
  std::thread thread_;
};

// A master that says hello, reads the request and gives `reply` (type, then rest of body).
FakeMaster::Script answering(const std::string& reply_after_id) {
  return [reply_after_id](FakeMaster& m, int fd) {
    FakeMaster::write_all(fd, packet(kHello));
    if (m.read_packet(fd) != kHello) return;
    m.request = m.read_packet(fd);
    std::string type = reply_after_id.substr(0, 4);
    FakeMaster::write_all(fd, packet(type + u32(1) + reply_after_id.substr(4)));
  };
}

TEST(SshMux, SendsALocalStreamLocalForwardAndTakesOk) {
  FakeMaster master(answering(u32(0x80000001)));
  EXPECT_EQ(open_streamlocal_forward(master.path(), "/tmp/x/engine.sock", "/run/docker.sock", 2000),
            "");
  // MUX_C_OPEN_FWD, request id, MUX_FWD_LOCAL, listen path, PORT_STREAMLOCAL, remote, same.
  EXPECT_EQ(master.request, u32(0x10000006) + u32(1) + u32(1) + str("/tmp/x/engine.sock") +
                                u32(0xfffffffe) + str("/run/docker.sock") + u32(0xfffffffe));
}

TEST(SshMux, ARefusalIsTheMastersOwnWords) {
  FakeMaster denied(answering(u32(0x80000002) + str("forwarding disabled")));
  EXPECT_EQ(open_streamlocal_forward(denied.path(), "/tmp/a", "/b", 2000), "forwarding disabled");
  FakeMaster failed(answering(u32(0x80000003) + str("Port forwarding failed")));
  EXPECT_EQ(open_streamlocal_forward(failed.path(), "/tmp/a", "/b", 2000),
            "Port forwarding failed");
}

TEST(SshMux, AnUnknownAnswerIsNamed) {
  FakeMaster odd(answering(u32(0x80000009)));
  EXPECT_THAT(open_streamlocal_forward(odd.path(), "/tmp/a", "/b", 2000), HasSubstr("0x80000009"));
}

TEST(SshMux, AMasterThatHangsUpOrSpeaksAnotherVersionFails) {
  FakeMaster silent([](FakeMaster&, int) {});
  EXPECT_THAT(open_streamlocal_forward(silent.path(), "/tmp/a", "/b", 2000),
              HasSubstr("did not say hello"));
  FakeMaster v3([](FakeMaster& m, int fd) {
    FakeMaster::write_all(fd, packet(u32(1) + u32(3)));
    m.read_packet(fd);
  });
  EXPECT_THAT(open_streamlocal_forward(v3.path(), "/tmp/a", "/b", 2000),
              HasSubstr("another multiplexing protocol version"));
}

TEST(SshMux, AMasterThatNeverAnswersTimesOut) {
  FakeMaster mute([](FakeMaster& m, int fd) {
    FakeMaster::write_all(fd, packet(kHello));
    m.read_packet(fd);
    m.read_packet(fd);
    m.read_packet(fd);  // waits until the client gives up and closes
  });
  EXPECT_THAT(open_streamlocal_forward(mute.path(), "/tmp/a", "/b", 200),
              HasSubstr("did not answer the forward request"));
}

TEST(SshMux, NoMasterAtThePath) {
  EXPECT_THAT(open_streamlocal_forward("/nonexistent/ctl", "/tmp/a", "/b", 200),
              HasSubstr("cannot reach the ssh control master"));
}

}  // namespace
}  // namespace berth
