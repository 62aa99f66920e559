// JSON forms of the model, for saved plans (`berth plan --out`), snapshots (`berth snapshot`)
// and the io.berth.model label (a replica's whole spec, which `berth rollback` returns to).
#pragma once

#include <nlohmann/json.hpp>

#include "planner/model.h"
#include "planner/result.h"

namespace berth {

// The contents of secrets (FileSpec::content of kind "secret") are masked as
// planner/spec.h kMasked unless `reveal_secrets`: only a saved plan (mode 0600) carries them.
nlohmann::json stack_to_json(const Stack& stack, bool reveal_secrets = false);
Result<Stack> stack_from_json(const nlohmann::json& doc);
nlohmann::json inventory_to_json(const Inventory& inventory);
Result<Inventory> inventory_from_json(const nlohmann::json& doc);
nlohmann::json container_spec_to_json(const ContainerSpec& spec);
Result<ContainerSpec> container_spec_from_json(const nlohmann::json& doc);
nlohmann::json observed_to_json(const Observed& observed);
Result<Observed> observed_from_json(const nlohmann::json& doc);

}  // namespace berth
