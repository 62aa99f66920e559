#include "planner/model.h"

#include <fmt/format.h>

#include <algorithm>

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

bool counts_as_running(const ObservedContainer& c) {
  return c.state == "running" || c.state == "restarting" || c.state == "paused";
}

int slot_number(const std::string& slot) {
  if (slot.empty() || slot.size() > 9 || slot[0] == '0') return -1;
  if (!std::all_of(slot.begin(), slot.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
    return -1;
  return std::stoi(slot);
}

bool slot_less(const std::string& a, const std::string& b) {
  int x = slot_number(a), y = slot_number(b);
  if ((x < 0) != (y < 0)) return x >= 0;  // numbers first
  if (x != y) return x < y;
  return a < b;
}

std::string parked_name(const std::string& container) { return container + kParkedSuffix; }

bool is_parked(const std::string& container) {
  const std::string suffix = kParkedSuffix;
  return container.size() > suffix.size() &&
         container.compare(container.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::vector<std::string> named_volumes(const Service& s) {
  std::vector<std::string> keys;
  for (const MountSpec& m : s.spec.mounts)
    if (m.type == "volume" && !m.source.empty()) keys.push_back(m.source);
  return keys;
}

}  // namespace berth
