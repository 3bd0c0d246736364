// One test per class of hostile input: each must give an error value (never a crash, an exception
// or a large allocation) whose message says what was wrong.
#include <gtest/gtest.h>

#include <string>

#include "cwmp/codec.h"

namespace ruru::cwmp {
namespace {

constexpr char kEnvelopeOpen[] =
    R"(<soap-env:Envelope xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/" )"
    R"(xmlns:soap-enc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" )"
    R"(xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:cwmp="urn:dslforum-org:cwmp-1-0">)";

std::string Wrap(const std::string& body, const std::string& header = "") {
  std::string out = kEnvelopeOpen;
  if (!header.empty()) out += "<soap-env:Header>" + header + "</soap-env:Header>";
  out += "<soap-env:Body>" + body + "</soap-env:Body></soap-env:Envelope>";
  return out;
}

std::string Gpv(const std::string& items, const std::string& array_type = "xsd:string[1]") {
  return Wrap("<cwmp:GetParameterValues><ParameterNames soap-enc:arrayType=\"" + array_type + "\">" + items +
              "</ParameterNames></cwmp:GetParameterValues>");
}

// Asserts that decoding fails with a message containing `needle`.
void ExpectRejected(const std::string& xml, const std::string& needle, const DecodeLimits& limits = {}) {
  auto r = Decode(xml, limits);
  ASSERT_FALSE(r.ok()) << "accepted: " << xml.substr(0, 200);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find(needle), std::string::npos) << "message: " << r.error().message;
  EXPECT_EQ(r.error().message.find('\n'), std::string::npos) << "error messages are one line";
}

TEST(HostileInput, ControlMessageDecodes) {
  // The baseline the other tests mutate: it must be accepted.
  auto r = Decode(Gpv("<string>Device.</string>"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(std::get<GetParameterValues>(r->envelope.body).names, std::vector<std::string>{"Device."});
}

TEST(HostileInput, RejectsDoctypeWithExternalEntity) {
  ExpectRejected(R"(<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>)" +
                     Gpv("<string>&xxe;</string>"),
                 "DTD");
}

TEST(HostileInput, RejectsBillionLaughs) {
  std::string dtd = "<!DOCTYPE lolz [<!ENTITY lol \"lol\">";
  for (int i = 1; i < 10; ++i) {
    dtd += "<!ENTITY lol" + std::to_string(i) + " \"";
    for (int k = 0; k < 10; ++k) dtd += "&lol" + (i == 1 ? std::string() : std::to_string(i - 1)) + ";";
    dtd += "\">";
  }
  dtd += "]>";
  ExpectRejected(dtd + Gpv("<string>&lol9;</string>"), "DTD");
}

TEST(HostileInput, RejectsDoctypeAfterProlog) {
  ExpectRejected(R"(<?xml version="1.0" encoding="UTF-8"?>)" "\n<!DOCTYPE x>" + Gpv("<string>A.</string>"), "DTD");
}

TEST(HostileInput, RejectsUndefinedEntityReference) {
  ExpectRejected(Gpv("<string>&ext;</string>"), "entity");
}

TEST(HostileInput, AcceptsPredefinedEntitiesAndCharacterReferences) {
  auto r = Decode(Gpv("<string>&lt;&gt;&amp;&quot;&apos;&#65;&#x42;</string>"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(std::get<GetParameterValues>(r->envelope.body).names[0], "<>&\"'AB");
}

TEST(HostileInput, RejectsCharacterReferenceToNul) {
  ExpectRejected(Gpv("<string>&#0;</string>"), "character reference");
  ExpectRejected(Gpv("<string>&#x0;</string>"), "character reference");
}

TEST(HostileInput, RejectsCharacterReferenceToSurrogateOrOutOfRange) {
  ExpectRejected(Gpv("<string>&#xD800;</string>"), "character reference");
  ExpectRejected(Gpv("<string>&#x110000;</string>"), "character reference");
  ExpectRejected(Gpv("<string>&#99999999999999;</string>"), "character reference");
}

TEST(HostileInput, RejectsBodyOverTheCap) {
  const std::string big = Gpv("<string>" + std::string(2 << 20, 'A') + "</string>");
  ExpectRejected(big, "exceeds the cap");
  DecodeLimits small;
  small.max_body_bytes = 512;
  ExpectRejected(Gpv("<string>" + std::string(600, 'A') + "</string>"), "exceeds the cap", small);
}

TEST(HostileInput, RejectsDeepNesting) {
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "<a>";
  for (int i = 0; i < 100; ++i) deep += "</a>";
  ExpectRejected(Wrap(deep), "nesting deeper than 64");
}

TEST(HostileInput, RejectsDeepNestingInsideSkippedVendorElements) {
  // Unknown elements are skipped by the parser; they must not escape the depth cap.
  std::string deep;
  for (int i = 0; i < 70; ++i) deep += "<X_VENDOR>";
  for (int i = 0; i < 70; ++i) deep += "</X_VENDOR>";
  ExpectRejected(Gpv("<string>A.</string>" + deep), "nesting deeper than 64");
}

TEST(HostileInput, DepthCapIsConfigurable) {
  DecodeLimits limits;
  limits.max_depth = 4;  // Envelope/Body/GetParameterValues/ParameterNames/string is 5 levels
  ExpectRejected(Gpv("<string>A.</string>"), "nesting deeper than 4", limits);
  limits.max_depth = 5;
  EXPECT_TRUE(Decode(Gpv("<string>A.</string>"), limits).ok());
}

TEST(HostileInput, RejectsHugeDeclaredArraySizeWithoutAllocating) {
  ExpectRejected(Gpv("<string>A.</string>", "xsd:string[999999999]"), "declares 999999999 items");
  ExpectRejected(Gpv("<string>A.</string>", "xsd:string[18446744073709551615]"), "declares");
}

TEST(HostileInput, RejectsMoreActualItemsThanTheCap) {
  std::string items;
  for (int i = 0; i < 50; ++i) items += "<string>A.</string>";
  DecodeLimits limits;
  limits.max_array_items = 20;
  // Declared count is honest-looking (small): the actual count must still be capped.
  ExpectRejected(Gpv(items, "xsd:string[1]"), "20", limits);
  limits.max_array_items = 50;
  EXPECT_TRUE(Decode(Gpv(items, "xsd:string[50]"), limits).ok());
}

TEST(HostileInput, ToleratesDeclaredCountThatDisagreesWithinTheCap) {
  auto r = Decode(Gpv("<string>A.</string><string>B.</string>", "xsd:string[7]"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_NE(r->warnings[0].find("declares 7 items, 2 sent"), std::string::npos);
}

TEST(HostileInput, RejectsStringOverTheCap) {
  DecodeLimits limits;
  limits.max_string_bytes = 1000;
  ExpectRejected(Gpv("<string>" + std::string(1001, 'A') + "</string>"), "longer than 1000", limits);
  EXPECT_TRUE(Decode(Gpv("<string>" + std::string(1000, 'A') + "</string>"), limits).ok());
}

TEST(HostileInput, RejectsInvalidUtf8) {
  ExpectRejected(Gpv("<string>\xC3\x28</string>"), "invalid UTF-8");          // bad continuation
  ExpectRejected(Gpv("<string>\xC0\xAF</string>"), "invalid UTF-8");          // overlong '/'
  ExpectRejected(Gpv("<string>\xED\xA0\x80</string>"), "invalid UTF-8");      // UTF-16 surrogate
  ExpectRejected(Gpv("<string>\xF4\x90\x80\x80</string>"), "invalid UTF-8");  // > U+10FFFF
  ExpectRejected(Gpv("<string>\xFF</string>"), "invalid UTF-8");
  ExpectRejected(Gpv("<string>\xE6\x97</string>"), "invalid UTF-8");          // truncated sequence
}

TEST(HostileInput, RejectsNulBytes) {
  std::string xml = Gpv("<string>AB</string>");
  xml[xml.find("AB") + 1] = '\0';
  ExpectRejected(xml, "NUL byte");
}

TEST(HostileInput, RejectsEveryTruncation) {
  const std::string full = Gpv("<string>Device.DeviceInfo.</string>", "xsd:string[1]");
  ASSERT_TRUE(Decode(full).ok());
  // Every strict prefix that is not blank is an error, never a crash and never a success.
  for (size_t n = 1; n < full.size(); ++n) {
    auto r = Decode(std::string_view(full).substr(0, n));
    EXPECT_FALSE(r.ok()) << "prefix of " << n << " bytes accepted";
  }
}

TEST(HostileInput, RejectsSoap12Envelope) {
  ExpectRejected(R"(<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" )"
                 R"(xmlns:cwmp="urn:dslforum-org:cwmp-1-0"><env:Body><cwmp:GetRPCMethods/></env:Body></env:Envelope>)",
                 "SOAP 1.2");
}

TEST(HostileInput, RejectsTwoRpcsInOneBody) {
  ExpectRejected(Wrap("<cwmp:GetRPCMethods/><cwmp:GetRPCMethods/>"), "more than one element");
}

TEST(HostileInput, RejectsUnknownMustUnderstandHeader) {
  ExpectRejected(Wrap("<cwmp:GetRPCMethods/>", R"(<cwmp:X_Foo soap-env:mustUnderstand="1">1</cwmp:X_Foo>)"),
                 "mustUnderstand");
}

TEST(HostileInput, IgnoresUnknownOptionalHeader) {
  auto r = Decode(Wrap("<cwmp:GetRPCMethods/>", R"(<cwmp:ID soap-env:mustUnderstand="1">7</cwmp:ID><X_Vendor>1</X_Vendor>)"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->envelope.id, "7");
}

TEST(HostileInput, RejectsUnknownRpc) {
  ExpectRejected(Wrap("<cwmp:X_DoEvil/>"), "unsupported body element <cwmp:X_DoEvil>");
}

TEST(HostileInput, RejectsUnknownCwmpNamespace) {
  std::string xml = Wrap("<cwmp:GetRPCMethods/>");
  xml.replace(xml.find("cwmp-1-0"), 8, "cwmp-2-0");
  ExpectRejected(xml, "cwmp-2-0");
}

TEST(HostileInput, RejectsContentAfterTheEnvelope) {
  ExpectRejected(Wrap("<cwmp:GetRPCMethods/>") + "<more/>", "after the SOAP envelope");
}

TEST(HostileInput, RejectsNonXml) {
  ExpectRejected("HTTP/1.1 200 OK\r\n\r\n", "does not start with '<'");
  ExpectRejected("{\"rpc\":\"Inform\"}", "does not start with '<'");
  ExpectRejected("<a>hello</a>", "not a SOAP 1.1 envelope");
}

TEST(HostileInput, RejectsUnsupportedEncoding) {
  ExpectRejected(R"(<?xml version="1.0" encoding="UTF-16"?>)" + Wrap("<cwmp:GetRPCMethods/>"), "unsupported XML encoding");
}

TEST(HostileInput, RejectsMalformedNumbersInRequiredFields) {
  ExpectRejected(Wrap("<cwmp:SetParameterValuesResponse><Status>zero</Status></cwmp:SetParameterValuesResponse>"), "Status");
  ExpectRejected(Wrap("<cwmp:SetParameterValuesResponse><Status>7</Status></cwmp:SetParameterValuesResponse>"), "0 or 1");
  ExpectRejected(Wrap("<cwmp:GetParameterNames><ParameterPath>Device.</ParameterPath><NextLevel>maybe</NextLevel></cwmp:GetParameterNames>"),
                 "NextLevel");
  ExpectRejected(Wrap("<soap-env:Fault><faultcode>Client</faultcode><faultstring>x</faultstring><detail><cwmp:Fault>"
                      "<FaultCode>-1</FaultCode></cwmp:Fault></detail></soap-env:Fault>"),
                 "FaultCode");
}

TEST(HostileInput, RejectsFaultWithoutCwmpDetail) {
  ExpectRejected(Wrap("<soap-env:Fault><faultcode>Server</faultcode><faultstring>x</faultstring></soap-env:Fault>"), "cwmp:Fault");
}

TEST(HostileInput, IgnoresMultiReferenceHrefs) {
  // SOAP-encoding id/href graphs can build cycles; in tree mode the codec does not follow them:
  // an href'd element decodes as an empty string.
  auto r = Decode(Gpv(R"(<string id="a">x</string><string href="#a"/>)", "xsd:string[2]"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(std::get<GetParameterValues>(r->envelope.body).names, (std::vector<std::string>{"x", ""}));
}

TEST(HostileInput, SurvivesRepeatedFailuresOnOneThread) {
  // The per-thread gSOAP context must be reset after every error.
  for (int i = 0; i < 200; ++i) {
    ASSERT_FALSE(Decode(Wrap("<cwmp:GetRPCMethods/><cwmp:GetRPCMethods/>")).ok());
    ASSERT_FALSE(Decode(Gpv("<string>\xC3\x28</string>")).ok());
    auto ok = Decode(Gpv("<string>Device.</string>"));
    ASSERT_TRUE(ok.ok()) << ok.error().message;
  }
}

}  // namespace
}  // namespace ruru::cwmp
