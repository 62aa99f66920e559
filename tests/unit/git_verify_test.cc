// Commit signature checks of engine/git/git.h: SSH signatures against an allowed_signers file,
// OpenPGP signatures with gpg (skipped when gpg is not installed), unsigned commits.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "engine/git/git.h"
#include "git_fixture.h"

namespace berth::git {
namespace {

namespace fs = std::filesystem;

TEST_F(GitTest, SshSignedCommitsNeedAnAllowedSigner) {
  sh("ssh-keygen -q -t ed25519 -N '' -C alice -f " + tmp_ + "/alice");
  sh("ssh-keygen -q -t ed25519 -N '' -C mallory -f " + tmp_ + "/mallory");
  write(tmp_ + "/allowed", "alice@example.com namespaces=\"git\" " + read(tmp_ + "/alice.pub"));
  write(tmp_ + "/others", "bob@example.com " + read(tmp_ + "/mallory.pub"));
  write(src_ + "/a", "1");
  sh("git -C " + src_ + " add a && git -C " + src_ +
     " -c gpg.format=ssh -c user.signingkey=" + tmp_ + "/alice commit -q -S -m signed");
  std::string sha = sh("git -C " + src_ + " rev-parse HEAD");
  std::string unsigned_sha = commit_file("b", "1", "not signed");
  Repo repo = open();
  ASSERT_TRUE(fetch(repo, "main").ok());
  std::string name = "commit " + sha.substr(0, 7) + " refused: ";

  VerifyOptions trusted;
  trusted.allowed_signers = tmp_ + "/allowed";
  EXPECT_EQ(value(verify_commit(repo, sha, trusted)), "alice@example.com");

  EXPECT_EQ(error_of(verify_commit(repo, sha, VerifyOptions{})),
            name + "it is signed with an SSH key and no allowed_signers file was given");
  VerifyOptions others;
  others.allowed_signers = tmp_ + "/others";
  std::string refused = error_of(verify_commit(repo, sha, others));
  EXPECT_EQ(refused.rfind(name + "it is signed by an SSH key (SHA256:", 0), 0u) << refused;
  EXPECT_NE(refused.find("that " + tmp_ + "/others does not allow"), std::string::npos);

  write(tmp_ + "/expired",
        "alice@example.com valid-before=\"20000101\" " + read(tmp_ + "/alice.pub"));
  others.allowed_signers = tmp_ + "/expired";
  refused = error_of(verify_commit(repo, sha, others));
  EXPECT_NE(refused.find("not valid at the commit's time"), std::string::npos) << refused;

  // The same signature over another message: the key is allowed, the signature is not valid.
  std::string forged =
      sh("git -C " + src_ + " cat-file commit " + sha + " | sed 's/^signed$/forged/' | git -C " +
         src_ + " hash-object -t commit -w --stdin");
  sh("git -C " + src_ + " branch forged " + forged);
  ASSERT_EQ(value(fetch(repo, "forged")), forged);
  refused = error_of(verify_commit(repo, forged, trusted));
  EXPECT_EQ(
      refused.rfind(
          "commit " + forged.substr(0, 7) + " refused: its SSH signature does not verify (", 0),
      0u)
      << refused;

  EXPECT_EQ(error_of(verify_commit(repo, unsigned_sha, trusted)),
            "commit " + unsigned_sha.substr(0, 7) + " refused: it is not signed");
}

// gpg-agent, which gpg starts for key generation and signing, runs until told to stop: stop
// the one of `home` by its PID.
void stop_gpg_agent(GitTest& t, const std::string& home) {
  std::string out =
      t.sh("GNUPGHOME=" + home + " gpg-connect-agent --no-autostart 'getinfo pid' /bye || true");
  if (out.rfind("D ", 0) != 0) return;  // none running
  pid_t pid = std::stoi(out.substr(2));
  ::kill(pid, SIGTERM);
  for (int i = 0; i < 500 && ::kill(pid, 0) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_NE(::kill(pid, 0), 0) << "gpg-agent " << pid << " did not stop";
}

TEST_F(GitTest, OpenPgpSignedCommitsNeedATrustedKey) {
  if (system("command -v gpg >/dev/null && command -v gpg-connect-agent >/dev/null") != 0)
    GTEST_SKIP() << "gpg is not installed";
  std::string signer_home = tmp_ + "/gpg-signer", other_home = tmp_ + "/gpg-other";
  for (const auto& h : {signer_home, other_home}) fs::create_directories(h);
  for (const auto& h : {signer_home, other_home}) fs::permissions(h, fs::perms::owner_all);
  std::string gpg = "GNUPGHOME=" + signer_home + " gpg --batch --quiet ";
  sh(gpg + "--passphrase '' --quick-gen-key 'Bob <bob@example.com>' ed25519 sign never");
  write(src_ + "/a", "1");
  sh("git -C " + src_ + " add a && GNUPGHOME=" + signer_home + " git -C " + src_ +
     " -c user.signingkey=bob@example.com commit -q -S -m pgp");
  std::string sha = sh("git -C " + src_ + " rev-parse HEAD");
  sh(gpg + "--export bob@example.com > " + tmp_ + "/bob.asc");
  sh("GNUPGHOME=" + other_home + " gpg --batch --quiet --import " + tmp_ + "/bob.asc");
  stop_gpg_agent(*this, signer_home);
  stop_gpg_agent(*this, other_home);
  Repo repo = open();
  ASSERT_TRUE(fetch(repo, "main").ok());

  VerifyOptions own;  // the signer's own keyring: its key is ultimately trusted
  own.gnupg_home = signer_home;
  std::string signer = value(verify_commit(repo, sha, own));
  EXPECT_EQ(signer.rfind("Bob <bob@example.com> (", 0), 0u) << signer;

  VerifyOptions imported;  // a keyring that holds the key but does not trust it
  imported.gnupg_home = other_home;
  std::string refused = error_of(verify_commit(repo, sha, imported));
  EXPECT_EQ(refused.rfind("commit " + sha.substr(0, 7) + " refused: it is signed by Bob", 0), 0u)
      << refused;
  EXPECT_NE(refused.find("trusted only 'undefined' (at least 'marginal' is required)"),
            std::string::npos)
      << refused;
  imported.gpg_min_trust = "undefined";
  EXPECT_TRUE(verify_commit(repo, sha, imported).ok());

  VerifyOptions empty;  // a keyring without the key
  empty.gnupg_home = tmp_ + "/gpg-empty";
  fs::create_directories(empty.gnupg_home);
  fs::permissions(empty.gnupg_home, fs::perms::owner_all);
  refused = error_of(verify_commit(repo, sha, empty));
  EXPECT_NE(refused.find("which is not in the keyring"), std::string::npos) << refused;
  stop_gpg_agent(*this, empty.gnupg_home);
}

}  // namespace
}  // namespace berth::git
