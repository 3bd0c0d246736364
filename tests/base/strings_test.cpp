#include "base/strings.h"

#include <gtest/gtest.h>

#include "base/ip_network.h"
#include "base/web.h"

namespace ruru {
namespace {

TEST(Strings, TrimTakesBlanksOrTheGivenCharacters) {
  EXPECT_EQ(Trim(" \t a b \t "), "a b");
  EXPECT_EQ(Trim("\r\n a \n"), "\r\n a \n");  // blanks only by default
  EXPECT_EQ(Trim("\r\n a \v\f\n", kSpaces), "a");
  EXPECT_EQ(Trim(" \ta ", " "), "\ta");
  EXPECT_EQ(Trim(""), "");
  EXPECT_EQ(Trim("   "), "");
}

TEST(Strings, CaseInsensitiveComparisons) {
  EXPECT_TRUE(IEquals("Digest", "dIGEST"));
  EXPECT_FALSE(IEquals("Digest", "Digests"));
  EXPECT_TRUE(IStartsWith("WWW-Authenticate: x", "www-authenticate:"));
  EXPECT_FALSE(IStartsWith("WWW", "www-"));
  EXPECT_TRUE(IContains("Basic realm=x, Digest nonce=y", "digest"));
  EXPECT_FALSE(IContains("Basic", "digest"));
  EXPECT_EQ(ToLower("AbC-1"), "abc-1");
}

TEST(Strings, PrintableEscapesAndCuts) {
  EXPECT_EQ(Printable("ok", 10), "ok");
  EXPECT_EQ(Printable(std::string("a\0b\n", 4), 10), "a\\x00b\\x0a");
  EXPECT_EQ(Printable("abcdef", 3), "abc...");
  EXPECT_EQ(Printable("\xff", 10), "\\xff");
}

TEST(IpNetwork, ParsesListsAndMatchesAddresses) {
  auto nets = ParseNetworks(" 10.0.0.0/8, 192.168.1.7 ,::1/128, 2001:db8::/32 ");
  ASSERT_TRUE(nets.ok()) << nets.error().message;
  ASSERT_EQ(nets->size(), 4u);
  EXPECT_TRUE(InNetworks("10.200.1.1", *nets));
  EXPECT_TRUE(InNetworks("192.168.1.7", *nets));
  EXPECT_FALSE(InNetworks("192.168.1.8", *nets));
  EXPECT_TRUE(InNetworks("::ffff:10.1.2.3", *nets));  // v4-mapped counts as v4
  EXPECT_TRUE(InNetworks("2001:db8:1::5", *nets));
  EXPECT_FALSE(InNetworks("2001:db9::5", *nets));
  EXPECT_FALSE(InNetworks("not an address", *nets));
  auto cleared = ParseNetworks("10.1.2.3/8");
  ASSERT_TRUE(cleared.ok());
  EXPECT_TRUE(InNetworks("10.9.9.9", *cleared));
  EXPECT_TRUE(ParseNetworks("").ok());
  EXPECT_FALSE(ParseNetworks("10.0.0.0/33").ok());
  EXPECT_FALSE(ParseNetworks("10.0.0.0/8,,").ok());
  EXPECT_FALSE(ParseNetworks("example.net").ok());
  EXPECT_NE(ParseNetworks("10.0.0.0/x").error().message.find("10.0.0.0/x"), std::string::npos);
}

TEST(WebHeaders, NamesCompareCaseInsensitivelyAndSetReplacesEveryValue) {
  web::Headers h;
  h.Add("Accept", "a");
  h.Add("ACCEPT", "b");
  EXPECT_EQ(h.Count("accept"), 2u);
  EXPECT_EQ(h.Get("accept"), "a");
  EXPECT_EQ(h.Get("Accept-Language"), "");  // a prefix is not the name
  h.Set("accept", "c");
  EXPECT_EQ(h.Count("Accept"), 1u);
  EXPECT_EQ(h.Get("Accept"), "c");
  h.Erase("ACCEPT");
  EXPECT_FALSE(h.Has("accept"));
  EXPECT_TRUE(h.fields().empty());

  web::Request r;
  r.target = "/a/b?c=1&d";
  EXPECT_EQ(r.Path(), "/a/b");
  EXPECT_EQ(r.Query(), "c=1&d");
  r.target = "/a";
  EXPECT_EQ(r.Query(), "");
}

}  // namespace
}  // namespace ruru
