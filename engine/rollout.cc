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
#include "engine/rollout_record.h"

namespace berth {
namespace {

// One replacement's state, for the rollback of the whole service.
struct Replaced {
  const Change* change = nullptr;
  std::string old_host;
  bool renamed = false;          // the old container was renamed to parked_name()
  std::string fresh_id;          // the new container, "" when it was never created
  bool failed = false;           // the new replica failed its health check or its monitor
  bool restored = false;         // the old replica was put back (the new one removed)
  bool kept_old = false;         // the old container stays parked, stopped, for a rollback
  bool retire = false;           // confirmed; its old container is still to be stopped or removed
  bool new_routed = false;       // the proxies send to the new replica
  bool old_routed_away = false;  // the proxies no longer send to the old one
  std::string why;               // when failed: what went wrong, its health output and last logs
};

Event replica_event(EventKind kind, const Change& c, std::string message) {
  Event e;
  e.kind = kind;
  e.host = c.host;
  e.service = c.service;
  e.slot = c.slot;
  e.container = c.container;
  e.message = std::move(message);
  return e;
}

// Puts the old replica back: the new one removed, the old renamed back and running; with
// `start_first`, the old one runs again before the new one goes. Returns what could not be
// undone ("" when all went well).
std::string put_back(ApplyRun& run, const Service& s, Replaced& r, bool start_first) {
  const Change& c = *r.change;
  std::string problems;
  auto note = [&](const char* what, const Status& st) {
    if (!st.ok()) problems += fmt::format("; could not {}: {}", what, st.error().message);
  };
  Nanos timeout = stop_timeout(&s);
  Provider& old_p = run.provider(r.old_host);
  const Upstream old_up = run.ingress.current(c.container_id);
  if (start_first) note("start the old replica", old_p.start_container(c.container_id));
  if (r.new_routed) {
    // The proxies go back to the old replica (when it runs again first) and off the new one,
    // whose requests in flight finish before it goes.
    std::vector<Upstream> back;
    if (start_first && r.old_routed_away) back.push_back(old_up);
    Upstream fresh = run.ingress.planned(s, c);
    note("switch the proxies back", run.ingress.route(back, {fresh.key()}));
    if (!back.empty()) r.old_routed_away = false;
    (void)run.ingress.drain(fresh);
    r.new_routed = false;
  }
  if (!r.fresh_id.empty())
    note("remove the new replica", remove_replica(run.provider(c.host), r.fresh_id, timeout));
  if (r.renamed)
    note("rename the old replica back", old_p.rename_container(c.container_id, c.container));
  if (!start_first) note("start the old replica", old_p.start_container(c.container_id));
  if (r.old_routed_away) {
    note("route the proxies to the old replica", run.ingress.route({old_up}, {}));
    r.old_routed_away = false;
  }
  r.restored = problems.empty();
  return problems;
}

// Replaces one replica. On failure the old one is put back unless failure_action is
// `continue` (and the run is not interrupted).
void replace_one(ApplyRun& run, const Service& s, Replaced& r, bool keep_old) {
  const Change& c = *r.change;
  const bool move = c.action == Action::kMove;
  r.old_host = move ? c.from_host : c.host;
  Provider& old_p = run.provider(r.old_host);
  Nanos timeout = stop_timeout(&s);
  auto fail = [&](Error e) {
    run.fail(e.host.empty() ? c.host : e.host, with_context(std::move(e), c.host, s.name));
  };
  auto old = old_p.inspect_container(c.container_id);
  if (!old.ok()) return fail(old.error());
  if (c.stop_first) {
    // Off every proxy and drained before it stops (ingress services).
    if (Status st = route_away(run, run.ingress.current(c.container_id)); !st.ok())
      return fail(st.error());
    r.old_routed_away = !c.ingress_ports.empty();
    if (Status st = old_p.stop_container(c.container_id, timeout); !st.ok()) {
      if (r.old_routed_away) (void)run.ingress.route({run.ingress.current(c.container_id)}, {});
      return fail(st.error());
    }
  }
  // A replica parked by a run that stopped half-way keeps that name until it is removed.
  if (!move && old->name != parked_name(c.container)) {
    if (Status st = old_p.rename_container(c.container_id, parked_name(c.container)); !st.ok()) {
      if (c.stop_first) (void)old_p.start_container(c.container_id);
      return fail(st.error());
    }
  }
  r.renamed = !move;
  auto fresh = start_replica(run, s, c, c.container, old->label(labels::kModel));
  if (fresh.ok()) {
    r.fresh_id = *fresh;
    run.emit(replica_event(EventKind::kReplicaStarted, c, "started " + c.container));
  }
  const auto started = std::chrono::steady_clock::now();
  Status ready = fresh.ok() ? wait_container_ready(run, c.host, s.name, *fresh) : fresh.error();
  if (ready.ok()) ready = monitor_container(run, c.host, s.name, *fresh, s.update_config.monitor);
  if (!ready.ok()) {
    r.failed = true;
    Event e = replica_event(EventKind::kReplicaFailed, c, ready.error().message);
    if (fresh.ok()) e.detail = failure_detail(run.provider(c.host), *fresh);
    r.why = e.message + (e.detail.empty() ? "" : "; " + e.detail);
    run.emit(e);
    if (s.update_config.failure_action != "continue" || run.stop_requested()) {
      if (std::string problems = put_back(run, s, r, !c.stop_first); !problems.empty()) {
        Error err = ready.error();
        err.message += "; the rollback of this replica is incomplete" + problems;
        fail(err);
      }
      return;
    }
  } else {
    Event e = replica_event(EventKind::kReplicaHealthy, c, c.container + " is healthy");
    e.elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::now() - started)
                       .count();
    run.emit(e);
  }
  // Confirmed (or let through with `continue`): retire_old() takes the old one away, while
  // the next batch already starts.
  r.retire = true;
}

// The old replica of a confirmed replacement goes, or waits stopped for the end of the service
// (failure_action: rollback). Off the critical path: it runs beside the next batch.
void retire_old(ApplyRun& run, const Service& s, Replaced& r, bool keep_old) {
  const Change& c = *r.change;
  r.retire = false;
  Provider& old_p = run.provider(r.old_host);
  Nanos timeout = stop_timeout(&s);
  // The proxies were switched off it with its batch: what it has in flight finishes first.
  if (!r.old_routed_away) {
    Upstream old_up = run.ingress.current(c.container_id);
    int64_t waited = run.ingress.drain(old_up);
    if (waited > 0)
      run.progress.step(r.old_host, s.name,
                        fmt::format("drained {} in {} ms", c.container, waited));
  }
  Status gone = keep_old && !r.failed ? old_p.stop_container(c.container_id, timeout)
                                      : remove_replica(old_p, c.container_id, timeout);
  if (!gone.ok()) return run.fail(r.old_host, with_context(gone.error(), r.old_host, s.name));
  r.kept_old = keep_old && !r.failed;
  run.done(c.host, s.name,
           c.action == Action::kMove ? fmt::format("moved {} from {}", c.container, c.from_host)
                                     : fmt::format("recreated {}", c.container));
}

// The batch's confirmed replicas take their old ones' place on every proxy, in one load per
// proxy host. If a proxy does not load, each goes back to its old replica (still running) and
// counts as failed, so failure_action decides what follows.
void switch_batch(ApplyRun& run, const Service& s, std::vector<Replaced*> batch) {
  std::vector<Upstream> arriving, back;
  std::vector<std::string> leaving, fresh_keys;
  std::vector<Replaced*> switched;
  for (Replaced* r : batch) {
    if (!r->retire || r->fresh_id.empty() || r->change->ingress_ports.empty()) continue;
    Upstream fresh = run.ingress.planned(s, *r->change);
    Upstream old = run.ingress.current(r->change->container_id);
    arriving.push_back(fresh);
    fresh_keys.push_back(fresh.key());
    if (!old.bindings.empty() && !r->old_routed_away) {
      leaving.push_back(old.key());
      back.push_back(old);
    }
    switched.push_back(r);
  }
  if (switched.empty()) return;
  if (run.ingress.fault() == IngressFault::kStopBeforeSwitch)
    for (Replaced* r : switched)
      (void)run.provider(r->old_host).stop_container(r->change->container_id, 0);
  Status st = run.ingress.route(arriving, leaving);
  for (Replaced* r : switched) r->new_routed = true;
  if (st.ok()) return;
  (void)run.ingress.route(back, fresh_keys);
  for (Replaced* r : switched) {
    r->new_routed = false;
    r->retire = false;
    r->failed = true;
    r->why = fmt::format("{} (ingress proxy on {}): {}", r->change->container, st.error().host,
                         st.error().message);
    run.emit(replica_event(EventKind::kReplicaFailed, *r->change, r->why));
    if (std::string problems = put_back(run, s, *r, !r->change->stop_first); !problems.empty())
      run.fail(r->change->host, with_context(Error{ErrorKind::kHost,
                                                   {},
                                                   r->change->host,
                                                   s.name,
                                                   r->why +
                                                       "; the rollback of this replica is "
                                                       "incomplete" +
                                                       problems,
                                                   ""},
                                             r->change->host, s.name));
  }
}

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
