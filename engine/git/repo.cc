// Repo's lifetime and the helpers every file of engine/git/ uses.
#include <unistd.h>

#include <cctype>
#include <mutex>

#include "engine/git/repo_impl.h"

namespace berth::git {

Repo::Impl::~Impl() {
  if (repo) git_repository_free(repo);
  if (lock_fd >= 0) ::close(lock_fd);  // releases the flock
}

Repo::Repo(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Repo::Repo(Repo&&) noexcept = default;
Repo& Repo::operator=(Repo&&) noexcept = default;
Repo::~Repo() = default;
const std::string& Repo::url() const {
  return impl_->remote.display;
}
const std::string& Repo::path() const {
  return impl_->path;
}

void init_libgit2() {
  static std::once_flag once;
  std::call_once(once, [] { git_libgit2_init(); });
}

std::string last_git_message(const std::string& fallback) {
  const git_error* e = git_error_last();
  if (!e || !e->message || !*e->message) return fallback;
  return e->message;
}

Error libgit2_error(ErrorKind kind, const std::string& what, const std::string& hint) {
  return make_error(kind, what + ": " + last_git_message(), hint);
}

std::string full_sha(const git_oid& oid) {
  char buf[GIT_OID_HEXSZ + 1];
  git_oid_tostr(buf, sizeof buf, &oid);
  return buf;
}

std::string short_sha(const git_oid& oid) {
  return full_sha(oid).substr(0, 7);
}

Error ambiguous_sha(Repo& repo, const std::string& sha) {
  return make_error(ErrorKind::kInput,
                    "short SHA '" + sha + "' matches more than one object in " + repo.url(),
                    "give more digits");
}

Result<CommitPtr> lookup_commit(Repo& repo, const std::string& sha) {
  bool hex = sha.size() >= GIT_OID_MINPREFIXLEN && sha.size() <= GIT_OID_HEXSZ;
  for (char c : sha) hex = hex && std::isxdigit(static_cast<unsigned char>(c));
  if (!hex)
    return make_error(ErrorKind::kInput,
                      "'" + sha + "' is not a commit SHA (4 to 40 hexadecimal digits)", "");
  git_oid oid;
  git_oid_fromstrn(&oid, sha.c_str(), sha.size());
  git_commit* commit = nullptr;
  int rc = git_commit_lookup_prefix(&commit, repo.impl().repo, &oid, sha.size());
  if (rc == GIT_EAMBIGUOUS) return ambiguous_sha(repo, sha);
  if (rc != 0)
    return make_error(
        ErrorKind::kInput, "commit " + sha + " not found in " + repo.url(),
        "berth knows the commits that a branch or tag of the remote reaches; fetch again if "
        "it was pushed since");
  return CommitPtr(commit);
}

}  // namespace berth::git
