// OpenPGP commit signatures, through gpg's machine-readable status lines (doc/DETAILS in
// GnuPG): a good signature from a key whose owner trust reaches the minimum, as git's
// gpg.minTrustLevel.
#include <sstream>

#include "engine/git/errors.h"
#include "engine/git/process.h"
#include "engine/git/verify.h"

namespace berth::git {
namespace {

// Trust levels in git's order, lowest first.
constexpr const char* kTrust[] = {"undefined", "never", "marginal", "full", "ultimate"};

int trust_rank(const std::string& name) {
  for (int i = 0; i < 5; ++i)
    if (name == kTrust[i]) return i;
  return -1;
}

// What gpg's status lines said.
struct GpgStatus {
  bool good = false;
  std::string problem;  // why the signature is not good, if gpg said so
  std::string uid, fingerprint, key_id;
  int trust = 0;
};

GpgStatus read_status(const std::string& out) {
  GpgStatus s;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string tag, word, arg;
    words >> tag >> word >> arg;
    if (tag != "[GNUPG:]") continue;
    std::string rest;
    std::getline(words, rest);
    if (!rest.empty() && rest[0] == ' ') rest.erase(0, 1);
    if (word == "GOODSIG")
      s.good = true, s.key_id = arg, s.uid = rest;
    else if (word == "VALIDSIG")
      s.fingerprint = arg;
    else if (word == "BADSIG")
      s.problem = "its OpenPGP signature is bad (made by " + rest + ")";
    else if (word == "EXPKEYSIG")
      s.problem = "it is signed by the expired key of " + rest;
    else if (word == "REVKEYSIG")
      s.problem = "it is signed by the revoked key of " + rest;
    else if (word == "NO_PUBKEY")
      s.problem = "it is signed by OpenPGP key " + arg + ", which is not in the keyring";
    else if (word.rfind("TRUST_", 0) == 0) {
      std::string level = word.substr(6);
      for (auto& c : level) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      s.trust = std::max(0, trust_rank(level == "fully" ? "full" : level));
    }
  }
  return s;
}

}  // namespace

Result<std::string> verify_gpg(const SignedCommit& commit, const VerifyOptions& options) {
  int min_trust = trust_rank(options.gpg_min_trust);
  if (min_trust < 0)
    return make_error(ErrorKind::kUsage,
                      "unknown OpenPGP trust level '" + options.gpg_min_trust + "'",
                      "use undefined, never, marginal, full or ultimate");
  if (!on_path("gpg"))
    return refused(commit, "it has an OpenPGP signature and gpg is not installed",
                   "install GnuPG (apt-get install gnupg), or sign with SSH keys");
  std::vector<std::string> env;
  if (!options.gnupg_home.empty()) env.push_back("GNUPGHOME=" + options.gnupg_home);
  auto run = run_process({"gpg", "--batch", "--no-tty", "--status-fd", "1", "--verify",
                          commit.signature, commit.payload},
                         "", env, "install GnuPG (apt-get install gnupg)");
  if (!run.ok()) return run.error();
  GpgStatus s = read_status(run->out);
  std::string keyring = options.gnupg_home.empty() ? "gpg's keyring" : options.gnupg_home;
  if (!s.problem.empty())
    return refused(commit, s.problem,
                   "import and certify the signer's public key in " + keyring + " if you trust it");
  if (!s.good || run->exit_code != 0)
    return refused(commit, "gpg does not accept its signature",
                   "run: git verify-commit -v " + commit.sha);
  std::string signer = s.uid + " (" + (s.fingerprint.empty() ? s.key_id : s.fingerprint) + ")";
  if (s.trust < min_trust)
    return refused(commit,
                   "it is signed by " + signer + ", whose key is trusted only '" + kTrust[s.trust] +
                       "' (at least '" + options.gpg_min_trust + "' is required)",
                   "certify the key (gpg --lsign-key) or raise its owner trust in " + keyring);
  return signer;
}

}  // namespace berth::git
