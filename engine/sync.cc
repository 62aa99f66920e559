#include "engine/sync.h"

#include <fmt/format.h>

#include <chrono>

#include "engine/observe.h"
#include "engine/pipeline.h"
#include "engine/utc_time.h"

namespace berth {

struct Syncer::Target {
  std::optional<git::Repo> repo;  // held (and its cache lock) until the cycle's decisions
  std::string dir;                // the stack's directory in the checkout
  Stack stack;
};

namespace {

bool same_hosts(const Inventory& a, const Inventory& b) {
  if (a.hosts.size() != b.hosts.size()) return false;
  for (size_t i = 0; i < a.hosts.size(); ++i) {
    const Host &x = a.hosts[i], &y = b.hosts[i];
    if (x.name != y.name || x.address != y.address || x.socket != y.socket) return false;
  }
  return true;
}

// The first host that could not be observed, or nullptr.
const ObservedHost* first_unreachable(const Observed& observed) {
  for (const ObservedHost& h : observed.hosts)
    if (!h.reachable) return &h;
  return nullptr;
}

SyncResult result_of_error(const Error& e) {
  if (e.kind == ErrorKind::kLock) return SyncResult::kLocked;
  if (e.kind == ErrorKind::kInterrupted) return SyncResult::kInterrupted;
  return SyncResult::kError;
}

}  // namespace

std::string CycleReport::summary() const {
  return sync_summary(result, commit, subject, changes, error);
}

Syncer::Syncer(SyncOptions options) : o_(std::move(options)) {}

Status Syncer::use_fleet(Inventory inventory) {
  if (fleet_ && same_hosts(fleet_->inventory, inventory)) {
    fleet_->inventory = std::move(inventory);  // labels, capacity, drain may have changed
    return ok_status();
  }
  auto fleet = open_fleet(std::move(inventory), FleetMode::kLive, o_.provider);
  if (!fleet.ok()) return fleet.error();
  fleet_ = std::move(fleet).value();
  return ok_status();
}

// A provider that failed to connect, or whose SSH master died, stays failed for its run
// (providers/transport_ssh.cc: one handshake per run): a fresh one retries on the next cycle,
// while the other hosts keep their connections.
void Syncer::reconnect_unreachable(const Observed& observed) {
  if (!fleet_) return;
  for (size_t i = 0; i < observed.hosts.size() && i < fleet_->size(); ++i) {
    if (observed.hosts[i].reachable) continue;
    auto fresh = make_provider(fleet_->inventory.hosts[i], o_.provider);
    if (fresh.ok()) fleet_->providers[i] = std::move(fresh).value();
  }
}

Status Syncer::refuse_commit(CycleReport& r, const std::string& why) {
  refused_ = r.commit;
  refused_error_ = why;
  r.result = SyncResult::kRefused;
  r.error = why;
  return Error{ErrorKind::kInput, {}, "", "", why, ""};
}

// Fetch, verify, check out, load: fills t and r.commit/subject, or fails with r.result set.
Status Syncer::prepare(Target& t, CycleReport& r) {
  auto fail = [&](SyncResult result, const Error& e) {
    r.result = result;
    r.error = e.str();
    return Status{e};
  };
  auto repo = git::open_cache(o_.url, o_.cache);
  if (!repo.ok()) return fail(result_of_error(repo.error()), repo.error());
  t.repo.emplace(std::move(repo).value());
  auto tree = fetch_commit_tree(o_, *t.repo);
  if (!tree.ok()) return fail(result_of_error(tree.error()), tree.error());
  r.commit = tree->sha;
  r.subject = tree->subject;
  if (r.commit == refused_) {  // refused before: not retried until the ref moves
    r.result = SyncResult::kRefused;
    r.error = refused_error_ + " (refused earlier; waiting for a new commit)";
    return Error{ErrorKind::kInput, {}, "", "", r.error, ""};
  }
  auto refuse = [&](const std::string& why) { return refuse_commit(r, why); };
  if (o_.verify_signatures) {
    auto signer = git::verify_commit(*t.repo, r.commit, o_.verify);
    if (!signer.ok()) return refuse(signer.error().str());
  }
  t.dir = tree->dir;
  LoadOptions load = commit_load_options(o_, t.dir);
  auto stack = load_checked(load, r.diag);
  relative_to_checkout(r.diag, tree->root);
  if (!stack.ok()) {
    if (stack.error().kind == ErrorKind::kInterrupted)
      return fail(SyncResult::kInterrupted, stack.error());
    std::string first = r.diag.errors.empty() ? "" : ": " + r.diag.errors.front().str();
    return refuse(stack.error().message + first);
  }
  t.stack = std::move(stack).value();
  Inventory inventory = resolve_inventory(o_.inventory, t.stack.project_dir, r.diag);
  relative_to_checkout(r.diag, tree->root);
  if (!r.diag.ok()) return refuse("the inventory has errors: " + r.diag.errors.front().str());
  Status fleet = use_fleet(std::move(inventory));
  if (!fleet.ok()) return refuse(fleet.error().str());
  return ok_status();
}

CycleReport Syncer::cycle(const CarryOutFn& carry_out) {
  CycleReport r;
  r.started_ms = now_unix_ms();
  auto t0 = std::chrono::steady_clock::now();
  Target t;
  if (prepare(t, r).ok()) plan_and_apply(t, r, carry_out);
  r.duration_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  return r;
}

void Syncer::plan_and_apply(Target& t, CycleReport& r, const CarryOutFn& carry_out) {
  Planned p;
  p.stack = std::move(t.stack);
  p.fleet = std::move(*fleet_);
  fleet_.reset();
  struct Restore {  // the fleet goes back to the Syncer however the cycle ends
    Syncer& s;
    Planned& p;
    ~Restore() {
      s.fleet_ = std::move(p.fleet);
      s.reconnect_unreachable(p.observed);
    }
  } restore{*this, p};
  auto plan = [&] {
    plan_observed(p);
    r.kept_services =
        o_.prune ? std::vector<std::string>{} : keep_removed_services(p.stack, p.plan);
    r.changes = replica_changes(p.plan);
  };
  auto refuse = [&](const std::string& why) { (void)refuse_commit(r, why); };

  // Look first, without the lock: an in-sync cycle takes no lock at all.
  p.observed = observe(p.stack.name, p.fleet, o_.max_parallel);
  if (const ObservedHost* h = first_unreachable(p.observed); h && !o_.skip_unreachable) {
    r.result = SyncResult::kError;
    r.error = h->error.str();
    return;
  }
  plan();
  std::vector<std::string> deployed = deployed_commits(p.observed);
  if (changes_are_drift(r.commit, deployed, last_converged_)) r.drifted = r.changes;
  if (!p.plan.has_changes()) {
    r.result = SyncResult::kInSync;
    last_converged_ = r.commit;
    return;
  }
  // "" = not a downgrade (or --allow-downgrade); else why the commit is refused.
  auto downgrade = [&]() -> std::string {
    if (o_.allow_downgrade) return "";
    std::vector<std::string> deployed_now = deployed_commits(p.observed);
    std::vector<bool> older;  // target is an ancestor of deployed_now[i]
    for (const auto& d : deployed_now) {
      auto a = git::is_ancestor(*t.repo, r.commit, d);
      older.push_back(a.ok() && *a);  // a commit the mirror does not have is not newer
    }
    auto newer = newer_deployed(r.commit, deployed_now, older);
    if (newer.empty()) return "";
    return fmt::format(
        "{} is newer and deployed; syncing {} would go back "
        "(use --allow-downgrade to do it anyway)",
        short_sha(newer.front()), short_sha(r.commit));
  };
  if (std::string why = downgrade(); !why.empty()) return refuse(why);
  if (std::string why = plan_refusal(p.plan); !why.empty()) return refuse(why);
  if (r.drifted > 0 && !o_.self_heal) {
    r.result = SyncResult::kDrift;
    return;
  }

  LockOptions lock_options{o_.max_parallel, o_.skip_unreachable, false, o_.lock_ttl_seconds};
  auto lock = lock_and_observe(p, lock_options);
  if (!lock.ok()) {
    r.result = result_of_error(lock.error());
    r.error = lock.error().str();
    return;
  }
  plan();  // again, under the lock: another run may have changed things since the first look
  // A sync of a newer commit may have finished between the two looks: check again.
  if (std::string why = downgrade(); !why.empty()) return refuse(why);
  t.repo.reset();  // the git cache is free again before the (possibly long) apply
  if (std::string why = plan_refusal(p.plan); !why.empty()) return refuse(why);
  ApplyOptions apply = o_.apply;
  apply.commit = r.commit;
  r.apply_exit_code =
      p.plan.has_changes() ? carry_out(p.stack, p.plan, p.fleet, p.observed, **lock, apply) : 0;
  r.result = result_of_apply(r.apply_exit_code);
  if (r.result == SyncResult::kConverged) {
    last_converged_ = r.commit;
  } else if (r.result == SyncResult::kRefused) {
    refuse(r.apply_exit_code == 6 ? "its rollout failed and was rolled back"
                                  : "its rollout failed and paused where it was");
  } else if (r.result == SyncResult::kPartial) {
    r.error = "some hosts failed; the report says what was done where";
  } else if (r.result == SyncResult::kInterrupted) {
    r.error = "the batch in progress was rolled back, the locks released";
  } else {
    r.error = "the apply failed; the report says why";
  }
}

}  // namespace berth
