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
  for (Action a : {Action::kCreate, Action::kUpdate, Action::kRecreate, Action::kMove,
                   Action::kRemove})
    if (s == action_name(a)) return a;
  return Error{ErrorKind::kInput, {}, "", "", fmt::format("unknown action \"{}\"", s),
               "write the plan again with `berth plan --out`"};
}

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
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
    json j = {{"action", action_name(c.action)}, {"service", c.service}, {"slot", c.slot},
              {"host", c.host},  {"container", c.container}, {"fields", fields}};
    if (c.action == Action::kMove) j["from_host"] = c.from_host;
    if (!c.container_id.empty()) j["container_id"] = c.container_id;
    changes.push_back(j);
  }
  json resources = json::array();
  for (const InfraChange& r : plan.infra)
    resources.push_back({{"type", kind_name(r.kind)}, {"action", action_name(r.action)},
                         {"key", r.key}, {"name", r.name}, {"host", r.host}, {"id", r.id}});
  json placements = json::array();
  for (const auto& p : plan.placements)
    placements.push_back({{"service", p.service}, {"slot", p.slot}, {"host", p.host}});
  json unplaced = json::array();
  for (const auto& u : plan.unplaced)
    unplaced.push_back({{"service", u.service}, {"slot", u.slot}, {"reason", u.reason}});
  const PlanSummary& s = plan.summary;
  json summary = {{"create", s.create}, {"update", s.update}, {"recreate", s.recreate},
                  {"move", s.move}, {"remove", s.remove}, {"unchanged", s.unchanged},
                  {"networks_create", s.networks_create}, {"networks_remove", s.networks_remove},
                  {"volumes_create", s.volumes_create}, {"volumes_remove", s.volumes_remove},
                  {"unplaced", plan.unplaced.size()}, {"changes", s.total_changes()}};
  return {{"format_version", Plan::kFormatVersion},
          {"stack", plan.stack},
          {"fingerprint", plan.fingerprint},
          {"changes", changes},
          {"resources", resources},
          {"placements", placements},
          {"unplaced", unplaced},
          {"summary", summary}};
}

Result<Plan> plan_from_json(const json& doc) {
  auto bad = [](const std::string& what) {
    return Error{ErrorKind::kInput, {}, "", "", "not a berth plan: " + what,
                 "write it again with `berth plan --out FILE`"};
  };
  if (!doc.is_object() || !doc.contains("format_version")) return bad("no format_version");
  if (doc["format_version"] != Plan::kFormatVersion)
    return bad(fmt::format("format_version {} is not {}", doc["format_version"].dump(),
                           Plan::kFormatVersion));
  Plan plan;
  plan.stack = str(doc, "stack");
  plan.fingerprint = str(doc, "fingerprint");
  for (const json& c : doc.value("changes", json::array())) {
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
    for (const json& f : c.value("fields", json::array()))
      change.fields.push_back({str(f, "path"), str(f, "old"), str(f, "new"),
                               f.value("sensitive", false)});
    plan.changes.push_back(std::move(change));
  }
  for (const json& r : doc.value("resources", json::array())) {
    auto action = parse_action(str(r, "action"));
    if (!action.ok()) return action.error();
    InfraChange::Kind kind =
        str(r, "type") == "volume" ? InfraChange::Kind::kVolume : InfraChange::Kind::kNetwork;
    plan.infra.push_back({kind, *action, str(r, "key"), str(r, "name"), str(r, "host"),
                          str(r, "id")});
  }
  for (const json& p : doc.value("placements", json::array()))
    plan.placements.push_back({str(p, "service"), str(p, "slot"), str(p, "host")});
  for (const json& u : doc.value("unplaced", json::array()))
    plan.unplaced.push_back({str(u, "service"), str(u, "slot"), str(u, "reason")});
  const json s = doc.value("summary", json::object());
  PlanSummary& sum = plan.summary;
  sum.create = s.value("create", 0);
  sum.update = s.value("update", 0);
  sum.recreate = s.value("recreate", 0);
  sum.move = s.value("move", 0);
  sum.remove = s.value("remove", 0);
  sum.unchanged = s.value("unchanged", 0);
  sum.networks_create = s.value("networks_create", 0);
  sum.networks_remove = s.value("networks_remove", 0);
  sum.volumes_create = s.value("volumes_create", 0);
  sum.volumes_remove = s.value("volumes_remove", 0);
  return plan;
}

}  // namespace berth
