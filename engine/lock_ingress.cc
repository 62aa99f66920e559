// The ingress proxies' lock, held beside a stack's (engine/lock.h, kIngressLockName).
#include <fmt/format.h>

#include <chrono>
#include <thread>

#include "engine/lock.h"

namespace berth {

Status StackLock::hold_ingress() {
  if (ingress_) return ok_status();
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::seconds(options_.ingress_wait_seconds);
  bool told = false;
  for (;;) {
    auto got = StackLock::acquire(kIngressLockName, fleet_, options_);
    if (got.ok()) {
      ingress_ = std::move(got).value();
      std::lock_guard<std::mutex> guard(mu_);
      for (const std::string& n : ingress_->notes()) notes_.push_back(n);
      if (told)
        notes_.push_back(fmt::format(
            "waited {} s for the ingress proxies' lock",
            std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - start).count()));
      return ok_status();
    }
    Error e = got.error();
    if (e.kind != ErrorKind::kLock) return e;
    // "stack _ingress is locked by ...": say what that lock is.
    const std::string what = "the ingress proxies are being changed by another run";
    const std::string prefix = fmt::format("stack {} is ", kIngressLockName);
    if (e.message.rfind(prefix, 0) == 0) e.message.erase(0, prefix.size());
    if (Clock::now() >= deadline) {
      e.message = fmt::format("{} ({}); waited {} s, nothing was changed", what, e.message,
                              options_.ingress_wait_seconds);
      e.hint = "wait for that run to end and apply again; a lock whose run died expires by itself";
      return e;
    }
    if (!told && options_.on_wait)
      options_.on_wait(fmt::format("{}; waiting: {}", what, e.message));
    told = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

}  // namespace berth
