// SSH transport: one OpenSSH control master per host per run (the user's own ssh, so config,
// agents, ProxyJump and known_hosts apply). Engine channels are stream-local forwards of the
// remote engine socket through that master: one forward request on the master's control
// socket (what `ssh -O forward -L LOCAL.sock:REMOTE.sock` sends; providers/ssh_mux.h), then
// each channel is a connect() to LOCAL.sock, with no process on either side. Where the
// server refuses stream-local forwarding, or no socket is at that path, each channel is a
// `docker system dial-stdio` mux client instead (a Docker CLI per channel on the host).
//
// The master's own session prints the login's DOCKER_HOST and then waits on its stdin, a pipe
// berth holds: finding the socket costs no round trip beyond the handshake, and the master
// ends when berth does. Children run in their own process groups under the watchdog of
// providers/child_process.h.
#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>
#include <utility>

#include "planner/address.h"
#include "providers/child_process.h"
#include "providers/socket_util.h"
#include "providers/ssh_errors.h"
#include "providers/ssh_mux.h"
#include "providers/transport.h"

namespace berth {
namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kMarker = "berth-docker-host=";

std::string read_file(const std::string& path, size_t from = 0) {
  std::ifstream in(path);
  std::stringstream buf;
  buf << in.rdbuf();
  std::string s = buf.str();
  return from < s.size() ? s.substr(from) : "";
}

class SshTransport : public Transport {
 public:
  SshTransport(std::string name, SshTarget target, std::string socket, ProviderOptions options)
      : name_(std::move(name)),
        target_(std::move(target)),
        socket_(std::move(socket)),
        options_(std::move(options)) {
    char tmpl[] = "/tmp/berth-ssh-XXXXXX";
    if (mkdtemp(tmpl)) {
      dir_ = tmpl;
      watch_dir(dir_);
    }
  }

  ~SshTransport() override {
    std::lock_guard<std::mutex> g(mu_);
    if (first_fd_ >= 0) ::close(first_fd_);
    for (pid_t pid : channels_) stop_child(pid);
    stop_child(master_);
    for (int fd : {master_in_, master_out_})
      if (fd >= 0) ::close(fd);
    if (dir_.empty()) return;
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    unwatch_dir(dir_);
  }

  Result<int> open_channel() override {
    std::lock_guard<std::mutex> g(mu_);
    if (failed_) return *failed_;  // one handshake attempt per run, not one per request
    if (mode_ == Mode::kNone) {
      if (Status st = connect(); !st.ok()) {
        if (mode_ == Mode::kNone) failed_ = st.error();
        return st.error();
      }
    }
    if (first_fd_ >= 0) return std::exchange(first_fd_, -1);  // the probe's: already tested
    if (master_ < 0 || child_exited(master_)) {
      master_ = -1;
      return master_error();
    }
    if (mode_ == Mode::kStreamLocal) {
      int fd = connect_unix(local_sock());
      if (fd < 0) return master_error();
      return fd;
    }
    return dial_stdio();
  }

  Error explain(Error seen) override {
    std::lock_guard<std::mutex> g(mu_);
    std::string err;
    // Give a dying ssh a moment to finish writing why (it exits right after).
    for (int i = 0; i < 20; ++i) {
      err = (mode_ == Mode::kDialStdio ? read_file(last_channel_err_) : "") +
            read_file(master_err(), err_offset_);
      if (!err.empty()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (err.empty()) return seen;
    return classify_ssh_failure(name_, target_.display, err, seen.message);
  }

  // Not under mu_: the provider asks while another thread may hold mu_ for a handshake.
  bool cheap_channels() const override { return !dial_stdio_; }

  std::string api_version() const override {
    std::lock_guard<std::mutex> g(mu_);
    return api_version_;
  }

  std::string kind() const override {
    std::lock_guard<std::mutex> g(mu_);
    return mode_ == Mode::kStreamLocal ? "ssh stream-local"
           : mode_ == Mode::kDialStdio ? "ssh dial-stdio"
                                       : "ssh";
  }

 private:
  enum class Mode { kNone, kStreamLocal, kDialStdio };

  std::string ctl() const { return dir_ + "/ctl"; }
  std::string local_sock() const { return dir_ + "/engine.sock"; }
  std::string master_err() const { return dir_ + "/master.err"; }

  std::vector<std::string> base_args() const {
    // For -o options the first value wins: the user's come first so they can override ours.
    std::vector<std::string> a = {"ssh"};
    for (const auto& o : options_.ssh_options) a.insert(a.end(), {"-o", o});
    a.insert(a.end(), {"-o", "BatchMode=yes", "-o",
                       fmt::format("ConnectTimeout={}", options_.connect_timeout_seconds), "-o",
                       "ServerAliveInterval=5", "-o", "ServerAliveCountMax=3"});
    if (!target_.port.empty()) a.insert(a.end(), {"-p", target_.port});
    if (!target_.user.empty()) a.insert(a.end(), {"-l", target_.user});
    return a;
  }

  void note(const std::string& text) const {
    if (options_.verbose) std::fprintf(stderr, "berth: %s: %s\n", name_.c_str(), text.c_str());
  }

  // Handshake, socket path, forward, and one /_ping through it: sets mode_.
  Status connect() {
    if (dir_.empty())
      return Error{ErrorKind::kHost, {}, name_, "", "cannot create a directory under /tmp", ""};
    auto docker_host = start_master();
    if (!docker_host.ok()) return docker_host.error();
    std::string remote = socket_;
    if (remote.empty() && !docker_host->has_value())
      // Guessing the default socket here could reach another engine (the lab's hosts share
      // this machine's /var/run/docker.sock): the host's own docker CLI knows which it is.
      return fall_back(
          fmt::format("the login did not print its DOCKER_HOST within {} s of connecting",
                      marker_wait_seconds()));
    const std::string said = docker_host->value_or("");
    if (remote.empty() && said.rfind("unix://", 0) == 0)
      remote = said.substr(7);
    else if (remote.empty() && said.empty())
      remote = "/var/run/docker.sock";
    if (remote.empty())
      return fall_back(fmt::format("DOCKER_HOST on the host is {}, not a unix socket", said));
    std::string why;
    if (!forward(remote, why)) return fall_back(why);
    int fd = connect_unix(local_sock());
    if (fd < 0) return fall_back("the local end of the forward is missing");
    int timeout_ms = options_.request_timeout_seconds * 1000;
    switch (probe_engine(fd, timeout_ms, &api_version_)) {
      case ProbeResult::kAnswered:
        first_fd_ = fd;
        mode_ = Mode::kStreamLocal;
        note("engine channels are stream-local forwards of unix://" + remote);
        return ok_status();
      case ProbeResult::kTimedOut:
        ::close(fd);
        mode_ = Mode::kStreamLocal;
        return Error{ErrorKind::kHost,
                     {},
                     name_,
                     "",
                     fmt::format("the Docker engine at unix://{} on {} did not answer within {} s",
                                 remote, target_.display, options_.request_timeout_seconds),
                     "check that dockerd on the host is healthy (BERTH_ENGINE_TIMEOUT=SECONDS "
                     "waits longer)"};
      case ProbeResult::kClosed: break;
    }
    ::close(fd);
    std::string err;
    for (int i = 0; i < 20 && err.empty(); ++i) {
      if (i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      err = read_file(master_err(), err_offset_);
    }
    if (child_exited(master_)) {
      master_ = -1;
      return master_error();
    }
    // sshd answers both cases with the same "open failed: connect failed" (its own log says
    // which): name both.
    if (err.find("open failed") != std::string::npos)
      return fall_back(
          fmt::format("sshd refused a stream-local channel to {} "
                      "(AllowStreamLocalForwarding no, or no socket there)",
                      remote));
    return fall_back("the stream-local channel to " + remote + " was closed");
  }

  Status fall_back(const std::string& why) {
    mode_ = Mode::kDialStdio;
    dial_stdio_ = true;
    err_offset_ += read_file(master_err(), err_offset_).size();  // explained here, not later
    note(why + "; using `docker system dial-stdio` channels");
    return ok_status();
  }

  // How long after the master is up to wait for the login's DOCKER_HOST line. That line is
  // the host's first answer, and costs a shell start there, which a login script can make
  // slow: 16 lab hosts connecting at once, each login running a 0.66 s ~/.bashrc, printed it
  // 7-21 s after the start (docs/lab.md). So it waits as long as any engine request may
  // (docs/timeouts.md), and never less than the connect timeout.
  int marker_wait_seconds() const {
    return std::max(options_.connect_timeout_seconds, options_.request_timeout_seconds);
  }

  // Starts the master; returns what the login's DOCKER_HOST says ("" = unset), or nothing when
  // the login printed no answer in time (a forced command, another shell, a starved host).
  Result<std::optional<std::string>> start_master() {
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0) return fail("cannot create a pipe");
    if (pipe2(out, O_CLOEXEC) != 0) {
      ::close(in[0]), ::close(in[1]);
      return fail("cannot create a pipe");
    }
    auto args = base_args();
    args.insert(args.end(),
                {"-M", "-S", ctl(), "-o", "ControlPersist=no", "-T", target_.host,
                 fmt::format("printf '{}%s\\n' \"$DOCKER_HOST\"; exec cat >/dev/null", kMarker)});
    auto pid = spawn_child(args, in[0], out[1], master_err());
    ::close(in[0]), ::close(out[1]);
    master_in_ = in[1], master_out_ = out[0];
    if (!pid.ok()) return pid.error();
    master_ = *pid;
    auto deadline = Clock::now() + std::chrono::seconds(options_.connect_timeout_seconds + 5);
    Clock::time_point ctl_seen{};
    std::string text;
    struct stat st;
    while (true) {
      pollfd p{master_out_, POLLIN, 0};
      bool eof = false;
      if (::poll(&p, 1, 20) > 0) {
        char buf[512];
        ssize_t n = ::read(master_out_, buf, sizeof buf);
        if (n > 0)
          text.append(buf, n);
        else
          eof = true;
      }
      // A login script may print first: the marker line is the one that counts.
      if (auto at = text.find(kMarker); at != std::string::npos) {
        auto nl = text.find('\n', at);
        if (nl != std::string::npos && ::stat(ctl().c_str(), &st) == 0)
          return std::optional<std::string>(
              text.substr(at + strlen(kMarker), nl - at - strlen(kMarker)));
      }
      if (eof || child_exited(master_)) {
        stop_child(master_);
        master_ = -1;
        return master_error();
      }
      if (::stat(ctl().c_str(), &st) == 0 && ctl_seen == Clock::time_point{}) {
        ctl_seen = Clock::now();
        // The inventory names the socket: the login's answer would not be used.
        if (!socket_.empty()) return std::optional<std::string>();
      }
      // Connected but the login printed nothing (a forced command, another shell).
      if (ctl_seen != Clock::time_point{} &&
          Clock::now() - ctl_seen > std::chrono::seconds(marker_wait_seconds()))
        return std::optional<std::string>();
      if (ctl_seen == Clock::time_point{} && Clock::now() > deadline) {
        stop_child(master_);
        master_ = -1;
        return Error{ErrorKind::kHost,
                     {},
                     name_,
                     "",
                     fmt::format("cannot connect to {}: connection timed out", target_.display),
                     "check the address, the network and that sshd runs on the host"};
      }
    }
  }

  bool forward(const std::string& remote, std::string& why) {
    why = open_streamlocal_forward(ctl(), local_sock(), remote,
                                   options_.request_timeout_seconds * 1000);
    if (why.empty()) return true;
    why = "the stream-local forward was refused: " + why;
    return false;
  }

  Result<int> dial_stdio() {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
      return fail("cannot create a socket pair");
    last_channel_err_ = fmt::format("{}/channel-{}.err", dir_, channels_.size());
    auto args = base_args();
    args.insert(args.end(), {"-S", ctl(), "-o", "ControlMaster=no", target_.host, "docker",
                             "system", "dial-stdio"});
    auto pid = spawn_child(args, sv[1], sv[1], last_channel_err_);
    ::close(sv[1]);
    if (!pid.ok()) {
      ::close(sv[0]);
      return pid.error();
    }
    channels_.push_back(*pid);
    return sv[0];
  }

  Error master_error() const {
    return classify_ssh_failure(name_, target_.display, read_file(master_err(), err_offset_),
                                fmt::format("ssh to {} failed", target_.display));
  }
  Error fail(const std::string& what) const {
    return Error{ErrorKind::kHost, {}, name_, "", what, ""};
  }

  std::string name_;
  SshTarget target_;
  std::string socket_;  // from the inventory, "" = find it
  ProviderOptions options_;
  std::string dir_;
  mutable std::mutex mu_;
  Mode mode_ = Mode::kNone;
  std::atomic<bool> dial_stdio_{false};  // mode_ == kDialStdio, readable without mu_
  std::optional<Error> failed_;          // the master could not be started
  pid_t master_ = -1;
  int master_in_ = -1, master_out_ = -1;  // the master session's stdin (held) and stdout
  int first_fd_ = -1;                     // the probed stream-local channel, not yet handed out
  std::string api_version_;               // what the probe's /_ping said
  size_t err_offset_ = 0;                 // master.err before this is already explained
  std::vector<pid_t> channels_;           // dial-stdio clients
  std::string last_channel_err_;
};

}  // namespace

Result<std::unique_ptr<Transport>> make_ssh_transport(const Host& host,
                                                      const ProviderOptions& options) {
  auto target = parse_ssh_address(host.name, host.address);
  if (!target.ok()) return target.error();
  return std::unique_ptr<Transport>(new SshTransport(host.name, *target, host.socket, options));
}

}  // namespace berth
