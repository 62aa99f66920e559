// The berth command line: parses flags (CLI11), runs one subcommand, returns the exit code.
#pragma once

namespace berth::cli {

// Exit codes (README.md, Exit codes): 0 ok; 1 error, nothing changed; 2 changes present (plan
// --detailed-exitcode); 3 partly done; 4 lock held; 5 saved plan stale; 6 update failed and
// rolled back; 7 rollout paused; 8 `apply --wait` timed out; 130 interrupted.
int run(int argc, char** argv);

}  // namespace berth::cli
