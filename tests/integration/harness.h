// The integration tests' harness: a lab of real Docker engines (tests/lab/lab), the berth
// binary, and the docker CLI against each lab host.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace berth::testing {

struct LabHost {
  std::string name;     // h1, h2, ...
  std::string address;  // ssh://root@10.231.K.11 or unix://DIR/h1.sock
  std::string socket;   // DIR/h1.sock
  std::string ip;
};

struct Lab {
  std::string dir, inventory, ssh_options_file;
  std::vector<LabHost> hosts;
  // {"--ssh-option", "UserKnownHostsFile=...", "--ssh-option", "IdentityFile=...", ...}
  std::vector<std::string> ssh_flags() const;
  void stop_sshd(const std::string& h) const;
  void start_sshd(const std::string& h) const;
  void stop_dockerd(const std::string& h) const;
  void start_dockerd(const std::string& h) const;
  void link_down(const std::string& h) const;
  void link_up(const std::string& h) const;
  // Builds berth-test/caddy:latest (the ingress proxy, from Debian's caddy) on every host.
  void build_caddy_image() const;
};

// Brings a lab up once per test process (N hosts, with or without sshd), builds the busybox
// test image on every host, and tears it down when the process exits. A non-empty `hide` is
// hidden from every engine under an empty tmpfs (tests/lab/lab --hide).
Lab& shared_lab(int hosts, bool ssh, const std::string& hide = "");

struct CommandResult {
  int exit_code = -1;
  std::string out, err;
};

// Runs a command with no stdin, capturing stdout and stderr.
CommandResult run(const std::vector<std::string>& argv, const std::string& cwd = "",
                  const std::map<std::string, std::string>& env = {});
// Runs the built berth binary.
CommandResult run_berth(const std::vector<std::string>& args, const std::string& cwd,
                        const std::map<std::string, std::string>& env = {});
// A berth run in the background (to interrupt it, or to race two runs).
struct Spawned {
  int pid = -1;  // also its process group id when started with own_group
  std::string out_path, err_path;
  int status = -1;  // set once reaped
  // Whether it exits within `seconds` (reaping it if so).
  bool exits_within(double seconds);
  // Waits for it to exit; returns its exit code (128 + signal when killed) and its output.
  CommandResult wait();
};
Spawned spawn_berth(const std::vector<std::string>& args, const std::string& cwd,
                    bool own_group = false);

// Polls `ready` every 50 ms until it is true or `seconds` pass; returns whether it became true.
bool wait_until(const std::function<bool()>& ready, double seconds);

// PIDs of live processes whose command line contains `text` (berth's ssh children, say).
std::vector<int> processes_with(const std::string& text);

// Runs the docker CLI against a lab host's engine directly.
CommandResult docker_on(const LabHost& host, const std::vector<std::string>& args);

std::string temp_dir();  // fresh, removed at exit
void write_file(const std::string& path, const std::string& text);

}  // namespace berth::testing
