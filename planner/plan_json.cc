// The plan document (docs/plan-format.md): what `plan --json` prints and `--out` saves.
#include <fmt/format.h>

#include "planner/plan.h"
#include "planner/spec.h"

namespace berth {
namespace {

using nlohmann::json;

const char* kind_name(InfraChange::Kind k) {
  return k == InfraChange::Kind::kNetwork ? "network" : "volume";
}

Result<Action> parse_action(const std::string& s) {
  for (Action a :
       {Action::kCreate, Action::kUpdate, Action::kRecreate, Action::kMove, Action::kRemove})
    if (s == action_name(a)) return a;
  return Error{ErrorKind::kInput,
               {},
               "",
               "",
               fmt::format("unknown action \"{}\"", s),
               "write the plan again with `berth plan --out`"};
}

// Readers that never throw, whatever a hand-edited plan file holds.
std::string str(const json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool flag(const json& j, const char* key) {
  if (!j.is_object()) return false;
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

int number(const json& j, const char* key) {
  if (!j.is_object()) return 0;
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int>() : 0;
}

const json& list(const json& j, const char* key) {
  static const json empty = json::array();
  if (!j.is_object()) return empty;
  auto it = j.find(key);
  return it != j.end() && it->is_array() ? *it : empty;
}

}  // namespace

json plan_to_json(const Plan& plan, bool reveal_secrets) {
  json changes = json::array();
  for (const Change& c : plan.changes) {
    json fields = json::array();
    for (const FieldChange& f : c.fields) {
      bool mask = f.secret && !reveal_secrets;
      fields.push_back({{"path", f.path},
                        {"old", mask && !f.old_value.empty() ? kMasked : f.old_value},
                        {"new", mask && !f.new_value.empty() ? kMasked : f.new_value},
                        {"sensitive", f.secret}});
    }
    json j = {{"action", action_name(c.action)},
              {"service", c.service},
              {"slot", c.slot},
              {"host", c.host},
              {"container", c.container},
              {"fields", fields}};
    if (c.action == Action::kMove) j["from_host"] = c.from_host;
    if (!c.container_id.empty()) j["container_id"] = c.container_id;
    if (c.leftover) j["leftover"] = true;
    if (c.stop_first) j["stop_first"] = true;
    if (!c.ingress_ports.empty()) j["ingress_ports"] = c.ingress_ports;
    changes.push_back(j);
  }
  json resources = json::array();
  for (const InfraChange& r : plan.infra)
    resources.push_back({{"type", kind_name(r.kind)},
                         {"action", action_name(r.action)},
                         {"key", r.key},
                         {"name", r.name},
                         {"host", r.host},
                         {"id", r.id}});
  json placements = json::array();
  for (const auto& p : plan.placements)
    placements.push_back({{"service", p.service}, {"slot", p.slot}, {"host", p.host}});
  auto slots = [](const std::vector<UnplacedReplica>& list) {
    json out = json::array();
    for (const auto& u : list)
      out.push_back({{"service", u.service}, {"slot", u.slot}, {"reason", u.reason}});
    return out;
  };
  json unreachable = json::array();
  for (const auto& h : plan.unreachable)
    unreachable.push_back({{"host", h.host}, {"error", h.error}});
  json data_moves = json::array();
  for (const auto& m : plan.data_moves)
    data_moves.push_back({{"service", m.service},
                          {"slot", m.slot},
                          {"from_host", m.from_host},
                          {"host", m.host},
                          {"volumes", m.volumes}});
  json rollouts = json::array();
  for (const auto& r : plan.rollouts)
    rollouts.push_back({{"service", r.service},
                        {"replicas", r.replicas},
                        {"batch_size", r.batch_size},
                        {"batches", r.batches},
                        {"order", r.update.order},
                        {"monitor", format_duration(r.update.monitor)},
                        {"delay", format_duration(r.update.delay)},
                        {"failure_action", r.update.failure_action},
                        {"max_failure_ratio", r.update.max_failure_ratio},
                        {"stop_first_slots", r.stop_first_slots},
                        {"text", r.describe()}});
  json proxies = json::array();
  for (const auto& p : plan.ingress.proxies)
    proxies.push_back({{"host", p.host},
                       {"action", p.action},
                       {"reload", p.reload},
                       {"added", p.added},
                       {"removed", p.removed},
                       {"switched", p.switched}});
  json blockers = json::array();
  for (const auto& e : plan.blockers)
    blockers.push_back(
        {{"host", e.host}, {"service", e.service}, {"message", e.message}, {"hint", e.hint}});
  const PlanSummary& s = plan.summary;
  json summary = {{"create", s.create},
                  {"update", s.update},
                  {"recreate", s.recreate},
                  {"move", s.move},
                  {"remove", s.remove},
                  {"unchanged", s.unchanged},
                  {"networks_create", s.networks_create},
                  {"networks_remove", s.networks_remove},
                  {"volumes_create", s.volumes_create},
                  {"volumes_remove", s.volumes_remove},
                  {"proxies", s.proxies},
                  {"unplaced", plan.unplaced.size()},
                  {"unknown", plan.unknown.size()},
                  {"changes", s.total_changes()}};
  return {{"format_version", Plan::kFormatVersion},
          {"stack", plan.stack},
          {"fingerprint", plan.fingerprint},
          {"changes", changes},
          {"resources", resources},
          {"placements", placements},
          {"unplaced", slots(plan.unplaced)},
          {"unknown", slots(plan.unknown)},
          {"unreachable", unreachable},
          {"data_moves", data_moves},
          {"blockers", blockers},
          {"rollouts", rollouts},
          {"ingress", {{"proxies", proxies}}},
          {"summary", summary}};
}

Result<Plan> plan_from_json(const json& doc) {
  auto bad = [](const std::string& what) {
    return Error{ErrorKind::kInput,
                 {},
                 "",
                 "",
                 "not a berth plan: " + what,
                 "write it again with `berth plan --out FILE`"};
  };
  if (!doc.is_object() || !doc.contains("format_version")) return bad("no format_version");
  if (doc["format_version"] != Plan::kFormatVersion)
    return bad(fmt::format("format_version {} is not {}", doc["format_version"].dump(),
                           Plan::kFormatVersion));
  Plan plan;
  plan.stack = str(doc, "stack");
  plan.fingerprint = str(doc, "fingerprint");
  for (const json& c : list(doc, "changes")) {
    Change change;
    auto action = parse_action(str(c, "action"));
    if (!action.ok()) return action.error();
    change.action = *action;
    change.service = str(c, "service");
    change.slot = str(c, "slot");
    change.host = str(c, "host");
    change.from_host = str(c, "from_host");
    change.container = str(c, "container");
    change.container_id = str(c, "container_id");
    change.leftover = flag(c, "leftover");
    change.stop_first = flag(c, "stop_first");
    for (const json& f : list(c, "fields"))
      change.fields.push_back({str(f, "path"), str(f, "old"), str(f, "new"), flag(f, "sensitive")});
    plan.changes.push_back(std::move(change));
  }
  for (const json& r : list(doc, "resources")) {
    auto action = parse_action(str(r, "action"));
    if (!action.ok()) return action.error();
    InfraChange::Kind kind =
        str(r, "type") == "volume" ? InfraChange::Kind::kVolume : InfraChange::Kind::kNetwork;
    plan.infra.push_back(
        {kind, *action, str(r, "key"), str(r, "name"), str(r, "host"), str(r, "id")});
  }
  for (const json& p : list(doc, "placements"))
    plan.placements.push_back({str(p, "service"), str(p, "slot"), str(p, "host")});
  for (const json& u : list(doc, "unplaced"))
    plan.unplaced.push_back({str(u, "service"), str(u, "slot"), str(u, "reason")});
  for (const json& u : list(doc, "unknown"))
    plan.unknown.push_back({str(u, "service"), str(u, "slot"), str(u, "reason")});
  for (const json& h : list(doc, "unreachable"))
    plan.unreachable.push_back({str(h, "host"), str(h, "error")});
  for (const json& m : list(doc, "data_moves")) {
    DataMove move{str(m, "service"), str(m, "slot"), str(m, "from_host"), str(m, "host"), {}};
    for (const json& v : list(m, "volumes"))
      if (v.is_string()) move.volumes.push_back(v.get<std::string>());
    plan.data_moves.push_back(std::move(move));
  }
  const json s = doc.contains("summary") ? doc["summary"] : json::object();
  PlanSummary& sum = plan.summary;
  sum.create = number(s, "create");
  sum.update = number(s, "update");
  sum.recreate = number(s, "recreate");
  sum.move = number(s, "move");
  sum.remove = number(s, "remove");
  sum.unchanged = number(s, "unchanged");
  sum.networks_create = number(s, "networks_create");
  sum.networks_remove = number(s, "networks_remove");
  sum.volumes_create = number(s, "volumes_create");
  sum.volumes_remove = number(s, "volumes_remove");
  return plan;
}

}  // namespace berth
