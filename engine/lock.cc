#include "engine/lock.h"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <random>

#include "engine/observe.h"
#include "engine/parallel.h"

namespace berth {
namespace {

constexpr const char* kLockKey = "io.berth.lock";
constexpr const char* kLockId = "io.berth.lock.id";
constexpr const char* kLockUser = "io.berth.lock.user";
constexpr const char* kLockMachine = "io.berth.lock.machine";
constexpr const char* kLockPid = "io.berth.lock.pid";
constexpr const char* kLockSince = "io.berth.lock.since";

std::string this_machine() {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  return name;
}

std::string lock_volume_name(const std::string& stack) { return "berth-lock-" + stack; }

std::map<std::string, std::string> our_labels(const std::string& stack) {
  static const std::string id = [] {
    std::random_device rd;
    return fmt::format("{:08x}{:08x}", rd(), rd());
  }();
  const char* user = std::getenv("USER");
  auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char since[32];
  std::strftime(since, sizeof since, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return {{kLockKey, stack},           {kLockId, id},
          {kLockUser, user ? user : "root"}, {kLockMachine, this_machine()},
          {kLockPid, std::to_string(getpid())}, {kLockSince, since}};
}

// A holder on this machine whose process is gone left a stale lock.
bool is_stale(const std::map<std::string, std::string>& held) {
  // A lock volume that lost its labels (seen after an engine restart) names no holder that
  // could still be running: treat it as stale rather than blocking forever.
  if (!held.count(kLockId)) return true;
  auto machine = held.find(kLockMachine);
  auto pid = held.find(kLockPid);
  if (machine == held.end() || pid == held.end() || machine->second != this_machine())
    return false;
  int p = std::atoi(pid->second.c_str());
  return p > 0 && kill(p, 0) != 0 && errno == ESRCH;
}

}  // namespace

std::string describe_lock_holder(const std::map<std::string, std::string>& l) {
  auto get = [&](const char* k) {
    auto it = l.find(k);
    return it == l.end() ? std::string("?") : it->second;
  };
  return fmt::format("{}@{} (pid {}) since {}", get(kLockUser), get(kLockMachine), get(kLockPid),
                     get(kLockSince));
}

Result<LockOutcome> acquire_locks(const std::string& stack, Fleet& fleet,
                                  const std::vector<size_t>& hosts, int max_parallel) {
  const auto labels = our_labels(stack);
  VolumeSpec spec;
  spec.key = spec.name = lock_volume_name(stack);
  LockOutcome outcome;
  std::vector<Error> held;
  std::mutex mu;
  parallel_for(hosts.size(), max_parallel, [&](size_t k) {
    size_t i = hosts[k];
    Provider& p = *fleet.providers[i];
    for (int attempt = 0; attempt < 2; ++attempt) {
      auto got = p.create_volume(spec, labels);
      if (got.ok() && got->labels.empty()) {
        // After an engine restart, create answers for an existing volume without its labels
        // (TRAPS.md); the list still has them.
        auto listed = p.list_volumes(lock_label(stack));
        if (listed.ok())
          for (const auto& v : *listed)
            if (v.name == spec.name) got->labels = v.labels;
      }
      std::lock_guard<std::mutex> guard(mu);
      if (!got.ok()) {
        outcome.unreachable.emplace(i, got.error());
        return;
      }
      if (got->labels[kLockId] == labels.at(kLockId)) {
        outcome.locked.push_back(i);
        return;
      }
      if (attempt == 0 && is_stale(got->labels)) {
        outcome.notes.push_back(fmt::format("took over a stale lock left by {} on host {}",
                                            describe_lock_holder(got->labels), p.host()));
        (void)p.remove_volume(spec.name);
        continue;
      }
      held.push_back(Error{ErrorKind::kLock, {}, p.host(), "",
                           fmt::format("stack {} is locked by {}", stack,
                                       describe_lock_holder(got->labels)),
                           "wait for that run to finish; if it died, run `berth unlock`"});
      return;
    }
  });
  if (!held.empty()) {
    release_locks(stack, fleet, outcome.locked, max_parallel);
    return held.front();
  }
  return outcome;
}

void release_locks(const std::string& stack, Fleet& fleet, const std::vector<size_t>& hosts,
                   int max_parallel) {
  parallel_for(hosts.size(), max_parallel, [&](size_t k) {
    (void)fleet.providers[hosts[k]]->remove_volume(lock_volume_name(stack));
  });
}

Result<std::vector<std::string>> force_unlock(const std::string& stack, Fleet& fleet,
                                              int max_parallel) {
  std::vector<std::string> removed;
  std::vector<Error> errors;
  std::mutex mu;
  parallel_for(fleet.size(), max_parallel, [&](size_t i) {
    Provider& p = *fleet.providers[i];
    auto locks = p.list_volumes(lock_label(stack));
    std::lock_guard<std::mutex> guard(mu);
    if (!locks.ok()) return errors.push_back(locks.error());
    for (const auto& v : *locks) {
      auto st = p.remove_volume(v.name);
      if (!st.ok()) errors.push_back(st.error());
      else removed.push_back(fmt::format("{}: lock held by {}", p.host(),
                                         describe_lock_holder(v.labels)));
    }
  });
  if (!errors.empty()) return errors.front();
  return removed;
}

}  // namespace berth
