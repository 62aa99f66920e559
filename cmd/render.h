// Text renderings for a terminal or a log: the plan, apply progress and the apply summary.
#pragma once

#include <mutex>
#include <ostream>
#include <string>

#include "engine/apply.h"
#include "planner/model.h"
#include "planner/plan.h"

namespace berth::cli {

// Per host, per service: "+ create", "~ update in place", "-/+ recreate" (with the fields that
// force it), "> move", "- remove"; then unplaced replicas, unreachable hosts and the summary.
void render_plan(std::ostream& out, const Plan& plan, const Observed& observed);
std::string summary_line(const Plan& plan);

// Apply summary per host: what was done, what failed.
void render_apply_report(std::ostream& out, const ApplyReport& report);
nlohmann::json apply_report_json(const ApplyReport& report);

// Progress lines "host  service  text" on stderr, one per event, thread-safe.
class ConsoleProgress : public Progress {
 public:
  explicit ConsoleProgress(std::ostream& out) : out_(out) {}
  void event(const Event& e) override;

 private:
  std::ostream& out_;
  std::mutex mu_;
};

}  // namespace berth::cli
