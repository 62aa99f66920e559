// `berth sync`: converge the fleet to a Git commit (docs/sync.md). One cycle: fetch and
// resolve the ref, verify the commit's signature (optional), write its tree into a per-commit
// directory of the cache (reused when present), load the stack from it, observe, plan; if
// anything differs, lock then look again (engine/pipeline.h, lock_and_observe), refuse a
// downgrade or an unplaceable plan, and hand the plan to the caller to apply with the commit
// recorded in io.berth.commit. The decisions are planner/sync.h; the watch loop
// engine/sync_watch.cc.
//
// A Syncer keeps its Fleet (providers, SSH control masters) across cycles while the inventory
// names the same hosts at the same addresses. It remembers a refused commit and does not retry
// it until the ref moves to another commit.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "engine/apply.h"
#include "engine/fleet.h"
#include "engine/git/git.h"
#include "engine/load/loader.h"
#include "engine/lock.h"
#include "planner/sync.h"

namespace berth {

struct SyncOptions {
  std::string url;   // --repo
  std::string ref;   // --ref ("" = the remote's default branch)
  std::string path;  // --path: the stack's directory inside the repository ("" = its root)
  // -i as given (relative to the current directory); "" = berth.hosts.yaml beside the stack in
  // the checkout, else the local engine.
  std::string inventory;
  std::vector<std::string> files;      // -f, relative to the stack's directory in the checkout
  std::string project_name;            // -p; "" = name:, else the stack directory's name
  std::vector<std::string> env_files;  // relative to the stack's directory in the checkout
  std::vector<std::string> profiles;
  std::map<std::string, std::string> environment;  // the process environment
  git::CacheOptions cache;
  bool verify_signatures = false;
  git::VerifyOptions verify;
  bool allow_downgrade = false;
  bool prune = false;     // remove services no longer in the commit
  bool self_heal = true;  // false: drift is reported, not restored
  bool skip_unreachable = false;
  ProviderOptions provider;
  int max_parallel = 16;
  ApplyOptions apply;  // commit is set per cycle
  int lock_ttl_seconds = 0;
};

struct CycleReport {
  SyncResult result = SyncResult::kError;
  std::string commit;  // full SHA ("" when the fetch failed)
  std::string subject;
  std::string error;  // one line, for refused / partial / locked / error / interrupted
  Diagnostics diag;   // the stack's or inventory's problems, when the commit did not load
  int changes = 0;    // replica changes planned (applied, when converged)
  int drifted = 0;    // replica changes found while the commit was already deployed
  std::vector<std::string> kept_services;  // no longer in the commit, left alone (no --prune)
  int64_t started_ms = 0;                  // unix ms
  int64_t duration_ms = 0;
  int apply_exit_code = -1;  // -1 = nothing applied
  std::string summary() const;
};

// A commit's tree, written once into <cache root>/checkouts/<sha>/<repository name> (so the
// stack's default name is the repository's, as in a clone) and reused by later cycles.
struct CommitTree {
  std::string sha, subject;
  std::string root;  // the checkout
  std::string dir;   // the stack's directory in it (root + --path)
};
// Fetches options.ref into `repo` and writes its commit's tree (unless already there).
Result<CommitTree> fetch_commit_tree(const SyncOptions& options, git::Repo& repo);
// How the stack of a checkout is loaded: -f and --env-file relative to its directory.
LoadOptions commit_load_options(const SyncOptions& options, const std::string& dir);
// Makes the files of diag's locations relative to the checkout ("compose.yaml:3:1").
void relative_to_checkout(Diagnostics& diag, const std::string& root);

// Carries out a plan that has changes, under the lock, with the options given (commit set), and
// returns apply's exit code (cmd/plan_common.h, apply_exit_code). cmd/sync.cc renders it.
using CarryOutFn = std::function<int(const Stack&, const Plan&, Fleet&, const Observed&, StackLock&,
                                     const ApplyOptions&)>;

class Syncer {
 public:
  explicit Syncer(SyncOptions options);
  // One cycle; never throws; every failure is in the report.
  CycleReport cycle(const CarryOutFn& carry_out);
  // The commit the fleet last converged to, or was found in sync at ("" before that).
  const std::string& in_sync_commit() const { return last_converged_; }

 private:
  struct Target;
  Status prepare(Target& t, CycleReport& r);
  Status use_fleet(Inventory inventory);
  void reconnect_unreachable(const Observed& observed);
  // Remembers r.commit as refused (not retried until the ref moves) and says why in r.
  Status refuse_commit(CycleReport& r, const std::string& why);
  void plan_and_apply(Target& t, CycleReport& r, const CarryOutFn& carry_out);

  SyncOptions o_;
  std::optional<Fleet> fleet_;
  std::string last_converged_;
  std::string refused_, refused_error_;
};

// Wakes a watch loop before its interval ends (a webhook). Thread-safe.
class SyncTrigger {
 public:
  void poke();
  // Waits up to `ms`, or until poke() (true) or `stop` returns true (polled every 100 ms).
  bool wait(int64_t ms, const std::function<bool()>& stop);

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool poked_ = false;
};

struct WatchOptions {
  int64_t interval_ms = 30'000;
  std::function<bool()> interrupted;                 // SIGINT/SIGTERM
  std::function<void(const CycleReport&)> on_cycle;  // after every cycle: the log line, metrics
  SyncTrigger* trigger = nullptr;                    // a webhook pokes it
};

// Runs cycles until interrupted: one at once, then one per interval, sooner when the trigger is
// poked. After a transient failure (error, partial) the next cycle comes after
// backoff_ms(consecutive failures, interval); after a refusal or a lock held by another run,
// after the interval. Returns 130 when the signal came during a cycle (whose batch in progress
// was finished or rolled back, and whose locks were released), 0 when it came between cycles.
int watch(Syncer& syncer, const CarryOutFn& carry_out, const WatchOptions& options);

}  // namespace berth
