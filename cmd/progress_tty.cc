// The live rendering on a terminal: one line per (host, service) with its state, redrawn in
// place with ANSI cursor movement (no curses), at most every kFrameMs; what must stay on screen
// (a failure, a rollback, a pause) prints above the block. Ends with a last frame; the caller
// prints the summary below it.
#include <fmt/format.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "cmd/progress_internal.h"
#include "engine/utc_time.h"

namespace berth::cli::progress {
namespace {

constexpr int64_t kFrameMs = 100;  // at most 10 frames a second

enum class Tone { kNormal, kGood, kWarn, kBad };

struct Row {
  std::string text;
  Tone tone = Tone::kNormal;
  std::string batch;        // "batch 2/3" while a rollout batch runs
  int64_t wait_since = -1;  // a health wait's start: the frame shows its time running
};

// The first `width` characters of UTF-8 text (a character is a non-continuation byte).
std::string clip(const std::string& text, int width) {
  int chars = 0;
  for (size_t i = 0; i < text.size(); ++i)
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80 && chars++ == width)
      return text.substr(0, i);
  return text;
}

int length(const std::string& text) {
  int chars = 0;
  for (char c : text) chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return chars;
}

class LiveProgress : public RunProgress {
 public:
  LiveProgress(std::ostream& out, LiveOptions options) : out_(out), opt_(std::move(options)) {
    if (!opt_.now_ms) opt_.now_ms = now_unix_ms;
    if (opt_.ticker) ticker_ = std::thread([this] { tick(); });
  }
  ~LiveProgress() override { stop_ticker(); }

 protected:
  void on_event(const Event& e) override {
    std::lock_guard<std::mutex> guard(mu_);
    if (e.host.empty() && e.service.empty()) {
      above(describe(e), e.detail);
    } else if (e.kind == EventKind::kHostFailed) {
      bool any = false;
      for (auto& [key, row] : rows_) {
        if (key.first != e.host) continue;
        set(row, "host failed", Tone::kBad);
        any = true;
      }
      if (!any) set(rows_[{e.host, ""}], "host failed", Tone::kBad);
      above(e.host + "  " + describe(e), e.detail);
    } else {
      update(rows_[{e.host, e.service}], e);
    }
    dirty_ = true;
    int64_t now = opt_.now_ms();
    if (now - last_frame_ >= kFrameMs) draw(now);
  }
  void on_plan(const Event&, const Plan&) override {}  // the plan was just printed in full
  void on_done(const Event&, const ApplyReport& report, int) override {
    stop_ticker();
    std::lock_guard<std::mutex> guard(mu_);
    for (auto& [key, row] : rows_)
      if (row.tone != Tone::kBad && row.tone != Tone::kWarn) set(row, "done", Tone::kGood);
    // A host's errors mark its rows of their service (every row of it when the error names no
    // service) as failed, with the reason, unless a failure is shown there already.
    for (const HostReport& h : report.hosts)
      for (const Error& error : h.errors)
        for (auto& [key, row] : rows_)
          if (key.first == h.host && (error.service.empty() || key.second == error.service) &&
              row.tone != Tone::kBad)
            set(row, "failed: " + error.message, Tone::kBad);
    if (!rows_.empty()) draw(opt_.now_ms());
  }

 private:
  static void set(Row& row, std::string text, Tone tone) {
    row.text = std::move(text);
    row.tone = tone;
    row.wait_since = -1;
  }

  void update(Row& row, const Event& e) {
    std::string in_batch = row.batch.empty() ? "" : row.batch + ": ";
    std::string name = replica_name(e);
    switch (e.kind) {
      case EventKind::kBatchStarted:
        row.batch = fmt::format("batch {}/{}", e.batch, e.batches);
        return set(row, row.batch + " started", Tone::kNormal);
      case EventKind::kReplicaStarted: return set(row, in_batch + "started " + name, Tone::kNormal);
      case EventKind::kReplicaWaiting:
        set(row, in_batch + "waiting for " + name + " healthy", Tone::kNormal);
        row.wait_since = e.time_ms - e.elapsed_ms;
        return;
      case EventKind::kReplicaHealthy:
        return set(row, in_batch + name + " healthy (" + seconds_text(e.elapsed_ms) + ")",
                   Tone::kNormal);
      case EventKind::kReplicaFailed: set(row, in_batch + name + " failed", Tone::kBad); break;
      case EventKind::kRollbackStarted: set(row, "rolling back", Tone::kWarn); break;
      case EventKind::kRollbackFinished: set(row, "rolled back", Tone::kWarn); break;
      case EventKind::kPaused: set(row, "paused", Tone::kWarn); break;
      default: return set(row, e.message, Tone::kNormal);  // a step: pull, build, create...
    }
    // A failure, a rollback or a pause also stays on screen above the block, with its reason.
    above(e.host + "  " + e.service + "  " + describe(e), e.detail);
  }

  // Prints lines that scroll up with the terminal, then the block again below them.
  void above(const std::string& line, const std::string& detail) {
    std::string out = erase_block() + clip(printable(line), opt_.width - 1) + "\n";
    std::istringstream lines(detail);
    for (std::string l; std::getline(lines, l);)
      out += clip("    | " + printable(l), opt_.width - 1) + "\n";
    out_ << out;
    draw(opt_.now_ms());
  }

  std::string erase_block() {
    std::string out = drawn_ > 0 ? fmt::format("\x1b[{}A", drawn_) : "";
    drawn_ = 0;
    return out + "\r\x1b[J";
  }

  std::string line(const std::pair<std::string, std::string>& key, const Row& row, int64_t now,
                   size_t host_width, size_t service_width) {
    std::string head = fmt::format("{:<{}}  {:<{}}  ", key.first, host_width,
                                   key.second.empty() ? "-" : key.second, service_width);
    std::string state = printable(row.text);
    if (row.wait_since >= 0)
      state += " " + seconds_text(std::max<int64_t>(0, now - row.wait_since));
    head = clip(head, opt_.width - 1);
    state = clip(state, std::max(0, opt_.width - 1 - length(head)));
    static const char* colors[] = {"", "\x1b[32m", "\x1b[33m", "\x1b[31m"};
    if (!opt_.color || row.tone == Tone::kNormal || state.empty()) return head + state;
    return head + colors[static_cast<int>(row.tone)] + state + "\x1b[0m";
  }

  void draw(int64_t now) {
    size_t host_width = 0, service_width = 1;
    for (const auto& [key, row] : rows_) {
      host_width = std::max(host_width, key.first.size());
      service_width = std::max(service_width, key.second.size());
    }
    std::string out = drawn_ > 0 ? fmt::format("\x1b[{}A", drawn_) : "";
    for (const auto& [key, row] : rows_)
      out += "\r\x1b[2K" + line(key, row, now, host_width, service_width) + "\n";
    out_ << out << "\x1b[J" << std::flush;
    drawn_ = static_cast<int>(rows_.size());
    last_frame_ = now;
    dirty_ = false;
  }

  // Between events, a frame when something changed or a health wait's time runs.
  void tick() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_) {
      cv_.wait_for(lock, std::chrono::milliseconds(kFrameMs), [this] { return stop_; });
      if (stop_) break;
      bool waiting = false;
      for (const auto& [key, row] : rows_) waiting |= row.wait_since >= 0;
      if (dirty_ || waiting) draw(opt_.now_ms());
    }
  }

  void stop_ticker() {
    {
      std::lock_guard<std::mutex> guard(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (ticker_.joinable()) ticker_.join();
  }

  std::ostream& out_;
  LiveOptions opt_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::thread ticker_;
  bool stop_ = false;
  bool dirty_ = false;
  int drawn_ = 0;  // lines of the block on screen, the cursor just below them
  int64_t last_frame_ = INT64_MIN / 2;
  std::map<std::pair<std::string, std::string>, Row> rows_;  // by (host, service)
};

}  // namespace

}  // namespace berth::cli::progress

namespace berth::cli {

std::unique_ptr<RunProgress> make_live_progress(std::ostream& out, LiveOptions options) {
  return std::make_unique<progress::LiveProgress>(out, std::move(options));
}

}  // namespace berth::cli
