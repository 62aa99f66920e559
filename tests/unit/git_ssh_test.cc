// ssh:// remotes of engine/git/git.h against an OpenSSH sshd on 127.0.0.1 that each test starts
// (its own host key and authorized_keys) and stops by PID: host keys are checked against
// known_hosts (plain and hashed entries; unknown and changed keys refused), the user's key
// files authenticate, and a key the server does not accept is a clear error. Needs root (sshd's
// privilege separation) and openssh-server; skipped otherwise.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "engine/git/git.h"
#include "git_fixture.h"

namespace berth::git {
namespace {

namespace fs = std::filesystem;

constexpr const char* kSshd = "/usr/sbin/sshd";

// A free port on loopback (the kernel's pick; sshd binds it right after).
int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

bool answers(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

class GitSshTest : public GitTest {
 public:
  void SetUp() override {
    if (::geteuid() != 0 || ::access(kSshd, X_OK) != 0) GTEST_SKIP() << "needs root and sshd";
    GitTest::SetUp();
    commit_sha_ = commit_file("compose.yaml", "services: {}\n", "first");
    fs::create_directories(tmp_ + "/home/.ssh");
    sh("ssh-keygen -q -t ed25519 -N '' -f " + tmp_ + "/hostkey");
    sh("ssh-keygen -q -t ed25519 -N '' -f " + tmp_ + "/home/.ssh/id_ed25519");
    sh("ssh-keygen -q -t ed25519 -N '' -f " + tmp_ + "/stranger");
    sh("cp " + tmp_ + "/home/.ssh/id_ed25519.pub " + tmp_ + "/authorized_keys");
    port_ = free_port();
    write(tmp_ + "/sshd_config", "ListenAddress 127.0.0.1\nPort " + std::to_string(port_) +
                                     "\nHostKey " + tmp_ +
                                     "/hostkey\nPidFile none\n"
                                     "AuthorizedKeysFile " +
                                     tmp_ +
                                     "/authorized_keys\n"
                                     "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
                                     "PermitRootLogin prohibit-password\nStrictModes no\n"
                                     "UsePAM no\n");
    fs::create_directories("/run/sshd");  // sshd's privilege separation directory
    std::string log = tmp_ + "/sshd.log", cfg = tmp_ + "/sshd_config";
    const char* argv[] = {kSshd, "-D", "-f", cfg.c_str(), "-E", log.c_str(), nullptr};
    ASSERT_EQ(::posix_spawn(&sshd_, kSshd, nullptr, nullptr, const_cast<char**>(argv), environ), 0);
    for (int i = 0; i < 500 && !answers(port_); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_TRUE(answers(port_)) << read(log);
    url_ = "ssh://root@127.0.0.1:" + std::to_string(port_) + src_;
    spec_ = "[127.0.0.1]:" + std::to_string(port_);
    options_.known_hosts = {tmp_ + "/known_hosts"};
  }
  void TearDown() override {
    if (sshd_ > 0) {
      ::kill(sshd_, SIGTERM);
      int status;
      ::waitpid(sshd_, &status, 0);
    }
    GitTest::TearDown();
  }

  // Opens the sshd's repository with the current options and fetches main.
  Result<std::string> fetch_main() {
    auto repo = open_cache(url_, options_);
    if (!repo.ok()) return repo.error();
    return fetch(*repo, "main");
  }

  // The host key's "type base64" part.
  std::string host_key() { return sh("cut -d' ' -f1,2 " + tmp_ + "/hostkey.pub"); }

  pid_t sshd_ = -1;
  int port_ = 0;
  std::string url_, spec_, commit_sha_;
};

TEST_F(GitSshTest, AKnownHostAndTheUsersKeyFetch) {
  write(tmp_ + "/known_hosts", spec_ + " " + host_key() + "\n");
  EXPECT_EQ(value(fetch_main()), commit_sha_);
}

TEST_F(GitSshTest, AHashedKnownHostsEntryMatches) {
  write(tmp_ + "/known_hosts", spec_ + " " + host_key() + "\n");
  sh("ssh-keygen -q -H -f " + tmp_ + "/known_hosts && rm -f " + tmp_ + "/known_hosts.old");
  ASSERT_EQ(read(tmp_ + "/known_hosts").rfind("|1|", 0), 0u);
  EXPECT_EQ(value(fetch_main()), commit_sha_);
}

TEST_F(GitSshTest, AnUnknownHostKeyIsRefused) {
  write(tmp_ + "/known_hosts", "");
  auto r = fetch_main();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kHost);
  std::string fp = sh("ssh-keygen -l -f " + tmp_ + "/hostkey.pub | cut -d' ' -f2");
  EXPECT_EQ(r.error().message,
            "the ssh-ed25519 host key of " + spec_ + " (" + fp + ") is not in known_hosts");
  EXPECT_NE(r.error().hint.find("ssh-keyscan -t ssh-ed25519 -p " + std::to_string(port_)),
            std::string::npos);
}

TEST_F(GitSshTest, AChangedHostKeyIsRefused) {
  std::string other = sh("cut -d' ' -f1,2 " + tmp_ + "/stranger.pub");
  write(tmp_ + "/known_hosts", spec_ + " " + other + "\n");
  auto r = fetch_main();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("has CHANGED"), std::string::npos) << r.error().message;
}

TEST_F(GitSshTest, AKeyTheServerRefusesIsNamed) {
  write(tmp_ + "/known_hosts", spec_ + " " + host_key() + "\n");
  options_.identity_files = {tmp_ + "/stranger"};
  auto r = fetch_main();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kHost);
  EXPECT_EQ(r.error().message,
            "ssh authentication to 127.0.0.1 as root refused (tried: " + tmp_ + "/stranger)");
}

}  // namespace
}  // namespace berth::git
