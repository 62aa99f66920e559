#include "engine/pipeline.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "engine/observe.h"
#include "engine/snapshot.h"
#include "planner/ingress_plan.h"

namespace berth {

Result<Stack> load_checked(const LoadOptions& options, Diagnostics& diag) {
  Stack stack = load_stack(options, diag);
  for (const Error& e : diag.errors)
    if (e.kind == ErrorKind::kInterrupted)
      return Error{ErrorKind::kInterrupted,
                   {},
                   "",
                   "",
                   "interrupted while loading the stack; "
                   "nothing was changed",
                   ""};
  if (!diag.ok()) {
    return Error{ErrorKind::kInput,
                 {},
                 "",
                 "",
                 fmt::format("the stack has {} error{}; nothing was changed", diag.errors.size(),
                             diag.errors.size() == 1 ? "" : "s"),
                 ""};
  }
  return stack;
}

Result<Planned> open_stack(const PlanRequest& request, Diagnostics& diag) {
  auto stack = load_checked(request.load, diag);
  if (!stack.ok()) return stack.error();
  if (request.strategy) stack->strategy = *request.strategy;

  Observed saved;
  Inventory inventory;
  if (request.mode == FleetMode::kSnapshot) {
    auto snap = read_snapshot(request.snapshot_path);
    if (!snap.ok()) return snap.error();
    saved = std::move(snap->observed);
    inventory = request.inventory_path.empty() ? std::move(snap->inventory)
                                               : load_inventory(request.inventory_path, diag);
  } else {
    inventory = resolve_inventory(request.inventory_path, stack->project_dir, diag);
  }
  if (!diag.ok()) {
    return Error{
        ErrorKind::kInput, {}, "", "", "the inventory has errors; nothing was changed", ""};
  }
  if (request.mode == FleetMode::kOffline) {
    for (const Host& h : inventory.hosts) {
      if (!h.capacity) {
        return Error{ErrorKind::kInput,
                     h.location,
                     h.name,
                     "",
                     "--offline needs a declared capacity for every host",
                     "add `capacity: {cpus: N, memory: SIZE}` to the host in the inventory"};
      }
    }
  }
  auto fleet = open_fleet(std::move(inventory), request.mode, request.provider, &saved);
  if (!fleet.ok()) return fleet.error();
  Planned planned;
  planned.stack = std::move(stack).value();
  planned.fleet = std::move(fleet).value();
  return planned;
}

void plan_observed(Planned& p) {
  p.placement = place(p.stack, p.fleet.inventory, p.observed, p.stack.strategy);
  p.plan = make_plan(p.stack, p.observed, p.placement);
  plan_ingress(p.stack, p.observed, p.fleet.inventory, p.plan);
}

void observe_and_plan(Planned& p, int max_parallel) {
  p.observed = observe(p.stack.name, p.fleet, max_parallel);
  plan_observed(p);
}

Result<Planned> make_planned(const PlanRequest& request, Diagnostics& diag) {
  auto planned = open_stack(request, diag);
  if (!planned.ok()) return planned;
  observe_and_plan(*planned, request.max_parallel);
  return planned;
}

namespace {

bool runs_proxy(const Observed& observed) {
  return std::any_of(observed.hosts.begin(), observed.hosts.end(),
                     [](const ObservedHost& h) { return find_proxy(h) != nullptr; });
}

}  // namespace

Status observe_locked(StackLock& lock, const Stack& stack, Fleet& fleet, int max_parallel,
                      Observed& observed) {
  const bool declared = has_ingress(stack) || fleet.inventory.ingress.location.known();
  if (declared)
    if (Status st = lock.hold_ingress(); !st.ok()) return st;
  observed = observe(stack.name, fleet, max_parallel);
  // Proxies of other stacks: this run renders them too, so it holds their lock and looks again.
  if (!lock.holds_ingress() && runs_proxy(observed)) {
    if (Status st = lock.hold_ingress(); !st.ok()) return st;
    observed = observe(stack.name, fleet, max_parallel);
  }
  return ok_status();
}

Result<std::unique_ptr<StackLock>> lock_and_observe(Planned& p, const LockOptions& options) {
  auto lock = StackLock::acquire(p.stack.name, p.fleet, options);
  if (!lock.ok()) return lock.error();
  if (Status st = observe_locked(**lock, p.stack, p.fleet, options.max_parallel, p.observed);
      !st.ok())
    return st.error();
  return lock;
}

Plan destroy_plan(const Stack& stack, const Observed& observed, const Inventory& inventory,
                  bool volumes) {
  Stack empty;
  empty.name = stack.name;
  Plan plan = make_plan(empty, observed, PlacementResult{});
  plan_ingress(empty, observed, inventory, plan);
  if (volumes) {
    for (const ObservedHost& h : observed.hosts) {
      for (const ObservedVolume& v : h.volumes) {
        InfraChange r;
        r.kind = InfraChange::Kind::kVolume;
        r.action = Action::kRemove;
        r.key = v.labels.count(labels::kVolume) ? v.labels.at(labels::kVolume) : v.name;
        r.name = v.name;
        r.host = h.name;
        plan.infra.push_back(std::move(r));
        ++plan.summary.volumes_remove;
      }
    }
  }
  return plan;
}

}  // namespace berth
