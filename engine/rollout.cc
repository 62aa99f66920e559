// Rolling replacement of one service's replicas (docs/rollouts.md), after Swarm's update_config:
// batches of `parallelism` counted across hosts, start-first or stop-first per replica
// (Change::stop_first, planner/rollout.h), each new replica healthy and then still healthy
// for `monitor`, `delay` between batches; failures beyond `max_failure_ratio` pause, roll back
// or are let through per `failure_action`. The old container is parked aside
// (parked_name(), planner/model.h) until its replacement is confirmed, and with
// failure_action: rollback kept, stopped, until the whole service is, so a rollback restores
// exactly what ran, with no pull.
#include <fmt/format.h>

#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "engine/apply_run.h"
#include "engine/parallel.h"
#include "engine/rollout_internal.h"
#include "engine/rollout_record.h"

namespace berth {
namespace {

// Retires every replacement still waiting for it, in parallel.
void retire_pending(ApplyRun& run, const Service& s, std::vector<Replaced>& done, bool keep_old) {
  run.check(parallel_for(done.size(), run.options.max_parallel, [&](size_t k) {
    if (done[k].retire) retire_old(run, s, done[k], keep_old);
  }));
}

// Every replica replaced in this run goes back to what ran before, per rollback_config.
void roll_back_service(ApplyRun& run, const Service& s, std::vector<Replaced>& done,
                       const std::string& why) {
  Event start;
  start.kind = EventKind::kRollbackStarted;
  start.service = s.name;
  start.message = "rolling back " + s.name + ": " + why;
  run.emit(start);
  std::vector<Replaced*> todo;
  for (Replaced& r : done)
    if (r.kept_old) todo.push_back(&r);
  const UpdateConfig& rb = s.rollback_config;
  size_t batch = rb.parallelism > 0 ? static_cast<size_t>(rb.parallelism) : todo.size();
  for (size_t at = 0; at < todo.size(); at += batch) {
    size_t n = std::min(batch, todo.size() - at);
    run.check(parallel_for(n, static_cast<int>(n), [&](size_t k) {
      Replaced& r = *todo[at + k];
      bool start_first = rb.order == "start-first" && !r.change->stop_first;
      if (std::string problems = put_back(run, s, r, start_first); !problems.empty())
        run.fail(r.change->host,
                 Error{ErrorKind::kHost,
                       {},
                       r.change->host,
                       s.name,
                       "rollback of " + r.change->container + " is incomplete" + problems,
                       ""});
      else
        run.done(r.change->host, s.name, "rolled back " + r.change->container);
    }));
    if (rb.delay > 0 && at + batch < todo.size())
      std::this_thread::sleep_for(std::chrono::nanoseconds(rb.delay));
  }
  Event end;
  end.kind = EventKind::kRollbackFinished;
  end.service = s.name;
  end.message = s.name + " is back on its previous spec";
  run.emit(end);
}

// The replacements that were confirmed: their parked old containers can go now.
void remove_kept(ApplyRun& run, const Service& s, std::vector<Replaced>& done) {
  run.check(parallel_for(done.size(), run.options.max_parallel, [&](size_t k) {
    Replaced& r = done[k];
    if (!r.kept_old) return;
    Status st = run.provider(r.old_host).remove_container(r.change->container_id, true);
    if (!st.ok()) run.fail(r.old_host, with_context(st.error(), r.old_host, s.name));
  }));
}

// Writes how the rollout ended on every host it touched (engine/rollout_record.h), for
// `berth status`. A host that fails here only loses its record.
void record_outcome(ApplyRun& run, const Service& s, const std::vector<const Change*>& rolling,
                    const RolloutOutcome& outcome) {
  std::set<std::string> hosts;
  for (const Change* c : rolling) {
    hosts.insert(c->host);
    if (!c->from_host.empty()) hosts.insert(c->from_host);
  }
  RolloutRecord record;
  record.result = outcome.result;
  record.message = outcome.message;
  record.at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
  std::vector<std::string> list(hosts.begin(), hosts.end());
  run.check(parallel_for(list.size(), run.options.max_parallel, [&](size_t k) {
    if (run.host_failed(list[k])) return;
    (void)write_rollout_record(run.provider(list[k]), run.stack.name, s.name, record);
  }));
}

}  // namespace

void roll_service(ApplyRun& run, const Service& s, const std::vector<const Change*>& rolling) {
  const UpdateConfig& u = s.update_config;
  const bool keep_old = u.failure_action == "rollback";
  const size_t batch = u.parallelism > 0 ? static_cast<size_t>(u.parallelism) : rolling.size();
  const int batches = static_cast<int>((rolling.size() + batch - 1) / batch);
  std::vector<Replaced> done(rolling.size());
  RolloutOutcome outcome{s.name, "completed", "", static_cast<int>(rolling.size()), 0};
  for (size_t at = 0, b = 1; at < rolling.size(); at += batch, ++b) {
    if (run.stop_requested()) break;
    size_t n = std::min(batch, rolling.size() - at);
    Event e;
    e.kind = EventKind::kBatchStarted;
    e.service = s.name;
    e.batch = static_cast<int>(b);
    e.batches = batches;
    for (size_t k = 0; k < n; ++k) e.slots.push_back(rolling[at + k]->slot);
    e.message = fmt::format("batch {}/{} of {}", b, batches, s.name);
    run.emit(e);
    // This batch's replacements, and beside them the retirement of the previous batch's old
    // replicas (they are confirmed; their stop is not on the rollout's critical path).
    std::vector<Replaced*> retiring;
    for (size_t k = 0; k < at; ++k)
      if (done[k].retire) retiring.push_back(&done[k]);
    run.check(
        parallel_for(n + retiring.size(), static_cast<int>(n + retiring.size()), [&](size_t k) {
          if (k >= n) return retire_old(run, s, *retiring[k - n], keep_old);
          Replaced& r = done[at + k];
          r.change = rolling[at + k];
          if (run.host_failed(r.change->host) ||
              (!r.change->from_host.empty() && run.host_failed(r.change->from_host)))
            return;
          replace_one(run, s, r, keep_old);
        }));
    std::vector<Replaced*> this_batch;
    for (size_t k = 0; k < n; ++k) this_batch.push_back(&done[at + k]);
    switch_batch(run, s, this_batch);
    outcome.failed = 0;
    for (size_t k = 0; k < at + n; ++k) outcome.failed += done[k].failed;
    double ratio = static_cast<double>(outcome.failed) / static_cast<double>(rolling.size());
    if (outcome.failed > 0 && ratio > u.max_failure_ratio && u.failure_action != "continue") {
      retire_pending(run, s, done, keep_old);
      std::string why;
      for (size_t k = 0; k < at + n && why.empty(); ++k)
        if (done[k].failed) why = done[k].why;
      if (u.failure_action == "rollback") {
        roll_back_service(run, s, done, why);
        outcome.result = "rolled_back";
        outcome.message = fmt::format("{}; every replica is back on the previous spec", why);
      } else {
        outcome.result = "paused";
        outcome.message = fmt::format(
            "{}; the rollout stopped after batch {}/{}, every replica runs (the rest on the "
            "previous spec); apply again to resume",
            why, b, batches);
        Event p;
        p.kind = EventKind::kPaused;
        p.service = s.name;
        p.message = "rollout of " + s.name + " paused: " + outcome.message;
        run.emit(p);
        remove_kept(run, s, done);
      }
      record_outcome(run, s, rolling, outcome);
      return run.outcome(outcome);
    }
    if (u.delay > 0 && at + batch < rolling.size() && !run.stop_requested())
      std::this_thread::sleep_for(std::chrono::nanoseconds(u.delay));
  }
  retire_pending(run, s, done, keep_old);
  if (run.stop_requested()) {
    // Interrupted between batches: what was confirmed stays, the rest keeps the old spec.
    outcome.result = "interrupted";
  } else if (outcome.failed > 0) {
    outcome.result = u.failure_action == "continue" ? "completed" : "failed";
    outcome.message =
        fmt::format("{} of {} replicas failed and were {}", outcome.failed, rolling.size(),
                    u.failure_action == "continue" ? "kept (failure_action: continue)"
                                                   : "put back on the previous spec");
  }
  remove_kept(run, s, done);
  record_outcome(run, s, rolling, outcome);
  run.outcome(outcome);
}

}  // namespace berth
