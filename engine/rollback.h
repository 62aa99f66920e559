// `berth rollback SERVICE...`: the stack as it was before the last update of those services,
// read from their replicas' io.berth.prev-spec labels (each the whole spec of the container it
// replaced, planner/model_json.h), to plan and apply like any other version.
#pragma once

#include <string>
#include <vector>

#include "planner/model.h"

namespace berth {

// `stack` with each named service's spec replaced by its previous one and its update_config by
// its rollback_config. Errors name the service: not in the stack, no replica observed, no
// previous spec recorded (never updated by this berth), or replicas that disagree on it.
Result<Stack> rolled_back_stack(const Stack& stack, const Observed& observed,
                                const std::vector<std::string>& services);

}  // namespace berth
