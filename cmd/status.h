// berth status: per service, desired / running / healthy replicas per host, the image, the spec
// version and the last rollout's result (engine/status.h). The renderings, for tests.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>

#include "engine/status.h"

namespace berth::cli {

// A table: a line per service (its totals, whether a plan would change it, its last rollout),
// then a line per host it is on; unreachable hosts at the end.
void render_status(std::ostream& out, const StackStatus& status);
// {stack, services[{service, in_stack, desired, running, healthy, pending_changes,
// hosts[{host, desired, running, healthy, images[], versions[]}], last_rollout: {result, at,
// message, host} | null}], unreachable[{host, error}]} (docs/output.md).
nlohmann::json status_json(const StackStatus& status);

}  // namespace berth::cli
