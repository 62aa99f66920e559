// Pieces plan and apply share.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "engine/apply.h"
#include "engine/pipeline.h"

namespace berth::cli {

Strategy parse_strategy(const std::string& name);
// The plan document plus the hosts that could not be observed.
nlohmann::json plan_document(const Planned& planned);
// 0, or (after saying why) 1 when replicas cannot be placed and partial plans are not allowed.
int check_placeable(const Plan& plan, bool allow_partial);
// Adds unreachable hosts to an apply report as failed hosts.
void add_unreachable_hosts(const Observed& observed, ApplyReport& report);
// 0 all done; 3 partly done; 1 nothing done; 130 interrupted.
int apply_exit_code(const ApplyReport& report);

}  // namespace berth::cli
