// Resolving a ref (branch, tag, SHA, HEAD) to a commit in the mirror, without the network.
#include <algorithm>
#include <cctype>
#include <vector>

#include "engine/git/repo_impl.h"

namespace berth::git {
namespace {

bool all_hex(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c); });
}

// Up to `most` short names under `glob` ("refs/heads/*"), sorted, for "did you mean" hints.
std::vector<std::string> ref_names(git_repository* repo, const char* glob, size_t prefix,
                                   size_t most) {
  std::vector<std::string> names;
  git_reference_iterator* it = nullptr;
  if (git_reference_iterator_glob_new(&it, repo, glob) != 0) return names;
  const char* name = nullptr;
  while (git_reference_next_name(&name, it) == 0) names.push_back(std::string(name).substr(prefix));
  git_reference_iterator_free(it);
  std::sort(names.begin(), names.end());
  if (names.size() > most) {
    names.resize(most);
    names.push_back("...");
  }
  return names;
}

Error not_found(Repo& repo, const std::string& ref) {
  auto branches = ref_names(repo.impl().repo, "refs/heads/*", 11, 8);
  auto tags = ref_names(repo.impl().repo, "refs/tags/*", 10, 8);
  std::string hint = branches.empty() && tags.empty()
                         ? "the repository has no branches or tags yet"
                         : "branches: " + (branches.empty() ? "none" : join_names(branches)) +
                               "; tags: " + (tags.empty() ? "none" : join_names(tags));
  return make_error(
      ErrorKind::kInput,
      "ref '" + ref + "' not found in " + repo.url() + " (no branch, tag or commit of that name)",
      hint);
}

std::string peeled_sha(git_object* obj) {
  return full_sha(*git_object_id(obj));
}

}  // namespace

Result<std::string> resolve(Repo& repo, const std::string& ref) {
  git_repository* r = repo.impl().repo;
  if (ref.empty() || ref == "HEAD") {
    git_object* obj = nullptr;
    if (git_revparse_single(&obj, r, "HEAD^{commit}") != 0)
      return make_error(ErrorKind::kInput,
                        repo.url() + " has no default branch (its HEAD names no commit)",
                        "name a branch, tag or commit with --ref");
    ObjectPtr owned(obj);
    return peeled_sha(obj);
  }
  if (ref.size() == GIT_OID_HEXSZ && all_hex(ref)) {
    auto commit = lookup_commit(repo, ref);
    if (!commit.ok()) return commit.error();
    return full_sha(*git_commit_id(commit->get()));
  }
  // Names first (as git does): refs/<ref>, refs/tags/<ref>, refs/heads/<ref>, ...
  git_reference* found = nullptr;
  if (git_reference_dwim(&found, r, ref.c_str()) == 0) {
    ReferencePtr owned(found);
    git_object* obj = nullptr;
    if (git_reference_peel(&obj, found, GIT_OBJECT_COMMIT) != 0)
      return make_error(ErrorKind::kInput,
                        "ref '" + ref + "' in " + repo.url() + " does not point to a commit",
                        "name a branch, or a tag of a commit");
    ObjectPtr peeled(obj);
    return peeled_sha(obj);
  }
  if (ref.size() >= GIT_OID_MINPREFIXLEN && all_hex(ref)) {
    git_oid prefix;
    git_oid_fromstrn(&prefix, ref.c_str(), ref.size());
    git_commit* commit = nullptr;
    int rc = git_commit_lookup_prefix(&commit, r, &prefix, ref.size());
    if (rc == GIT_EAMBIGUOUS) return ambiguous_sha(repo, ref);
    if (rc == 0) {
      CommitPtr owned(commit);
      return full_sha(*git_commit_id(commit));
    }
  }
  return not_found(repo, ref);
}

}  // namespace berth::git
