// Internal pieces of the diff, shared by plan*.cc (not part of the planner's API).
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "planner/plan.h"

namespace berth {

// Leaf paths whose values differ between two canonical specs ("environment.DB_HOST", "image");
// lists compare as a whole. Values are JSON text.
std::vector<FieldChange> diff_fields(const nlohmann::json& old_spec,
                                     const nlohmann::json& new_spec);
// Marks environment fields with secret-looking names as secret.
void mask_secret_fields(std::vector<FieldChange>& fields);
// By (host, service, slot as a number, action).
void sort_changes(std::vector<Change>& changes);
// Networks and volumes to create (where replicas will run) or remove (networks nothing needs).
void plan_infra(const Stack& stack, const Observed& observed, Plan& plan);
// Fills plan.blockers (names taken by objects berth does not own, two hosts that are one
// engine) and plan.data_moves (stateful replicas leaving their volumes' host).
void check_plan(const Stack& stack, const Observed& observed, Plan& plan);

}  // namespace berth
