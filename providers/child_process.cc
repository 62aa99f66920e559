#include "providers/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <mutex>
#include <set>
#include <thread>

extern char** environ;

namespace berth {
namespace {

// The watchdog. It is a shell script run with exec (not code run after a bare fork), because
// berth forks from worker threads and a forked child of a threaded process may only make
// async-signal-safe calls. It ignores the signals a terminal or a process-group kill sends,
// and only ever removes directories named like the ones berth makes.
constexpr const char* kWatchdogScript = R"sh(
trap '' INT HUP TERM QUIT PIPE
p=' ' d=' '
while read -r op arg; do
  case $op in
    +p) p="$p$arg " ;;
    -p) case $p in *" $arg "*) p="${p%%" $arg "*} ${p#*" $arg "}" ;; esac ;;
    +d) d="$d$arg " ;;
    -d) case $d in *" $arg "*) d="${d%%" $arg "*} ${d#*" $arg "}" ;; esac ;;
  esac
done
live=
for x in $p; do kill -TERM "$x" 2>/dev/null && live="$live $x"; done
i=0
while [ -n "$live" ] && [ $i -lt 10 ]; do
  sleep 0.2; i=$((i + 1)); next=
  for x in $live; do kill -0 "$x" 2>/dev/null && next="$next $x"; done
  live=$next
done
for x in $live; do kill -KILL "$x" 2>/dev/null; done
for x in $d; do case $x in /tmp/berth-ssh-*) rm -rf "$x" ;; esac; done
)sh";

struct Watchdog {
  std::mutex mu;
  int fd = -1;  // berth's end of the socket; the watchdog reads the other end
  bool started = false;
  std::set<pid_t> pids;
};

Watchdog& watchdog() {
  static auto* w = new Watchdog;  // leaked: used until the process ends
  return *w;
}

Result<pid_t> spawn_raw(const std::vector<std::string>& argv, int in, int out,
                        const std::string& err_path) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (in >= 0) posix_spawn_file_actions_adddup2(&fa, in, 0);
  else posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  if (out >= 0) posix_spawn_file_actions_adddup2(&fa, out, 1);
  else posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, err_path.empty() ? "/dev/null" : err_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Own process group; default signal handling and an empty mask whatever berth set.
  sigset_t def, none;
  sigemptyset(&none);
  sigemptyset(&def);
  for (int s : {SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT}) sigaddset(&def, s);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setsigdefault(&attr, &def);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // ssh's messages are classified by text: read them in the C locale.
  std::vector<std::string> env_store = {"LC_ALL=C"};
  for (char** e = environ; e && *e; ++e)
    if (std::strncmp(*e, "LC_ALL=", 7) != 0) env_store.push_back(*e);
  std::vector<char*> env;
  for (auto& e : env_store) env.push_back(e.data());
  env.push_back(nullptr);
  pid_t pid;
  int rc = posix_spawnp(&pid, argv[0].c_str(), &fa, &attr, args.data(), env.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0)
    return Error{ErrorKind::kHost, {}, "", "",
                 "cannot run " + argv[0] + ": " + std::string(std::strerror(rc)),
                 argv[0] == "ssh" ? "install the OpenSSH client (apt-get install openssh-client)"
                                  : ""};
  return pid;
}

// Sends one line to the watchdog, starting it first if needed. Caller holds w.mu.
void tell(Watchdog& w, const std::string& line) {
  if (!w.started) {
    w.started = true;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0) {
      auto pid = spawn_raw({"/bin/sh", "-c", kWatchdogScript}, sv[1], -1, "");
      ::close(sv[1]);
      if (pid.ok()) w.fd = sv[0];
      else ::close(sv[0]);
    }
  }
  if (w.fd < 0 || line.empty()) return;
  // One short line per send is atomic; MSG_NOSIGNAL: a dead watchdog must not kill berth.
  std::string text = line + "\n";
  (void)::send(w.fd, text.data(), text.size(), MSG_NOSIGNAL);
}

void forget(pid_t pid) {
  Watchdog& w = watchdog();
  std::lock_guard<std::mutex> g(w.mu);
  if (w.pids.erase(pid)) tell(w, "-p " + std::to_string(pid));
}

}  // namespace

Result<pid_t> spawn_child(const std::vector<std::string>& argv, int in, int out,
                          const std::string& err_path) {
  Watchdog& w = watchdog();
  std::lock_guard<std::mutex> g(w.mu);
  tell(w, "");  // the watchdog runs before the first child does
  auto pid = spawn_raw(argv, in, out, err_path);
  if (!pid.ok()) return pid;
  w.pids.insert(*pid);
  tell(w, "+p " + std::to_string(*pid));
  return pid;
}

bool child_exited(pid_t pid, int* status) {
  int st = 0;
  if (pid <= 0) return true;
  if (waitpid(pid, &st, WNOHANG) != pid) return false;
  if (status) *status = st;
  forget(pid);
  return true;
}

void stop_child(pid_t pid) {
  if (pid <= 0) return;
  if (child_exited(pid)) return;
  ::kill(pid, SIGTERM);
  // ssh ends within a millisecond or two of SIGTERM: look soon, then less often, for 1 s.
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  for (auto pause = std::chrono::microseconds(250); std::chrono::steady_clock::now() < until;
       pause = std::min(pause * 2, std::chrono::microseconds(10000))) {
    if (child_exited(pid)) return;
    std::this_thread::sleep_for(pause);
  }
  ::kill(pid, SIGKILL);
  int st;
  waitpid(pid, &st, 0);
  forget(pid);
}

void watch_dir(const std::string& dir) {
  Watchdog& w = watchdog();
  std::lock_guard<std::mutex> g(w.mu);
  tell(w, "+d " + dir);
}

void unwatch_dir(const std::string& dir) {
  Watchdog& w = watchdog();
  std::lock_guard<std::mutex> g(w.mu);
  tell(w, "-d " + dir);
}

std::vector<pid_t> watched_pids() {
  Watchdog& w = watchdog();
  std::lock_guard<std::mutex> g(w.mu);
  return {w.pids.begin(), w.pids.end()};
}

}  // namespace berth
