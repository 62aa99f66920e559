// What a Repo holds, and the helpers the files of engine/git/ share. Internal to engine/git/.
#pragma once

#include <git2.h>

#include <memory>
#include <string>

#include "engine/git/errors.h"
#include "engine/git/git.h"
#include "engine/git/url.h"

namespace berth::git {

// The mirror's one remote: the URL it mirrors.
constexpr const char* kRemoteName = "origin";

struct Repo::Impl {
  RemoteUrl remote;
  CacheOptions options;
  std::string path;  // the mirror's directory
  git_repository* repo = nullptr;
  int lock_fd = -1;  // flock'ed <path>.lock

  ~Impl();
};

// Owning handles for libgit2 objects.
template <class T, void (*Free)(T*)>
struct GitDeleter {
  void operator()(T* p) const { Free(p); }
};
using CommitPtr = std::unique_ptr<git_commit, GitDeleter<git_commit, git_commit_free>>;
using ObjectPtr = std::unique_ptr<git_object, GitDeleter<git_object, git_object_free>>;
using ReferencePtr = std::unique_ptr<git_reference, GitDeleter<git_reference, git_reference_free>>;
using RemotePtr = std::unique_ptr<git_remote, GitDeleter<git_remote, git_remote_free>>;

// A git_buf that frees itself.
struct GitBuf {
  git_buf buf = GIT_BUF_INIT;
  GitBuf() = default;
  GitBuf(const GitBuf&) = delete;
  GitBuf& operator=(const GitBuf&) = delete;
  ~GitBuf() { git_buf_dispose(&buf); }
};

// git_libgit2_init, once per process.
void init_libgit2();

// libgit2's last error message, or `fallback` when it has none.
std::string last_git_message(const std::string& fallback = "unknown libgit2 error");

// An Error of `kind`: "<what>: <libgit2's message>".
Error libgit2_error(ErrorKind kind, const std::string& what, const std::string& hint = "");

// The commit named by a full or short (>= 4 digits) hex SHA, or kInput naming it.
Result<CommitPtr> lookup_commit(Repo& repo, const std::string& sha);

// kInput: `sha` is a prefix of several objects.
Error ambiguous_sha(Repo& repo, const std::string& sha);

// First 7 digits, for messages.
std::string short_sha(const git_oid& oid);
std::string full_sha(const git_oid& oid);

}  // namespace berth::git
