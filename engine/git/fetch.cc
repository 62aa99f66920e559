// Fetching the remote into the mirror: credentials, host key checks, cancellation, and one
// clear message for each way a fetch fails.
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>

#include "engine/git/known_hosts.h"
#include "engine/git/reachable.h"
#include "engine/git/repo_impl.h"

namespace berth::git {
namespace {

// What the callbacks of one fetch share.
struct FetchContext {
  Repo::Impl* impl = nullptr;
  std::vector<std::string> ssh_methods;  // "agent", then private key paths
  size_t next_method = 0;
  bool interrupted = false;
  std::optional<Error> failure;  // set by a callback; wins over libgit2's own message
};

std::string local_user() {
  if (const passwd* pw = ::getpwuid(::geteuid()); pw && pw->pw_name) return pw->pw_name;
  const char* user = std::getenv("USER");
  return user ? user : "root";
}

std::vector<std::string> ssh_methods(const CacheOptions& options) {
  std::vector<std::string> methods;
  const char* sock = std::getenv("SSH_AUTH_SOCK");
  if (options.use_ssh_agent && sock && *sock) methods.push_back("agent");
  std::vector<std::string> keys = options.identity_files;
  if (keys.empty()) {
    const char* home = std::getenv("HOME");
    for (const char* name : {"id_ed25519", "id_ecdsa", "id_rsa"})
      if (home) keys.push_back(std::string(home) + "/.ssh/" + name);
  }
  for (const auto& k : keys)
    if (::access(k.c_str(), R_OK) == 0) methods.push_back(k);
  return methods;
}

std::string tried(const std::vector<std::string>& methods) {
  return methods.empty() ? "no agent and no key file" : join_names(methods);
}

int credentials(git_credential** out, const char* url, const char* user_from_url,
                unsigned int allowed, void* payload) {
  auto& ctx = *static_cast<FetchContext*>(payload);
  const RemoteUrl& remote = ctx.impl->remote;
  std::string user = user_from_url && *user_from_url ? user_from_url : local_user();
  if (allowed & GIT_CREDENTIAL_USERNAME) return git_credential_username_new(out, user.c_str());
  if (allowed & GIT_CREDENTIAL_SSH_KEY) {
    // libgit2 calls again after each refusal: offer the next method each time.
    if (ctx.next_method < ctx.ssh_methods.size()) {
      const std::string& m = ctx.ssh_methods[ctx.next_method++];
      if (m == "agent") return git_credential_ssh_key_from_agent(out, user.c_str());
      std::string pub = m + ".pub";
      bool has_pub = ::access(pub.c_str(), R_OK) == 0;
      return git_credential_ssh_key_new(out, user.c_str(), has_pub ? pub.c_str() : nullptr,
                                        m.c_str(), nullptr);
    }
    ctx.failure =
        make_error(ErrorKind::kHost,
                   "ssh authentication to " + remote.host + " as " + user +
                       " refused (tried: " + tried(ctx.ssh_methods) + ")",
                   "add your public key to the git server, or load the key into ssh-agent "
                   "(keys with a passphrase work through the agent only)");
    return GIT_EAUTH;
  }
  // A password is asked for: the URL's own user:password, if any, was refused already.
  ctx.failure = make_error(ErrorKind::kHost,
                           remote.host + " refused access to " + remote.display +
                               " (it asks for a user name and password or token)",
                           "give a read token in the URL (https://USER:TOKEN@host/path) or use an "
                           "ssh:// URL with a deploy key");
  return GIT_EAUTH;
}

int certificate_check(git_cert* cert, int valid, const char* host, void* payload) {
  auto& ctx = *static_cast<FetchContext*>(payload);
  if (cert->cert_type != GIT_CERT_HOSTKEY_LIBSSH2) return GIT_PASSTHROUGH;  // TLS: libgit2's CAs
  auto* hostkey = reinterpret_cast<git_cert_hostkey*>(cert);
  const RemoteUrl& remote = ctx.impl->remote;
  if (!(hostkey->type & GIT_CERT_SSH_RAW)) {
    ctx.failure = make_error(
        ErrorKind::kHost,
        "cannot check the host key of " + remote.host + ": libgit2 did not pass the key itself",
        "use a libgit2 built with libssh2 1.9 or newer");
    return GIT_ECERTIFICATE;
  }
  std::vector<std::string> files = ctx.impl->options.known_hosts;
  if (files.empty()) files = default_known_hosts();
  auto st = check_host_key(host ? host : remote.host, remote.port,
                           std::string(hostkey->hostkey, hostkey->hostkey_len), files);
  if (st.ok()) return 0;
  ctx.failure = st.error();
  return GIT_ECERTIFICATE;
}

int transfer_progress(const git_indexer_progress*, void* payload) {
  auto& ctx = *static_cast<FetchContext*>(payload);
  const auto& interrupted = ctx.impl->options.interrupted;
  if (interrupted && interrupted()) {
    ctx.interrupted = true;
    return GIT_EUSER;
  }
  return 0;
}

int sideband_progress(const char*, int, void* payload) {
  return transfer_progress(nullptr, payload);
}

bool owned_by_other(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && st.st_uid != ::geteuid();
}

// A local path must be a repository; a network remote must accept a TCP connection.
Status check_reachable(const Repo::Impl& impl) {
  const RemoteUrl& remote = impl.remote;
  if (remote.transport == Transport::kLocal) {
    struct stat st;
    if (::stat(remote.path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
      return make_error(ErrorKind::kInput,
                        "repository " + remote.path + " does not exist (no such directory)",
                        "check the path in the repository URL");
    git_repository* probe = nullptr;
    int rc = git_repository_open_ext(&probe, remote.path.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH,
                                     nullptr);
    // libgit2 1.5.1 reports a refused owner as "config value 'safe.directory' was not found":
    // look at the owner itself.
    if (rc != 0 && (owned_by_other(remote.path) || owned_by_other(remote.path + "/.git")))
      return make_error(ErrorKind::kInput,
                        "repository " + remote.path +
                            " belongs to another user, which git refuses to read "
                            "(safe.directory)",
                        "if you trust it: git config --global --add safe.directory " + remote.path);
    if (rc != 0)
      return make_error(ErrorKind::kInput, remote.path + " is not a git repository",
                        "give the repository's top directory (the one holding .git) or a bare "
                        "repository");
    git_repository_free(probe);
    return ok_status();
  }
  // Through a proxy, the proxy decides who is reachable.
  for (const char* var : {"https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY", "all_proxy"})
    if (remote.transport == Transport::kHttp && std::getenv(var)) return ok_status();
  return probe_tcp(remote.host, remote.port, impl.options.connect_timeout_seconds);
}

Error fetch_failure(const FetchContext& ctx, int rc) {
  const RemoteUrl& remote = ctx.impl->remote;
  if (ctx.failure) return *ctx.failure;
  if (ctx.interrupted || rc == GIT_EUSER)
    return make_error(ErrorKind::kInterrupted, "fetch of " + remote.display + " interrupted");
  if (rc == GIT_EAUTH)
    return libgit2_error(ErrorKind::kHost, "authentication to " + remote.host + " refused",
                         "check the credentials for " + remote.display);
  if (rc == GIT_ECERTIFICATE)
    return libgit2_error(ErrorKind::kHost,
                         "the TLS certificate of " + remote.host + " is not trusted",
                         "install the CA that signed it (ca-certificates), or check the URL");
  ErrorKind kind = remote.transport == Transport::kLocal ? ErrorKind::kInput : ErrorKind::kHost;
  return libgit2_error(kind, "cannot fetch " + remote.display,
                       "check the URL, that the repository exists there and that you may read it");
}

// Points the mirror's HEAD at the remote's default branch, so "HEAD" resolves as on the remote.
void follow_remote_head(git_repository* repo, git_remote* remote) {
  GitBuf head;
  if (git_remote_default_branch(&head.buf, remote) == 0)
    (void)git_repository_set_head(repo, head.buf.ptr);  // fetched with the other branches
}

}  // namespace

Result<std::string> fetch(Repo& repo, const std::string& ref) {
  Repo::Impl& impl = repo.impl();
  if (auto st = check_reachable(impl); !st.ok()) return st.error();
  git_remote* raw = nullptr;
  if (git_remote_lookup(&raw, impl.repo, kRemoteName) != 0)
    return libgit2_error(ErrorKind::kInternal, "the git cache " + impl.path + " has no remote");
  RemotePtr remote(raw);
  FetchContext ctx;
  ctx.impl = &impl;
  ctx.ssh_methods = ssh_methods(impl.options);
  git_fetch_options opts = GIT_FETCH_OPTIONS_INIT;
  opts.callbacks.credentials = credentials;
  opts.callbacks.certificate_check = certificate_check;
  opts.callbacks.transfer_progress = transfer_progress;
  opts.callbacks.sideband_progress = sideband_progress;
  opts.callbacks.payload = &ctx;
  opts.prune = GIT_FETCH_PRUNE;
  opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;  // the refspecs take every tag already
  opts.proxy_opts.type = GIT_PROXY_AUTO;
  git_error_clear();
  int rc = git_remote_fetch(remote.get(), nullptr, &opts, "berth fetch");
  if (rc != 0) return fetch_failure(ctx, rc);
  follow_remote_head(impl.repo, remote.get());
  return resolve(repo, ref);
}

}  // namespace berth::git
