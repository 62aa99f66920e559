// How engine/git reads repository URLs (engine/git/url.h): which transport, host and port, the
// cache key of local paths, passwords kept out of messages, and malformed URLs refused.
#include "engine/git/url.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace berth::git {
namespace {

RemoteUrl parse(const std::string& text) {
  auto u = parse_remote_url(text);
  EXPECT_TRUE(u.ok()) << text << ": " << (u.ok() ? "" : u.error().str());
  return u.ok() ? *u : RemoteUrl{};
}

TEST(GitUrl, LocalPathsAreOneAbsoluteDirectory) {
  std::string cwd = std::filesystem::current_path().string();
  EXPECT_EQ(parse("/srv/git/stack/").url, "/srv/git/stack");
  EXPECT_EQ(parse("file:///srv/git/./stack").url, "/srv/git/stack");
  EXPECT_EQ(parse("stack").url, cwd + "/stack");
  EXPECT_EQ(parse("./a/b:c").transport, Transport::kLocal);  // a slash before the colon
}

TEST(GitUrl, SshUrlsAndTheScpLikeForm) {
  RemoteUrl u = parse("ssh://deploy@git.example.org:2222/ops/stack.git");
  EXPECT_EQ(u.transport, Transport::kSsh);
  EXPECT_EQ(u.user, "deploy");
  EXPECT_EQ(u.host, "git.example.org");
  EXPECT_EQ(u.port, 2222);
  u = parse("git@github.com:org/stack.git");
  EXPECT_EQ(u.transport, Transport::kSsh);
  EXPECT_EQ(u.user, "git");
  EXPECT_EQ(u.host, "github.com");
  EXPECT_EQ(u.port, 22);
  EXPECT_EQ(u.url, "git@github.com:org/stack.git");  // libgit2 reads this form itself
  u = parse("git@[2001:db8::1]:stack.git");
  EXPECT_EQ(u.host, "2001:db8::1");
  u = parse("ssh://[2001:db8::1]:2200/stack.git");
  EXPECT_EQ(u.host, "2001:db8::1");
  EXPECT_EQ(u.port, 2200);
}

TEST(GitUrl, HttpsPasswordsStayOutOfMessages) {
  RemoteUrl u = parse("https://ci:s3cret@git.example.org/ops/stack.git");
  EXPECT_EQ(u.transport, Transport::kHttp);
  EXPECT_EQ(u.port, 443);
  EXPECT_EQ(u.url, "https://ci:s3cret@git.example.org/ops/stack.git");
  EXPECT_EQ(u.display, "https://ci:***@git.example.org/ops/stack.git");
  EXPECT_EQ(parse("http://git.local:8080/x").port, 8080);
}

TEST(GitUrl, MalformedUrlsAreRefusedWithTheReason) {
  auto why = [](const std::string& text) {
    auto u = parse_remote_url(text);
    return u.ok() ? std::string("accepted") : u.error().message;
  };
  EXPECT_EQ(why(""), "bad repository URL '': it is empty");
  EXPECT_EQ(why("git://example.org/x"),
            "bad repository URL 'git://example.org/x': unsupported scheme 'git'");
  EXPECT_EQ(why("https://example.org"),
            "bad repository URL 'https://example.org': no path after the host");
  EXPECT_EQ(why("ssh://host:0/x"), "bad repository URL 'ssh://host:0/x': bad host or port");
  EXPECT_EQ(why("ssh://host:22x/x"), "bad repository URL 'ssh://host:22x/x': bad host or port");
  EXPECT_EQ(why("file://relative/x"),
            "bad repository URL 'file://relative/x': file:// URLs take an absolute path on this "
            "machine (file:///path)");
  EXPECT_EQ(why("git@host:"), "bad repository URL 'git@host:': no host or no path");
}

}  // namespace
}  // namespace berth::git
