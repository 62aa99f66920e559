// Commit signature checks, one file per signature kind. Internal to engine/git/.
#pragma once

#include <cstdint>
#include <string>

#include "engine/git/git.h"

namespace berth::git {

// A signed commit, its signature and signed payload written to files for the checker.
struct SignedCommit {
  std::string sha;          // full
  std::string name;         // "commit 1a2b3c4", for messages
  std::string signature;    // path of the armored signature
  std::string payload;      // path of the commit object without its signature
  int64_t commit_time = 0;  // the committer's time: keys are checked as of then
};

// kInput: "<commit> refused: <why>".
Error refused(const SignedCommit& commit, const std::string& why, const std::string& hint = "");

// ssh-keygen -Y find-principals / verify against options.allowed_signers.
Result<std::string> verify_ssh(const SignedCommit& commit, const VerifyOptions& options);

// gpg --verify in options.gnupg_home, with at least options.gpg_min_trust.
Result<std::string> verify_gpg(const SignedCommit& commit, const VerifyOptions& options);

}  // namespace berth::git
