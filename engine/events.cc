#include "engine/events.h"

#include <chrono>

namespace berth {

const char* event_name(EventKind kind) {
  switch (kind) {
    case EventKind::kPlan: return "plan";
    case EventKind::kStep: return "step";
    case EventKind::kBatchStarted: return "batch_started";
    case EventKind::kReplicaStarted: return "replica_started";
    case EventKind::kReplicaWaiting: return "replica_waiting";
    case EventKind::kReplicaHealthy: return "replica_healthy";
    case EventKind::kReplicaFailed: return "replica_failed";
    case EventKind::kRollbackStarted: return "rollback_started";
    case EventKind::kRollbackFinished: return "rollback_finished";
    case EventKind::kPaused: return "paused";
    case EventKind::kHostFailed: return "host_failed";
    case EventKind::kDone: return "done";
  }
  return "step";
}

void emit(Progress& progress, Event e) {
  if (e.time_ms == 0)
    e.time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  progress.event(e);
}

void Progress::step(const std::string& host, const std::string& service, const std::string& text) {
  Event e;
  e.kind = EventKind::kStep;
  e.host = host;
  e.service = service;
  e.message = text;
  emit(*this, std::move(e));
}

}  // namespace berth
