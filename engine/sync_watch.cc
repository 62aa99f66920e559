// The `berth sync --watch` loop (engine/sync.h, watch; docs/sync.md, Watch).
#include <chrono>

#include "engine/sync.h"

namespace berth {

void SyncTrigger::poke() {
  {
    std::lock_guard<std::mutex> g(mu_);
    poked_ = true;
  }
  cv_.notify_all();
}

bool SyncTrigger::wait(int64_t ms, const std::function<bool()>& stop) {
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  std::unique_lock<std::mutex> lk(mu_);
  while (!poked_ && !(stop && stop())) {
    auto now = std::chrono::steady_clock::now();
    if (now >= until) return false;
    cv_.wait_until(lk, std::min(until, now + std::chrono::milliseconds(100)));
  }
  bool poked = poked_;
  poked_ = false;
  return poked;
}

int watch(Syncer& syncer, const CarryOutFn& carry_out, const WatchOptions& o) {
  SyncTrigger own;
  SyncTrigger& trigger = o.trigger ? *o.trigger : own;
  auto stop = [&] { return o.interrupted && o.interrupted(); };
  int failures = 0;
  while (!stop()) {
    CycleReport r = syncer.cycle(carry_out);
    if (o.on_cycle) o.on_cycle(r);
    if (r.result == SyncResult::kInterrupted || (stop() && r.apply_exit_code >= 0)) return 130;
    bool transient = r.result == SyncResult::kError || r.result == SyncResult::kPartial;
    failures = transient ? failures + 1 : 0;
    trigger.wait(backoff_ms(failures, o.interval_ms), stop);
  }
  return 0;
}

}  // namespace berth
