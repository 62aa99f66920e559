#include "cmd/render.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace berth::cli {
namespace {

const char* symbol(Action a) {
  switch (a) {
    case Action::kCreate: return "+";
    case Action::kUpdate: return "~";
    case Action::kRecreate: return "-/+";
    case Action::kMove: return ">";
    case Action::kRemove: return "-";
  }
  return "?";
}

const char* verb(Action a) {
  switch (a) {
    case Action::kCreate: return "create";
    case Action::kUpdate: return "update in place";
    case Action::kRecreate: return "recreate";
    case Action::kMove: return "move";
    case Action::kRemove: return "remove";
  }
  return "?";
}

std::string shown(const FieldChange& f, const std::string& value) {
  if (f.secret && !value.empty()) return "(sensitive)";
  return value.empty() ? "(none)" : value;
}

void render_change(std::ostream& out, const Change& c) {
  out << fmt::format("    {:>3} {} {}", symbol(c.action), verb(c.action), c.container);
  if (c.action == Action::kMove) out << fmt::format(" (from {})", c.from_host);
  for (size_t k = 0; k < c.ingress_ports.size(); ++k)
    out << fmt::format("{}{}", k == 0 ? " (ingress port " : ", ", c.ingress_ports[k])
        << (k + 1 == c.ingress_ports.size() ? ")" : "");
  out << "\n";
  for (const FieldChange& f : c.fields)
    out << fmt::format("          {}: {} -> {}\n", f.path, shown(f, f.old_value),
                       shown(f, f.new_value));
}

// "~ ingress h2: +web-4, -web-1, ~web-2" per proxy that changes; a new proxy says so first.
void render_proxies(std::ostream& out, const IngressPlan& ingress) {
  for (const ProxyChange& p : ingress.proxies) {
    if (!p.reload) continue;
    std::string list;
    auto add = [&](const std::vector<std::string>& names, const char* sign) {
      for (const auto& n : names) list += (list.empty() ? "" : ", ") + std::string(sign) + n;
    };
    add(p.added, "+");
    add(p.removed, "-");
    add(p.switched, "~");
    if (!p.action.empty())
      out << fmt::format("{} ingress {}: proxy {} ({}, ports {}/{})\n",
                         p.action == "create" ? "+" : "-/+", p.host, kProxyContainer,
                         ingress.settings.image, ingress.settings.http_port,
                         ingress.settings.https_port);
    out << fmt::format("~ ingress {}: {}\n", p.host, list.empty() ? "configuration" : list);
  }
}

}  // namespace

std::string summary_line(const Plan& plan) {
  const PlanSummary& s = plan.summary;
  std::string line = fmt::format(
      "Plan: {} to create, {} to update, {} to recreate, {} to move, {} to remove, {} unchanged",
      s.create, s.update, s.recreate, s.move, s.remove, s.unchanged);
  int infra = s.networks_create + s.networks_remove + s.volumes_create + s.volumes_remove;
  if (infra > 0)
    line += fmt::format("; networks +{} -{}, volumes +{} -{}", s.networks_create, s.networks_remove,
                        s.volumes_create, s.volumes_remove);
  if (s.proxies > 0)
    line += fmt::format("; {} ingress prox{}", s.proxies, s.proxies == 1 ? "y" : "ies");
  if (!plan.unplaced.empty()) line += fmt::format("; {} unplaced", plan.unplaced.size());
  return line + ".";
}

void render_plan(std::ostream& out, const Plan& plan, const Observed& observed) {
  // Group by host, then service, keeping the plan's (sorted) order.
  std::map<std::string, std::map<std::string, std::vector<const Change*>>> by_host;
  for (const Change& c : plan.changes) by_host[c.host][c.service].push_back(&c);
  std::map<std::string, std::vector<const InfraChange*>> infra;
  for (const InfraChange& r : plan.infra) infra[r.host].push_back(&r);
  for (const ObservedHost& h : observed.hosts) {
    if (!by_host.count(h.name) && !infra.count(h.name)) continue;
    out << fmt::format("host {}\n", h.name);
    for (const InfraChange* r : infra[h.name]) {
      out << fmt::format("    {:>3} {} {} {}\n", symbol(r->action), verb(r->action),
                         r->kind == InfraChange::Kind::kNetwork ? "network" : "volume", r->name);
    }
    for (const auto& [service, changes] : by_host[h.name]) {
      out << fmt::format("  {}\n", service);
      for (const Change* c : changes) render_change(out, *c);
    }
  }
  if (!plan.unplaced.empty()) {
    out << "cannot place:\n";
    for (const auto& u : plan.unplaced)
      out << fmt::format("  {} slot {}: {}\n", u.service, u.slot, u.reason);
  }
  if (!plan.unknown.empty()) {
    out << "left alone (unknown: a host could not be observed):\n";
    for (const auto& u : plan.unknown)
      out << fmt::format("  {} slot {}: {}\n", u.service, u.slot, u.reason);
  }
  for (const UnreachableHost& h : plan.unreachable)
    out << fmt::format("unreachable: {}\n", h.error);
  for (const DataMove& m : plan.data_moves) {
    std::string volumes;
    for (const auto& v : m.volumes) volumes += (volumes.empty() ? "" : ", ") + v;
    out << fmt::format(
        "warning: {} slot {} moves from {} to {}; the data in volume{} {} stays on {} (berth "
        "does not copy volumes): the new replica starts with what {} has\n",
        m.service, m.slot, m.from_host, m.host, m.volumes.size() == 1 ? "" : "s", volumes,
        m.from_host, m.host);
  }
  for (const RolloutPlan& r : plan.rollouts) out << "rollout " << r.describe() << "\n";
  render_proxies(out, plan.ingress);
  if (!plan.has_changes() && plan.unplaced.empty() && plan.unreachable.empty() &&
      plan.blockers.empty())
    out << "No changes. The hosts match the stack.\n";
  out << summary_line(plan) << "\n";
}

std::string apply_summary_line(const ApplyReport& report) {
  if (!report.ok() && report.changes_done() == 0) return "Apply failed: nothing was changed.";
  const int hosts = report.hosts_changed();
  return fmt::format("Apply {}: {} change{} done on {} host{}.",
                     report.ok() ? "complete" : "incomplete", report.changes_done(),
                     report.changes_done() == 1 ? "" : "s", hosts, hosts == 1 ? "" : "s");
}

void render_apply_report(std::ostream& out, const ApplyReport& report) {
  for (const HostReport& h : report.hosts) {
    const char* status = h.unreachable      ? "SKIPPED, unreachable"
                         : h.errors.empty() ? "ok"
                                            : "FAILED";
    out << fmt::format("host {}: {} ({} done)\n", h.host, status, h.done.size());
    for (const auto& e : h.errors) out << fmt::format("  error: {}\n", e.str());
  }
  for (const auto& r : report.rollouts)
    if (r.result != "completed" || !r.message.empty())
      out << fmt::format("rollout of {}: {}{}\n", r.service, r.result,
                         r.message.empty() ? "" : " (" + r.message + ")");
  for (const auto& n : report.notes) out << "note: " << n << "\n";
  for (const auto& e : report.errors) out << "error: " << e.str() << "\n";
  if (report.interrupted)
    out << "Interrupted: the steps above were done, the replacement in progress was rolled "
           "back and the locks released; run apply again to converge.\n";
  out << apply_summary_line(report) << "\n";
}

namespace {
nlohmann::json located(const std::string& text, const SourceLocation& at,
                       const std::map<std::string, std::string>& fields) {
  nlohmann::json j = {{"text", text}};
  if (at.known()) j["file"] = at.file;
  if (at.line > 0) j["line"] = at.line;
  if (at.column > 0) j["column"] = at.column;
  for (const auto& [key, value] : fields)
    if (!value.empty()) j[key] = value;
  return j;
}
}  // namespace

nlohmann::json error_json(const Error& e) {
  return located(
      e.str(), e.location,
      {{"host", e.host}, {"service", e.service}, {"message", e.message}, {"hint", e.hint}});
}

nlohmann::json warning_json(const Warning& w) {
  return located(w.str(), w.location, {{"service", w.service}, {"message", w.message}});
}

nlohmann::json apply_report_json(const ApplyReport& report) {
  nlohmann::json hosts = nlohmann::json::array();
  for (const HostReport& h : report.hosts) {
    nlohmann::json errors = nlohmann::json::array();
    for (const auto& e : h.errors) errors.push_back(e.str());
    hosts.push_back(
        {{"host", h.host}, {"ok", h.errors.empty()}, {"done", h.done}, {"errors", errors}});
  }
  nlohmann::json errors = nlohmann::json::array();
  for (const auto& e : report.errors) errors.push_back(e.str());
  nlohmann::json rollouts = nlohmann::json::array();
  for (const auto& r : report.rollouts)
    rollouts.push_back({{"service", r.service},
                        {"result", r.result},
                        {"message", r.message},
                        {"replicas", r.replicas},
                        {"failed", r.failed}});
  return {{"ok", report.ok()}, {"interrupted", report.interrupted},
          {"hosts", hosts},    {"notes", report.notes},
          {"errors", errors},  {"rollouts", rollouts}};
}

}  // namespace berth::cli
