// The berth command line: parses flags (CLI11), runs one subcommand, returns the exit code.
#pragma once

namespace berth::cli {

// Exit codes (SPEC.md): 0 ok; 1 error, nothing changed; 2 changes present (plan
// --detailed-exitcode); 3 apply partly done; 4 lock held; 5 saved plan stale; 130 interrupted.
int run(int argc, char** argv);

}  // namespace berth::cli
