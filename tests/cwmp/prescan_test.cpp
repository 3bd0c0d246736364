#include "cwmp/prescan.h"

#include <gtest/gtest.h>

namespace ruru::cwmp::internal {
namespace {

constexpr size_t kCap = 1 << 20;
constexpr unsigned kDepth = 64;

TEST(Prescan, EmptyAndWhitespaceBodiesAreEmpty) {
  for (const char* body : {"", " ", "\r\n\t ", "\xEF\xBB\xBF"}) {
    auto r = Screen(body, kCap, kDepth);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(r->empty) << "body: " << body;
  }
}

TEST(Prescan, StripsBomAndXmlDeclaration) {
  auto r = Screen("\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a/>", kCap, kDepth);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->empty);
  EXPECT_EQ(r->Xml(), "\n<a/>");
}

TEST(Prescan, TranscodesLatin1ToUtf8) {
  auto r = Screen("<?xml version='1.0' encoding='ISO-8859-1'?><a>Caf\xE9 \xFC</a>", kCap, kDepth);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->Xml(), "<a>Caf\xC3\xA9 \xC3\xBC</a>");
  EXPECT_TRUE(r->warnings.empty());
}

TEST(Prescan, ReadsWindows1252AsLatin1WithAWarning) {
  auto r = Screen("<?xml version=\"1.0\" encoding=\"windows-1252\"?><a>\xE9</a>", kCap, kDepth);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->Xml(), "<a>\xC3\xA9</a>");
  ASSERT_EQ(r->warnings.size(), 1u);
}

TEST(Prescan, Latin1BytesWithoutDeclarationAreInvalidUtf8) {
  auto r = Screen("<a>Caf\xE9</a>", kCap, kDepth);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("invalid UTF-8"), std::string::npos);
}

TEST(Prescan, SkipsCommentsCdataAndProcessingInstructions) {
  auto r = Screen("<a><!-- <b> & --><![CDATA[ <c> & ]]><?pi x?></a>", kCap, kDepth);
  ASSERT_TRUE(r.ok()) << r.error().message;
}

TEST(Prescan, QuotedAttributeValuesDoNotConfuseTheDepthCount) {
  auto r = Screen("<a x=\"/>\" y='>'><b/><c></c></a>", kCap, 2);
  ASSERT_TRUE(r.ok()) << r.error().message;
  // <a><b><c/></b></a> is three levels.
  EXPECT_FALSE(Screen("<a><b><c/></b></a>", kCap, 2).ok());
  EXPECT_TRUE(Screen("<a><b/><b/><b/></a>", kCap, 2).ok());
}

TEST(Prescan, RejectsUnterminatedConstructs) {
  for (const char* body : {"<a><!-- x", "<a><![CDATA[ x", "<?xml version=\"1.0\"", "<a x=\"1", "<a><?pi"}) {
    EXPECT_FALSE(Screen(body, kCap, kDepth).ok()) << body;
  }
}

TEST(Prescan, RejectsLessThanInsideATag) {
  EXPECT_FALSE(Screen("<a <b>>", kCap, kDepth).ok());
}

TEST(Prescan, Utf8Validation) {
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8("Caf\xC3\xA9 \xE6\x97\xA5 \xF0\x9F\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xC3"));
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\x80"));  // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xBF\xBF"));  // surrogate
}

TEST(Prescan, XmlSafeTextRejectsControlCharacters) {
  EXPECT_TRUE(IsXmlSafeText("tab\there\r\n"));
  EXPECT_FALSE(IsXmlSafeText(std::string("nul\0", 4)));
  EXPECT_FALSE(IsXmlSafeText("bell\x07"));
  EXPECT_FALSE(IsXmlSafeText("\xEF\xBF\xBF"));  // U+FFFF is not an XML character
}

}  // namespace
}  // namespace ruru::cwmp::internal
