// The JSON-lines rendering (--json): one object per event, flushed as it happens; the form is
// schemas/events.schema.json and docs/output.md.
#include <mutex>
#include <nlohmann/json.hpp>

#include "cmd/progress_internal.h"
#include "cmd/render.h"
#include "engine/utc_time.h"

namespace berth::cli::progress {
namespace {

using ordered_json = nlohmann::ordered_json;

// Fields in a fixed order, empty ones left out.
ordered_json event_json(const Event& e) {
  ordered_json j;
  j["event"] = event_name(e.kind);
  j["time"] = utc_text(e.time_ms ? e.time_ms : now_unix_ms(), true);
  auto text = [&](const char* key, const std::string& value) {
    if (!value.empty()) j[key] = value;
  };
  text("host", e.host);
  text("service", e.service);
  text("slot", e.slot);
  text("container", e.container);
  if (e.batch > 0) j["batch"] = e.batch;
  if (e.batches > 0) j["batches"] = e.batches;
  if (!e.slots.empty()) j["slots"] = e.slots;
  bool timed = e.kind == EventKind::kReplicaWaiting || e.kind == EventKind::kReplicaHealthy;
  if (e.elapsed_ms > 0 || timed) j["elapsed_ms"] = e.elapsed_ms;
  text("message", e.message);
  text("detail", e.detail);
  text("result", e.result);
  return j;
}

class JsonProgress : public RunProgress {
 public:
  explicit JsonProgress(std::ostream& out) : out_(out) {}

 protected:
  void on_event(const Event& e) override { write(event_json(e)); }
  void on_plan(const Event& e, const Plan& plan) override {
    ordered_json j = event_json(e);
    j["plan"] = plan_to_json(plan);  // masked, as `plan --json` prints it
    write(j);
  }
  void on_done(const Event& e, const ApplyReport& report, int exit_code) override {
    ordered_json j = event_json(e);
    j["exit_code"] = exit_code;
    j["report"] = apply_report_json(report);
    write(j);
  }

 private:
  void write(const ordered_json& j) {
    // Invalid UTF-8 in an engine's message becomes U+FFFD rather than an exception.
    std::string line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::lock_guard<std::mutex> guard(mu_);
    out_ << line << "\n" << std::flush;
  }

  std::ostream& out_;
  std::mutex mu_;
};

}  // namespace

std::unique_ptr<RunProgress> make_json_progress(std::ostream& out) {
  return std::make_unique<JsonProgress>(out);
}

}  // namespace berth::cli::progress
