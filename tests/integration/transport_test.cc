// The engine transports on a 2-host SSH lab (issues 11 and 7): stream-local channels through the
// control master and the dial-stdio fallback where sshd refuses them, the same error messages
// on both, no ssh process or temporary directory left after `kill -9`, and a stalled engine
// that fails its host with a timeout instead of hanging.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "harness.h"

extern char** environ;

namespace berth::testing {
namespace {

using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;

constexpr const char* kStack = R"(name: wire
services:
  app:
    image: berth-test/busybox:latest
    command: ["sleep", "1000000"]
    stop_signal: SIGKILL
    deploy: {replicas: 2, placement: {max_replicas_per_node: 1}}
)";

// `after` waits for `gate` to be healthy, which it never is: an apply that stays in flight.
constexpr const char* kGateStack = R"(name: wire
services:
  gate:
    image: berth-test/busybox:latest
    command: ["sleep", "1000000"]
    stop_signal: SIGKILL
    healthcheck: {test: ["CMD", "false"], interval: 1s, retries: 600}
    deploy: {replicas: 2, placement: {max_replicas_per_node: 1}}
  after:
    image: berth-test/busybox:latest
    command: ["sleep", "1000000"]
    depends_on: {gate: {condition: service_healthy}}
)";

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream b;
  b << in.rdbuf();
  return b.str();
}

void lab_cmd(const Lab& lab, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {std::string(BERTH_SOURCE_DIR) + "/tests/lab/lab"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.end(), {"--dir", lab.dir});
  auto r = run(argv);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
}

class Transport : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { shared_lab(2, true); }
  Lab& lab() { return shared_lab(2, true); }

  // a, then the inventory (the lab's unless given) and the lab's ssh flags.
  std::vector<std::string> args(std::vector<std::string> a, const std::string& inventory = "") {
    a.insert(a.end(), {"-i", inventory.empty() ? lab().inventory : inventory});
    auto f = lab().ssh_flags();
    a.insert(a.end(), f.begin(), f.end());
    return a;
  }

  // host name -> transport, from `berth hosts --json`.
  std::map<std::string, std::string> transports(const std::string& dir) {
    auto r = run_berth(args({"hosts", "--json"}), dir);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    std::map<std::string, std::string> out;
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    if (j.is_array())
      for (auto& h : j) out[h.value("host", "")] = h.value("transport", "");
    return out;
  }

  void clean() {
    for (auto& h : lab().hosts) {
      auto ids = docker_on(h, {"ps", "-aq", "--filter", "label=io.berth.stack=wire"}).out;
      std::istringstream in(ids);
      for (std::string id; in >> id;) docker_on(h, {"rm", "-f", id});
      docker_on(h, {"volume", "prune", "-f", "--filter", "label=io.berth.lock"});
    }
  }
};

TEST_F(Transport, StreamLocalAndDialStdioBothWork) {
  std::string dir = temp_dir();
  write_file(dir + "/compose.yaml", kStack);
  clean();
  // Stream-local: also proves the DOCKER_HOST lookup (the lab's sshd sets it; there is no
  // /var/run/docker.sock engine to reach instead, so a failed lookup would fall back).
  EXPECT_EQ(transports(dir), (std::map<std::string, std::string>{{"h1", "ssh stream-local"},
                                                                  {"h2", "ssh stream-local"}}));
  lab_cmd(lab(), {"ssh-streamlocal", "h2", "no"});
  EXPECT_EQ(transports(dir), (std::map<std::string, std::string>{{"h1", "ssh stream-local"},
                                                                  {"h2", "ssh dial-stdio"}}));
  auto verbose = run_berth(args({"hosts", "-v"}), dir);
  EXPECT_THAT(verbose.err, HasSubstr("h2: sshd refused a stream-local channel"));
  EXPECT_THAT(verbose.err, HasSubstr("h1: engine channels are stream-local"));
  EXPECT_THAT(verbose.out, HasSubstr("ssh dial-stdio"));

  auto apply = run_berth(args({"apply", "--yes"}), dir);
  ASSERT_EQ(apply.exit_code, 0) << apply.out << apply.err;
  for (auto& h : lab().hosts)
    EXPECT_THAT(docker_on(h, {"ps", "--format", "{{.Names}}"}).out, HasSubstr("wire-app-"))
        << h.name;
  auto again = run_berth(args({"plan", "--detailed-exitcode"}), dir);
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
  auto destroy = run_berth(args({"destroy", "--yes"}), dir);
  EXPECT_EQ(destroy.exit_code, 0) << destroy.out << destroy.err;
  lab_cmd(lab(), {"ssh-streamlocal", "h2", "yes"});
}

// An inventory's `socket:` is the engine berth talks to, whatever the login's DOCKER_HOST says:
// h1 pointed at h2's engine socket puts its replica on h2's engine, over stream-local.
TEST_F(Transport, AnInventorySocketWinsOverTheLoginsDockerHost) {
  std::string dir = temp_dir();
  std::string one = kStack;
  one.replace(one.find("replicas: 2"), 11, "replicas: 1");
  write_file(dir + "/compose.yaml", one);
  clean();
  const LabHost& h1 = lab().hosts[0];
  const LabHost& h2 = lab().hosts[1];
  std::string inventory = dir + "/hosts.yaml";
  write_file(inventory,
             "hosts:\n  h1:\n    address: " + h1.address + "\n    socket: " + h2.socket + "\n");
  auto hosts = run_berth(args({"hosts", "--json"}, inventory), dir);
  ASSERT_EQ(hosts.exit_code, 0) << hosts.out << hosts.err;
  EXPECT_THAT(hosts.out, HasSubstr("\"ssh stream-local\""));
  auto apply = run_berth(args({"apply", "--yes"}, inventory), dir);
  EXPECT_EQ(apply.exit_code, 0) << apply.out << apply.err;
  EXPECT_THAT(docker_on(h2, {"ps", "--format", "{{.Names}}"}).out, HasSubstr("wire-app-"));
  EXPECT_EQ(docker_on(h1, {"ps", "--format", "{{.Names}}"}).out.find("wire-app-"),
            std::string::npos);
  clean();
}

// Each fault gives the same clear message whichever way channels go.
TEST_F(Transport, ErrorsAreTheSameOnBothPaths) {
  std::string dir = temp_dir();
  lab_cmd(lab(), {"ssh-streamlocal", "h2", "no"});
  auto hosts = [&](std::vector<std::string> extra) {
    std::vector<std::string> a = {"hosts", "-i", lab().inventory};
    a.insert(a.end(), extra.begin(), extra.end());
    return run_berth(a, dir);
  };
  auto lab_flags = lab().ssh_flags();
  auto both = [&](const CommandResult& r, const std::string& text) {
    EXPECT_EQ(r.exit_code, 1);
    for (const char* h : {"h1", "h2"})
      EXPECT_THAT(r.out + r.err, HasSubstr(std::string("host ") + h + ": " + text)) << r.out;
  };
  both(hosts({"--ssh-option", "UserKnownHostsFile=/dev/null", "--ssh-option",
              "IdentityFile=" + lab().dir + "/id_ed25519", "--ssh-option",
              "StrictHostKeyChecking=yes"}),
       "the host key of");
  both(hosts({"--ssh-option", "UserKnownHostsFile=" + lab().dir + "/known_hosts", "--ssh-option",
              "IdentityFile=/dev/null", "--ssh-option", "IdentitiesOnly=yes"}),
       "ssh authentication to");
  lab().stop_dockerd("h1");
  lab().stop_dockerd("h2");
  auto down = run_berth(args({"hosts"}), dir);
  lab().start_dockerd("h1");
  lab().start_dockerd("h2");
  both(down, "the Docker daemon on");
  lab().stop_sshd("h1");
  lab().stop_sshd("h2");
  auto refused = run_berth(args({"hosts"}), dir);
  lab().start_sshd("h1");
  lab_cmd(lab(), {"ssh-streamlocal", "h2", "yes"});  // starts its sshd again
  both(refused, "cannot connect to");
  EXPECT_THAT(refused.out, HasSubstr("connection refused"));
}

// ssh children of one berth: pid -> their control directory.
struct SshChild {
  pid_t pid;
  pid_t pgrp;
  std::string dir;
};

std::vector<SshChild> ssh_children(pid_t parent, const std::string& lab_dir) {
  std::vector<SshChild> out;
  for (auto& e : std::filesystem::directory_iterator("/proc")) {
    std::string name = e.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmd = slurp(e.path() / "cmdline");
    std::vector<std::string> argv;
    for (size_t s = 0, z; s < cmd.size(); s = z + 1) {
      z = cmd.find('\0', s);
      if (z == std::string::npos) z = cmd.size();
      argv.push_back(cmd.substr(s, z - s));
    }
    if (argv.empty() || argv[0] != "ssh" || cmd.find(lab_dir + "/known_hosts") == std::string::npos)
      continue;
    std::string stat = slurp(e.path() / "stat");
    pid_t ppid = 0, pgrp = 0;
    auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    char state;
    std::sscanf(stat.c_str() + close + 2, "%c %d %d", &state, &ppid, &pgrp);
    if (ppid != parent || state == 'Z') continue;
    SshChild c{std::stoi(name), pgrp, ""};
    for (size_t i = 0; i + 1 < argv.size(); ++i)
      if (argv[i] == "-S") c.dir = std::filesystem::path(argv[i + 1]).parent_path();
    out.push_back(c);
  }
  return out;
}

bool alive(pid_t pid) {
  std::string stat = slurp("/proc/" + std::to_string(pid) + "/stat");
  auto close = stat.rfind(')');
  return close != std::string::npos && stat[close + 2] != 'Z';
}

// Starts berth in a session (and process group) of its own, output discarded.
pid_t start_berth(const std::vector<std::string>& args, const std::string& cwd) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addchdir_np(&fa, cwd.c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
  std::vector<std::string> store = {BERTH_BINARY};
  store.insert(store.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : store) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  posix_spawn(&pid, BERTH_BINARY, &fa, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  return pid;
}

// kill -9 of berth (alone or with its process group) while its ssh children run: within a few
// seconds none of them is left, nor their /tmp/berth-ssh-* directories.
void kill_and_check(Lab& lab, const std::vector<std::string>& args, const std::string& dir,
                    bool whole_group, size_t want_children) {
  pid_t berth = start_berth(args, dir);
  ASSERT_GT(berth, 0);
  std::vector<SshChild> kids;
  auto until = Clock::now() + std::chrono::seconds(30);
  while (Clock::now() < until && kids.size() < want_children) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    kids = ssh_children(berth, lab.dir);
  }
  ASSERT_GE(kids.size(), want_children) << "berth did not start its ssh children";
  std::set<std::string> dirs;
  for (auto& k : kids) {
    // Own process groups: a Ctrl-C at the terminal reaches berth, not its transport.
    EXPECT_NE(k.pgrp, berth) << k.pid;
    if (!k.dir.empty()) dirs.insert(k.dir);
  }
  EXPECT_FALSE(dirs.empty());
  ASSERT_EQ(::kill(whole_group ? -berth : berth, SIGKILL), 0);
  int status;
  waitpid(berth, &status, 0);
  bool clean = false;
  for (int i = 0; i < 100 && !clean; ++i) {  // at most 10 s
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    clean = true;
    for (auto& k : kids) clean = clean && !alive(k.pid);
    for (auto& d : dirs) clean = clean && !std::filesystem::exists(d);
  }
  for (auto& k : kids) EXPECT_FALSE(alive(k.pid)) << "ssh " << k.pid << " outlived berth";
  for (auto& d : dirs) EXPECT_FALSE(std::filesystem::exists(d)) << d << " left behind";
}

TEST_F(Transport, NoSshProcessOutlivesKill9) {
  std::string dir = temp_dir();
  write_file(dir + "/compose.yaml", kGateStack);
  clean();
  // Alone, during an apply that waits for health; h2 on dial-stdio, so its channels are ssh
  // processes too (one master per host, and at least one dial-stdio client).
  lab_cmd(lab(), {"ssh-streamlocal", "h2", "no"});
  kill_and_check(lab(), args({"apply", "--yes"}), dir, false, 3);
  lab_cmd(lab(), {"ssh-streamlocal", "h2", "yes"});
  // The whole process group, during a plan: both masters.
  kill_and_check(lab(), args({"plan"}), dir, true, 2);
  clean();
}

TEST_F(Transport, StalledEngineFailsItsHostWithATimeout) {
  std::string dir = temp_dir();
  write_file(dir + "/compose.yaml", kStack);
  clean();
  // A socket that accepts (the kernel does, from the backlog) and never answers.
  std::string sock = dir + "/stalled.sock";
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, sock.c_str(), sizeof addr.sun_path - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 64), 0);
  std::string inv = dir + "/hosts.yaml";
  write_file(inv, "hosts:\n  stuck:\n    address: unix://" + sock + "\n  h1:\n    address: " +
                      lab().hosts[0].address + "\n");
  std::vector<std::string> argv = {"timeout", "60", BERTH_BINARY, "plan", "-i", inv};
  auto f = lab().ssh_flags();
  argv.insert(argv.end(), f.begin(), f.end());
  auto start = Clock::now();
  auto r = run(argv, dir, {{"BERTH_ENGINE_TIMEOUT", "2"}});
  auto took = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - start).count();
  ::close(fd);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_LT(took, 20);
  EXPECT_THAT(r.out + r.err, HasSubstr("stuck"));
  EXPECT_THAT(r.out + r.err, HasSubstr("did not answer within 2 s"));
  EXPECT_THAT(r.out + r.err, ::testing::Not(HasSubstr("host h1:")));
}

}  // namespace
}  // namespace berth::testing
