// How each service's replacements roll out (docs/rollouts.md): a pure function of the plan, so
// the plan shows what apply will do ("web: 6 replicas in 3 batches of 2, start-first, monitor
// 5s") and apply follows exactly it.
#pragma once

#include <string>
#include <vector>

#include "planner/model.h"

namespace berth {

struct Change;

struct RolloutPlan {
  std::string service;
  int replicas = 0;    // replacements (recreates and moves) of this service in the plan
  int batch_size = 0;  // update_config.parallelism, or every replica when 0
  int batches = 0;
  UpdateConfig update;  // the service's update_config
  // Start-first replacements that go stop-first: the replica publishes a fixed host port that
  // its old container holds on the same host, and two cannot bind it.
  std::vector<std::string> stop_first_slots;

  // "web: 6 replicas in 3 batches of 2, start-first, monitor 5s"
  std::string describe() const;
};

// The rollout of every service with replacements in `changes`; sets each replacement's
// Change::stop_first. `observed` gives the ports the old containers hold.
std::vector<RolloutPlan> plan_rollouts(const Stack& stack, const Observed& observed,
                                       std::vector<Change>& changes);

// Go-style duration text, as Compose writes them: "5s", "1m30s", "500ms", "0s".
std::string format_duration(Nanos d);

}  // namespace berth
