// The stack's lock, held on every host a run may change (docs/locks.md).
//
// On each host the lock is a volume "berth-lock-<stack>" whose labels name the holder. The
// engine creates volumes atomically and answers an existing one with its own labels, so "create,
// then look whose id came back" is a test-and-set. Every host is locked before anything is
// observed ("lock, then look"): the first reachable host in name order first (the gate, so two
// runs never each hold half the fleet), then the others in parallel.
//
// A lock is a lease: its holder renews it every ttl/3 by creating a small "beat" volume, and the
// host's engine stamps when. A lock whose last sign of life (by that engine's clock) is older
// than its ttl is stale and is taken over, through a takeover marker volume that only one run
// can create; so is a lock whose holder ran on this machine and whose pid is gone. A live lock is
// never taken, except by `berth unlock --force`.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/fleet.h"
#include "planner/result.h"

namespace berth {

struct LockOptions {
  int max_parallel = 16;
  // Lock the reachable hosts only (apply/destroy --skip-unreachable); otherwise a host that
  // cannot be reached fails the run before anything is locked.
  bool skip_unreachable = false;
  bool force = false;   // take a live lock too (`berth unlock --force`)
  int ttl_seconds = 0;  // 0 = 60, or BERTH_LOCK_TTL when set
  // hold_ingress(): how long to wait while another live run holds the proxies' lock, and what
  // to tell the user once when it has to wait (nullptr: nothing).
  int ingress_wait_seconds = 900;
  std::function<void(const std::string&)> on_wait = nullptr;
};

// The lock of the ingress proxies (docs/ingress.md, Several stacks): a lock like a stack's, on
// the same hosts, under a name no Compose project can have. The proxies serve every stack and
// each load renders all of them from what its run observed, so two runs loading them at once
// would each undo the other's newest replicas.
inline constexpr const char* kIngressLockName = "_ingress";

class StackLock {
 public:
  // Locks `stack` on the fleet's hosts. kLock (naming the holder) if another live run holds any
  // host, after releasing what was taken; kHost naming every host that cannot be reached
  // (unless skip_unreachable). The lease is renewed from a background thread until release().
  static Result<std::unique_ptr<StackLock>> acquire(const std::string& stack, Fleet& fleet,
                                                    const LockOptions& options);
  ~StackLock();  // releases, if release() was not called
  StackLock(const StackLock&) = delete;
  StackLock& operator=(const StackLock&) = delete;

  // Removes the lock from every host it holds; an error names each host where that failed
  // (the lease then expires by itself after ttl).
  Status release();
  // Takes the ingress proxies' lock too (kIngressLockName), after this stack's, waiting while a
  // live run holds it (options.ingress_wait_seconds, then kLock naming the holder). Held and
  // renewed until this lock is released. Observe after it: what the proxies serve may have
  // changed while waiting.
  Status hold_ingress();
  bool holds_ingress() const { return ingress_ != nullptr; }
  const std::vector<std::string>& notes() const { return notes_; }  // "took over a stale lock..."
  // Hosts left out because they could not be reached (only with skip_unreachable).
  const std::map<size_t, Error>& unreachable() const { return unreachable_; }
  int ttl_seconds() const { return ttl_; }

 private:
  StackLock(std::string stack, Fleet& fleet, const LockOptions& options);
  Status lock_host(size_t host);
  void renew_loop();

  std::string stack_;
  Fleet& fleet_;
  LockOptions options_;
  int ttl_;
  std::map<std::string, std::string> labels_;  // ours
  std::string id_;                             // labels_'s io.berth.lock.id
  std::vector<size_t> held_;
  std::unique_ptr<StackLock> ingress_;
  std::map<size_t, Error> unreachable_;
  std::vector<std::string> notes_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool released_ = false;
  std::thread renewer_;
};

// "root@build-7 (pid 4242) since 2026-11-22T13:40:58Z" from a lock volume's labels.
std::string describe_lock_holder(const std::map<std::string, std::string>& labels);

}  // namespace berth
