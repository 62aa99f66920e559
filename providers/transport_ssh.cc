// SSH transport: one OpenSSH control master per host per run (the user's own ssh, so config,
// agents, ProxyJump and known_hosts apply), and each channel a `docker system dial-stdio` mux
// client of it: no new handshake per channel. Children are started with posix_spawn on
// close-on-exec descriptors (so no child inherits another host's pipes), and reaped by PID.
#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "providers/ssh_errors.h"
#include "providers/transport.h"

extern char** environ;

namespace berth {
namespace {

struct Target {
  std::string user, host, port;
  std::string display;  // user@host:port as written
};

Result<Target> parse_address(const std::string& name, const std::string& address) {
  Target t;
  std::string rest = address.substr(6);
  t.display = rest;
  if (auto at = rest.rfind('@'); at != std::string::npos) {
    t.user = rest.substr(0, at);
    rest = rest.substr(at + 1);
  }
  if (!rest.empty() && rest[0] == '[') {
    auto close = rest.find(']');
    t.host = rest.substr(1, close - 1);
    if (close + 1 < rest.size() && rest[close + 1] == ':') t.port = rest.substr(close + 2);
  } else if (auto colon = rest.find(':'); colon != std::string::npos) {
    t.host = rest.substr(0, colon);
    t.port = rest.substr(colon + 1);
  } else {
    t.host = rest;
  }
  if (t.host.empty() || (!t.port.empty() && t.port.find_first_not_of("0123456789") != std::string::npos))
    return Error{ErrorKind::kInput, {}, name, "", fmt::format("bad ssh address '{}'", address),
                 "write ssh://[user@]host[:port]"};
  return t;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

// Starts argv with stdin/stdout on `io` (or /dev/null when -1) and stderr to `err_path`.
Result<pid_t> spawn(const std::vector<std::string>& argv, int io, const std::string& err_path) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (io >= 0) {
    posix_spawn_file_actions_adddup2(&fa, io, 0);
    posix_spawn_file_actions_adddup2(&fa, io, 1);
  } else {
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  }
  posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // ssh's messages are classified by text: read them in the C locale.
  std::vector<std::string> env_store = {"LC_ALL=C"};
  for (char** e = environ; e && *e; ++e)
    if (std::string(*e).rfind("LC_ALL=", 0) != 0) env_store.push_back(*e);
  std::vector<char*> env;
  for (auto& e : env_store) env.push_back(e.data());
  env.push_back(nullptr);
  pid_t pid;
  int rc = posix_spawnp(&pid, argv[0].c_str(), &fa, nullptr, args.data(), env.data());
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0)
    return Error{ErrorKind::kHost, {}, "", "", "cannot run ssh: " + std::string(strerror(rc)),
                 "install the OpenSSH client (apt-get install openssh-client)"};
  return pid;
}

class SshTransport : public Transport {
 public:
  SshTransport(std::string name, Target target, ProviderOptions options)
      : name_(std::move(name)), target_(std::move(target)), options_(std::move(options)) {
    char tmpl[] = "/tmp/berth-ssh-XXXXXX";
    dir_ = mkdtemp(tmpl) ? tmpl : "/tmp";
  }

  ~SshTransport() override {
    std::lock_guard<std::mutex> g(mu_);
    for (pid_t pid : children_) stop(pid);
    if (master_ > 0) stop(master_);
    std::error_code ec;
    if (dir_ != "/tmp") std::filesystem::remove_all(dir_, ec);
  }

  Result<int> open_channel() override {
    std::lock_guard<std::mutex> g(mu_);
    if (Status st = ensure_master(); !st.ok()) return st.error();
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
      return Error{ErrorKind::kHost, {}, name_, "", "cannot create a socket pair", ""};
    last_channel_err_ = fmt::format("{}/channel-{}.err", dir_, children_.size());
    auto args = base_args();
    args.insert(args.end(), {"-S", ctl(), "-o", "ControlMaster=no", target_.host, "docker",
                             "system", "dial-stdio"});
    auto pid = spawn(args, sv[1], last_channel_err_);
    ::close(sv[1]);
    if (!pid.ok()) {
      ::close(sv[0]);
      return pid.error();
    }
    children_.push_back(*pid);
    return sv[0];
  }

  Error explain(Error seen) override {
    std::lock_guard<std::mutex> g(mu_);
    // Give a dying child a moment to finish writing why (it exits right after).
    for (int i = 0; i < 20 && read_file(last_channel_err_).empty(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::string err = read_file(last_channel_err_) + read_file(master_err());
    if (err.empty()) return seen;
    return classify_ssh_failure(name_, target_.display, err, seen.message);
  }

 private:
  std::string ctl() const { return dir_ + "/ctl"; }
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

  Status ensure_master() {
    if (master_ > 0 && !master_dead_) return ok_status();
    if (master_dead_) return master_error();
    auto args = base_args();
    args.insert(args.end(), {"-M", "-N", "-S", ctl(), "-o", "ControlPersist=no", target_.host});
    auto pid = spawn(args, -1, master_err());
    if (!pid.ok()) return pid.error();
    master_ = *pid;
    auto deadline = std::chrono::steady_clock::now() +
                    std::chrono::seconds(options_.connect_timeout_seconds + 5);
    struct stat st;
    // Ready when the control socket exists; failed when the master exits first.
    while (::stat(ctl().c_str(), &st) != 0) {
      int status;
      if (waitpid(master_, &status, WNOHANG) == master_) {
        master_dead_ = true;
        master_ = -1;
        return master_error();
      }
      if (std::chrono::steady_clock::now() > deadline) {
        stop(master_);
        master_ = -1;
        master_dead_ = true;
        return Error{ErrorKind::kHost, {}, name_, "",
                     fmt::format("cannot connect to {}: connection timed out", target_.display),
                     "check the address, the network and that sshd runs on the host"};
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return ok_status();
  }

  Error master_error() const {
    return classify_ssh_failure(name_, target_.display, read_file(master_err()),
                                fmt::format("ssh to {} failed", target_.display));
  }

  static void stop(pid_t pid) {
    if (pid <= 0) return;
    ::kill(pid, SIGTERM);
    int status;
    for (int i = 0; i < 100; ++i) {
      if (waitpid(pid, &status, WNOHANG) != 0) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  }

  std::string name_;
  Target target_;
  ProviderOptions options_;
  std::string dir_;
  std::mutex mu_;
  pid_t master_ = -1;
  bool master_dead_ = false;
  std::vector<pid_t> children_;
  std::string last_channel_err_;
};

}  // namespace

std::string ssh_address_host(const std::string& address) {
  if (address.rfind("ssh://", 0) != 0) return "";
  auto target = parse_address("", address);
  return target.ok() ? target->host : "";
}

Result<std::unique_ptr<Transport>> make_ssh_transport(const std::string& host,
                                                      const std::string& address,
                                                      const ProviderOptions& options) {
  auto target = parse_address(host, address);
  if (!target.ok()) return target.error();
  return std::unique_ptr<Transport>(new SshTransport(host, *target, options));
}

}  // namespace berth
