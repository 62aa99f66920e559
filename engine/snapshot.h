// Snapshots (`berth snapshot -o FILE`, `berth plan --snapshot FILE`) and saved plans
// (`berth plan --out FILE`, `berth apply FILE`). Both are JSON files written with mode 0600.
#pragma once

#include <string>

#include "planner/model.h"
#include "planner/plan.h"

namespace berth {

struct Snapshot {
  Inventory inventory;
  Observed observed;
};

Status write_snapshot(const std::string& path, const Inventory& inventory,
                      const Observed& observed);
Result<Snapshot> read_snapshot(const std::string& path);

// A saved plan holds what apply needs without re-reading the stack: the plan (secrets
// unmasked, hence 0600), the stack and the inventory.
struct SavedPlan {
  Plan plan;
  Stack stack;
  Inventory inventory;
};

Status write_saved_plan(const std::string& path, const SavedPlan& saved);
Result<SavedPlan> read_saved_plan(const std::string& path);

}  // namespace berth
