#include "harness.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace berth::testing {
namespace fs = std::filesystem;

namespace {

std::string lab_script() {
  return std::string(BERTH_SOURCE_DIR) + "/tests/lab/lab";
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream b;
  b << in.rdbuf();
  return b.str();
}

// Leaked on purpose: it is used by the atexit handler, after static destructors may have run.
std::vector<std::string>& temp_dirs() {
  static auto* dirs = new std::vector<std::string>;
  return *dirs;
}

struct LabOwner {
  Lab lab;
  std::string net_claim;
  ~LabOwner() {
    run({lab_script(), "down", "--dir", lab.dir});
    if (!net_claim.empty()) fs::remove_all(net_claim);
  }
};

std::string& claimed_net_dir() {
  static std::string dir;
  return dir;
}

// A lab network 10.231.K.0/24 of this process's own, so labs of test binaries running side by
// side (ctest -j) and a lab someone runs by hand never share addresses: K is claimed by
// creating /tmp/berth-lab-net-K (mkdir is atomic: two binaries started together cannot both
// win), skipped while its bridge (tests/lab/lab: bl<K>br) exists, and a claim whose process is
// gone is taken over.
int claim_net() {
  for (int tries = 0; tries < 100; ++tries) {
    int net = 100 + (getpid() + tries) % 100;
    if (fs::exists("/sys/class/net/bl" + std::to_string(net) + "br")) continue;
    std::string claim = "/tmp/berth-lab-net-" + std::to_string(net);
    if (::mkdir(claim.c_str(), 0700) != 0) {
      std::ifstream in(claim + "/pid");
      int pid = 0;
      if (!(in >> pid) || pid <= 0 || ::kill(pid, 0) == 0 || errno != ESRCH) continue;
      fs::remove_all(claim);
      if (::mkdir(claim.c_str(), 0700) != 0) continue;
    }
    std::ofstream(claim + "/pid") << getpid() << "\n";
    claimed_net_dir() = claim;
    return net;
  }
  throw std::runtime_error("no free lab network 10.231.100-199.0/24");
}

void lab_cmd(const Lab& lab, const char* what, const std::string& h) {
  auto r = run({lab_script(), what, h, "--dir", lab.dir});
  if (r.exit_code != 0) throw std::runtime_error("lab " + std::string(what) + ": " + r.err);
}

// Starts argv with stdin from /dev/null and stdout/stderr into fresh files; -1 on failure.
int start(const std::vector<std::string>& argv, const std::string& cwd,
          const std::map<std::string, std::string>& env, bool own_group, std::string& out_path,
          std::string& err_path) {
  std::string base = fs::temp_directory_path() / ("berth-run-" + std::to_string(getpid()));
  static std::atomic<int> counter{0};
  out_path = base + "-" + std::to_string(++counter) + ".out";
  err_path = out_path + ".err";
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&fa, cwd.c_str());
  std::vector<std::string> env_store;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    if (!env.count(kv.substr(0, kv.find('=')))) env_store.push_back(kv);
  }
  for (auto& [k, v] : env) env_store.push_back(k + "=" + v);
  std::vector<char*> envp, args;
  for (auto& e : env_store) envp.push_back(e.data());
  envp.push_back(nullptr);
  for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  if (own_group) {
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
  }
  pid_t pid = -1;
  if (posix_spawnp(&pid, args[0], &fa, &attr, args.data(), envp.data()) != 0) pid = -1;
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

CommandResult finish(int pid, const std::string& out_path, const std::string& err_path,
                     int status = -1) {
  CommandResult r;
  if (pid > 0) {
    if (status < 0) waitpid(pid, &status, 0);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  r.out = slurp(out_path);
  r.err = slurp(err_path);
  fs::remove(out_path);
  fs::remove(err_path);
  return r;
}

}  // namespace

CommandResult run(const std::vector<std::string>& argv, const std::string& cwd,
                  const std::map<std::string, std::string>& env) {
  std::string out_path, err_path;
  int pid = start(argv, cwd, env, false, out_path, err_path);
  return finish(pid, out_path, err_path);
}

bool Spawned::exits_within(double seconds) {
  if (status >= 0) return true;
  return wait_until([&] { return pid <= 0 || waitpid(pid, &status, WNOHANG) == pid; }, seconds);
}

CommandResult Spawned::wait() {
  return finish(pid, out_path, err_path, status);
}

Spawned spawn_berth(const std::vector<std::string>& args, const std::string& cwd, bool own_group) {
  std::vector<std::string> argv = {BERTH_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  Spawned s;
  s.pid = start(argv, cwd, {}, own_group, s.out_path, s.err_path);
  return s;
}

bool wait_until(const std::function<bool()>& ready, double seconds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!ready()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

std::vector<int> processes_with(const std::string& text) {
  std::vector<int> out;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    std::string name = entry.path().filename();
    if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
    std::string cmdline = slurp(entry.path() / "cmdline");
    for (char& ch : cmdline)
      if (ch == '\0') ch = ' ';
    if (cmdline.find(text) != std::string::npos && std::stoi(name) != getpid())
      out.push_back(std::stoi(name));
  }
  return out;
}

CommandResult run_berth(const std::vector<std::string>& args, const std::string& cwd,
                        const std::map<std::string, std::string>& env) {
  std::vector<std::string> argv = {BERTH_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, cwd, env);
}

CommandResult docker_on(const LabHost& host, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"/usr/bin/docker", "-H", "unix://" + host.socket};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv);
}

std::vector<std::string> Lab::ssh_flags() const {
  std::vector<std::string> flags;
  std::istringstream in(slurp(ssh_options_file));
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) flags.insert(flags.end(), {"--ssh-option", line});
  return flags;
}

void Lab::stop_sshd(const std::string& h) const {
  lab_cmd(*this, "stop-sshd", h);
}
void Lab::start_sshd(const std::string& h) const {
  lab_cmd(*this, "start-sshd", h);
}
void Lab::stop_dockerd(const std::string& h) const {
  lab_cmd(*this, "stop-dockerd", h);
}
void Lab::start_dockerd(const std::string& h) const {
  lab_cmd(*this, "start-dockerd", h);
}
void Lab::link_down(const std::string& h) const {
  lab_cmd(*this, "link-down", h);
}
void Lab::link_up(const std::string& h) const {
  lab_cmd(*this, "link-up", h);
}
void Lab::build_caddy_image() const {
  auto r = run({lab_script(), "caddy-image", "--dir", dir});
  if (r.exit_code != 0) throw std::runtime_error("lab caddy-image: " + r.out + r.err);
}

Lab& shared_lab(int hosts, bool ssh, const std::string& hide) {
  static std::unique_ptr<LabOwner> owner;
  if (owner) return owner->lab;
  int net = claim_net();
  std::string dir = "/tmp/berth-itest-" + std::to_string(getpid());
  std::vector<std::string> up = {lab_script(), "up",    std::to_string(hosts), "--dir",
                                 dir,          "--net", std::to_string(net)};
  if (!ssh) up.push_back("--no-ssh");
  if (!hide.empty()) up.insert(up.end(), {"--hide", hide});
  run({lab_script(), "down", "--dir", dir});
  auto r = run(up);
  owner = std::make_unique<LabOwner>();
  owner->lab.dir = dir;
  owner->net_claim = claimed_net_dir();
  if (r.exit_code != 0) throw std::runtime_error("lab up failed: " + r.out + r.err);
  auto img = run({lab_script(), "image", "--dir", dir});
  if (img.exit_code != 0) throw std::runtime_error("lab image failed: " + img.err);
  Lab& lab = owner->lab;
  lab.inventory = dir + "/berth.hosts.yaml";
  lab.ssh_options_file = dir + "/ssh_options";
  for (int i = 1; i <= hosts; ++i) {
    LabHost h;
    h.name = "h" + std::to_string(i);
    h.ip = "10.231." + std::to_string(net) + "." + std::to_string(10 + i);
    h.socket = dir + "/" + h.name + ".sock";
    h.address = ssh ? "ssh://root@" + h.ip : "unix://" + h.socket;
    lab.hosts.push_back(h);
  }
  std::atexit([] {
    owner.reset();
    for (auto& d : temp_dirs()) fs::remove_all(d);
  });
  return lab;
}

std::string temp_dir() {
  char tmpl[] = "/tmp/berth-test-XXXXXX";
  std::string d = mkdtemp(tmpl);
  temp_dirs().push_back(d);
  return d;
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

}  // namespace berth::testing
