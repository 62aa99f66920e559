#include "engine/lock_lease.h"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <random>

namespace berth::lease {
namespace {

std::string this_machine() {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  return name;
}

std::string get(const std::map<std::string, std::string>& l, const char* key) {
  auto it = l.find(key);
  return it == l.end() ? "" : it->second;
}

}  // namespace

std::string lock_volume(const std::string& stack) {
  return "berth-lock-" + stack;
}

std::string beat_volume(const std::string& stack, const std::string& id, int seq) {
  return fmt::format("berth-lock-{}-beat-{}-{}", stack, id, seq);
}

std::string takeover_volume(const std::string& stack, const std::string& stale_id) {
  return fmt::format("berth-lock-{}-takeover-{}", stack, stale_id.empty() ? "unnamed" : stale_id);
}

std::map<std::string, std::string> holder_labels(const std::string& stack, int ttl_seconds) {
  static const std::string id = [] {
    std::random_device rd;
    return fmt::format("{:08x}{:08x}", rd(), rd());
  }();
  const char* user = std::getenv("USER");
  auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char since[32];
  std::strftime(since, sizeof since, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return {{kStack, stack},
          {kKind, "lock"},
          {kId, id},
          {kUser, user ? user : "root"},
          {kMachine, this_machine()},
          {kPid, std::to_string(getpid())},
          {kSince, since},
          {kTtl, std::to_string(ttl_seconds)}};
}

std::map<std::string, std::string> kind_labels(const std::map<std::string, std::string>& holder,
                                               const char* kind) {
  return {{kStack, get(holder, kStack)}, {kKind, kind}, {kId, get(holder, kId)}};
}

Verdict judge(const std::map<std::string, std::string>& lock,
              const std::vector<ObservedVolume>& volumes, int64_t now) {
  const std::string id = get(lock, kId);
  // A lock volume that lost its labels (seen after an engine restart) names no holder that
  // could still be running.
  if (id.empty()) return {false, "it names no holder"};
  if (get(lock, kMachine) == this_machine()) {
    int pid = std::atoi(get(lock, kPid).c_str());
    if (pid > 0 && kill(pid, 0) != 0 && errno == ESRCH)
      return {false, fmt::format("its process {} on this machine is gone", pid)};
  }
  int ttl = std::atoi(get(lock, kTtl).c_str());
  if (ttl <= 0) ttl = 60;
  int64_t last = 0;
  for (const ObservedVolume& v : volumes)
    if (get(v.labels, kId) == id &&
        (get(v.labels, kKind) == "lock" || get(v.labels, kKind) == "beat"))
      last = std::max(last, v.created_at);
  if (now <= 0 || last <= 0) return {true, ""};
  if (now - last <= ttl) return {true, fmt::format("its lease was renewed {} s ago", now - last)};
  return {false, fmt::format("its lease was last renewed {} s ago (ttl {} s)", now - last, ttl)};
}

std::vector<std::string> debris(const std::string& stack, const std::string& our_id,
                                const std::vector<ObservedVolume>& volumes, int64_t now) {
  std::vector<std::string> out;
  for (const ObservedVolume& v : volumes) {
    if (get(v.labels, kStack) != stack) continue;
    std::string kind = get(v.labels, kKind);
    bool old = now > 0 && v.created_at > 0 && now - v.created_at > 600;
    if ((kind == "beat" && (get(v.labels, kId) == our_id || old)) || (kind == "takeover" && old))
      out.push_back(v.name);
  }
  return out;
}

}  // namespace berth::lease
