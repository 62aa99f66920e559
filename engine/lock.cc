#include "engine/lock.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>

#include "engine/lock_lease.h"
#include "engine/parallel.h"

namespace berth {
namespace {

int default_ttl() {
  const char* env = std::getenv("BERTH_LOCK_TTL");
  int ttl = env ? std::atoi(env) : 0;
  return ttl > 0 ? ttl : 60;
}

VolumeSpec volume_named(const std::string& name) {
  VolumeSpec spec;
  spec.key = spec.name = name;
  return spec;
}

// The lock's volumes on one host and that engine's clock now.
struct HostView {
  std::vector<ObservedVolume> volumes;
  int64_t now = 0;
};

Result<HostView> view(Provider& p, const std::string& stack) {
  HostView v;
  auto listed = p.list_volumes(std::string(lease::kStack) + "=" + stack);
  if (!listed.ok()) return listed.error();
  v.volumes = std::move(listed).value();
  if (auto info = p.info(); info.ok()) v.now = info->system_time;
  return v;
}

std::map<std::string, std::string> lock_labels_in(const HostView& v, const std::string& stack) {
  for (const ObservedVolume& vol : v.volumes)
    if (vol.name == lease::lock_volume(stack)) return vol.labels;
  return {};
}

Error held_error(const std::string& stack, const std::string& host,
                 const std::map<std::string, std::string>& holder, const std::string& why) {
  return Error{ErrorKind::kLock,
               {},
               host,
               "",
               fmt::format("stack {} is locked by {}{}", stack, describe_lock_holder(holder),
                           why.empty() ? "" : " (" + why + ")"),
               "wait for that run to finish; a lock whose holder died expires after its ttl, or "
               "run `berth unlock` (`--force` if you are sure it is dead)"};
}

}  // namespace

std::string describe_lock_holder(const std::map<std::string, std::string>& l) {
  auto get = [&](const char* k) {
    auto it = l.find(k);
    return it == l.end() ? std::string("?") : it->second;
  };
  return fmt::format("{}@{} (pid {}) since {}", get(lease::kUser), get(lease::kMachine),
                     get(lease::kPid), get(lease::kSince));
}

StackLock::StackLock(std::string stack, Fleet& fleet, const LockOptions& options)
    : stack_(std::move(stack)),
      fleet_(fleet),
      options_(options),
      ttl_(options.ttl_seconds > 0 ? options.ttl_seconds : default_ttl()),
      labels_(lease::holder_labels(stack_, ttl_)),
      id_(labels_.at(lease::kId)) {}

StackLock::~StackLock() {
  (void)release();
}

// Takes the lock on one host: create; if another holder answers, judge it; take a stale lock
// over through the marker only one run can create, then create ours again.
Status StackLock::lock_host(size_t i) {
  Provider& p = *fleet_.providers[i];
  const VolumeSpec spec = volume_named(lease::lock_volume(stack_));
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto got = p.create_volume(spec, labels_);
    if (!got.ok()) return got.error();
    auto seen = view(p, stack_);
    if (!seen.ok()) return seen.error();
    // After an engine restart, create answers for an existing volume without its labels
    // (docs/locks.md): the list has them.
    std::map<std::string, std::string> holder = lock_labels_in(*seen, stack_);
    if (holder.empty()) holder = got->labels;
    if (holder[lease::kId] == id_) return ok_status();
    lease::Verdict verdict = lease::judge(holder, seen->volumes, seen->now);
    if (verdict.alive && !options_.force) return held_error(stack_, p.host(), holder, verdict.why);
    auto marker = p.create_volume(volume_named(lease::takeover_volume(stack_, holder[lease::kId])),
                                  lease::kind_labels(labels_, "takeover"));
    if (!marker.ok()) return marker.error();
    if (marker->labels[lease::kId] != id_)
      return held_error(stack_, p.host(), holder, "another run is taking over its stale lock");
    // Only the stale holder's lock is removed: if it changed since, look again.
    auto again = view(p, stack_);
    if (!again.ok()) return again.error();
    if (lock_labels_in(*again, stack_)[lease::kId] != holder[lease::kId]) continue;
    if (Status st = p.remove_volume(spec.name); !st.ok()) return st;
    std::lock_guard<std::mutex> guard(mu_);
    notes_.push_back(fmt::format("took over the lock of stack {} on {} left by {}: {}", stack_,
                                 p.host(), describe_lock_holder(holder),
                                 verdict.alive ? "--force" : verdict.why));
  }
  return Error{ErrorKind::kLock,
               {},
               p.host(),
               "",
               fmt::format("could not take the lock of stack {}: it keeps changing hands", stack_),
               "another run is starting at the same moment; try again"};
}

Result<std::unique_ptr<StackLock>> StackLock::acquire(const std::string& stack, Fleet& fleet,
                                                      const LockOptions& options) {
  std::unique_ptr<StackLock> lock(new StackLock(stack, fleet, options));
  // Connect to every host at once (one handshake each, in parallel), then lock in order.
  std::vector<Error> down(fleet.size());
  std::vector<char> up(fleet.size(), 0);
  Status connected = parallel_for(fleet.size(), options.max_parallel, [&](size_t i) {
    auto info = fleet.providers[i]->info();
    if (info.ok())
      up[i] = 1;
    else
      down[i] = info.error();
  });
  if (!connected.ok()) return connected.error();
  std::vector<size_t> hosts;
  std::string missing;
  for (size_t i = 0; i < fleet.size(); ++i) {
    if (up[i]) {
      hosts.push_back(i);
      continue;
    }
    if (down[i].host.empty()) down[i].host = fleet.inventory.hosts[i].name;
    missing += (missing.empty() ? "" : "; ") + down[i].str();
    lock->unreachable_.emplace(i, down[i]);
  }
  if (!missing.empty() && !options.skip_unreachable)
    return Error{ErrorKind::kHost,
                 {},
                 "",
                 "",
                 "cannot reach every host, so nothing was changed: " + missing,
                 "bring the host back, or pass --skip-unreachable to work on the others only "
                 "(berth never starts a second copy of what may run there)"};
  if (hosts.empty()) return Error{ErrorKind::kHost, {}, "", "", "no host can be reached", ""};
  // The gate first: a run that loses it has taken nothing.
  if (Status st = lock->lock_host(hosts.front()); !st.ok()) return st.error();
  lock->held_.push_back(hosts.front());
  std::vector<Error> failed;
  Status rest = parallel_for(hosts.size() - 1, options.max_parallel, [&](size_t k) {
    size_t i = hosts[k + 1];
    Status st = lock->lock_host(i);
    std::lock_guard<std::mutex> guard(lock->mu_);
    if (st.ok())
      lock->held_.push_back(i);
    else
      failed.push_back(st.error());
  });
  if (!rest.ok()) failed.push_back(rest.error());
  if (!failed.empty()) {
    (void)lock->release();
    return failed.front();
  }
  lock->renewer_ = std::thread([l = lock.get()] { l->renew_loop(); });
  return lock;
}

// Every ttl/3: a new beat volume on every held host (the engine stamps its creation), then the
// previous one removed.
void StackLock::renew_loop() {
  const auto period = std::chrono::milliseconds(std::max(1000 * ttl_ / 3, 500));
  for (int seq = 1;; ++seq) {
    std::unique_lock<std::mutex> guard(mu_);
    if (cv_.wait_for(guard, period, [&] { return stopping_; })) return;
    std::vector<size_t> hosts = held_;
    guard.unlock();
    (void)parallel_for(hosts.size(), options_.max_parallel, [&](size_t k) {
      Provider& p = *fleet_.providers[hosts[k]];
      auto beat = p.create_volume(volume_named(lease::beat_volume(stack_, id_, seq)),
                                  lease::kind_labels(labels_, "beat"));
      if (beat.ok() && seq > 1) (void)p.remove_volume(lease::beat_volume(stack_, id_, seq - 1));
    });
  }
}

Status StackLock::release() {
  {
    std::lock_guard<std::mutex> guard(mu_);
    if (released_) return ok_status();
    released_ = true;
    stopping_ = true;
  }
  cv_.notify_all();
  if (renewer_.joinable()) renewer_.join();
  // The proxies' lock first: it was taken last.
  Status shared = ingress_ ? ingress_->release() : ok_status();
  ingress_.reset();
  std::vector<Error> errors;
  std::mutex mu;
  Status all = parallel_for(held_.size(), options_.max_parallel, [&](size_t k) {
    Provider& p = *fleet_.providers[held_[k]];
    Status st = p.remove_volume(lease::lock_volume(stack_));
    // Then what this run and dead ones left: beats, old takeover markers.
    if (auto seen = view(p, stack_); st.ok() && seen.ok())
      for (const std::string& name : lease::debris(stack_, id_, seen->volumes, seen->now))
        (void)p.remove_volume(name);
    if (!st.ok()) {
      std::lock_guard<std::mutex> guard(mu);
      errors.push_back(st.error());
    }
  });
  held_.clear();
  if (!all.ok()) return all.error();
  if (errors.empty()) return shared;
  Error e = errors.front();
  e.message =
      fmt::format("could not release the lock of stack {} on {}: {}", stack_, e.host, e.message);
  e.hint = fmt::format("it expires by itself after {} s, or run `berth unlock`", ttl_);
  return e;
}

}  // namespace berth
