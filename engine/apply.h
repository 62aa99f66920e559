// Apply: carry out a Plan on the hosts; the only way berth changes anything.
//
// The caller holds the stack's lock (engine/lock.h) and made the plan under it. Order: images
// (pull, or build on the target host: a failure here changes nothing); networks and volumes;
// leftovers of runs that stopped half-way (so their names are free); containers level by level
// in depends_on order (waiting for service_healthy / service_completed_successfully),
// independent services and hosts in parallel with a bound; replacements in batches of
// update_config.parallelism, rolled back per failure_action; removals; unused networks. A host
// that fails stops being touched; the others complete, and the report says exactly what was
// done where. When `interrupted` turns true, nothing new starts, and a replacement in progress
// is rolled back, so no replica is left stopped or parked aside.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "engine/events.h"
#include "engine/fleet.h"
#include "planner/model.h"
#include "planner/plan.h"

namespace berth {

struct ApplyOptions {
  int max_parallel = 8;
  Nanos health_timeout = 120'000'000'000;  // per wait for a healthy/completed dependency
  std::string commit;                      // recorded in io.berth.commit (sync)
  std::function<bool()> interrupted;       // polled between steps; true stops the run
  // apply --wait: at the end, every placed replica must become healthy (or running, without a
  // health check) within wait_timeout.
  bool wait = false;
  Nanos wait_timeout = 300'000'000'000;
};

struct HostReport {
  std::string host;
  std::vector<std::string> done;  // "created demo-web-1", "removed network demo_default", ...
  std::vector<Error> errors;      // empty = everything planned for this host was done
  bool unreachable = false;       // left out by --skip-unreachable: errors says why
};

// How a service's rollout ended (docs/rollouts.md).
struct RolloutOutcome {
  std::string service;
  std::string result;   // completed | paused | rolled_back | failed
  std::string message;  // one line: why it paused, failed or rolled back
  int replicas = 0, failed = 0;
};

struct ApplyReport {
  std::vector<HostReport> hosts;  // every host the plan touched, in inventory order
  std::vector<std::string> notes;
  std::vector<Error> errors;  // not tied to one host (an internal error, the lock's release)
  std::vector<RolloutOutcome> rollouts;  // every service that had replacements
  bool interrupted = false;
  bool wait_timed_out = false;  // with ApplyOptions::wait
  bool ok() const;
  int changes_done() const;
  int hosts_changed() const;  // hosts where at least one change was done
};

// The report says what happened per host, failures included.
ApplyReport apply_plan(const Stack& stack, const Plan& plan, Fleet& fleet,
                       const ApplyOptions& options, Progress& progress);

}  // namespace berth
