#include "planner/rollout.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "planner/plan.h"

namespace berth {
namespace {

// The fixed host ports the old container of a replacement holds on its host.
std::vector<int> old_ports(const Observed& observed, const Change& c) {
  const ObservedHost* h = observed.find_host(c.action == Action::kMove ? c.from_host : c.host);
  if (!h) return {};
  for (const ObservedContainer& o : h->containers)
    if (o.id == c.container_id) return o.published_ports;
  return {};
}

bool shares_fixed_port(const Service& s, const std::vector<int>& held) {
  for (const PortSpec& p : s.spec.ports)
    if (p.host_port != 0 && std::find(held.begin(), held.end(), p.host_port) != held.end())
      return true;
  return false;
}

}  // namespace

std::string format_duration(Nanos d) {
  if (d == 0) return "0s";
  std::string out = d < 0 ? "-" : "";
  d = std::abs(d);
  if (d < 1'000'000'000) {
    if (d % 1'000'000 == 0) return out + fmt::format("{}ms", d / 1'000'000);
    if (d % 1'000 == 0) return out + fmt::format("{}us", d / 1'000);
    return out + fmt::format("{}ns", d);
  }
  int64_t h = d / 3'600'000'000'000, m = d / 60'000'000'000 % 60;
  if (h) out += fmt::format("{}h", h);
  if (h || m) out += fmt::format("{}m", m);
  Nanos rest = d % 60'000'000'000;
  if (rest % 1'000'000'000 == 0) return out + fmt::format("{}s", rest / 1'000'000'000);
  std::string frac = fmt::format("{:09d}", rest % 1'000'000'000);
  while (frac.back() == '0') frac.pop_back();
  return out + fmt::format("{}.{}s", rest / 1'000'000'000, frac);
}

std::string RolloutPlan::describe() const {
  std::string text = fmt::format("{}: {} replica{} in {} batch{}", service, replicas,
                                 replicas == 1 ? "" : "s", batches, batches == 1 ? "" : "es");
  if (batches > 1) text += fmt::format(" of {}", batch_size);
  text += fmt::format(", {}, monitor {}", update.order, format_duration(update.monitor));
  if (update.delay > 0) text += fmt::format(", {} between batches", format_duration(update.delay));
  text += fmt::format(", on failure {}", update.failure_action);
  if (update.max_failure_ratio > 0)
    text += fmt::format(" (beyond {:g} % failed)", update.max_failure_ratio * 100);
  for (const std::string& slot : stop_first_slots)
    text += fmt::format("; slot {} goes stop-first (its fixed host port is held on the same host)",
                        slot);
  return text;
}

std::vector<RolloutPlan> plan_rollouts(const Stack& stack, const Observed& observed,
                                       std::vector<Change>& changes) {
  std::map<std::string, RolloutPlan> by_service;
  for (Change& c : changes) {
    if (c.action != Action::kRecreate && c.action != Action::kMove) continue;
    const Service* s = stack.find_service(c.service);
    if (!s) continue;
    RolloutPlan& r = by_service[c.service];
    r.service = c.service;
    r.update = s->update_config;
    ++r.replicas;
    // A move always starts the new replica first (another host); a recreate follows `order`,
    // unless the new and the old container would bind the same fixed port on one host.
    c.stop_first = c.action == Action::kRecreate && s->update_config.order != "start-first";
    if (c.action == Action::kRecreate && !c.stop_first &&
        shares_fixed_port(*s, old_ports(observed, c))) {
      c.stop_first = true;
      r.stop_first_slots.push_back(c.slot);
    }
  }
  std::vector<RolloutPlan> out;
  for (auto& [name, r] : by_service) {
    r.batch_size = r.update.parallelism > 0 ? std::min(r.update.parallelism, r.replicas)
                                            : r.replicas;
    r.batches = (r.replicas + r.batch_size - 1) / r.batch_size;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace berth
