// Ancestry and metadata of commits already in the mirror.
#include "engine/git/repo_impl.h"

namespace berth::git {

Result<bool> is_ancestor(Repo& repo, const std::string& older, const std::string& newer) {
  auto a = lookup_commit(repo, older);
  if (!a.ok()) return a.error();
  auto b = lookup_commit(repo, newer);
  if (!b.ok()) return b.error();
  const git_oid* old_id = git_commit_id(a->get());
  const git_oid* new_id = git_commit_id(b->get());
  if (git_oid_equal(old_id, new_id)) return true;
  int rc = git_graph_descendant_of(repo.impl().repo, new_id, old_id);
  if (rc < 0)
    return libgit2_error(ErrorKind::kInternal, "cannot walk the history of " + short_sha(*new_id));
  return rc == 1;
}

Result<CommitInfo> commit_info(Repo& repo, const std::string& sha) {
  auto commit = lookup_commit(repo, sha);
  if (!commit.ok()) return commit.error();
  git_commit* c = commit->get();
  CommitInfo info;
  info.sha = full_sha(*git_commit_id(c));
  if (const char* summary = git_commit_summary(c)) info.subject = summary;
  if (const git_signature* author = git_commit_author(c)) {
    info.author_name = author->name ? author->name : "";
    info.author_email = author->email ? author->email : "";
    info.author_time = author->when.time;
    info.author_utc_offset_minutes = author->when.offset;
  }
  if (const git_signature* committer = git_commit_committer(c))
    info.committer_email = committer->email ? committer->email : "";
  info.commit_time = git_commit_time(c);
  return info;
}

}  // namespace berth::git
