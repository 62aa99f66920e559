// berth status [--json]: what runs where against what the stack asks for (cmd/status.h). Reads
// through plan's own pipeline (load, observe, place, diff) without the lock; exits 1 when a host
// could not be reached, like ps.
#include "cmd/status.h"

#include <fmt/format.h>

#include <iostream>

#include "cmd/commands.h"
#include "engine/utc_time.h"

namespace berth::cli {
namespace {

std::string joined(const std::vector<std::string>& values) {
  std::string out;
  for (const auto& v : values) out += (out.empty() ? "" : ",") + v;
  return out.empty() ? "-" : out;
}

std::string rollout_text(const ServiceStatus& s) {
  if (!s.last_rollout) return "no rollout recorded";
  const RolloutRecord& r = *s.last_rollout;
  std::string at = r.at_ms ? utc_text(r.at_ms) : "(time unknown)";
  return fmt::format("last rollout {} {}{}", r.result.empty() ? "(no result)" : r.result, at,
                     r.message.empty() ? "" : ": " + r.message);
}

std::string state_text(const ServiceStatus& s) {
  if (!s.in_stack) return "removed from the stack; " + rollout_text(s);
  if (s.pending_changes == 0) return "up to date; " + rollout_text(s);
  return fmt::format("{} change{} pending (berth plan); {}", s.pending_changes,
                     s.pending_changes == 1 ? "" : "s", rollout_text(s));
}

// "ROUTE app.test/ -> web (proxies h1,h2,h3)", then a row per replica behind it.
void render_routes(std::ostream& out, const std::vector<RouteStatus>& routes) {
  for (const RouteStatus& r : routes) {
    out << fmt::format("ROUTE {} -> {} (proxies {}{})\n", r.route, r.service, joined(r.proxies),
                       r.stale_proxies.empty() ? "" : "; apply reloads " + joined(r.stale_proxies));
    for (const UpstreamStatus& u : r.upstreams)
      out << fmt::format(
          "  {:<12} {:<8} {:<22} {:<10} {}\n", u.replica, u.host, u.dial, u.health,
          u.proxies == 0 ? std::string("proxies not asked")
                         : fmt::format("failing on {}/{} proxies", u.proxies_failing, u.proxies));
  }
}

nlohmann::json routes_json(const std::vector<RouteStatus>& routes) {
  nlohmann::json list = nlohmann::json::array();
  for (const RouteStatus& r : routes) {
    nlohmann::json ups = nlohmann::json::array();
    for (const UpstreamStatus& u : r.upstreams)
      ups.push_back({{"replica", u.replica},
                     {"host", u.host},
                     {"dial", u.dial},
                     {"health", u.health},
                     {"proxies", u.proxies},
                     {"proxies_failing", u.proxies_failing}});
    list.push_back({{"route", r.route},
                    {"service", r.service},
                    {"upstreams", ups},
                    {"proxies", r.proxies},
                    {"stale_proxies", r.stale_proxies}});
  }
  return list;
}

struct StatusFlags {
  bool json = false;
  RepoOptions repo;
};

// With --repo: the stack of the ref's commit (fetched and checked out as sync does), and each
// host row says whether it is in sync with that commit, behind it or drifted from it.
Result<Planned> planned_from_repo(const StackOptions& stack, const RepoOptions& repo,
                                  git::CommitInfo& commit, Diagnostics& diag) {
  SyncOptions o = sync_options(stack, repo);
  auto cache = git::open_cache(o.url, o.cache);
  if (!cache.ok()) return cache.error();
  auto tree = fetch_commit_tree(o, *cache);
  if (!tree.ok()) return tree.error();
  commit.sha = tree->sha;
  commit.subject = tree->subject;
  PlanRequest request = plan_request(stack);
  request.load = commit_load_options(o, tree->dir);
  auto planned = make_planned(request, diag);
  relative_to_checkout(diag, tree->root);
  return planned;
}

int run_status(const StackOptions& stack, const StatusFlags& f) {
  Diagnostics diag;
  git::CommitInfo commit;
  auto planned = f.repo.repo.empty() ? make_planned(plan_request(stack), diag)
                                     : planned_from_repo(stack, f.repo, commit, diag);
  report_diagnostics(diag);
  if (!planned.ok()) return report_error(planned.error());
  StackStatus status = stack_status(planned->stack, planned->observed, planned->plan);
  status.routes = route_status(planned->stack, planned->observed, planned->plan);
  add_proxy_view(status.routes, planned->plan, planned->observed, planned->fleet);
  if (!commit.sha.empty())
    for (ServiceStatus& s : status.services)
      for (HostServiceStatus& h : s.hosts)
        h.sync = host_sync_state(h.pending_changes, h.versions, commit.sha);
  if (f.json) {
    nlohmann::json doc = status_json(status);
    doc["routes"] = routes_json(status.routes);
    if (!commit.sha.empty()) doc["commit"] = {{"sha", commit.sha}, {"subject", commit.subject}};
    std::cout << doc.dump(2) << "\n";
  } else {
    if (!commit.sha.empty())
      std::cout << fmt::format("commit {} ({})\n", short_sha(commit.sha), commit.subject);
    render_status(std::cout, status);
  }
  return status.unreachable.empty() ? 0 : 1;
}

}  // namespace

void render_status(std::ostream& out, const StackStatus& status) {
  size_t name_width = 12, image_width = 5;  // "SERVICE/HOST", "IMAGE"
  for (const ServiceStatus& s : status.services) {
    name_width = std::max(name_width, s.service.size());
    for (const HostServiceStatus& h : s.hosts) {
      name_width = std::max(name_width, h.host.size() + 2);
      image_width = std::max(image_width, joined(h.images).size());
    }
  }
  auto row = [&](const std::string& name, auto desired, auto running, auto healthy,
                 const std::string& image, const std::string& rest) {
    std::string line = fmt::format("{:<{}}  {:>7}  {:>7}  {:>7}  {:<{}}  {}", name, name_width,
                                   desired, running, healthy, image, image_width, rest);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  };
  row("SERVICE/HOST", "DESIRED", "RUNNING", "HEALTHY", "IMAGE", "VERSION");
  for (const ServiceStatus& s : status.services) {
    row(s.service, s.desired, s.running, s.healthy, state_text(s), "");
    for (const HostServiceStatus& h : s.hosts)
      row("  " + h.host, h.desired, h.running, h.healthy, joined(h.images),
          joined(h.versions) + (h.sync.empty() ? "" : "  " + h.sync));
  }
  if (status.services.empty()) out << "The stack " << status.stack << " has no services.\n";
  render_routes(out, status.routes);
  for (const UnreachableHost& h : status.unreachable)
    out << fmt::format("unreachable: {}: {}\n", h.host, h.error);
}

nlohmann::json status_json(const StackStatus& status) {
  nlohmann::json services = nlohmann::json::array();
  for (const ServiceStatus& s : status.services) {
    nlohmann::json hosts = nlohmann::json::array();
    for (const HostServiceStatus& h : s.hosts)
      hosts.push_back({{"host", h.host},
                       {"desired", h.desired},
                       {"running", h.running},
                       {"healthy", h.healthy},
                       {"images", h.images},
                       {"versions", h.versions},
                       {"pending_changes", h.pending_changes},
                       {"sync", h.sync.empty() ? nlohmann::json() : nlohmann::json(h.sync)}});
    nlohmann::json rollout = nullptr;
    if (s.last_rollout)
      rollout = {{"result", s.last_rollout->result},
                 {"at", s.last_rollout->at_ms ? utc_text(s.last_rollout->at_ms) : ""},
                 {"message", s.last_rollout->message},
                 {"host", s.last_rollout->host}};
    services.push_back({{"service", s.service},
                        {"in_stack", s.in_stack},
                        {"desired", s.desired},
                        {"running", s.running},
                        {"healthy", s.healthy},
                        {"pending_changes", s.pending_changes},
                        {"hosts", hosts},
                        {"last_rollout", rollout}});
  }
  nlohmann::json unreachable = nlohmann::json::array();
  for (const UnreachableHost& h : status.unreachable)
    unreachable.push_back({{"host", h.host}, {"error", h.error}});
  return {{"stack", status.stack}, {"services", services}, {"unreachable", unreachable}};
}

void add_status_command(CLI::App& app, StackOptions& stack, int& exit_code) {
  auto f = std::make_shared<StatusFlags>();
  CLI::App* sub = app.add_subcommand(
      "status", "Per service: desired, running and healthy replicas per host, the last rollout");
  sub->add_flag("--json", f->json, "JSON output (docs/output.md)");
  add_repo_options(*sub, f->repo, /*required=*/false);
  sub->callback([&stack, &exit_code, f] { exit_code = run_status(stack, *f); });
}

}  // namespace berth::cli
