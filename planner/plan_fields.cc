// Field diffs, ordering, infra and the fingerprint of the observed state.
#include <algorithm>
#include <map>
#include <set>

#include "planner/plan_internal.h"
#include "planner/spec.h"

namespace berth {
namespace {

void flatten(const nlohmann::json& j, const std::string& prefix,
             std::map<std::string, std::string>& out) {
  if (j.is_object() && !j.empty()) {
    for (auto it = j.begin(); it != j.end(); ++it)
      flatten(it.value(), prefix.empty() ? it.key() : prefix + "." + it.key(), out);
    return;
  }
  out[prefix] = j.dump();
}

}  // namespace

std::vector<FieldChange> diff_fields(const nlohmann::json& old_spec,
                                     const nlohmann::json& new_spec) {
  std::map<std::string, std::string> a, b;
  flatten(old_spec, "", a);
  flatten(new_spec, "", b);
  std::set<std::string> paths;
  for (auto& [k, v] : a) paths.insert(k);
  for (auto& [k, v] : b) paths.insert(k);
  std::vector<FieldChange> out;
  for (const auto& p : paths) {
    std::string o = a.count(p) ? a[p] : "", n = b.count(p) ? b[p] : "";
    if (o != n) out.push_back({p, o, n, false});
  }
  return out;
}

void mask_secret_fields(std::vector<FieldChange>& fields) {
  const std::string env = "environment.";
  for (FieldChange& f : fields)
    if (f.path.rfind(env, 0) == 0 && is_secret_name(f.path.substr(env.size()))) f.secret = true;
}

void sort_changes(std::vector<Change>& changes) {
  std::stable_sort(changes.begin(), changes.end(), [](const Change& a, const Change& b) {
    if (a.host != b.host) return a.host < b.host;
    if (a.service != b.service) return a.service < b.service;
    return slot_less(a.slot, b.slot);
  });
}

void plan_infra(const Stack& stack, const Observed& observed, Plan& plan) {
  std::map<std::string, std::set<std::string>> nets, vols;  // host -> keys needed
  for (const ReplicaPlacement& p : plan.placements) {
    const Service* s = stack.find_service(p.service);
    if (!s) continue;
    if (s->spec.network_mode.empty())
      for (const auto& n : s->spec.networks) nets[p.host].insert(n);
    for (const auto& m : s->spec.mounts)
      if (m.type == "volume" && !m.source.empty()) vols[p.host].insert(m.source);
  }
  for (const ObservedHost& h : observed.hosts) {
    if (!h.reachable) continue;
    std::set<std::string> have_nets, have_vols;
    for (const auto& n : h.networks) {
      auto key = n.labels.count(labels::kNetwork) ? n.labels.at(labels::kNetwork) : n.name;
      have_nets.insert(key);
      if (!nets[h.name].count(key)) {
        plan.infra.push_back({InfraChange::Kind::kNetwork, Action::kRemove, key, n.name, h.name,
                              n.id});
        ++plan.summary.networks_remove;
      }
    }
    for (const auto& v : h.volumes)
      have_vols.insert(v.labels.count(labels::kVolume) ? v.labels.at(labels::kVolume) : v.name);
    // A volume of that name made by someone else (say `docker compose up`) is used as it is,
    // as Compose does: creating it would answer with the existing one anyway.
    std::set<std::string> other_vols(h.other_volumes.begin(), h.other_volumes.end());
    for (const auto& n : stack.networks) {
      if (n.external || !nets[h.name].count(n.key) || have_nets.count(n.key)) continue;
      plan.infra.push_back({InfraChange::Kind::kNetwork, Action::kCreate, n.key, n.name, h.name,
                            ""});
      ++plan.summary.networks_create;
    }
    for (const auto& v : stack.volumes) {
      if (v.external || !vols[h.name].count(v.key) || have_vols.count(v.key) ||
          other_vols.count(v.name))
        continue;
      plan.infra.push_back({InfraChange::Kind::kVolume, Action::kCreate, v.key, v.name, h.name,
                            ""});
      ++plan.summary.volumes_create;
    }
  }
}

std::string observed_fingerprint(const Observed& observed) {
  std::string text = "stack=" + observed.stack + "\n";
  std::vector<const ObservedHost*> hosts;
  for (const auto& h : observed.hosts) hosts.push_back(&h);
  std::sort(hosts.begin(), hosts.end(), [](auto* a, auto* b) { return a->name < b->name; });
  for (const ObservedHost* h : hosts) {
    text += "host " + h->name + (h->reachable ? " up " : " down ") +
            std::to_string(h->capacity.nano_cpus) + " " + std::to_string(h->capacity.memory) +
            "\n";
    std::vector<std::string> lines;
    for (const auto& c : h->containers) {
      if (c.owned_by(observed.stack)) {
        lines.push_back("own " + c.id + " " + c.label(labels::kSpecHash) + " " + c.state);
      } else if (counts_as_running(c)) {
        std::string ports;
        for (int p : c.published_ports) ports += std::to_string(p) + ",";
        lines.push_back("other " + c.id + " " + std::to_string(c.reserved.nano_cpus) + " " +
                        std::to_string(c.reserved.memory) + " " + ports);
      }
    }
    for (const auto& n : h->networks) lines.push_back("net " + n.id + " " + n.name);
    for (const auto& v : h->volumes) lines.push_back("vol " + v.name);
    std::sort(lines.begin(), lines.end());
    for (const auto& l : lines) text += l + "\n";
  }
  return sha256_hex(text);
}

}  // namespace berth
