// deploy: (Compose Deploy specification) and the placement syntax Swarm users write.
#include <fmt/format.h>

#include "engine/load/normalize.h"
#include "engine/load/scalars.h"

namespace berth::load {
namespace {

void read_resources(Context& c, const Node& n, const std::string& key, Resources& out) {
  if (!check_map(c, n, key)) return;
  check_keys(c, n, {{"cpus", "memory", "pids"}, {"devices", "generic_resources"}}, key);
  if (const Node* v = n.find("cpus")) out.nano_cpus = as_cpus(c, *v, key + ".cpus").value_or(0);
  if (const Node* v = n.find("memory")) out.memory = as_bytes(c, *v, key + ".memory").value_or(0);
  if (const Node* v = n.find("pids")) out.pids = as_int(c, *v, key + ".pids").value_or(0);
}

void read_update(Context& c, const Node& n, const std::string& key, UpdateConfig& u) {
  if (!check_map(c, n, key)) return;
  check_keys(c, n, {{"parallelism", "delay", "failure_action", "monitor", "max_failure_ratio",
                     "order"}, {}}, key);
  if (const Node* v = n.find("parallelism"))
    u.parallelism = static_cast<int>(as_int(c, *v, "parallelism").value_or(1));
  if (const Node* v = n.find("delay")) u.delay = as_duration(c, *v, "delay").value_or(0);
  if (const Node* v = n.find("monitor")) u.monitor = as_duration(c, *v, "monitor").value_or(0);
  if (const Node* v = n.find("max_failure_ratio"))
    u.max_failure_ratio = std::atof(as_string(c, *v, "max_failure_ratio").value_or("0").c_str());
  if (const Node* v = n.find("failure_action")) {
    u.failure_action = as_string(c, *v, "failure_action").value_or("pause");
    if (u.failure_action != "pause" && u.failure_action != "continue" &&
        u.failure_action != "rollback")
      fail(c, v->location, fmt::format("unknown failure_action '{}'", u.failure_action),
           "use pause, continue or rollback");
  }
  if (const Node* v = n.find("order")) {
    u.order = as_string(c, *v, "order").value_or("stop-first");
    if (u.order != "stop-first" && u.order != "start-first")
      fail(c, v->location, fmt::format("unknown order '{}'", u.order),
           "use stop-first or start-first");
  }
}

void read_constraint(Context& c, const Node& item, PlacementSpec& p) {
  auto text = as_string(c, item, "constraints");
  if (!text) return;
  Constraint con;
  con.location = item.location;
  size_t op = text->find("==");
  con.equal = op != std::string::npos;
  if (!con.equal) op = text->find("!=");
  auto trim = [](std::string s) {
    s.erase(0, s.find_first_not_of(' '));
    s.erase(s.find_last_not_of(' ') + 1);
    return s;
  };
  if (op != std::string::npos) {
    con.key = trim(text->substr(0, op));
    con.value = trim(text->substr(op + 2));
  }
  bool key_ok = con.key == "node.hostname" || con.key == "node.role" || con.key == "node.id" ||
                (con.key.rfind("node.labels.", 0) == 0 && con.key.size() > 12);
  if (op == std::string::npos || !key_ok || con.value.empty()) {
    fail(c, item.location, fmt::format("bad placement constraint '{}'", *text),
         "write node.hostname==NAME, node.role==manager or node.labels.KEY==VALUE (or !=)");
    return;
  }
  p.constraints.push_back(con);
}

void read_placement(Context& c, const Node& n, PlacementSpec& p) {
  if (!check_map(c, n, "placement")) return;
  check_keys(c, n, {{"constraints", "preferences", "max_replicas_per_node"}, {}}, "placement");
  if (const Node* list = n.find("constraints")) {
    if (!list->is_seq()) fail(c, list->location, "'constraints' must be a list");
    else for (const Node& item : list->items) read_constraint(c, item, p);
  }
  if (const Node* prefs = n.find("preferences")) {
    for (const Node& item : prefs->is_seq() ? prefs->items : std::vector<Node>{}) {
      const Node* spread = item.is_map() ? item.find("spread") : nullptr;
      auto key = spread ? as_string(c, *spread, "spread") : std::nullopt;
      if (!key || key->rfind("node.", 0) != 0)
        fail(c, item.location, "a placement preference must be `spread: node.labels.KEY`");
      else p.spread.push_back(*key);
    }
  }
  if (const Node* m = n.find("max_replicas_per_node")) {
    auto v = as_int(c, *m, "max_replicas_per_node");
    if (v && *v < 0) fail(c, m->location, "max_replicas_per_node cannot be negative");
    else p.max_replicas_per_node = static_cast<int>(v.value_or(0));
  }
}

}  // namespace

void normalize_deploy(Context& c, const Node& n, Service& s) {
  if (!check_map(c, n, "deploy")) return;
  check_keys(c, n, {{"mode", "replicas", "resources", "placement", "update_config",
                     "rollback_config", "restart_policy", "labels"},
                    {"endpoint_mode"}}, "deploy");
  if (const Node* m = n.find("mode")) {
    std::string mode = as_string(c, *m, "mode").value_or("replicated");
    if (mode == "global") s.mode = ServiceMode::kGlobal;
    else if (mode != "replicated")
      fail(c, m->location, fmt::format("unknown deploy mode '{}'", mode),
           "use replicated or global");
  }
  if (const Node* r = n.find("replicas")) {
    auto v = as_int(c, *r, "replicas");
    if (v && (*v < 0 || *v > 1'000'000))
      fail(c, r->location, fmt::format("replicas must be between 0 and 1000000, got {}", *v));
    else if (v) s.replicas = static_cast<int>(*v);
    if (s.mode == ServiceMode::kGlobal)
      fail(c, r->location, "replicas cannot be set with mode: global",
           "remove replicas (a global service runs once per eligible host)");
  }
  if (const Node* res = n.find("resources"); res && check_map(c, *res, "resources")) {
    check_keys(c, *res, {{"limits", "reservations"}, {}}, "resources");
    if (const Node* l = res->find("limits")) read_resources(c, *l, "limits", s.spec.limits);
    if (const Node* r = res->find("reservations"))
      read_resources(c, *r, "reservations", s.reservations);
  }
  if (const Node* p = n.find("placement")) read_placement(c, *p, s.placement);
  if (const Node* u = n.find("update_config")) read_update(c, *u, "update_config", s.update_config);
  if (const Node* u = n.find("rollback_config"))
    read_update(c, *u, "rollback_config", s.rollback_config);
  if (const Node* l = n.find("labels"))
    for (auto& [k, v] : as_map(c, *l, "deploy.labels")) s.spec.labels[k] = v.value_or("");
  if (const Node* rp = n.find("restart_policy"); rp && check_map(c, *rp, "restart_policy")) {
    check_keys(c, *rp, {{"condition", "max_attempts"}, {"delay", "window"}}, "restart_policy");
    std::string cond = "any";
    if (const Node* v = rp->find("condition")) cond = as_string(c, *v, "condition").value_or("any");
    int64_t max = 0;
    if (const Node* v = rp->find("max_attempts")) max = as_int(c, *v, "max_attempts").value_or(0);
    if (cond == "none") s.spec.restart = "no";
    else if (cond == "any") s.spec.restart = "always";
    else if (cond == "on-failure") s.spec.restart = max ? fmt::format("on-failure:{}", max) : "on-failure";
    else fail(c, rp->location, fmt::format("unknown restart condition '{}'", cond),
              "use none, on-failure or any");
  }
}

}  // namespace berth::load
