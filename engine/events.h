// What a run reports while it works: one Event per step, to a Progress that cmd/ renders (live
// per-host lines on a terminal, timestamped lines in CI, JSON lines with --json; the JSON form
// is schemas/events.schema.json). Called from worker threads: implementations lock.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace berth {

enum class EventKind {
  kPlan,             // the plan about to be applied (message: its summary line)
  kStep,             // anything else done: "created network x", "pulled image y", a pull's line
  kBatchStarted,     // a rollout batch of a service begins (batch, batches, slots)
  kReplicaStarted,   // a new replica was created and started (slot, host, container)
  kReplicaWaiting,   // still waiting for it to become healthy (elapsed_ms)
  kReplicaHealthy,   // healthy, and stayed so for update_config.monitor
  kReplicaFailed,    // it failed (message: why; detail: its last health output and log lines)
  kRollbackStarted,  // a service goes back to its previous spec (message: why)
  kRollbackFinished,
  kPaused,      // the rollout of a service stopped where it was (failure_action: pause)
  kHostFailed,  // a host failed; it is left alone from then on
  kDone,        // the run ended (message: its summary line; result: ok|partial|...)
};
const char* event_name(EventKind kind);  // "batch_started", "replica_healthy", ...

struct Event {
  EventKind kind = EventKind::kStep;
  int64_t time_ms = 0;  // unix milliseconds; 0 = now (set by emit)
  std::string host, service, slot, container;
  int batch = 0, batches = 0;      // kBatchStarted: 1-based, and how many
  std::vector<std::string> slots;  // kBatchStarted: the slots of the batch
  int64_t elapsed_ms = 0;          // kReplicaWaiting, kReplicaHealthy: since the replica started
  std::string message;             // one line for people
  std::string detail;              // kReplicaFailed: health-check output and last log lines
  std::string result;              // kDone: ok | partial | failed | rolled_back | paused |
                                   // interrupted
};

class Progress {
 public:
  virtual ~Progress() = default;
  virtual void event(const Event& e) = 0;
  // A kStep event: "host  service  text".
  void step(const std::string& host, const std::string& service, const std::string& text);
};

// Stamps e.time_ms when it is 0 and hands it to the Progress.
void emit(Progress& progress, Event e);

}  // namespace berth
