// The Git layer of `berth sync` (engine/git/git.h) against local repositories that the `git`
// CLI builds in a temporary directory: fetch and ref resolution, ancestry, checkout, errors,
// the cache lock, commit metadata. Signatures: git_verify_test.cc.
#include "engine/git/git.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "git_fixture.h"

namespace berth::git {
namespace {

namespace fs = std::filesystem;

TEST_F(GitTest, FetchResolvesBranchesTagsAndShas) {
  std::string first = commit_file("compose.yaml", "services: {}\n", "first");
  sh("git -C " + src_ + " tag v1");  // lightweight
  sh("git -C " + src_ + " checkout -q -b dev");
  std::string second = commit_file("compose.yaml", "services: {a: {image: x}}\n", "second");
  sh("git -C " + src_ + " tag -a v2 -m release");  // annotated
  sh("git -C " + src_ + " checkout -q main");

  Repo repo = open();
  EXPECT_EQ(value(fetch(repo, "main")), first);
  EXPECT_EQ(value(resolve(repo, "dev")), second);
  EXPECT_EQ(value(resolve(repo, "v1")), first);
  EXPECT_EQ(value(resolve(repo, "v2")), second);  // peeled to the commit, not the tag object
  EXPECT_EQ(value(resolve(repo, "refs/heads/dev")), second);
  EXPECT_EQ(value(resolve(repo, second)), second);
  EXPECT_EQ(value(resolve(repo, second.substr(0, 8))), second);
  EXPECT_EQ(value(resolve(repo, "")), first);  // the remote's default branch
  EXPECT_EQ(value(resolve(repo, "HEAD")), first);
}

TEST_F(GitTest, FetchFollowsNewCommitsForcedUpdatesAndDeletedBranches) {
  std::string first = commit_file("a", "1", "first");
  sh("git -C " + src_ + " branch gone");
  Repo repo = open();
  EXPECT_EQ(value(fetch(repo, "main")), first);
  EXPECT_EQ(value(fetch(repo, "gone")), first);

  std::string second = commit_file("a", "2", "second");
  EXPECT_EQ(value(fetch(repo, "main")), second);
  EXPECT_TRUE(value(is_ancestor(repo, first, second)));
  EXPECT_FALSE(value(is_ancestor(repo, second, first)));
  EXPECT_TRUE(value(is_ancestor(repo, second, second)));

  sh("git -C " + src_ + " reset -q --hard " + first);  // a force-push back
  sh("git -C " + src_ + " branch -D gone");
  EXPECT_EQ(value(fetch(repo, "main")), first);
  auto gone = fetch(repo, "gone");
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().kind, ErrorKind::kInput);
  EXPECT_NE(gone.error().message.find("ref 'gone' not found"), std::string::npos);
}

TEST_F(GitTest, DivergedBranchesAreNotAncestors) {
  std::string base = commit_file("a", "1", "base");
  sh("git -C " + src_ + " checkout -q -b other");
  std::string left = commit_file("b", "1", "left");
  sh("git -C " + src_ + " checkout -q main");
  std::string right = commit_file("c", "1", "right");
  Repo repo = open();
  ASSERT_TRUE(fetch(repo, "main").ok());
  EXPECT_FALSE(value(is_ancestor(repo, left, right)));
  EXPECT_FALSE(value(is_ancestor(repo, right, left)));
  EXPECT_TRUE(value(is_ancestor(repo, base, left)));
}

TEST_F(GitTest, CheckoutWritesTheTreeWithModesSymlinksAndSubmodules) {
  fs::create_directories(src_ + "/stack/conf");
  write(src_ + "/stack/compose.yaml", "services: {}\n");
  write(src_ + "/stack/conf/app.ini", "x=1\n");
  write(src_ + "/stack/run.sh", "#!/bin/sh\necho hi\n");
  ::chmod((src_ + "/stack/run.sh").c_str(), 0755);
  fs::create_symlink("conf/app.ini", src_ + "/stack/app.ini");
  // A submodule (a gitlink to a commit of another repository) becomes an empty directory.
  sh("git -C " + src_ + " add -A && git -C " + src_ + " update-index --add --cacheinfo 160000," +
     std::string(40, '1') + ",stack/vendor && git -C " + src_ + " commit -q -m tree");
  std::string sha = sh("git -C " + src_ + " rev-parse HEAD");
  Repo repo = open();
  ASSERT_EQ(value(fetch(repo, "main")), sha);

  std::string out = tmp_ + "/checkouts/" + sha;  // its parent does not exist yet
  ASSERT_TRUE(checkout(repo, sha, out).ok());
  EXPECT_EQ(read(out + "/stack/compose.yaml"), "services: {}\n");
  EXPECT_EQ(read(out + "/stack/conf/app.ini"), "x=1\n");
  EXPECT_EQ(fs::status(out + "/stack/run.sh").permissions() & fs::perms::owner_exec,
            fs::perms::owner_exec);
  EXPECT_EQ(fs::status(out + "/stack/compose.yaml").permissions() & fs::perms::owner_exec,
            fs::perms::none);
  ASSERT_TRUE(fs::is_symlink(out + "/stack/app.ini"));
  EXPECT_EQ(fs::read_symlink(out + "/stack/app.ini"), "conf/app.ini");
  EXPECT_TRUE(fs::is_directory(out + "/stack/vendor"));
  EXPECT_TRUE(fs::is_empty(out + "/stack/vendor"));
  EXPECT_FALSE(fs::exists(out + "/.git"));
  EXPECT_EQ(entries(tmp_ + "/checkouts"), std::vector<std::string>{sha});  // no .tmp left

  auto again = checkout(repo, sha, out);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind, ErrorKind::kUsage);
  EXPECT_NE(again.error().message.find("already exists"), std::string::npos);
}

TEST_F(GitTest, ACraftedTreeCannotWriteOutsideTheCheckout) {
  std::string blob = sh("echo owned | git -C " + src_ + " hash-object -w --stdin");
  for (std::string name : {"..", ".git", ".GIT"}) {
    // A tree git itself would never write: one entry named `name`.
    std::string tree = sh("perl -e 'print \"100644 " + name + "\\0\", pack(\"H*\", \"" + blob +
                          "\")' | git -C " + src_ + " hash-object -t tree --literally -w --stdin");
    std::string commit = sh("git -C " + src_ + " commit-tree -m evil " + tree);
    sh("git -C " + src_ + " branch -f evil " + commit);
    Repo repo = open();
    ASSERT_EQ(value(fetch(repo, "evil")), commit);
    auto st = checkout(repo, commit, tmp_ + "/out/x");
    ASSERT_FALSE(st.ok()) << name;
    EXPECT_EQ(st.error().message, "cannot check out commit " + commit.substr(0, 7) +
                                      ": the tree has an entry that may not be written: '" + name +
                                      "'");
    EXPECT_TRUE(fs::is_empty(tmp_ + "/out"));  // the temporary directory is gone
    EXPECT_FALSE(fs::exists(tmp_ + "/owned"));
  }
}

TEST_F(GitTest, BadUrlsSayWhatIsWrong) {
  auto missing = open_cache(tmp_ + "/nowhere", options_);
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(error_of(fetch(*missing, "main")),
            "repository " + tmp_ + "/nowhere does not exist (no such directory)");

  fs::create_directories(tmp_ + "/plain");
  auto plain = open_cache("file://" + tmp_ + "/plain", options_);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(error_of(fetch(*plain, "main")), tmp_ + "/plain is not a git repository");

  auto ftp = open_cache("ftp://example.org/x", options_);
  ASSERT_FALSE(ftp.ok());
  EXPECT_EQ(ftp.error().message,
            "bad repository URL 'ftp://example.org/x': unsupported scheme 'ftp'");

  // Port 1 on loopback: nothing listens there.
  for (std::string url : {"ssh://git@127.0.0.1:1/repo.git", "https://127.0.0.1:1/repo.git"}) {
    auto closed = open_cache(url, options_);
    ASSERT_TRUE(closed.ok()) << url;
    auto fetched = fetch(*closed, "main");
    ASSERT_FALSE(fetched.ok());
    EXPECT_EQ(fetched.error().kind, ErrorKind::kHost);
    EXPECT_EQ(fetched.error().message, "cannot reach the git host 127.0.0.1:1: Connection refused");
  }
}

TEST_F(GitTest, AnotherUsersRepositoryNamesSafeDirectory) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give the repository away";
  commit_file("a", "1", "first");
  sh("chown -R nobody " + src_);
  Repo repo = open();
  auto r = fetch(repo, "main");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "repository " + src_ +
                                   " belongs to another user, which git refuses to read "
                                   "(safe.directory)");
  EXPECT_EQ(r.error().hint, "if you trust it: git config --global --add safe.directory " + src_);
}

TEST_F(GitTest, AMissingRefIsNamedWithWhatExists) {
  commit_file("a", "1", "first");
  sh("git -C " + src_ + " tag v1");
  Repo repo = open();
  auto r = fetch(repo, "release-9");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kInput);
  EXPECT_EQ(r.error().message,
            "ref 'release-9' not found in " + src_ + " (no branch, tag or commit of that name)");
  EXPECT_EQ(r.error().hint, "branches: main; tags: v1");
  EXPECT_EQ(error_of(resolve(repo, "0000000000000000000000000000000000000000")),
            "commit 0000000000000000000000000000000000000000 not found in " + src_);
}

TEST_F(GitTest, OneCachePerUrlLockedAgainstASecondUser) {
  commit_file("a", "1", "first");
  auto a = open_cache(src_, options_);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(fs::path(a->path()).parent_path(), fs::path(options_.cache_root));
  EXPECT_EQ(fs::path(a->path()).filename().string().size(), 16u);

  auto b = open_cache("file://" + src_, options_);  // the same repository, another spelling
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().kind, ErrorKind::kLock);
  EXPECT_NE(b.error().message.find("in use by another berth (pid " + std::to_string(getpid())),
            std::string::npos)
      << b.error().message;

  std::string path = a->path();
  { Repo release = std::move(*a); }
  auto c = open_cache("file://" + src_ + "/", options_);
  ASSERT_TRUE(c.ok()) << c.error().str();
  EXPECT_EQ(c->path(), path);
}

TEST_F(GitTest, AnInterruptedFetchSaysSo) {
  commit_file("a", "1", "first");
  int polls = 0;
  options_.interrupted = [&polls] { return ++polls > 0; };
  Repo repo = open();
  auto r = fetch(repo, "main");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kInterrupted);
  EXPECT_EQ(r.error().message, "fetch of " + src_ + " interrupted");
  EXPECT_GT(polls, 0);
}

TEST_F(GitTest, CommitInfoGivesSubjectAuthorAndTime) {
  ::setenv("GIT_AUTHOR_DATE", "1700000000 +0130", 1);
  std::string sha = commit_file("a", "1", "Deploy web\n\nwith a body");
  ::unsetenv("GIT_AUTHOR_DATE");
  Repo repo = open();
  ASSERT_TRUE(fetch(repo, "main").ok());
  CommitInfo info = value(commit_info(repo, sha.substr(0, 10)));
  EXPECT_EQ(info.sha, sha);
  EXPECT_EQ(info.subject, "Deploy web");
  EXPECT_EQ(info.author_name, "Alice");
  EXPECT_EQ(info.author_email, "alice@example.com");
  EXPECT_EQ(info.author_time, 1700000000);
  EXPECT_EQ(info.author_utc_offset_minutes, 90);
  EXPECT_EQ(info.committer_email, "alice@example.com");
}

}  // namespace
}  // namespace berth::git
