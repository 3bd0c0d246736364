#include "tests/cpesim/decode_memo.h"

#include <gtest/gtest.h>

#include <string>

#include "cwmp/codec.h"

namespace ruru::cpesim {
namespace {

std::string InformResponseXml(std::string id, cwmp::Namespace ns = cwmp::Namespace::kCwmp12, uint32_t max = 1) {
  cwmp::Envelope env;
  env.ns = ns;
  env.id = std::move(id);
  env.body = cwmp::InformResponse{max};
  auto xml = cwmp::Encode(env);
  EXPECT_TRUE(xml.ok());
  return xml.ok() ? *xml : "";
}

// Whatever the memo holds, its answer is cwmp::Decode's.
void ExpectSameAsDecode(DecodeMemo& memo, const std::string& body) {
  auto got = memo.Decode(body);
  auto want = cwmp::Decode(body);
  ASSERT_EQ(got.ok(), want.ok()) << body;
  if (!want.ok()) {
    EXPECT_EQ(got.error().message, want.error().message);
    return;
  }
  EXPECT_EQ(*got, want->envelope) << body;
}

TEST(DecodeMemo, ServesARepeatedInformResponseAfterTwoDecodesConfirmedIt) {
  DecodeMemo memo;
  ExpectSameAsDecode(memo, InformResponseXml("1001"));
  ExpectSameAsDecode(memo, InformResponseXml("1002"));
  EXPECT_EQ(memo.hits(), 0u);
  for (const char* id : {"1003", "77", "abc-DEF_1.2", "12345678901234567890123456789012"}) {
    ExpectSameAsDecode(memo, InformResponseXml(id));
  }
  EXPECT_EQ(memo.hits(), 4u);
}

TEST(DecodeMemo, AnythingElseGoesToGsoap) {
  DecodeMemo memo;
  ExpectSameAsDecode(memo, InformResponseXml("1001"));
  ExpectSameAsDecode(memo, InformResponseXml("1002"));
  const uint64_t before = memo.hits();
  // Another MaxEnvelopes, another namespace, an ID that is not plain, an ID too long, no ID,
  // garbage and a truncated copy.
  ExpectSameAsDecode(memo, InformResponseXml("1003", cwmp::Namespace::kCwmp12, 2));
  ExpectSameAsDecode(memo, InformResponseXml("1003", cwmp::Namespace::kCwmp10));
  ExpectSameAsDecode(memo, InformResponseXml("a b"));
  ExpectSameAsDecode(memo, InformResponseXml("x&y"));
  ExpectSameAsDecode(memo, InformResponseXml(""));
  ExpectSameAsDecode(memo, "<not soap>");
  const std::string good = InformResponseXml("1004");
  ExpectSameAsDecode(memo, good.substr(0, good.size() / 2));
  // The memo's frame around a character reference: gSOAP decodes "&#49;" to "1", the memo would not.
  std::string ref = good;
  ref.replace(ref.find(">1004<") + 1, 4, "&#49;");
  ExpectSameAsDecode(memo, ref);
  std::string long_id = good;  // longer than a plain ID may be (Encode refuses to write it)
  long_id.replace(long_id.find(">1004<") + 1, 4, std::string(65, '7'));
  ExpectSameAsDecode(memo, long_id);
  EXPECT_EQ(memo.hits(), before);
  ExpectSameAsDecode(memo, good);
  EXPECT_EQ(memo.hits(), before + 1);
}

TEST(DecodeMemo, AnIdThatAlsoAppearsElsewhereIsNeverRemembered) {
  DecodeMemo memo;
  // MaxEnvelopes is 1 too: ">1<" occurs twice, so the body cannot be cut around the ID.
  ExpectSameAsDecode(memo, InformResponseXml("1"));
  ExpectSameAsDecode(memo, InformResponseXml("1"));
  ExpectSameAsDecode(memo, InformResponseXml("1"));
  EXPECT_EQ(memo.hits(), 0u);
}

TEST(DecodeMemo, KeepsOneAnswerPerDialect) {
  DecodeMemo memo;
  for (auto ns : {cwmp::Namespace::kCwmp10, cwmp::Namespace::kCwmp12}) {
    ExpectSameAsDecode(memo, InformResponseXml("501", ns));
    ExpectSameAsDecode(memo, InformResponseXml("502", ns));
  }
  for (auto ns : {cwmp::Namespace::kCwmp10, cwmp::Namespace::kCwmp12})
    ExpectSameAsDecode(memo, InformResponseXml("503", ns));
  EXPECT_EQ(memo.hits(), 2u);
}

}  // namespace
}  // namespace ruru::cpesim
