// berth sync --repo URL: converge the fleet to a Git commit, once or --watch (docs/sync.md).
// The cycle is engine/sync.h; this file parses the flags, renders each cycle (one summary line,
// or one JSON object with --json) and carries out plans with the same rendering as apply.
#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cmd/carry_out.h"
#include "cmd/commands.h"
#include "cmd/plan_common.h"
#include "cmd/render.h"
#include "engine/load/scalars.h"
#include "engine/sync.h"
#include "engine/sync_http.h"
#include "engine/utc_time.h"

namespace berth::cli {
namespace {

struct SyncFlags {
  RepoOptions repo;
  bool yes = false, json = false;
  bool allow_downgrade = false, prune = false, no_self_heal = false, skip_unreachable = false;
  bool verify_signatures = false;
  std::string allowed_signers, gnupg_home;
  int health_timeout = 120;
  bool watch = false;
  std::string interval = "30s";
  std::string listen, hook_secret_file;
};

SyncOptions options_of(const StackOptions& stack, const SyncFlags& f) {
  SyncOptions o = sync_options(stack, f.repo);
  o.verify_signatures = f.verify_signatures;
  o.verify.allowed_signers = f.allowed_signers;
  o.verify.gnupg_home = f.gnupg_home;
  o.allow_downgrade = f.allow_downgrade;
  o.prune = f.prune;
  o.self_heal = !f.no_self_heal;
  o.skip_unreachable = f.skip_unreachable;
  o.apply.health_timeout = static_cast<Nanos>(f.health_timeout) * 1'000'000'000;
  return o;
}

nlohmann::json cycle_json(const CycleReport& r) {
  nlohmann::json j = {{"event", "sync"},
                      {"time", utc_text(r.started_ms, true)},
                      {"commit", r.commit},
                      {"subject", r.subject},
                      {"result", sync_result_name(r.result)},
                      {"changes", r.changes},
                      {"drifted", r.drifted},
                      {"duration_ms", r.duration_ms},
                      {"kept_services", r.kept_services},
                      {"exit_code", sync_exit_code(r.result)}};
  j["error"] = r.error.empty() ? nlohmann::json() : nlohmann::json(r.error);
  return j;
}

// The cycle's line on stdout; its diagnostics and kept services on stderr.
void render_cycle(const CycleReport& r, bool json) {
  report_diagnostics(r.diag);
  if (!r.kept_services.empty())
    std::cerr << fmt::format(
        "note: left running (no longer in the commit; --prune removes "
        "them): {}\n",
        fmt::join(r.kept_services, ", "));
  if (json)
    std::cout << cycle_json(r).dump() << "\n";
  else
    std::cout << r.summary() << "\n";
  std::cout.flush();
}

// Applies like `berth apply --yes`: the plan, live events and the report (stderr in watch
// mode, so that stdout holds one line per cycle).
CarryOutFn carry_out_fn(const SyncFlags& f, const StackOptions& stack) {
  return [&f, &stack](const Stack& st, const Plan& plan, Fleet& fleet, const Observed& observed,
                      StackLock& lock, const ApplyOptions& options) {
    bool events_json = f.json && !f.watch;
    std::ostream& out = f.watch ? std::cerr : std::cout;
    if (!events_json) render_plan(out, plan, observed);
    CarryOut how{events_json, stack.no_color, options, &out};
    return carry_out_plan(st, plan, fleet, observed, lock, how);
  };
}

Result<int64_t> interval_ms(const std::string& text) {
  auto d = load::parse_duration(text);
  if (!d || *d < 1'000'000'000LL)
    return Error{ErrorKind::kUsage,
                 {},
                 "",
                 "",
                 fmt::format("--interval '{}' is not a duration of at least 1s", text),
                 "give a Go duration such as 30s, 2m or 1h"};
  return *d / 1'000'000;
}

int run_sync(const StackOptions& stack, const SyncFlags& f) {
  if (f.verify_signatures && f.allowed_signers.empty() && f.gnupg_home.empty())
    return report_error(Error{ErrorKind::kUsage,
                              {},
                              "",
                              "",
                              "--verify-signatures needs the keys to trust",
                              "give --allowed-signers FILE (SSH) or --gnupg-home DIR (OpenPGP)"});
  if (!f.listen.empty() && !f.watch)
    return report_error(Error{ErrorKind::kUsage,
                              {},
                              "",
                              "",
                              "--listen needs --watch",
                              "run `berth sync --watch --listen ADDR ...`"});
  Syncer syncer(options_of(stack, f));
  CarryOutFn carry = carry_out_fn(f, stack);
  if (!f.watch) {
    CycleReport r = syncer.cycle(carry);
    render_cycle(r, f.json);
    return sync_exit_code(r.result);
  }
  auto interval = interval_ms(f.interval);
  if (!interval.ok()) return report_error(interval.error());
  SyncTrigger trigger;
  SyncStatus status;
  std::unique_ptr<SyncServer> server;
  if (!f.listen.empty()) {
    auto started = start_sync_server(f.listen, f.hook_secret_file, trigger, status);
    if (!started.ok()) return report_error(started.error());
    server = std::move(started).value();
    std::cerr << fmt::format("sync: listening on {} (POST /hook, GET /metrics, GET /healthz)\n",
                             server->address());
  }
  WatchOptions w;
  w.interval_ms = *interval;
  w.interrupted = interrupted;
  w.trigger = &trigger;
  w.on_cycle = [&](const CycleReport& r) {
    status.record(r);
    render_cycle(r, f.json);
  };
  return watch(syncer, carry, w);
}

}  // namespace

void add_sync_command(CLI::App& app, StackOptions& stack, int& exit_code) {
  auto f = std::make_shared<SyncFlags>();
  CLI::App* sub = app.add_subcommand("sync", "Converge the hosts to a Git commit (GitOps)");
  add_repo_options(*sub, f->repo, /*required=*/true);
  sub->add_flag("-y,--yes", f->yes, "Accepted for symmetry: sync never asks");
  sub->add_flag("--json", f->json,
                "One JSON object per cycle on stdout (one-shot: the apply events too)");
  sub->add_flag("--allow-downgrade", f->allow_downgrade,
                "Apply a commit older than the one deployed");
  sub->add_flag("--prune", f->prune, "Remove services that are no longer in the commit");
  sub->add_flag("--no-self-heal", f->no_self_heal,
                "Report drift of the deployed commit instead of restoring it");
  sub->add_flag(
      "--self-heal", [f](int64_t) { f->no_self_heal = false; }, "Restore drift (the default)");
  sub->add_flag("--verify-signatures", f->verify_signatures,
                "Refuse commits not signed by a trusted key");
  sub->add_option("--allowed-signers", f->allowed_signers,
                  "OpenSSH allowed_signers file for SSH-signed commits")
      ->type_name("FILE");
  sub->add_option("--gnupg-home", f->gnupg_home, "GnuPG home for OpenPGP-signed commits")
      ->type_name("DIR");
  add_rollout_flags(*sub, f->skip_unreachable, f->health_timeout);
  sub->add_flag("--watch", f->watch, "Keep converging, one cycle per --interval");
  sub->add_option("--interval", f->interval, "Time between watch cycles (default 30s)");
  sub->add_option("--listen", f->listen,
                  "With --watch: serve POST /hook, GET /metrics, GET /healthz on ADDR")
      ->type_name("HOST:PORT");
  sub->add_option("--hook-secret-file", f->hook_secret_file,
                  "The webhook's shared secret (GitHub, Gitea, GitLab)")
      ->type_name("FILE");
  sub->callback([&stack, &exit_code, f] { exit_code = run_sync(stack, *f); });
}

}  // namespace berth::cli
