// Internal to rollouts: one replacement's state and the steps on it (engine/rollout.cc runs the
// batches, engine/rollout_replace.cc replaces, puts back and switches the proxies).
#pragma once

#include <string>
#include <vector>

#include "engine/apply_run.h"

namespace berth {

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

Event replica_event(EventKind kind, const Change& c, std::string message);

// Puts the old replica back: the new one removed, the old renamed back and running; with
// `start_first`, the old one runs again before the new one goes; the proxies follow. Returns
// what could not be undone ("" when all went well).
std::string put_back(ApplyRun& run, const Service& s, Replaced& r, bool start_first);

// Replaces one replica. On failure the old one is put back unless failure_action is
// `continue` (and the run is not interrupted).
void replace_one(ApplyRun& run, const Service& s, Replaced& r, bool keep_old);

// The old replica of a confirmed replacement goes (drained first, when it is behind the
// proxies), or waits stopped for the end of the service (failure_action: rollback). Off the
// critical path: it runs beside the next batch.
void retire_old(ApplyRun& run, const Service& s, Replaced& r, bool keep_old);

// The batch's confirmed replicas take their old ones' place on every proxy, in one load per
// proxy host. If a proxy does not load, each goes back to its old replica (still running) and
// counts as failed, so failure_action decides what follows.
void switch_batch(ApplyRun& run, const Service& s, std::vector<Replaced*> batch);

}  // namespace berth
