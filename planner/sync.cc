#include "planner/sync.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace berth {

const char* sync_result_name(SyncResult r) {
  switch (r) {
    case SyncResult::kInSync: return "in_sync";
    case SyncResult::kConverged: return "converged";
    case SyncResult::kDrift: return "drift";
    case SyncResult::kRefused: return "refused";
    case SyncResult::kPartial: return "partial";
    case SyncResult::kLocked: return "locked";
    case SyncResult::kError: return "error";
    case SyncResult::kInterrupted: return "interrupted";
  }
  return "error";
}

int sync_exit_code(SyncResult r) {
  switch (r) {
    case SyncResult::kInSync:
    case SyncResult::kConverged:
    case SyncResult::kDrift: return 0;
    case SyncResult::kRefused: return 9;
    case SyncResult::kPartial: return 3;
    case SyncResult::kLocked: return 4;
    case SyncResult::kInterrupted: return 130;
    case SyncResult::kError: return 1;
  }
  return 1;
}

std::vector<std::string> deployed_commits(const Observed& observed) {
  std::set<std::string> commits;
  for (const ObservedHost& h : observed.hosts) {
    if (!h.reachable) continue;
    for (const ObservedContainer& c : h.containers) {
      if (!c.owned_by(observed.stack)) continue;
      std::string commit = c.label(labels::kCommit);
      if (!commit.empty()) commits.insert(commit);
    }
  }
  return {commits.begin(), commits.end()};
}

std::vector<std::string> newer_deployed(const std::string& target,
                                        const std::vector<std::string>& deployed,
                                        const std::vector<bool>& target_is_ancestor_of) {
  std::vector<std::string> newer;
  for (size_t i = 0; i < deployed.size() && i < target_is_ancestor_of.size(); ++i)
    if (deployed[i] != target && target_is_ancestor_of[i]) newer.push_back(deployed[i]);
  return newer;
}

std::vector<std::string> keep_removed_services(const Stack& stack, Plan& plan) {
  std::set<std::string> kept;
  auto gone = [&](const Change& c) {
    if (c.action != Action::kRemove || stack.find_service(c.service)) return false;
    kept.insert(c.service);
    return true;
  };
  auto end = std::remove_if(plan.changes.begin(), plan.changes.end(), gone);
  plan.summary.remove -= static_cast<int>(plan.changes.end() - end);
  plan.changes.erase(end, plan.changes.end());
  if (!kept.empty()) {
    auto net_removal = [](const InfraChange& i) {
      return i.kind == InfraChange::Kind::kNetwork && i.action == Action::kRemove;
    };
    auto iend = std::remove_if(plan.infra.begin(), plan.infra.end(), net_removal);
    plan.summary.networks_remove -= static_cast<int>(plan.infra.end() - iend);
    plan.infra.erase(iend, plan.infra.end());
  }
  return {kept.begin(), kept.end()};
}

int replica_changes(const Plan& plan) {
  return static_cast<int>(std::count_if(plan.changes.begin(), plan.changes.end(),
                                        [](const Change& c) { return !c.leftover; }));
}

bool changes_are_drift(const std::string& target, const std::vector<std::string>& deployed,
                       const std::string& last_converged) {
  if (!last_converged.empty() && last_converged == target) return true;
  return std::find(deployed.begin(), deployed.end(), target) != deployed.end();
}

std::string plan_refusal(const Plan& plan) {
  if (!plan.blockers.empty()) return plan.blockers.front().str();
  if (!plan.unplaced.empty()) {
    const UnplacedReplica& u = plan.unplaced.front();
    return fmt::format("{} replica{} cannot be placed (service {} slot {}: {})",
                       plan.unplaced.size(), plan.unplaced.size() == 1 ? "" : "s", u.service,
                       u.slot, u.reason);
  }
  return "";
}

SyncResult result_of_apply(int apply_exit_code) {
  switch (apply_exit_code) {
    case 0: return SyncResult::kConverged;
    case 3: return SyncResult::kPartial;
    case 6:
    case 7: return SyncResult::kRefused;
    case 130: return SyncResult::kInterrupted;
    default: return SyncResult::kError;
  }
}

int64_t backoff_ms(int failures, int64_t interval_ms) {
  int64_t cap = std::max<int64_t>(interval_ms, 1000);
  if (failures <= 0) return cap;
  int64_t delay = 1000;
  for (int i = 1; i < failures && delay < cap; ++i) delay *= 2;
  return std::min(delay, cap);
}

const char* host_sync_state(int pending_changes, const std::vector<std::string>& versions,
                            const std::string& target) {
  if (pending_changes == 0) return "in sync";
  for (const auto& v : versions)
    if (!v.empty() && target.rfind(v, 0) == 0) return "drifted";
  return "behind";
}

std::string short_sha(const std::string& sha) {
  return sha.substr(0, 7);
}

std::string sync_summary(SyncResult r, const std::string& commit, const std::string& subject,
                         int changes, const std::string& error) {
  std::string at = commit.empty() ? "" : fmt::format("{} ({})", short_sha(commit), subject);
  std::string n = fmt::format("{} change{}", changes, changes == 1 ? "" : "s");
  switch (r) {
    case SyncResult::kInSync: return fmt::format("sync: in sync at {}", at);
    case SyncResult::kConverged: return fmt::format("sync: converged to {}: {}", at, n);
    case SyncResult::kDrift:
      return fmt::format("sync: drift at {}: {} not restored (--no-self-heal)", at, n);
    case SyncResult::kRefused: return fmt::format("sync: refused {}: {}", at, error);
    case SyncResult::kPartial: return fmt::format("sync: partly converged to {}: {}", at, error);
    case SyncResult::kLocked: return fmt::format("sync: locked: {}", error);
    case SyncResult::kError:
      return at.empty() ? fmt::format("sync: failed: {}", error)
                        : fmt::format("sync: failed at {}: {}", at, error);
    case SyncResult::kInterrupted: return fmt::format("sync: interrupted: {}", error);
  }
  return "sync: " + error;
}

}  // namespace berth
