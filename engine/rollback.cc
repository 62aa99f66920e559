#include "engine/rollback.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "planner/model_json.h"

namespace berth {
namespace {

Error refuse(const std::string& service, std::string message, std::string hint = "") {
  return Error{ErrorKind::kUsage, {}, "", service, std::move(message), std::move(hint)};
}

// The previous spec the service's replicas agree on.
Result<ContainerSpec> previous_spec(const std::string& stack, const std::string& service,
                                    const Observed& observed) {
  std::string previous;
  int replicas = 0;
  for (const ObservedHost& h : observed.hosts)
    for (const ObservedContainer& c : h.containers) {
      if (!c.owned_by(stack) || c.label(labels::kService) != service || is_parked(c.name)) continue;
      ++replicas;
      std::string prev = c.label(labels::kPrevSpec);
      if (prev.empty())
        return refuse(service, fmt::format("{} has no previous spec to return to", c.name),
                      "only a replica that berth updated records the spec it replaced");
      if (!previous.empty() && prev != previous)
        return refuse(service,
                      "its replicas replaced different specs (an update was only partly "
                      "done)",
                      "apply the version you want from its stack file instead");
      previous = prev;
    }
  if (replicas == 0) return refuse(service, "no replica of it runs", "");
  auto doc = nlohmann::json::parse(previous, nullptr, false);
  if (doc.is_discarded())
    return refuse(service, "its previous spec was recorded by an older berth and cannot be read");
  auto spec = container_spec_from_json(doc);
  if (!spec.ok()) return refuse(service, spec.error().message);
  return spec;
}

}  // namespace

Result<Stack> rolled_back_stack(const Stack& stack, const Observed& observed,
                                const std::vector<std::string>& services) {
  Stack out = stack;
  for (const std::string& name : services) {
    Service* s = nullptr;
    for (Service& candidate : out.services)
      if (candidate.name == name) s = &candidate;
    if (!s) return refuse(name, "no such service in the stack", "see `berth config`");
    auto spec = previous_spec(stack.name, name, observed);
    if (!spec.ok()) return spec.error();
    s->spec = std::move(spec).value();
    s->update_config = s->rollback_config;
  }
  return out;
}

}  // namespace berth
