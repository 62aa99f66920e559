// The integration tests' harness: a lab of real Docker engines (tests/lab/lab), the berth
// binary, and the docker CLI against each lab host.
#pragma once

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
// Runs the docker CLI against a lab host's engine directly.
CommandResult docker_on(const LabHost& host, const std::vector<std::string>& args);

std::string temp_dir();  // fresh, removed at exit
void write_file(const std::string& path, const std::string& text);

}  // namespace berth::testing
