// The plain rendering: one timestamped line per event, for CI logs and pipes.
#include <fmt/format.h>

#include <map>
#include <mutex>
#include <sstream>

#include "cmd/progress_internal.h"
#include "engine/utc_time.h"

namespace berth::cli::progress {

std::string replica_name(const Event& e) {
  if (!e.container.empty()) return e.container;
  if (e.service.empty()) return e.slot;
  return e.slot.empty() ? e.service : e.service + "-" + e.slot;
}

std::string seconds_text(int64_t ms) {
  return fmt::format("{:.1f}s", ms / 1000.0);
}

std::string describe(const Event& e) {
  auto with = [&](std::string text) { return e.message.empty() ? text : text + ": " + e.message; };
  switch (e.kind) {
    case EventKind::kPlan: return with("starting");  // "starting: Plan: 1 to create, ..."
    case EventKind::kStep: return e.message;
    case EventKind::kBatchStarted: {
      std::string slots;
      for (const auto& s : e.slots) slots += " " + (e.service.empty() ? s : e.service + "-" + s);
      return fmt::format("batch {}/{} started:{}", e.batch, e.batches, slots);
    }
    case EventKind::kReplicaStarted: return with("started " + replica_name(e));
    case EventKind::kReplicaWaiting:
      return fmt::format("waiting for {} to become healthy ({})", replica_name(e),
                         seconds_text(e.elapsed_ms));
    case EventKind::kReplicaHealthy:
      return fmt::format("{} healthy after {}", replica_name(e), seconds_text(e.elapsed_ms));
    case EventKind::kReplicaFailed: return with(replica_name(e) + " failed");
    case EventKind::kRollbackStarted: return with("rollback started");
    case EventKind::kRollbackFinished: return with("rollback finished");
    case EventKind::kPaused: return with("rollout paused");
    case EventKind::kHostFailed: return with("host failed");
    case EventKind::kDone: return with(fmt::format("done ({})", e.result));
  }
  return e.message;
}

std::string printable(std::string text) {
  for (char& c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  return text;
}

namespace {

// A health wait reports often; a log needs a line per replica every so often, not each tick.
constexpr int64_t kWaitLineEveryMs = 10'000;

class PlainProgress : public RunProgress {
 public:
  explicit PlainProgress(std::ostream& out) : out_(out) {}

 protected:
  void on_event(const Event& e) override {
    std::lock_guard<std::mutex> guard(mu_);
    std::string key = e.host + "\n" + e.service;
    // A pull says "Downloading" for every chunk: one line until it says something else.
    if (e.kind == EventKind::kStep) {
      if (last_step_[key] == e.message) return;
      last_step_[key] = e.message;
    }
    if (e.kind == EventKind::kReplicaWaiting) {
      auto [it, first] = last_wait_.try_emplace(key + "\n" + replica_name(e), e.time_ms);
      if (!first && e.time_ms - it->second < kWaitLineEveryMs) return;
      it->second = e.time_ms;
    }
    write(e);
  }
  void on_plan(const Event& e, const Plan&) override {
    std::lock_guard<std::mutex> guard(mu_);
    write(e);
  }
  void on_done(const Event& e, const ApplyReport&, int) override {
    std::lock_guard<std::mutex> guard(mu_);
    write(e);
  }

 private:
  void write(const Event& e) {
    std::string prefix = utc_text(e.time_ms ? e.time_ms : now_unix_ms());
    if (!e.host.empty()) prefix += " " + e.host;
    if (!e.service.empty()) prefix += " " + e.service;
    out_ << prefix << " " << printable(describe(e)) << "\n";
    std::istringstream detail(e.detail);
    for (std::string line; std::getline(detail, line);)
      out_ << prefix << "   | " << printable(line) << "\n";
    out_ << std::flush;
  }

  std::ostream& out_;
  std::mutex mu_;
  std::map<std::string, std::string> last_step_;
  std::map<std::string, int64_t> last_wait_;
};

}  // namespace

std::unique_ptr<RunProgress> make_plain_progress(std::ostream& out) {
  return std::make_unique<PlainProgress>(out);
}

}  // namespace berth::cli::progress
