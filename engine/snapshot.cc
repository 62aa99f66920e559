#include "engine/snapshot.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "planner/model_json.h"

namespace berth {
namespace {

constexpr int kSnapshotFormat = 1;

Status write_private(const std::string& path, const std::string& text) {
  // 0600 from the start: the file may hold secrets, so it is never world-readable, not even
  // between open and chmod.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || ::fchmod(fd, 0600) != 0) {
    if (fd >= 0) ::close(fd);
    return Error{ErrorKind::kInput,
                 {path, 0, 0},
                 "",
                 "",
                 "cannot write this file",
                 "check the directory exists and is writable"};
  }
  size_t off = 0;
  while (off < text.size()) {
    ssize_t n = ::write(fd, text.data() + off, text.size() - off);
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
  ::close(fd);
  if (off != text.size())
    return Error{ErrorKind::kInput, {path, 0, 0}, "", "", "could not write the whole file", ""};
  return ok_status();
}

Result<nlohmann::json> read_json(const std::string& path, const char* what) {
  std::ifstream in(path);
  if (!in) {
    return Error{ErrorKind::kInput, {path, 0, 0}, "", "", fmt::format("cannot read this {}", what),
                 "check the path"};
  }
  std::stringstream buf;
  buf << in.rdbuf();
  auto doc = nlohmann::json::parse(buf.str(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Error{ErrorKind::kInput,
                 {path, 0, 0},
                 "",
                 "",
                 fmt::format("this is not a berth {} (not a JSON object)", what),
                 fmt::format("write it again with berth")};
  }
  return doc;
}

template <class T>
Result<T> field(const nlohmann::json& doc, const char* key,
                Result<T> (*from)(const nlohmann::json&), const std::string& path) {
  if (!doc.contains(key)) {
    return Error{ErrorKind::kInput,
                 {path, 0, 0},
                 "",
                 "",
                 fmt::format("missing \"{}\": not a file berth wrote", key),
                 ""};
  }
  auto r = from(doc.at(key));
  if (!r.ok()) r.error().location.file = path;
  return r;
}

}  // namespace

Status write_snapshot(const std::string& path, const Inventory& inventory,
                      const Observed& observed) {
  nlohmann::json doc = {{"format_version", kSnapshotFormat},
                        {"kind", "berth-snapshot"},
                        {"inventory", inventory_to_json(inventory)},
                        {"observed", observed_to_json(observed)}};
  return write_private(path, doc.dump(1) + "\n");
}

Result<Snapshot> read_snapshot(const std::string& path) {
  auto doc = read_json(path, "snapshot");
  if (!doc.ok()) return doc.error();
  auto inventory = field<Inventory>(*doc, "inventory", inventory_from_json, path);
  if (!inventory.ok()) return inventory.error();
  auto observed = field<Observed>(*doc, "observed", observed_from_json, path);
  if (!observed.ok()) return observed.error();
  return Snapshot{std::move(inventory).value(), std::move(observed).value()};
}

Status write_saved_plan(const std::string& path, const SavedPlan& saved) {
  nlohmann::json doc = plan_to_json(saved.plan, /*reveal_secrets=*/true);
  doc["kind"] = "berth-plan";
  doc["stack_model"] = stack_to_json(saved.stack, /*reveal_secrets=*/true);
  doc["inventory"] = inventory_to_json(saved.inventory);
  return write_private(path, doc.dump(1) + "\n");
}

Result<SavedPlan> read_saved_plan(const std::string& path) {
  auto doc = read_json(path, "plan file");
  if (!doc.ok()) return doc.error();
  auto plan = plan_from_json(*doc);
  if (!plan.ok()) {
    plan.error().location.file = path;
    return plan.error();
  }
  auto stack = field<Stack>(*doc, "stack_model", stack_from_json, path);
  if (!stack.ok()) return stack.error();
  auto inventory = field<Inventory>(*doc, "inventory", inventory_from_json, path);
  if (!inventory.ok()) return inventory.error();
  return SavedPlan{std::move(plan).value(), std::move(stack).value(), std::move(inventory).value()};
}

}  // namespace berth
