// verify_commit: extract the signature, hand it to the checker of its kind.
#include "engine/git/verify.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "engine/git/repo_impl.h"

namespace berth::git {
namespace {

namespace fs = std::filesystem;

// A private temporary directory, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    const char* tmp = std::getenv("TMPDIR");
    path_ = std::string(tmp && *tmp ? tmp : "/tmp") + "/berth-git-verify-XXXXXX";
    if (!::mkdtemp(path_.data())) path_.clear();
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

bool write_file(const std::string& path, const char* data, size_t size) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  bool ok = true;
  for (size_t done = 0; ok && done < size;) {
    ssize_t n = ::write(fd, data + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<size_t>(n);
  }
  return ::close(fd) == 0 && ok;
}

bool starts_with(const git_buf& buf, const char* prefix) {
  size_t n = std::strlen(prefix);
  return buf.size >= n && std::memcmp(buf.ptr, prefix, n) == 0;
}

}  // namespace

Error refused(const SignedCommit& commit, const std::string& why, const std::string& hint) {
  return make_error(ErrorKind::kInput, commit.name + " refused: " + why, hint);
}

Result<std::string> verify_commit(Repo& repo, const std::string& sha,
                                  const VerifyOptions& options) {
  auto commit = lookup_commit(repo, sha);
  if (!commit.ok()) return commit.error();
  const git_oid* id = git_commit_id(commit->get());
  SignedCommit signed_commit;
  signed_commit.name = "commit " + short_sha(*id);
  signed_commit.commit_time = git_commit_time(commit->get());
  signed_commit.sha = full_sha(*id);
  GitBuf sig, data;
  git_oid oid = *id;  // libgit2 1.5 takes a non-const id here
  int rc = git_commit_extract_signature(&sig.buf, &data.buf, repo.impl().repo, &oid, nullptr);
  if (rc == GIT_ENOTFOUND)
    return refused(signed_commit, "it is not signed",
                   "sign commits (git commit -S) with a key the verification trusts");
  if (rc != 0) return libgit2_error(ErrorKind::kInput, "cannot read the signature of " + sha);
  TempDir dir;
  signed_commit.signature = dir.path() + "/signature";
  signed_commit.payload = dir.path() + "/payload";
  if (dir.path().empty() || !write_file(signed_commit.signature, sig.buf.ptr, sig.buf.size) ||
      !write_file(signed_commit.payload, data.buf.ptr, data.buf.size))
    return make_error(
        ErrorKind::kInput,
        "cannot write temporary files to check " + signed_commit.name + ": " + std::strerror(errno),
        "check TMPDIR");
  if (starts_with(sig.buf, "-----BEGIN SSH SIGNATURE-----"))
    return verify_ssh(signed_commit, options);
  if (starts_with(sig.buf, "-----BEGIN PGP SIGNATURE-----"))
    return verify_gpg(signed_commit, options);
  return refused(signed_commit, "its signature is neither SSH nor OpenPGP (X.509 is not supported)",
                 "sign with an SSH or OpenPGP key");
}

}  // namespace berth::git
