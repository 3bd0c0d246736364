// The array-literal builder the Inform batch passes its columns with, and the input limits.
#include "db/pg/array_literal.h"

#include <gtest/gtest.h>

#include "db/inventory_limits.h"

namespace ruru::db {
namespace {

using pg::AppendQuotedArrayElement;
using pg::ArrayLiteral;

TEST(ArrayLiteral, EmptyIsBraces) {
  ArrayLiteral a;
  EXPECT_EQ(a.Finish(), "{}");
  EXPECT_EQ(a.size(), 0u);
}

TEST(ArrayLiteral, QuotesEveryTextElement) {
  ArrayLiteral a;
  a.Add("a");
  a.Add("");
  a.Add("NULL");
  a.Add("x y");
  EXPECT_EQ(a.Finish(), R"({"a","","NULL","x y"})");
  EXPECT_EQ(a.size(), 4u);
}

TEST(ArrayLiteral, EscapesQuoteAndBackslashOnly) {
  ArrayLiteral a;
  a.Add(R"(say "hi")");
  a.Add(R"(C:\dir\)");
  a.Add("{a,b}");
  a.Add("tab\tnew\nline");
  EXPECT_EQ(a.Finish(), "{\"say \\\"hi\\\"\",\"C:\\\\dir\\\\\",\"{a,b}\",\"tab\tnew\nline\"}");
}

TEST(ArrayLiteral, NullsIntsAndBools) {
  ArrayLiteral a;
  a.AddNull();
  a.AddOptional(std::nullopt);
  a.AddOptional(std::string("v"));
  EXPECT_EQ(a.Finish(), R"({NULL,NULL,"v"})");
  ArrayLiteral n;
  n.AddInt(-5);
  n.AddInt(9223372036854775807);
  n.AddNull();
  EXPECT_EQ(n.Finish(), "{-5,9223372036854775807,NULL}");
  ArrayLiteral b;
  b.AddBool(true);
  b.AddBool(false);
  EXPECT_EQ(b.Finish(), "{t,f}");
}

TEST(ArrayLiteral, FinishKeepsBuilderUsable) {
  ArrayLiteral a;
  a.Add("1");
  EXPECT_EQ(a.Finish(), R"({"1"})");
  a.Add("2");
  EXPECT_EQ(a.Finish(), R"({"1","2"})");
}

TEST(ArrayLiteral, Utf8PassesThrough) {
  std::string out;
  AppendQuotedArrayElement(out, "Ōtautahi \xF0\x9F\x98\x80");
  EXPECT_EQ(out, "\"Ōtautahi \xF0\x9F\x98\x80\"");
}

TEST(InventoryLimits, StorableText) {
  EXPECT_TRUE(IsStorableText(""));
  EXPECT_TRUE(IsStorableText("plain ASCII"));
  EXPECT_TRUE(IsStorableText("Māori \xE2\x82\xAC \xF4\x8F\xBF\xBF"));  // up to U+10FFFF
  EXPECT_FALSE(IsStorableText(std::string("a\0b", 3)));
  EXPECT_FALSE(IsStorableText("\xC3"));              // truncated
  EXPECT_FALSE(IsStorableText("\xC0\xAF"));          // overlong
  EXPECT_FALSE(IsStorableText("\xE0\x80\xAF"));      // overlong, 3 bytes
  EXPECT_FALSE(IsStorableText("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(IsStorableText("\xF4\x90\x80\x80"));  // > U+10FFFF
  EXPECT_FALSE(IsStorableText("\x80"));              // lone continuation byte
  EXPECT_FALSE(IsStorableText("\xFF"));
}

InformWrite GoodWrite() {
  InformWrite w;
  w.key = {"00D09E", "Router", "SN1"};
  w.peer_ip = "192.0.2.1";
  w.events = {{"2 PERIODIC", ""}};
  w.parameters = {{"Device.DeviceInfo.SoftwareVersion", "1.0", "string"}};
  return w;
}

TEST(InventoryLimits, ValidateInformWrite) {
  const InventoryLimits limits;
  EXPECT_TRUE(ValidateInformWrite(GoodWrite(), limits).ok());

  InformWrite w = GoodWrite();
  w.key.serial_number.clear();
  EXPECT_EQ(ValidateInformWrite(w, limits).error().code, ErrorCode::kInvalidArgument);

  w = GoodWrite();
  w.key.serial_number = std::string(limits.max_key_bytes + 1, 'x');
  Status s = ValidateInformWrite(w, limits);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("SerialNumber"), std::string::npos) << s.error().message;

  w = GoodWrite();
  w.software_version = std::string("bad\xFF", 4);
  s = ValidateInformWrite(w, limits);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "SoftwareVersion: not valid UTF-8 or contains a NUL byte");

  w = GoodWrite();
  w.parameters[0].value = std::string("a\0b", 3);
  EXPECT_FALSE(ValidateInformWrite(w, limits).ok());

  w = GoodWrite();
  w.parameters.assign(limits.max_parameters + 1, {"Device.X", "1", "int"});
  EXPECT_FALSE(ValidateInformWrite(w, limits).ok());

  w = GoodWrite();
  w.events.assign(limits.max_events + 1, {"2 PERIODIC", ""});
  EXPECT_FALSE(ValidateInformWrite(w, limits).ok());

  w = GoodWrite();
  w.events[0].code.clear();
  EXPECT_FALSE(ValidateInformWrite(w, limits).ok());
}

}  // namespace
}  // namespace ruru::db
