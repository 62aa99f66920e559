// berth ps: the stack's containers on every host (like `docker compose ps`).
#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cmd/commands.h"
#include "engine/observe.h"

namespace berth::cli {
namespace {

std::string ports_text(const ObservedContainer& c) {
  std::string out;
  for (int p : c.published_ports) out += (out.empty() ? "" : ",") + std::to_string(p);
  return out;
}

int run_ps(const StackOptions& stack, bool json, bool all) {
  auto opened = open_reported(plan_request(stack));
  if (!opened.ok()) return report_error(opened.error());
  Observed observed = observe(opened->stack.name, opened->fleet, stack.parallel);
  nlohmann::json rows = nlohmann::json::array();
  if (!json)
    std::cout << fmt::format("{:<28} {:<14} {:<6} {:<10} {:<10} {:<10} {}\n", "NAME", "SERVICE",
                             "SLOT", "HOST", "STATE", "HEALTH", "PORTS");
  int unreachable = 0;
  for (const ObservedHost& h : observed.hosts) {
    if (!h.reachable) {
      ++unreachable;
      std::cerr << "warning: " << h.error.str() << "\n";
      continue;
    }
    std::vector<const ObservedContainer*> mine;
    for (const ObservedContainer& c : h.containers)
      if (c.owned_by(observed.stack)) mine.push_back(&c);
    std::sort(mine.begin(), mine.end(), [](auto* a, auto* b) { return a->name < b->name; });
    for (const ObservedContainer* cp : mine) {
      const ObservedContainer& c = *cp;
      if (!all && !counts_as_running(c)) continue;
      if (json) {
        rows.push_back({{"name", c.name}, {"service", c.label(labels::kService)},
                        {"slot", c.label(labels::kSlot)}, {"host", h.name}, {"state", c.state},
                        {"health", c.health}, {"image", c.image}, {"ports", c.published_ports}});
      } else {
        std::cout << fmt::format("{:<28} {:<14} {:<6} {:<10} {:<10} {:<10} {}\n", c.name,
                                 c.label(labels::kService), c.label(labels::kSlot), h.name,
                                 c.state, c.health.empty() ? "-" : c.health, ports_text(c));
      }
    }
  }
  if (json) std::cout << rows.dump(2) << "\n";
  return unreachable ? 1 : 0;
}

}  // namespace

void add_ps_command(CLI::App& app, StackOptions& stack, int& exit_code) {
  auto json = std::make_shared<bool>(false);
  auto all = std::make_shared<bool>(false);
  CLI::App* sub = app.add_subcommand("ps", "List the stack's containers on every host");
  sub->add_flag("--json", *json, "JSON output");
  sub->add_flag("-a,--all", *all, "Include stopped containers");
  sub->callback([&stack, &exit_code, json, all] { exit_code = run_ps(stack, *json, *all); });
}

}  // namespace berth::cli
