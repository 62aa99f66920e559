// berth sync (issue 9), one-shot: commits deploy and label their replicas, a broken commit is
// refused while the last good one runs, --prune, downgrades, a checkout elsewhere plans nothing,
// the lock, signatures. The watch loop is in sync_watch_test.cc.

#include "sync_fixture.h"

namespace berth::testing {
namespace {

using namespace sync_lab;

TEST_F(Sync, CommitsDeployRefusalsKeepTheLastGoodOnePruneOnlyWhenAsked) {
  std::string a = commit(stack({"1", 2, true}), "A: web and worker");
  CommandResult first = sync();
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_THAT(first.out,
              HasSubstr("sync: converged to " + a.substr(0, 7) + " (A: web and worker)"));
  EXPECT_TRUE(all_at(a));
  CommandResult again = sync();
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(again.out, HasSubstr("sync: in sync at " + a.substr(0, 7)));

  std::string b = commit(stack({"2", 2, true}), "B: web v2");
  CommandResult second = sync({"--json"});
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  EXPECT_TRUE(all_at(b));
  json last = json::parse(second.out.substr(second.out.rfind("{\"changes\"")));
  EXPECT_EQ(last["result"], "converged");
  EXPECT_EQ(last["commit"], b);

  // A broken commit is refused; B keeps running.
  std::string c = commit("services:\n  web: [\n", "C: broken yaml");
  CommandResult broken = sync();
  EXPECT_EQ(broken.exit_code, 9) << broken.out << broken.err;
  EXPECT_THAT(broken.out, HasSubstr("sync: refused " + c.substr(0, 7) + " (C: broken yaml)"));
  EXPECT_THAT(broken.out, HasSubstr("invalid YAML"));
  EXPECT_TRUE(all_at(b));

  // The worker leaves the repository: left running, and said so, until --prune.
  std::string d = commit(stack({"2", 2, false}), "D: no worker");
  CommandResult kept = sync();
  EXPECT_EQ(kept.exit_code, 0) << kept.out << kept.err;
  EXPECT_THAT(kept.err, HasSubstr("left running (no longer in the commit; --prune removes them): "
                                  "worker"));
  EXPECT_EQ(commits("worker").size(), 1u);
  CommandResult pruned = sync({"--prune"});
  EXPECT_EQ(pruned.exit_code, 0) << pruned.out << pruned.err;
  EXPECT_TRUE(commits("worker", false).empty());
  EXPECT_TRUE(all_at(b)) << "D changed nothing in web: its replicas keep B's label";

  // Going back to A is a downgrade.
  CommandResult down = sync({"--ref", a.substr(0, 10)});
  EXPECT_EQ(down.exit_code, 9) << down.out << down.err;
  EXPECT_THAT(down.out, HasSubstr("--allow-downgrade"));
  EXPECT_TRUE(all_at(b));

  // A checkout somewhere else plans no changes (files are hashed relative to the stack).
  std::string elsewhere = dir_ + "/elsewhere/clone";
  ASSERT_EQ(run({"git", "clone", "-q", repo_, elsewhere}).exit_code, 0);
  CommandResult plan = run_berth(lab_args({"plan", "--detailed-exitcode"}), elsewhere);
  EXPECT_EQ(plan.exit_code, 0) << plan.out << plan.err;

  // Another run holds the lock: exit 4, nothing changed.
  commit(stack({"3"}), "E: web v3");
  docker_on(lab_->hosts[0],
            {"volume", "create", "--label", "io.berth.lock=gitops", "--label",
             "io.berth.lock.kind=lock", "--label", "io.berth.lock.id=other", "--label",
             "io.berth.lock.user=ci", "--label", "io.berth.lock.machine=elsewhere", "--label",
             "io.berth.lock.pid=4242", "--label", "io.berth.lock.since=2026-12-01T00:00:00Z",
             "--label", "io.berth.lock.ttl=3600", "berth-lock-gitops"});
  CommandResult locked = sync();
  docker_on(lab_->hosts[0], {"volume", "rm", "-f", "berth-lock-gitops"});
  EXPECT_EQ(locked.exit_code, 4) << locked.out << locked.err;
  EXPECT_THAT(locked.out, HasSubstr("ci@elsewhere"));
  EXPECT_TRUE(all_at(b));
}

TEST_F(Sync, VerifySignaturesRefusesUnsignedAndAcceptsAnAllowedKey) {
  std::string key = dir_ + "/signer";
  ASSERT_EQ(run({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key}).exit_code, 0);
  write_file(dir_ + "/allowed_signers",
             "t@example.org namespaces=\"git\" " + read_all(key + ".pub"));
  std::vector<std::string> verify = {"--verify-signatures", "--allowed-signers",
                                     dir_ + "/allowed_signers"};
  std::string unsigned_sha = commit(stack({}), "unsigned");
  CommandResult refused = sync(verify);
  EXPECT_EQ(refused.exit_code, 9) << refused.out << refused.err;
  EXPECT_THAT(refused.out, HasSubstr("sync: refused " + unsigned_sha.substr(0, 7) + " (unsigned)"));
  EXPECT_TRUE(commits("web", false).empty());

  git({"config", "gpg.format", "ssh"});
  git({"config", "user.signingkey", key});
  std::string signed_sha = commit(stack({"2"}), "signed", {"-S"});
  CommandResult accepted = sync(verify);
  EXPECT_EQ(accepted.exit_code, 0) << accepted.out << accepted.err;
  EXPECT_TRUE(all_at(signed_sha));
}

}  // namespace
}  // namespace berth::testing
