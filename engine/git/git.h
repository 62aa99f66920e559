// The Git layer of `berth sync`: a cached bare mirror per repository URL, fetch and resolve a
// ref, write a commit's tree into a directory, ancestry, commit metadata and signature checks.
// Library berth_git (engine/git/); depends on planner/ (Result, Error, sha256_hex) and libgit2
// only; no libgit2 type appears here. docs/git.md: the cache, URLs, credentials, signatures.
//
// Contract for every function:
// - Nothing throws; failures are an Error with one clear message naming the URL, ref or commit,
//   and a hint. Kinds: kInput (bad URL, not a repository, unknown ref, untrusted or unsigned
//   commit), kHost (remote unreachable, authentication refused, host key unknown or changed,
//   transfer failed), kLock (cache in use by another process), kInterrupted (the `interrupted`
//   hook said so), kUsage (a checkout directory that already exists).
// - A Repo is used by one thread at a time; different Repos may be used in parallel.
// - libgit2 is initialised once, on first use; there is no other global state.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "planner/result.h"

namespace berth::git {

struct CacheOptions {
  // Where mirrors live; "" = default_cache_root().
  std::string cache_root;
  // Files of known SSH host keys, in OpenSSH's format; empty = ~/.ssh/known_hosts and
  // /etc/ssh/ssh_known_hosts. A host key not found in them is refused, never accepted.
  std::vector<std::string> known_hosts;
  // Private keys to offer after the agent; empty = ~/.ssh/id_ed25519, id_ecdsa, id_rsa (those
  // that exist). Keys with a passphrase work through ssh-agent only.
  std::vector<std::string> identity_files;
  bool use_ssh_agent = true;  // offer ssh-agent's keys first (when SSH_AUTH_SOCK is set)
  // How long to wait for a TCP connection to an ssh/https remote before calling it unreachable.
  int connect_timeout_seconds = 10;
  // Polled during transfers; returning true cancels the fetch with kInterrupted.
  std::function<bool()> interrupted;
};

// An open cache entry: the bare mirror of one URL, locked for this process while it lives.
class Repo {
 public:
  struct Impl;  // engine/git/repo_impl.h
  explicit Repo(std::unique_ptr<Impl> impl);
  Repo(Repo&&) noexcept;
  Repo& operator=(Repo&&) noexcept;
  ~Repo();  // closes the mirror and releases the lock

  const std::string& url() const;   // as the user gave it, any password replaced by ***
  const std::string& path() const;  // the mirror's directory
  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

// $XDG_CACHE_HOME/berth/git, else $HOME/.cache/berth/git.
Result<std::string> default_cache_root();

// Opens (creating if needed) the mirror of `url` in <cache_root>/<first 16 hex digits of
// SHA-256 of the normalised URL>, and takes its lock (<dir>.lock, flock: released when the Repo
// is destroyed or the process dies). A lock held by another Repo or process fails at once with
// kLock naming that process. URLs: /abs/path, rel/path, file:///abs/path, https://host/path,
// ssh://[user@]host[:port]/path and [user@]host:path. Nothing is fetched yet.
Result<Repo> open_cache(const std::string& url, const CacheOptions& options = {});

// Fetches every branch and tag of the remote into the mirror (forced updates; branches and
// tags deleted upstream are pruned), then resolves `ref` to a commit and returns its full SHA.
// `ref`: a branch, a tag (annotated or lightweight, peeled to its commit), a full or short
// (at least 4 digits) commit SHA reachable from a branch or tag, a full ref name
// (refs/heads/x), or "" / "HEAD" for the remote's default branch. Names are tried before
// short SHAs, as git does.
Result<std::string> fetch(Repo& repo, const std::string& ref);

// Resolves `ref` against what the last fetch brought, without contacting the remote.
Result<std::string> resolve(Repo& repo, const std::string& ref);

// Writes the tree of commit `sha` into `dir`, which must not exist yet (its parent is
// created): files with their modes (0644, or 0755 when executable), symlinks as symlinks,
// submodules as empty directories, no .git. Written to a fresh sibling `<dir>.tmp-XXXXXX` and
// renamed into place, so `dir` either is complete or does not exist.
Status checkout(Repo& repo, const std::string& sha, const std::string& dir);

// True when `older` is `newer` or one of its ancestors (`git merge-base --is-ancestor`).
Result<bool> is_ancestor(Repo& repo, const std::string& older, const std::string& newer);

struct CommitInfo {
  std::string sha;      // full
  std::string subject;  // first paragraph of the message, on one line
  std::string author_name;
  std::string author_email;
  int64_t author_time = 0;  // seconds since the epoch
  int author_utc_offset_minutes = 0;
  std::string committer_email;
  int64_t commit_time = 0;
};
Result<CommitInfo> commit_info(Repo& repo, const std::string& sha);

struct VerifyOptions {
  // OpenSSH allowed_signers file (ssh-keygen(1), ALLOWED SIGNERS) for SSH signatures; "" means
  // SSH-signed commits are refused.
  std::string allowed_signers;
  // GnuPG home with the trusted public keys for OpenPGP signatures; "" = gpg's default.
  std::string gnupg_home;
  // Lowest owner trust an OpenPGP key needs ("undefined", "marginal", "full", "ultimate"), as
  // git's gpg.minTrustLevel. "marginal" is what `git merge --verify-signatures` requires.
  std::string gpg_min_trust = "marginal";
};

// Checks the signature of commit `sha` and returns who signed it: the allowed_signers
// principal (SSH; checked with `ssh-keygen -Y find-principals` and `-Y verify -n git` at the
// commit's time, as git does), or the OpenPGP key's user id and fingerprint (`gpg --verify`).
// An unsigned commit, a bad signature, an unknown or untrusted key, a missing gpg or
// ssh-keygen: refused with kInput, naming the commit and why.
Result<std::string> verify_commit(Repo& repo, const std::string& sha, const VerifyOptions& options);

}  // namespace berth::git
