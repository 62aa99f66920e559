// Internal to cmd/progress*.cc: the words both text renderings use for an event, and the
// renderers' factories.
#pragma once

#include <memory>
#include <ostream>
#include <string>

#include "cmd/progress.h"

namespace berth::cli::progress {

// The replica an event is about: its container name, else "<service>-<slot>".
std::string replica_name(const Event& e);
// "3.2s"
std::string seconds_text(int64_t ms);
// What happened, in words, without host and service: "batch 1/3 started: web-1 web-2",
// "waiting for demo-web-4 to become healthy (3.2s)", "demo-web-4 failed: unhealthy".
std::string describe(const Event& e);
// Safe to print in one line of a log or a frame: every control character (a pull's \r, a
// build's escape sequences, a newline) becomes a space.
std::string printable(std::string text);

std::unique_ptr<RunProgress> make_json_progress(std::ostream& out);   // progress_json.cc
std::unique_ptr<RunProgress> make_plain_progress(std::ostream& out);  // progress_plain.cc

}  // namespace berth::cli::progress
