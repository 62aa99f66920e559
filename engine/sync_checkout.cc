// The checkout side of a sync cycle (engine/sync.h): a commit's tree in the cache, and how its
// stack is loaded.
#include <filesystem>

#include "engine/sync.h"

namespace berth {
namespace fs = std::filesystem;
namespace {

// "stack" for /srv/git/stack.git, ssh://h/ops/stack, git@h:ops/stack.git: the directory name a
// clone would get, so the stack's default name matches a checkout made by hand.
std::string repo_name(const std::string& url) {
  std::string u = url;
  while (!u.empty() && u.back() == '/') u.pop_back();
  auto cut = u.find_last_of("/:");
  std::string name = cut == std::string::npos ? u : u.substr(cut + 1);
  if (name.size() > 4 && name.compare(name.size() - 4, 4, ".git") == 0)
    name.resize(name.size() - 4);
  return name.empty() ? "stack" : name;
}

}  // namespace

Result<CommitTree> fetch_commit_tree(const SyncOptions& o, git::Repo& repo) {
  auto sha = git::fetch(repo, o.ref);
  if (!sha.ok()) return sha.error();
  CommitTree tree;
  tree.sha = *sha;
  if (auto info = git::commit_info(repo, *sha); info.ok()) tree.subject = info->subject;
  std::string root = o.cache.cache_root;
  if (root.empty()) {
    auto def = git::default_cache_root();
    if (!def.ok()) return def.error();
    root = *def;
  }
  fs::path dir = fs::path(root) / "checkouts" / tree.sha / repo_name(o.url);
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    Status done = git::checkout(repo, tree.sha, dir.string());
    if (!done.ok() && !fs::exists(dir, ec)) return done.error();  // else another run wrote it
  }
  tree.root = dir.string();
  tree.dir = (o.path.empty() ? dir : dir / o.path).lexically_normal().string();
  return tree;
}

LoadOptions commit_load_options(const SyncOptions& o, const std::string& dir) {
  LoadOptions load;
  load.working_dir = dir;
  for (const auto& f : o.files) load.files.push_back((fs::path(dir) / f).string());
  for (const auto& f : o.env_files) load.env_files.push_back((fs::path(dir) / f).string());
  load.project_name = o.project_name;
  load.profiles = o.profiles;
  load.environment = o.environment;
  load.interrupted = o.apply.interrupted;
  return load;
}

void relative_to_checkout(Diagnostics& diag, const std::string& root) {
  std::string prefix = root + "/";
  for (Error& e : diag.errors)
    if (e.location.file.rfind(prefix, 0) == 0) e.location.file.erase(0, prefix.size());
  for (Warning& w : diag.warnings)
    if (w.location.file.rfind(prefix, 0) == 0) w.location.file.erase(0, prefix.size());
}

}  // namespace berth
