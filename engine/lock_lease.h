// Internal to engine/lock.cc: the lock's volumes and how a holder is judged alive or stale.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "planner/model.h"

namespace berth::lease {

// Every volume of a stack's lock carries io.berth.lock=<stack> and io.berth.lock.kind: the lock
// itself, the holder's beats (renewals), and takeover markers.
inline constexpr const char* kStack = "io.berth.lock";
inline constexpr const char* kKind = "io.berth.lock.kind";
inline constexpr const char* kId = "io.berth.lock.id";
inline constexpr const char* kUser = "io.berth.lock.user";
inline constexpr const char* kMachine = "io.berth.lock.machine";
inline constexpr const char* kPid = "io.berth.lock.pid";
inline constexpr const char* kSince = "io.berth.lock.since";
inline constexpr const char* kTtl = "io.berth.lock.ttl";

std::string lock_volume(const std::string& stack);
std::string beat_volume(const std::string& stack, const std::string& id, int seq);
std::string takeover_volume(const std::string& stack, const std::string& stale_id);

// The labels of this run's lock (one id per process), and of its beats and markers.
std::map<std::string, std::string> holder_labels(const std::string& stack, int ttl_seconds);
std::map<std::string, std::string> kind_labels(const std::map<std::string, std::string>& holder,
                                               const char* kind);

struct Verdict {
  bool alive = true;
  std::string why;  // "its lease was last renewed 75 s ago (ttl 60 s)", "pid 42 is gone"
};

// Judges the holder of `lock` from the lock's volumes on one host (with their engine creation
// times) and that engine's clock `now` (unix seconds; 0 = unknown, then only a dead local pid
// makes it stale).
Verdict judge(const std::map<std::string, std::string>& lock,
              const std::vector<ObservedVolume>& volumes, int64_t now);

// What a releasing run removes: its own beats, and beats and takeover markers older than ten
// minutes (a live holder's beats are never older than ttl/3; a marker has long done its work).
std::vector<std::string> debris(const std::string& stack, const std::string& our_id,
                                const std::vector<ObservedVolume>& volumes, int64_t now);

}  // namespace berth::lease
