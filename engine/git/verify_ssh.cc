// SSH commit signatures, checked the way `git verify-commit` does with gpg.format=ssh:
// find the principals allowed for the signing key, then verify in the "git" namespace as of
// the commit's time (so a key's valid-after/valid-before in allowed_signers is honoured).
#include <unistd.h>

#include <ctime>
#include <sstream>

#include "engine/git/errors.h"
#include "engine/git/process.h"
#include "engine/git/verify.h"

namespace berth::git {
namespace {

constexpr const char* kInstall = "install the OpenSSH client (apt-get install openssh-client)";

std::string verify_time_option(int64_t t) {
  time_t secs = static_cast<time_t>(t);
  tm utc{};
  gmtime_r(&secs, &utc);
  char buf[32];
  strftime(buf, sizeof buf, "-Overify-time=%Y%m%d%H%M%SZ", &utc);
  return buf;
}

std::string first_line(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  return line.empty() ? "no message" : line;
}

// "SHA256:..." of the key that made the signature, for telling the user which key it was.
std::string signing_key(const SignedCommit& commit) {
  auto run =
      run_process({"ssh-keygen", "-Y", "check-novalidate", "-n", "git", "-s", commit.signature},
                  commit.payload, {}, kInstall);
  if (!run.ok() || run->exit_code != 0) return "";
  size_t at = run->out.find("SHA256:");
  if (at == std::string::npos) return "";
  return run->out.substr(at, run->out.find_first_of(" \n", at) - at);
}

}  // namespace

Result<std::string> verify_ssh(const SignedCommit& commit, const VerifyOptions& options) {
  const std::string& allowed = options.allowed_signers;
  if (allowed.empty())
    return refused(commit, "it is signed with an SSH key and no allowed_signers file was given",
                   "give an allowed_signers file listing the keys you trust (ssh-keygen(1))");
  if (::access(allowed.c_str(), R_OK) != 0)
    return make_error(ErrorKind::kInput, "cannot read the allowed_signers file " + allowed,
                      "check the path");
  std::string at_time = verify_time_option(commit.commit_time);
  auto found = run_process(
      {"ssh-keygen", "-Y", "find-principals", "-f", allowed, "-s", commit.signature, at_time}, "",
      {}, kInstall);
  if (!found.ok()) return found.error();
  std::vector<std::string> principals;
  std::istringstream lines(found->out);
  for (std::string p; std::getline(lines, p);)
    if (!p.empty()) principals.push_back(p);
  if (found->exit_code != 0 || principals.empty()) {
    std::string key = signing_key(commit);
    return refused(commit,
                   "it is signed by an SSH key" + (key.empty() ? "" : " (" + key + ")") + " that " +
                       allowed + " does not allow (not listed, or not valid at the commit's time)",
                   "add the signer's key to the allowed_signers file if you trust it");
  }
  std::string why;
  for (const auto& principal : principals) {
    auto run = run_process({"ssh-keygen", "-Y", "verify", "-f", allowed, "-I", principal, "-n",
                            "git", "-s", commit.signature, at_time},
                           commit.payload, {}, kInstall);
    if (!run.ok()) return run.error();
    if (run->exit_code == 0) return principal;
    why = first_line(run->err);
  }
  return refused(commit, "its SSH signature does not verify (" + why + ")",
                 "the commit or its signature was altered, or the key was not valid at the "
                 "commit's time");
}

}  // namespace berth::git
