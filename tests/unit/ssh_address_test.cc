// The one ssh:// address parser (planner/address.h, issue 7.7).
#include <gtest/gtest.h>

#include "providers/provider.h"
#include "planner/address.h"

namespace berth {
namespace {

TEST(SshAddress, Forms) {
  auto t = parse_ssh_address("a", "ssh://deploy@203.0.113.10:2222");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->user, "deploy");
  EXPECT_EQ(t->host, "203.0.113.10");
  EXPECT_EQ(t->port, "2222");
  EXPECT_EQ(t->display, "deploy@203.0.113.10:2222");
  t = parse_ssh_address("a", "ssh://[2001:db8::1]:22");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->host, "2001:db8::1");
  EXPECT_EQ(t->port, "22");
  t = parse_ssh_address("a", "ssh://web-1");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->host, "web-1");
  EXPECT_EQ(t->user, "");
  EXPECT_EQ(ssh_address_host("ssh://u@h:1"), "h");
  EXPECT_EQ(ssh_address_host("unix:///var/run/docker.sock"), "");
}

TEST(SshAddress, BadOnesAreErrorsNamingTheHost) {
  for (const char* bad : {"ssh://", "ssh://u@", "ssh://h:", "ssh://h:22x", "ssh://[::1",
                          "ssh://[::1]x", "ssh://h/path", "tcp://h:2375"}) {
    auto t = parse_ssh_address("web", bad);
    ASSERT_FALSE(t.ok()) << bad;
    EXPECT_EQ(t.error().host, "web");
    EXPECT_EQ(ssh_address_host(bad), "") << bad;
  }
}

}  // namespace
}  // namespace berth
