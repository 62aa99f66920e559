#include "planner/model.h"

#include <fmt/format.h>

namespace berth {

Resources& Resources::operator+=(const Resources& o) {
  nano_cpus += o.nano_cpus;
  memory += o.memory;
  pids += o.pids;
  return *this;
}

Resources& Resources::operator-=(const Resources& o) {
  nano_cpus -= o.nano_cpus;
  memory -= o.memory;
  pids -= o.pids;
  return *this;
}

std::string Constraint::str() const { return key + (equal ? "==" : "!=") + value; }

const Service* Stack::find_service(const std::string& n) const {
  for (const auto& s : services)
    if (s.name == n) return &s;
  return nullptr;
}

std::string ObservedContainer::label(const char* key) const {
  auto it = labels.find(key);
  return it == labels.end() ? std::string() : it->second;
}

bool ObservedContainer::owned_by(const std::string& stack) const {
  return label(labels::kStack) == stack && !label(labels::kService).empty();
}

const ObservedHost* Observed::find_host(const std::string& n) const {
  for (const auto& h : hosts)
    if (h.name == n) return &h;
  return nullptr;
}

std::string container_name(const Stack& stack, const Service& s, const std::string& slot) {
  if (!s.container_name.empty()) return s.container_name;
  return fmt::format("{}-{}-{}", stack.name, s.name, slot);
}

}  // namespace berth
