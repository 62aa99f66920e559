#include "engine/apply.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include "engine/apply_run.h"
#include "engine/container_request.h"
#include "engine/deliver_files.h"
#include "engine/parallel.h"

namespace berth {

bool ApplyReport::ok() const {
  if (interrupted || !errors.empty()) return false;
  for (const auto& r : rollouts)
    if (r.result != "completed") return false;
  for (const auto& h : hosts)
    if (!h.errors.empty()) return false;
  return true;
}

int ApplyReport::changes_done() const {
  int n = 0;
  for (const auto& h : hosts) n += static_cast<int>(h.done.size());
  return n;
}

int ApplyReport::hosts_changed() const {
  int n = 0;
  for (const auto& h : hosts) n += h.done.empty() ? 0 : 1;
  return n;
}

ApplyRun::ApplyRun(const Stack& s, const Plan& p, Fleet& f, const ApplyOptions& o, Progress& pr)
    : stack(s), plan(p), fleet(f), options(o), progress(pr), ingress(s, p, f, o.max_parallel) {
  reports.resize(f.size());
  failed.assign(f.size(), 0);
  for (size_t i = 0; i < f.size(); ++i) reports[i].host = f.inventory.hosts[i].name;
}

bool ApplyRun::host_failed(const std::string& host) {
  std::lock_guard<std::mutex> guard(mu);
  return failed[host_index(host)] != 0;
}

void ApplyRun::fail(const std::string& host, Error e) {
  int i = host_index(host);
  if (e.host.empty()) e.host = host;
  Event ev;
  ev.kind = EventKind::kHostFailed;
  ev.host = host;
  ev.service = e.service;
  ev.message = "failed: " + e.message;
  emit(ev);
  std::lock_guard<std::mutex> guard(mu);
  failed[i] = 1;
  reports[i].errors.push_back(std::move(e));
}

void ApplyRun::check(const Status& st) {
  if (st.ok()) return;
  std::lock_guard<std::mutex> guard(mu);
  errors.push_back(st.error());
}

void ApplyRun::outcome(RolloutOutcome o) {
  std::lock_guard<std::mutex> guard(mu);
  rollouts.push_back(std::move(o));
}

void ApplyRun::done(const std::string& host, const std::string& service, const std::string& text) {
  progress.step(host, service, text);
  std::lock_guard<std::mutex> guard(mu);
  reports[host_index(host)].done.push_back(text);
}

namespace {

std::vector<size_t> touched_hosts(const Plan& plan, const Fleet& fleet) {
  std::set<size_t> hosts;
  auto add = [&](const std::string& h) {
    if (int i = fleet.index_of(h); i >= 0) hosts.insert(static_cast<size_t>(i));
  };
  for (const auto& c : plan.changes) {
    add(c.host);
    if (!c.from_host.empty()) add(c.from_host);
  }
  for (const auto& r : plan.infra) add(r.host);
  for (const auto& p : plan.ingress.proxies)
    if (p.reload) add(p.host);
  return {hosts.begin(), hosts.end()};
}

// Services in depends_on order: level 0 has no dependencies, level k depends on < k.
std::vector<std::vector<std::string>> dependency_levels(const Stack& stack) {
  std::map<std::string, int> level;
  std::function<int(const Service&, int)> depth = [&](const Service& s, int guard) -> int {
    if (auto it = level.find(s.name); it != level.end()) return it->second;
    int d = 0;
    for (const auto& dep : s.depends_on)
      if (const Service* t = stack.find_service(dep.service); t && guard < 1000)
        d = std::max(d, depth(*t, guard + 1) + 1);
    return level[s.name] = d;
  };
  std::vector<std::vector<std::string>> levels;
  for (const auto& s : stack.services) {
    size_t d = static_cast<size_t>(depth(s, 0));
    if (levels.size() <= d) levels.resize(d + 1);
    levels[d].push_back(s.name);
  }
  return levels;
}

void run_changes(ApplyRun& run, const std::vector<const Change*>& changes, int parallel) {
  run.check(parallel_for(changes.size(), parallel, [&](size_t k) {
    const Change& c = *changes[k];
    if (run.stop_requested() || run.host_failed(c.host)) return;
    if (!c.from_host.empty() && run.host_failed(c.from_host)) return;
    Status st = run_change(run, c);
    if (!st.ok()) run.fail(st.error().host.empty() ? c.host : st.error().host, st.error());
  }));
}

// Removals of the plan, leftovers (of runs that stopped half-way) or the others.
std::vector<const Change*> removals(const Plan& plan, bool leftover) {
  std::vector<const Change*> out;
  for (const Change& c : plan.changes)
    if (c.action == Action::kRemove && c.leftover == leftover) out.push_back(&c);
  return out;
}

// One service: waits for its dependencies, then creates/updates at once and replaces in
// batches of update_config.parallelism.
void apply_service(ApplyRun& run, const Service& s) {
  std::vector<const Change*> direct, rolling;
  for (const Change& c : run.plan.changes) {
    if (c.service != s.name || c.action == Action::kRemove) continue;
    bool replaces = c.action == Action::kRecreate || c.action == Action::kMove;
    (replaces ? rolling : direct).push_back(&c);
  }
  for (const Dependency& dep : s.depends_on) {
    if (direct.empty() && rolling.empty()) break;
    Status st = wait_for_service(run, dep.service, dep.condition);
    if (!st.ok()) {
      Error e = st.error();
      e.service = s.name;
      for (const Change* c : direct) run.fail(c->host, e);
      for (const Change* c : rolling) run.fail(c->host, e);
      return;
    }
  }
  run_changes(run, direct, run.options.max_parallel);
  route_created(run, s, direct);
  if (!rolling.empty() && !run.stop_requested()) roll_service(run, s, rolling);
}

// apply --wait: every placed replica healthy (or running, with no health check), all within
// wait_timeout.
bool wait_all_healthy(ApplyRun& run) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::nanoseconds(run.options.wait_timeout);
  for (const Service& s : run.stack.services) {
    Nanos left = std::chrono::duration_cast<std::chrono::nanoseconds>(
                     deadline - std::chrono::steady_clock::now())
                     .count();
    Status st = wait_for_service(run, s.name, "eventually_healthy", std::max<Nanos>(left, 1));
    if (!st.ok()) {
      if (st.error().kind != ErrorKind::kInterrupted)
        run.check(Error{ErrorKind::kHost,
                        {},
                        st.error().host,
                        s.name,
                        "--wait: " + st.error().message,
                        st.error().hint});
      return false;
    }
  }
  return true;
}

}  // namespace

ApplyReport apply_plan(const Stack& stack, const Plan& plan, Fleet& fleet,
                       const ApplyOptions& options, Progress& progress) {
  std::vector<size_t> hosts = touched_hosts(plan, fleet);
  ApplyRun run(stack, plan, fleet, options, progress);
  // The project's files must still be what was planned, or nothing is touched.
  if (Status files = verify_files(stack); !files.ok()) {
    ApplyReport report;
    report.errors.push_back(files.error());
    return report;
  }
  // Images first: a pull or build that fails then leaves the hosts exactly as they were.
  prepare_images(run, hosts);
  create_infra(run, hosts);
  prepare_proxies(run);
  run_changes(run, removals(plan, /*leftover=*/true), options.max_parallel);
  for (const auto& level : dependency_levels(stack)) {
    if (run.stop_requested()) break;
    run.check(parallel_for(level.size(), options.max_parallel, [&](size_t k) {
      if (!run.stop_requested()) apply_service(run, *stack.find_service(level[k]));
    }));
  }
  run_changes(run, removals(plan, /*leftover=*/false), options.max_parallel);
  if (Status st = run.ingress.finish(); !st.ok()) run.fail(st.error().host, st.error());
  if (!run.stop_requested()) remove_unused_infra(run);

  ApplyReport report;
  if (options.wait && !run.stop_requested()) report.wait_timed_out = !wait_all_healthy(run);
  report.interrupted = run.stop_requested();
  report.errors = std::move(run.errors);
  report.rollouts = std::move(run.rollouts);
  for (size_t i : hosts) report.hosts.push_back(std::move(run.reports[i]));
  return report;
}

}  // namespace berth
