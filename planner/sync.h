// The decisions of one `berth sync` cycle, as pure functions (docs/sync.md): which commits are
// deployed, whether a target would be a downgrade, what a plan keeps without --prune, whether a
// change is drift, how a cycle ended and its exit code, how long to back off after a failure.
// No I/O, no clock: engine/sync.cc gathers the facts and calls these.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "planner/model.h"
#include "planner/plan.h"

namespace berth {

// How a cycle ended. kInSync: nothing differed; kConverged: changes applied; kDrift: the
// deployed commit differs from what runs and --no-self-heal left it; kRefused: the commit does
// not load, cannot be placed, is unsigned, a downgrade or failed its rollout (what runs keeps
// running); kPartial: some hosts failed; kLocked: another run holds the stack; kError: a
// transient failure (fetch, an unreachable host) retried with back-off; kInterrupted: a signal.
enum class SyncResult {
  kInSync,
  kConverged,
  kDrift,
  kRefused,
  kPartial,
  kLocked,
  kError,
  kInterrupted
};
const char* sync_result_name(SyncResult r);  // "in_sync", "converged", "drift", ...

// The one-shot exit code (README.md, Exit codes): in_sync, converged, drift 0; refused 9;
// partial 3; locked 4; error 1; interrupted 130.
int sync_exit_code(SyncResult r);

// The distinct io.berth.commit labels of the stack's containers on every reachable host, sorted.
std::vector<std::string> deployed_commits(const Observed& observed);

// The deployed commits that are newer than the target: those with `target` among their
// ancestors and not equal to it. `target_is_ancestor_of[i]` says whether target is an ancestor
// of (or equal to) deployed[i] (engine/git is_ancestor). A non-empty answer refuses the commit
// unless --allow-downgrade.
std::vector<std::string> newer_deployed(const std::string& target,
                                        const std::vector<std::string>& deployed,
                                        const std::vector<bool>& target_is_ancestor_of);

// Without --prune, replicas of services that are no longer in the stack are left alone: their
// removals (and removals of networks, which such replicas may still use) leave the plan, and
// the summary is recounted. Returns the services kept (sorted, distinct).
std::vector<std::string> keep_removed_services(const Stack& stack, Plan& plan);

// Replica changes in a plan (creates, updates, recreates, moves, removals; not leftovers).
int replica_changes(const Plan& plan);

// The changes are drift (a replica removed, stopped or changed by hand) when the target commit
// is already deployed: among the observed commits, or the one this process last converged to.
bool changes_are_drift(const std::string& target, const std::vector<std::string>& deployed,
                       const std::string& last_converged);

// Why a plan cannot be applied as it is, for a refusal message: blockers, then unplaced
// replicas ("" when it can be applied). Unreachable hosts stop the lock, not this.
std::string plan_refusal(const Plan& plan);

// The sync result of an apply's exit code (cmd/plan_common.h, apply_exit_code): 0 converged,
// 3 partial, 6 (rolled back) and 7 (paused) refused, 130 interrupted, else error.
SyncResult result_of_apply(int apply_exit_code);

// Back-off after `failures` consecutive transient failures (1, 2, ...): 1 s, 2 s, 4 s, ...
// capped at `interval_ms` (and at least 1 s); 0 failures = the interval.
int64_t backoff_ms(int failures, int64_t interval_ms);

// Where a service's replicas on one host stand against the target commit (`berth status
// --repo`): "in sync" when the plan has no change for them; else "drifted" when one of their
// versions (engine/status.h, spec_version: a commit's first 12 characters) is the target's,
// else "behind".
const char* host_sync_state(int pending_changes, const std::vector<std::string>& versions,
                            const std::string& target);

// "abc1234": the first 7 characters of a SHA.
std::string short_sha(const std::string& sha);

// The one summary line of a cycle: "sync: in sync at abc1234 (subject)", "sync: converged to
// abc1234 (subject): 3 changes", "sync: refused abc1234 (subject): <error>", ...
std::string sync_summary(SyncResult r, const std::string& commit, const std::string& subject,
                         int changes, const std::string& error);

}  // namespace berth
