// The mirror cache: one bare repository per URL, named by a hash of the URL, each with a lock.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "engine/git/repo_impl.h"
#include "planner/spec.h"  // sha256_hex, the one SHA-256 of the project

namespace berth::git {
namespace {

namespace fs = std::filesystem;

// A mirror: every branch and tag, forced, so the cache always equals the remote.
constexpr const char* kBranches = "+refs/heads/*:refs/heads/*";
constexpr const char* kTags = "+refs/tags/*:refs/tags/*";

Error cache_error(const std::string& what, const std::string& path) {
  return make_error(ErrorKind::kInput, what + " " + path + ": " + std::strerror(errno),
                    "check that the cache directory is writable, or choose another cache root");
}

// Takes <dir>.lock without waiting; the file holds the holder's PID for the message.
Result<int> take_lock(const std::string& lock_path, const std::string& url) {
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return cache_error("cannot open the lock file", lock_path);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char buf[32] = {};
    ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    ::close(fd);
    std::string holder = n > 0 ? " (pid " + std::string(buf, strcspn(buf, "\n")) + ")" : "";
    return make_error(ErrorKind::kLock,
                      "the git cache of " + url + " is in use by another berth" + holder,
                      "wait for that run to finish; the lock is " + lock_path);
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    // The PID is only for messages; the flock itself is held.
  }
  return fd;
}

// Creates the bare mirror with its remote, or checks that an existing one is for this URL.
Status prepare_mirror(Repo::Impl& impl) {
  const std::string& url = impl.remote.url;
  if (git_repository_open_bare(&impl.repo, impl.path.c_str()) == 0) {
    git_remote* remote = nullptr;
    if (git_remote_lookup(&remote, impl.repo, kRemoteName) == 0) {
      RemotePtr owned(remote);
      if (url == git_remote_url(remote)) return ok_status();
    }
    // Not ours (a hash collision or a damaged entry): it is a cache, so start it again.
    git_repository_free(impl.repo);
    impl.repo = nullptr;
  }
  std::error_code ec;
  fs::remove_all(impl.path, ec);
  git_repository_init_options init = GIT_REPOSITORY_INIT_OPTIONS_INIT;
  init.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_MKPATH;
  init.mode = GIT_REPOSITORY_INIT_SHARED_UMASK;
  if (git_repository_init_ext(&impl.repo, impl.path.c_str(), &init) != 0)
    return libgit2_error(ErrorKind::kInput, "cannot create the git cache " + impl.path);
  git_remote* remote = nullptr;
  if (git_remote_create_with_fetchspec(&remote, impl.repo, kRemoteName, url.c_str(), kBranches) !=
          0 ||
      git_remote_add_fetch(impl.repo, kRemoteName, kTags) != 0) {
    if (remote) git_remote_free(remote);
    return libgit2_error(ErrorKind::kInput, "cannot set up the git cache " + impl.path);
  }
  git_remote_free(remote);
  // The remote's URL may carry a token: the mirror is for this user only.
  fs::permissions(impl.path, fs::perms::owner_all, ec);
  return ok_status();
}

}  // namespace

Result<std::string> default_cache_root() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg && *xdg == '/') return std::string(xdg) + "/berth/git";
  const char* home = std::getenv("HOME");
  if (home && *home) return std::string(home) + "/.cache/berth/git";
  return make_error(ErrorKind::kUsage, "no cache directory for git mirrors: HOME is not set",
                    "set HOME or XDG_CACHE_HOME");
}

Result<Repo> open_cache(const std::string& url, const CacheOptions& options) {
  init_libgit2();
  auto remote = parse_remote_url(url);
  if (!remote.ok()) return remote.error();
  std::string root = options.cache_root;
  if (root.empty()) {
    auto def = default_cache_root();
    if (!def.ok()) return def.error();
    root = *def;
  }
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) {
    errno = ec.value();
    return cache_error("cannot create the cache directory", root);
  }
  auto impl = std::make_unique<Repo::Impl>();
  impl->remote = std::move(*remote);
  impl->options = options;
  impl->path = fs::absolute(root).lexically_normal().string() + "/" +
               sha256_hex(impl->remote.url).substr(0, 16);
  auto lock = take_lock(impl->path + ".lock", impl->remote.display);
  if (!lock.ok()) return lock.error();
  impl->lock_fd = *lock;
  if (auto st = prepare_mirror(*impl); !st.ok()) return st.error();
  return Repo(std::move(impl));
}

}  // namespace berth::git
