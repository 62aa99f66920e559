// Per-stack locks held on each host a run changes (SPEC.md, State).
//
// A lock is a volume named "berth-lock-<stack>" labelled io.berth.lock=<stack> plus who holds it.
// The engine creates volumes atomically and returns an existing one with its own labels, so
// "create, then check the id in the labels we got back" is a test-and-set. A lock whose holder
// ran on this machine and whose pid is gone is stale and is taken over, saying so.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "engine/fleet.h"
#include "planner/result.h"

namespace berth {

struct LockOutcome {
  std::vector<size_t> locked;              // host indexes locked by us
  std::map<size_t, Error> unreachable;     // hosts that failed for another reason
  std::vector<std::string> notes;          // e.g. "took over a stale lock of pid 123 on h1"
};

// Locks `stack` on the given hosts. Fails with kLock (naming the holder) if any host is held by
// another live run, after releasing what it took.
Result<LockOutcome> acquire_locks(const std::string& stack, Fleet& fleet,
                                  const std::vector<size_t>& hosts, int max_parallel);
void release_locks(const std::string& stack, Fleet& fleet, const std::vector<size_t>& hosts,
                   int max_parallel);

// `berth unlock`: removes the stack's lock on every reachable host; returns what it removed.
Result<std::vector<std::string>> force_unlock(const std::string& stack, Fleet& fleet,
                                              int max_parallel);

// "root@build-7 (pid 4242) since 2026-11-22T13:40:58Z" from a lock volume's labels.
std::string describe_lock_holder(const std::map<std::string, std::string>& labels);

}  // namespace berth
