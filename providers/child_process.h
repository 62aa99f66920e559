// Child processes berth starts (ssh), and the watchdog that stops them if berth dies.
// Internal to providers/.
//
// Contract:
// - spawn_child starts argv in a process group of its own (a Ctrl-C at the terminal reaches
//   berth, not its transport), in the C locale (ssh's messages are classified by text), with
//   only the descriptors it is given (everything berth opens is close-on-exec), and registers
//   its PID with the watchdog.
// - stop_child stops a child by PID (TERM, then KILL after a second), reaps it, and
//   unregisters it. Children are reaped by PID only, never with wait(-1).
// - watch_dir/unwatch_dir register a temporary directory.
// - The watchdog is one `/bin/sh` process, started on first use in its own process group with
//   a socket from berth on its stdin. It keeps the registered PIDs and directories; when the
//   socket reaches EOF (berth exited, or was killed with -9 alone or with its whole process
//   group), it kills the PIDs still registered and removes the directories. A clean exit
//   unregisters everything first, so the watchdog then just exits.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "planner/result.h"

namespace berth {

// stdin/stdout on `in`/`out` (-1: /dev/null), stderr appended to `err_path` ("" = /dev/null).
Result<pid_t> spawn_child(const std::vector<std::string>& argv, int in, int out,
                          const std::string& err_path);
// True (and unregistered) if the child has exited; `status` gets its wait status.
bool child_exited(pid_t pid, int* status = nullptr);
void stop_child(pid_t pid);

void watch_dir(const std::string& dir);
void unwatch_dir(const std::string& dir);

// PIDs registered with the watchdog and not yet unregistered (for tests and -v output).
std::vector<pid_t> watched_pids();

}  // namespace berth
