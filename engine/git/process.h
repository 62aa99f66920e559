// Running a short-lived helper program (ssh-keygen, gpg) and collecting what it printed.
// Internal to engine/git/.
//
// Contract: the program is started with posix_spawnp (found on PATH) in the C locale (its
// messages are read as text), with `env` added to berth's environment, stdin from `stdin_path`
// ("" = /dev/null), and no other descriptor (all of berth's are close-on-exec). It is waited
// for by its PID only; after `timeout_ms` it is killed (SIGKILL) and reaped, and the run is an
// error. The long-lived children of providers/ (ssh masters, with their watchdog) are a
// different job: see providers/child_process.h.
#pragma once

#include <string>
#include <vector>

#include "planner/result.h"

namespace berth::git {

struct ProcessOutput {
  int exit_code = -1;  // -1 when killed by a signal
  std::string out;
  std::string err;
};

// kInput when the program cannot be started (with `install_hint`) or does not finish in time.
Result<ProcessOutput> run_process(const std::vector<std::string>& argv,
                                  const std::string& stdin_path,
                                  const std::vector<std::string>& env,
                                  const std::string& install_hint, int timeout_ms = 30000);

// True when `program` is an executable file in a PATH directory.
bool on_path(const std::string& program);

}  // namespace berth::git
