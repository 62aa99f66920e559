// Replacing one replica, putting it back, and switching the ingress proxies to a batch
// (engine/rollout_internal.h).
#include <fmt/format.h>

#include <chrono>

#include "engine/rollout_internal.h"

namespace berth {

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

}  // namespace berth
