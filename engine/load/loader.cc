// load_stack: find the files, read .env, parse, interpolate, merge, normalize.
#include "engine/load/loader.h"

#include <fmt/format.h>

#include <cctype>
#include <filesystem>

#include "engine/load/files.h"
#include "engine/load/merge.h"
#include "engine/load/normalize.h"

namespace berth {
namespace fs = std::filesystem;
using load::Node;

namespace {

const char* kMainNames[] = {"compose.yaml", "compose.yml", "docker-compose.yaml",
                            "docker-compose.yml"};
const char* kOverrideNames[] = {"compose.override.yaml", "compose.override.yml",
                                "docker-compose.override.yaml", "docker-compose.override.yml"};

// The files to read, as Compose finds them.
std::vector<std::string> find_files(const LoadOptions& o, const std::string& cwd,
                                    Diagnostics& diag) {
  std::vector<std::string> files;
  if (!o.files.empty()) {
    fs::path base = cwd;
    for (const auto& f : o.files) {
      fs::path p = fs::path(f).is_absolute() ? fs::path(f) : base / f;
      files.push_back(p.lexically_normal().string());
      // Later -f files resolve against the first file's directory (Compose).
      if (files.size() == 1) base = p.parent_path();
    }
    return files;
  }
  for (const char* name : kMainNames) {
    if (fs::exists(fs::path(cwd) / name)) {
      files.push_back((fs::path(cwd) / name).string());
      break;
    }
  }
  if (files.empty()) {
    diag.error({ErrorKind::kInput, {}, "", "",
                fmt::format("no compose.yaml (or compose.yml, docker-compose.yaml, "
                            "docker-compose.yml) in {}", cwd),
                "run berth in the stack's directory, or name the file with -f"});
    return files;
  }
  for (const char* name : kOverrideNames) {
    if (fs::exists(fs::path(cwd) / name)) {
      files.push_back((fs::path(cwd) / name).string());
      break;
    }
  }
  return files;
}

// Compose's project name rules: lowercase, [a-z0-9_-], starting with a letter or digit.
std::string normalize_name(const std::string& raw) {
  std::string out;
  for (char ch : raw) {
    char c = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-') out += c;
  }
  while (!out.empty() && !std::isalnum(static_cast<unsigned char>(out[0]))) out.erase(0, 1);
  return out;
}

}  // namespace

Stack load_stack(const LoadOptions& o, Diagnostics& diag) {
  std::string cwd = o.working_dir.empty() ? fs::current_path().string()
                                          : fs::absolute(o.working_dir).lexically_normal().string();
  std::vector<std::string> files = find_files(o, cwd, diag);
  Stack stack;
  if (files.empty()) return stack;
  std::string project_dir = fs::path(files[0]).parent_path().string();

  // Variables: the process environment wins over .env, as in Compose.
  load::Variables vars;
  std::vector<std::string> env_files = o.env_files;
  bool env_required = !env_files.empty();
  if (env_files.empty()) env_files.push_back((fs::path(project_dir) / ".env").string());
  for (const auto& f : env_files) {
    std::string path = fs::path(f).is_absolute() ? f : (fs::path(cwd) / f).string();
    // Compose skips a default .env that is a directory (a Python venv is often called .env).
    if (!env_required && load::file_state(path) == load::FileState::kDirectory) continue;
    if (auto v = load::read_env_file(path, o.environment, diag, env_required))
      for (auto& [k, val] : *v) vars[k] = val;
  }
  for (auto& [k, v] : o.environment) vars[k] = v;

  Node merged;
  for (const auto& file : files) {
    auto text = load::read_input_file(file, "stack file", diag);
    if (!text) continue;
    Node tree = load::parse_yaml(*text, file, diag, o.interrupted);
    text.reset();  // the tree holds what is needed: free the text before the next file
    if (!diag.ok() && diag.errors.back().kind == ErrorKind::kInterrupted) return stack;
    if (tree.is_null()) {
      if (diag.ok()) diag.error({ErrorKind::kInput, {file, 1, 1}, "", "", "the file is empty",
                                 "add a `services:` section"});
      continue;
    }
    if (!tree.is_map()) {
      diag.error({ErrorKind::kInput, tree.location, "", "",
                  fmt::format("the top level must be a mapping, not {}", tree.kind_name()),
                  "start with `services:`"});
      continue;
    }
    load::interpolate_tree(tree, vars, diag);
    load::prepare_for_merge(tree);
    load::merge_stack(merged, std::move(tree));
  }
  if (!diag.ok() || merged.is_null()) return stack;

  load::Context c{diag, "", project_dir, vars, o.interrupted};
  stack = load::normalize_stack(c, merged, o.profiles);
  std::string name = o.project_name;
  if (name.empty())
    if (const Node* n = merged.find("name")) name = load::as_string(c, *n, "name").value_or("");
  if (name.empty()) name = fs::path(project_dir).filename().string();
  stack.name = normalize_name(name);
  if (stack.name.empty())
    diag.error({ErrorKind::kInput, {files[0], 0, 0}, "", "",
                fmt::format("'{}' cannot be made into a stack name", name),
                "set one with -p NAME or a top-level `name:`"});
  stack.project_dir = project_dir;
  stack.files = files;
  load::normalize_resources(c, merged, stack);
  return stack;
}

}  // namespace berth
