// Rollout records: how the last rollout of a service ended, kept on the hosts themselves (no
// state file: docs/design.md, State). apply writes one per (stack, service) on every host the
// rollout touched, as a volume named berth-rollout-<stack>-<service> whose labels are the record;
// `berth status` reads them back through observe (every volume labelled with the stack).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "planner/model.h"
#include "providers/provider.h"

namespace berth {

namespace labels {
inline constexpr const char* kRollout = "io.berth.rollout";  // the service
inline constexpr const char* kRolloutResult = "io.berth.rollout.result";
inline constexpr const char* kRolloutAt = "io.berth.rollout.at";  // RFC 3339 UTC, to the second
inline constexpr const char* kRolloutMessage = "io.berth.rollout.message";
}  // namespace labels

struct RolloutRecord {
  std::string result;   // completed | paused | rolled_back | failed
  int64_t at_ms = 0;    // when the rollout ended, unix ms (stored to the second); 0 = unknown
  std::string message;  // one line for people ("2 of 3 replicas updated; web-3 unhealthy")
  std::string host;     // read back: the host the record was found on
};

// "berth-rollout-<stack>-<service>".
std::string rollout_volume(const std::string& stack, const std::string& service);

// Records the rollout's end on one host, replacing an older record (volume labels cannot change,
// so the old volume is removed and a new one created). The message is made one line and at
// most 300 bytes. Errors name the host.
Status write_rollout_record(Provider& provider, const std::string& stack,
                            const std::string& service, const RolloutRecord& record);

// The record a volume holds, if it is one of `stack`'s; `service` receives its service.
std::optional<RolloutRecord> rollout_record_of(const ObservedVolume& volume,
                                               const std::string& stack, std::string& service);

// Per service, the newest record over every reachable host of `observed` (a rollout that
// touched several hosts wrote the same record on each; ties go to the first host).
std::map<std::string, RolloutRecord> read_rollout_records(const Observed& observed);
// One host, asked directly.
Result<std::map<std::string, RolloutRecord>> read_rollout_records(Provider& provider,
                                                                  const std::string& stack);

}  // namespace berth
