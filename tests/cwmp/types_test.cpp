// Vocabulary types of cwmp/types.h: parameter paths, typed values, xsi types, event codes, fault
// codes, namespaces, file-type lists, window modes and the attribute / transfer / DU state ranges.
#include "cwmp/types.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "tests/cwmp/test_util.h"

namespace ruru::cwmp {
namespace {

// ---- ParameterPath ---------------------------------------------------------------------------

TEST(ParameterPath, ParsesValidPaths) {
  for (const std::string_view text :
       {"Device.", "Device.WiFi.SSID.1.SSID", "InternetGatewayDevice.LANDevice.1.",
        "Device.WiFi.SSID.[cpe-home].SSID", "Device.Hosts.Host.*.IPAddress", "Device.DeviceInfo.X_AVM-DE_Foo",
        "InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANIPConnection.1.ExternalIPAddress",
        "Device.IP.Interface.4294967295."}) {
    SCOPED_TRACE(text);
    auto p = ParameterPath::Parse(text);
    ASSERT_TRUE(p.ok()) << p.error().message;
    EXPECT_EQ(p->str(), text);
  }
}

TEST(ParameterPath, RejectsInvalidPaths) {
  const std::string too_long = "Device." + std::string(ParameterPath::kMaxLength, 'A');
  for (const std::string_view text :
       {std::string_view(""), std::string_view(".Device"), std::string_view("Device..X"), std::string_view("Device.01.X"),
        std::string_view("1.Device"), std::string_view("Device.X Y"), std::string_view("Device.[bad alias]."),
        std::string_view("*.Device"), std::string_view("[a].Device"), std::string_view("Device.[]."),
        std::string_view("Device.[unterminated.X"), std::string_view("Device.X.."),
        std::string_view("Device.12345678901.X"), std::string_view("Device.Caf\xC3\xA9"), std::string_view("Device.X/Y"),
        std::string_view("Device.-X"), std::string_view(too_long)}) {
    SCOPED_TRACE(text);
    auto p = ParameterPath::Parse(text);
    ASSERT_FALSE(p.ok()) << "accepted: " << text;
    EXPECT_EQ(p.error().code, ErrorCode::kInvalidArgument);
    EXPECT_FALSE(p.error().message.empty());
  }
}

TEST(ParameterPath, ErrorNamesTheOffendingSegment) {
  auto p = ParameterPath::Parse("Device.01.X");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("\"01\""), std::string::npos) << p.error().message;
  EXPECT_NE(p.error().message.find("Device.01.X"), std::string::npos) << p.error().message;

  p = ParameterPath::Parse("Device.[bad alias].");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("[bad alias]"), std::string::npos) << p.error().message;
}

TEST(ParameterPath, LengthLimitIs256Characters) {
  std::string at_limit = "Device.";
  at_limit.append(ParameterPath::kMaxLength - at_limit.size(), 'A');
  ASSERT_EQ(at_limit.size(), 256u);
  EXPECT_TRUE(ParameterPath::Parse(at_limit).ok());
  EXPECT_FALSE(ParameterPath::Parse(at_limit + "A").ok());
}

TEST(ParameterPath, EmptyOnlyWhenAllowed) {
  EXPECT_FALSE(ParameterPath::Parse("").ok());
  auto p = ParameterPath::Parse("", /*allow_empty=*/true);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->str(), "");
  EXPECT_TRUE(p->IsPartial());
  EXPECT_TRUE(p->Segments().empty());
  EXPECT_FALSE(p->HasWildcard());
  EXPECT_FALSE(p->HasAlias());
  // allow_empty does not relax anything else.
  EXPECT_FALSE(ParameterPath::Parse("Device..X", true).ok());
}

TEST(ParameterPath, IsPartial) {
  EXPECT_TRUE(ParameterPath::Parse("Device.")->IsPartial());
  EXPECT_TRUE(ParameterPath::Parse("InternetGatewayDevice.LANDevice.1.")->IsPartial());
  EXPECT_FALSE(ParameterPath::Parse("Device.WiFi.SSID.1.SSID")->IsPartial());
  EXPECT_FALSE(ParameterPath::Parse("Device.Hosts.Host.*.IPAddress")->IsPartial());
}

TEST(ParameterPath, Segments) {
  using Segs = std::vector<std::string_view>;
  EXPECT_EQ(ParameterPath::Parse("Device.WiFi.SSID.1.SSID")->Segments(), (Segs{"Device", "WiFi", "SSID", "1", "SSID"}));
  EXPECT_EQ(ParameterPath::Parse("Device.")->Segments(), (Segs{"Device"}));
  EXPECT_EQ(ParameterPath::Parse("InternetGatewayDevice.LANDevice.1.")->Segments(),
            (Segs{"InternetGatewayDevice", "LANDevice", "1"}));
  EXPECT_EQ(ParameterPath::Parse("Device.WiFi.SSID.[cpe-home].SSID")->Segments(),
            (Segs{"Device", "WiFi", "SSID", "[cpe-home]", "SSID"}));
  EXPECT_EQ(ParameterPath::Parse("Device.Hosts.Host.*.IPAddress")->Segments(),
            (Segs{"Device", "Hosts", "Host", "*", "IPAddress"}));
}

TEST(ParameterPath, WildcardAndAlias) {
  auto wildcard = ParameterPath::Parse("Device.Hosts.Host.*.IPAddress");
  ASSERT_TRUE(wildcard.ok());
  EXPECT_TRUE(wildcard->HasWildcard());
  EXPECT_FALSE(wildcard->HasAlias());

  auto alias = ParameterPath::Parse("Device.WiFi.SSID.[cpe-home].SSID");
  ASSERT_TRUE(alias.ok());
  EXPECT_TRUE(alias->HasAlias());
  EXPECT_FALSE(alias->HasWildcard());

  auto plain = ParameterPath::Parse("Device.WiFi.SSID.1.SSID");
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->HasAlias());
  EXPECT_FALSE(plain->HasWildcard());
}

// ---- ParameterValue --------------------------------------------------------------------------

ParameterValue V(ValueType type, std::string text) { return {type, std::move(text)}; }

TEST(ParameterValue, FactoriesWriteTheCanonicalText) {
  EXPECT_EQ(ParameterValue::String("x"), V(ValueType::kString, "x"));
  EXPECT_EQ(ParameterValue::Int(-42), V(ValueType::kInt, "-42"));
  EXPECT_EQ(ParameterValue::UnsignedInt(4294967295u), V(ValueType::kUnsignedInt, "4294967295"));
  EXPECT_EQ(ParameterValue::Long(std::numeric_limits<int64_t>::min()), V(ValueType::kLong, "-9223372036854775808"));
  EXPECT_EQ(ParameterValue::UnsignedLong(std::numeric_limits<uint64_t>::max()),
            V(ValueType::kUnsignedLong, "18446744073709551615"));
  EXPECT_EQ(ParameterValue::Boolean(true), V(ValueType::kBoolean, "true"));
  EXPECT_EQ(ParameterValue::Boolean(false), V(ValueType::kBoolean, "false"));
  EXPECT_EQ(ParameterValue::DateTime("2026-11-28T03:18:45Z"), V(ValueType::kDateTime, "2026-11-28T03:18:45Z"));
  EXPECT_EQ(ParameterValue().type, ValueType::kString);
}

TEST(ParameterValue, Int32Boundaries) {
  EXPECT_EQ(*ParameterValue::Int(std::numeric_limits<int32_t>::min()).AsInt64(), std::numeric_limits<int32_t>::min());
  EXPECT_EQ(*ParameterValue::Int(std::numeric_limits<int32_t>::max()).AsInt64(), std::numeric_limits<int32_t>::max());
  EXPECT_FALSE(V(ValueType::kInt, "2147483648").AsInt64().ok());
  EXPECT_FALSE(V(ValueType::kInt, "-2147483649").AsInt64().ok());
  EXPECT_FALSE(V(ValueType::kInt, "2147483648").Validate() == std::nullopt);
  EXPECT_EQ(V(ValueType::kInt, "-2147483648").Validate(), std::nullopt);
}

TEST(ParameterValue, UnsignedIntBoundaries) {
  EXPECT_EQ(*V(ValueType::kUnsignedInt, "4294967295").AsUint64(), 4294967295u);
  EXPECT_EQ(*V(ValueType::kUnsignedInt, "0").AsUint64(), 0u);
  EXPECT_FALSE(V(ValueType::kUnsignedInt, "4294967296").AsUint64().ok());  // max + 1
  EXPECT_FALSE(V(ValueType::kUnsignedInt, "-1").AsUint64().ok());
  EXPECT_NE(V(ValueType::kUnsignedInt, "4294967296").Validate(), std::nullopt);
  EXPECT_NE(V(ValueType::kUnsignedInt, "-1").Validate(), std::nullopt);
}

TEST(ParameterValue, LongAndUnsignedLongBoundaries) {
  EXPECT_EQ(*V(ValueType::kLong, "-9223372036854775808").AsInt64(), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(*V(ValueType::kLong, "9223372036854775807").AsInt64(), std::numeric_limits<int64_t>::max());
  EXPECT_FALSE(V(ValueType::kLong, "9223372036854775808").AsInt64().ok());

  EXPECT_EQ(*V(ValueType::kUnsignedLong, "18446744073709551615").AsUint64(), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(V(ValueType::kUnsignedLong, "18446744073709551615").Validate(), std::nullopt);
  EXPECT_FALSE(V(ValueType::kUnsignedLong, "18446744073709551616").AsUint64().ok());
  EXPECT_NE(V(ValueType::kUnsignedLong, "18446744073709551616").Validate(), std::nullopt);
  // Does not fit the signed accessor.
  EXPECT_FALSE(V(ValueType::kUnsignedLong, "18446744073709551615").AsInt64().ok());
  EXPECT_EQ(*V(ValueType::kUnsignedLong, "9223372036854775807").AsInt64(), std::numeric_limits<int64_t>::max());
}

TEST(ParameterValue, CrossSignednessAccessors) {
  EXPECT_EQ(*V(ValueType::kInt, "5").AsUint64(), 5u);
  EXPECT_FALSE(V(ValueType::kInt, "-5").AsUint64().ok());
  EXPECT_FALSE(V(ValueType::kLong, "-1").AsUint64().ok());
  EXPECT_EQ(*V(ValueType::kUnsignedInt, "7").AsInt64(), 7);
}

TEST(ParameterValue, IntegerLexicalForms) {
  // xsd integers: optional sign, decimal digits, surrounding whitespace collapsed.
  EXPECT_EQ(*V(ValueType::kInt, "+42").AsInt64(), 42);
  EXPECT_EQ(*V(ValueType::kInt, " 42 ").AsInt64(), 42);
  for (const char* bad : {"", "abc", "0x10", "1e3", "4 2", "42abc", "--1", "1.0"}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(V(ValueType::kInt, bad).AsInt64().ok());
    EXPECT_NE(V(ValueType::kInt, bad).Validate(), std::nullopt);
  }
}

TEST(ParameterValue, AccessorsRejectTheWrongType) {
  EXPECT_FALSE(ParameterValue::String("5").AsInt64().ok());
  EXPECT_FALSE(ParameterValue::String("5").AsUint64().ok());
  EXPECT_FALSE(ParameterValue::String("true").AsBool().ok());
  EXPECT_FALSE(ParameterValue::Int(1).AsBool().ok());
  EXPECT_FALSE(ParameterValue::Boolean(true).AsInt64().ok());
  EXPECT_FALSE(ParameterValue::DateTime("2026-11-28T03:18:45Z").AsUint64().ok());
}

TEST(ParameterValue, Booleans) {
  for (const char* t : {"1", "true", "True", "TRUE", " true "}) {
    SCOPED_TRACE(t);
    auto b = V(ValueType::kBoolean, t).AsBool();
    ASSERT_TRUE(b.ok()) << b.error().message;
    EXPECT_TRUE(*b);
  }
  for (const char* f : {"0", "false", "False", "FALSE"}) {
    SCOPED_TRACE(f);
    auto b = V(ValueType::kBoolean, f).AsBool();
    ASSERT_TRUE(b.ok()) << b.error().message;
    EXPECT_FALSE(*b);
  }
  for (const char* bad : {"yes", "no", "", "2", "tru", "on", "-1"}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(V(ValueType::kBoolean, bad).AsBool().ok());
    EXPECT_NE(V(ValueType::kBoolean, bad).Validate(), std::nullopt);
  }
  EXPECT_TRUE(*ParseBoolean("True"));
  EXPECT_FALSE(ParseBoolean("yes").ok());
}

TEST(ParameterValue, DateTimes) {
  for (const char* ok : {"0001-01-01T00:00:00Z", "2026-11-28T03:18:45.917Z", "2026-11-28T03:18:45+13:00",
                         "2026-11-28T03:18:45-05:00", "2026-11-28T03:18:45", "2026-11-28T03:18:45.123456",
                         "9999-12-31T23:59:59Z", "2026-11-28T03:18:45+14:00"}) {
    SCOPED_TRACE(ok);
    EXPECT_TRUE(IsValidDateTime(ok));
    EXPECT_EQ(ParameterValue::DateTime(ok).Validate(), std::nullopt);
  }
  for (const char* bad : {"2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z", "2026-11-32T00:00:00Z",
                          "2026-11-00T00:00:00Z", "2026-11-28 03:18:45Z", "2026-11-28", "26-11-28T03:18:45Z",
                          "2026-11-28T03:60:00Z", "2026-11-28T03:18:45.Z", "2026-11-28T03:18:45ZZ",
                          "2026-11-28T03:18:45+15:00", "2026-11-28T03:18:45+1300", "", "now", "1764299925"}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(IsValidDateTime(bad));
    EXPECT_NE(ParameterValue::DateTime(bad).Validate(), std::nullopt);
  }
}

TEST(ParameterValue, ValidateEveryType) {
  struct Case {
    ValueType type;
    const char* text;
    bool valid;
  };
  const Case cases[] = {
      {ValueType::kString, "", true},
      {ValueType::kString, "anything <at> all & \"quoted\"", true},
      {ValueType::kAny, "12.5", true},
      {ValueType::kInt, "-1", true},
      {ValueType::kInt, "abc", false},
      {ValueType::kUnsignedInt, "4294967295", true},
      {ValueType::kUnsignedInt, "4294967296", false},
      {ValueType::kLong, "-9223372036854775808", true},
      {ValueType::kLong, "x", false},
      {ValueType::kUnsignedLong, "18446744073709551615", true},
      {ValueType::kUnsignedLong, "-1", false},
      {ValueType::kBoolean, "1", true},
      {ValueType::kBoolean, "yes", false},
      {ValueType::kDateTime, "0001-01-01T00:00:00Z", true},
      {ValueType::kDateTime, "2026-13-01T00:00:00Z", false},
      {ValueType::kBase64, "SGVsbG8=", true},
      {ValueType::kBase64, "", true},
      {ValueType::kBase64, "SGVs\nbG8=", true},
      {ValueType::kBase64, "SGVsbG8*", false},
      {ValueType::kHexBinary, "0A1b", true},
      {ValueType::kHexBinary, "", true},
      {ValueType::kHexBinary, "ABC", false},
      {ValueType::kHexBinary, "GG", false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(ValueTypeName(c.type)) + " \"" + c.text + "\"");
    const auto reason = V(c.type, c.text).Validate();
    EXPECT_EQ(reason == std::nullopt, c.valid) << reason.value_or("");
    if (reason) {
      EXPECT_FALSE(reason->empty());
    }
  }
}

// ---- xsi:type names --------------------------------------------------------------------------

TEST(ValueType, FromXsi) {
  EXPECT_EQ(ValueTypeFromXsi("xsd:int"), ValueType::kInt);
  EXPECT_EQ(ValueTypeFromXsi("int"), ValueType::kInt);
  EXPECT_EQ(ValueTypeFromXsi("xs:int"), ValueType::kInt);  // the prefix is the peer's choice
  EXPECT_EQ(ValueTypeFromXsi("SOAP-ENC:base64"), ValueType::kBase64);
  EXPECT_EQ(ValueTypeFromXsi("xsd:base64Binary"), ValueType::kBase64);
  EXPECT_EQ(ValueTypeFromXsi("xsd:decimal"), ValueType::kAny);
  EXPECT_EQ(ValueTypeFromXsi("xsd:float"), ValueType::kAny);
  EXPECT_EQ(ValueTypeFromXsi(""), ValueType::kString);  // no xsi:type: a string
  EXPECT_EQ(ValueTypeFromXsi("xsd:string"), ValueType::kString);
  EXPECT_EQ(ValueTypeFromXsi("xsd:unsignedInt"), ValueType::kUnsignedInt);
  EXPECT_EQ(ValueTypeFromXsi("xsd:long"), ValueType::kLong);
  EXPECT_EQ(ValueTypeFromXsi("xsd:unsignedLong"), ValueType::kUnsignedLong);
  EXPECT_EQ(ValueTypeFromXsi("xsd:boolean"), ValueType::kBoolean);
  EXPECT_EQ(ValueTypeFromXsi("xsd:dateTime"), ValueType::kDateTime);
  EXPECT_EQ(ValueTypeFromXsi("xsd:hexBinary"), ValueType::kHexBinary);
  EXPECT_EQ(ValueTypeFromXsi("xsd:Int"), ValueType::kAny);  // names are case-sensitive
}

TEST(ValueType, NameRoundTrips) {
  for (const ValueType t :
       {ValueType::kString, ValueType::kInt, ValueType::kUnsignedInt, ValueType::kLong, ValueType::kUnsignedLong,
        ValueType::kBoolean, ValueType::kDateTime, ValueType::kBase64, ValueType::kHexBinary, ValueType::kAny}) {
    SCOPED_TRACE(ValueTypeName(t));
    EXPECT_EQ(ValueTypeFromXsi(ValueTypeName(t)), t);
    EXPECT_EQ(ValueTypeFromXsi("xsd:" + std::string(ValueTypeName(t))), t);
  }
}

// ---- Event codes -----------------------------------------------------------------------------

TEST(EventCode, StandardCodes) {
  const std::pair<const char*, EventKind> standard[] = {
      {"0 BOOTSTRAP", EventKind::kBootstrap},
      {"1 BOOT", EventKind::kBoot},
      {"2 PERIODIC", EventKind::kPeriodic},
      {"3 SCHEDULED", EventKind::kScheduled},
      {"4 VALUE CHANGE", EventKind::kValueChange},
      {"5 KICKED", EventKind::kKicked},
      {"6 CONNECTION REQUEST", EventKind::kConnectionRequest},
      {"7 TRANSFER COMPLETE", EventKind::kTransferComplete},
      {"8 DIAGNOSTICS COMPLETE", EventKind::kDiagnosticsComplete},
      {"9 REQUEST DOWNLOAD", EventKind::kRequestDownload},
      {"10 AUTONOMOUS TRANSFER COMPLETE", EventKind::kAutonomousTransferComplete},
      {"11 DU STATE CHANGE COMPLETE", EventKind::kDuStateChangeComplete},
      {"12 AUTONOMOUS DU STATE CHANGE COMPLETE", EventKind::kAutonomousDuStateChangeComplete},
      {"13 WAKEUP", EventKind::kWakeup},
      {"14 HEARTBEAT", EventKind::kHeartbeat},
      {"M Reboot", EventKind::kMReboot},
      {"M ScheduleInform", EventKind::kMScheduleInform},
      {"M Download", EventKind::kMDownload},
      {"M ScheduleDownload", EventKind::kMScheduleDownload},
      {"M Upload", EventKind::kMUpload},
      {"M ChangeDUState", EventKind::kMChangeDuState},
  };
  for (const auto& [text, kind] : standard) {
    SCOPED_TRACE(text);
    const EventCode e = EventCode::FromText(text);
    EXPECT_EQ(e.kind, kind);
    EXPECT_EQ(e.text, text);
    EXPECT_EQ(StandardEventText(kind), text);
    const EventCode of = EventCode::Of(kind);
    EXPECT_EQ(of.kind, kind);
    EXPECT_EQ(of.text, text);
    EXPECT_EQ(of, e);
  }
}

TEST(EventCode, VendorAndUnknownCodesKeepTheirText) {
  const EventCode vendor = EventCode::FromText("X 00D09E BOOT");
  EXPECT_EQ(vendor.kind, EventKind::kVendor);
  EXPECT_EQ(vendor.text, "X 00D09E BOOT");

  const EventCode m_vendor = EventCode::FromText("M X_VENDOR_Foo");
  EXPECT_EQ(m_vendor.kind, EventKind::kMVendor);
  EXPECT_EQ(m_vendor.text, "M X_VENDOR_Foo");

  const EventCode unknown = EventCode::FromText("99 NEW THING");
  EXPECT_EQ(unknown.kind, EventKind::kUnknown);
  EXPECT_EQ(unknown.text, "99 NEW THING");

  // Event codes are case-sensitive; a near miss is unknown, not BOOT.
  EXPECT_EQ(EventCode::FromText("1 boot").kind, EventKind::kUnknown);
  EXPECT_EQ(EventCode::FromText("M reboot").kind, EventKind::kUnknown);
  EXPECT_EQ(EventCode::FromText("").kind, EventKind::kUnknown);
}

TEST(EventCode, NoStandardTextForVendorKinds) {
  EXPECT_EQ(StandardEventText(EventKind::kVendor), "");
  EXPECT_EQ(StandardEventText(EventKind::kMVendor), "");
  EXPECT_EQ(StandardEventText(EventKind::kUnknown), "");
}

TEST(EventCode, EqualityIsByText) {
  EXPECT_EQ(EventCode::FromText("X 00D09E BOOT"), EventCode::FromText("X 00D09E BOOT"));
  EXPECT_FALSE(EventCode::FromText("1 BOOT") == EventCode::FromText("0 BOOTSTRAP"));
}

// ---- Faults ----------------------------------------------------------------------------------

TEST(Fault, StandardFaultTexts) {
  for (uint32_t code = 8000; code <= 8006; ++code) {
    SCOPED_TRACE(code);
    EXPECT_FALSE(StandardFaultText(code).empty());
  }
  for (uint32_t code = 9000; code <= 9032; ++code) {
    SCOPED_TRACE(code);
    EXPECT_FALSE(StandardFaultText(code).empty());
  }
  EXPECT_EQ(StandardFaultText(8000), "Method not supported");
  EXPECT_EQ(StandardFaultText(8005), "Retry request");
  EXPECT_EQ(StandardFaultText(9000), "Method not supported");
  EXPECT_EQ(StandardFaultText(9001), "Request denied (no reason specified)");
  EXPECT_EQ(StandardFaultText(9005), "Invalid parameter name");
  EXPECT_EQ(StandardFaultText(9008), "Attempt to set a non-writable parameter");
  EXPECT_EQ(StandardFaultText(9010), "File transfer failure");
  for (const uint32_t code : {0u, 1234u, 7999u, 8007u, 8800u, 8899u, 8999u, 9033u, 9800u, 9899u, 9999u}) {
    SCOPED_TRACE(code);
    EXPECT_EQ(StandardFaultText(code), "");
  }
}

TEST(Fault, Ranges) {
  EXPECT_EQ(FaultRangeOf(8000), FaultRange::kAcs);
  EXPECT_EQ(FaultRangeOf(8006), FaultRange::kAcs);
  EXPECT_EQ(FaultRangeOf(8799), FaultRange::kAcs);
  EXPECT_EQ(FaultRangeOf(8800), FaultRange::kAcsVendor);
  EXPECT_EQ(FaultRangeOf(8899), FaultRange::kAcsVendor);
  EXPECT_EQ(FaultRangeOf(9000), FaultRange::kCpe);
  EXPECT_EQ(FaultRangeOf(9032), FaultRange::kCpe);
  EXPECT_EQ(FaultRangeOf(9799), FaultRange::kCpe);
  EXPECT_EQ(FaultRangeOf(9800), FaultRange::kCpeVendor);
  EXPECT_EQ(FaultRangeOf(9899), FaultRange::kCpeVendor);
  EXPECT_EQ(FaultRangeOf(0), FaultRange::kOther);
  EXPECT_EQ(FaultRangeOf(1234), FaultRange::kOther);
  EXPECT_EQ(FaultRangeOf(7999), FaultRange::kOther);
  EXPECT_EQ(FaultRangeOf(8900), FaultRange::kOther);
  EXPECT_EQ(FaultRangeOf(9900), FaultRange::kOther);
}

// ---- Namespaces ------------------------------------------------------------------------------

TEST(Namespace, UrisRoundTrip) {
  const std::pair<const char*, Namespace> all[] = {
      {"urn:dslforum-org:cwmp-1-0", Namespace::kCwmp10}, {"urn:dslforum-org:cwmp-1-1", Namespace::kCwmp11},
      {"urn:dslforum-org:cwmp-1-2", Namespace::kCwmp12}, {"urn:dslforum-org:cwmp-1-3", Namespace::kCwmp13},
      {"urn:dslforum-org:cwmp-1-4", Namespace::kCwmp14}};
  for (const auto& [uri, ns] : all) {
    SCOPED_TRACE(uri);
    EXPECT_EQ(NamespaceFromUri(uri), ns);
    EXPECT_EQ(NamespaceUri(ns), uri);
  }
}

TEST(Namespace, UnknownUris) {
  for (const char* uri : {"", "urn:dslforum-org:cwmp-1-5", "urn:dslforum-org:cwmp-2-0", "urn:dslforum-org:cwmp-1-2 ",
                          "URN:DSLFORUM-ORG:CWMP-1-0", "urn:dslforum-org:cwmp", "http://schemas.xmlsoap.org/soap/envelope/"}) {
    SCOPED_TRACE(uri);
    EXPECT_EQ(NamespaceFromUri(uri), std::nullopt);
  }
}

TEST(Namespace, OutputNamespace) {
  EXPECT_EQ(OutputNamespace(Namespace::kCwmp10), Namespace::kCwmp10);
  EXPECT_EQ(OutputNamespace(Namespace::kCwmp11), Namespace::kCwmp11);
  EXPECT_EQ(OutputNamespace(Namespace::kCwmp12), Namespace::kCwmp12);
  EXPECT_EQ(OutputNamespace(Namespace::kCwmp13), Namespace::kCwmp12);
  EXPECT_EQ(OutputNamespace(Namespace::kCwmp14), Namespace::kCwmp12);
}

// ---- File transfers, window modes, attribute and transfer states --------------------------------

TEST(FileType, StandardListsPerRpc) {
  using V = std::vector<std::string_view>;
  EXPECT_EQ(StandardFileTypes(FileTypeList::kDownload),
            (V{"1 Firmware Upgrade Image", "2 Web Content", "3 Vendor Configuration File", "4 Tone File",
               "5 Ringer File"}));
  EXPECT_EQ(StandardFileTypes(FileTypeList::kUpload),
            (V{"1 Vendor Configuration File", "2 Vendor Log File", "3 Vendor Configuration File N",
               "4 Vendor Log File N"}));
  EXPECT_EQ(StandardFileTypes(FileTypeList::kTransfer),
            (V{"1 Firmware Upgrade Image", "2 Web Content", "3 Vendor Configuration File", "4 Vendor Log File",
               "4 Tone File", "5 Ringer File", "6 Vendor Configuration File N", "7 Vendor Log File N"}));
  // Every listed type without an index is valid in its own list.
  for (const FileTypeList list : {FileTypeList::kDownload, FileTypeList::kUpload, FileTypeList::kTransfer}) {
    for (const std::string_view t : StandardFileTypes(list)) {
      if (!t.ends_with(" N")) {
        EXPECT_TRUE(IsValidFileType(t, list)) << t;
      }
    }
  }
}

TEST(FileType, ListsAreKeptApart) {
  const auto in = [](std::string_view t) {
    std::string lists;
    if (IsValidFileType(t, FileTypeList::kDownload)) lists += "D";
    if (IsValidFileType(t, FileTypeList::kUpload)) lists += "U";
    if (IsValidFileType(t, FileTypeList::kTransfer)) lists += "T";
    return lists;
  };
  EXPECT_EQ(in("1 Firmware Upgrade Image"), "DT");
  EXPECT_EQ(in("2 Web Content"), "DT");
  EXPECT_EQ(in("3 Vendor Configuration File"), "DT");  // Upload's is "1 Vendor Configuration File"
  EXPECT_EQ(in("1 Vendor Configuration File"), "U");
  EXPECT_EQ(in("2 Vendor Log File"), "U");
  EXPECT_EQ(in("4 Vendor Log File"), "T");
  EXPECT_EQ(in("4 Tone File"), "DT");
  EXPECT_EQ(in("5 Ringer File"), "DT");
  EXPECT_EQ(in("3 Vendor Configuration File 2"), "U");
  EXPECT_EQ(in("4 Vendor Log File 2"), "U");
  EXPECT_EQ(in("6 Vendor Configuration File 2"), "T");
  EXPECT_EQ(in("7 Vendor Log File 2"), "T");
  EXPECT_EQ(in("X 00D09E Special"), "DUT");
  EXPECT_EQ(in("X ACME Special File"), "DUT");  // "X <vendor> <name>" without an OUI
  EXPECT_EQ(in("9 Bootloader Image"), "");
}

TEST(FileType, IndexedFormsNeedAPositiveIndex) {
  EXPECT_TRUE(IsValidFileType("3 Vendor Configuration File 1", FileTypeList::kUpload));
  EXPECT_TRUE(IsValidFileType("3 Vendor Configuration File 999999999", FileTypeList::kUpload));
  EXPECT_TRUE(IsValidFileType("7 Vendor Log File 10", FileTypeList::kTransfer));
  for (const std::string_view bad : {"3 Vendor Configuration File 0", "3 Vendor Configuration File 01",
                                     "3 Vendor Configuration File -1", "3 Vendor Configuration File x",
                                     "3 Vendor Configuration File ", "3 Vendor Configuration File 1 ",
                                     "3 Vendor Configuration File 1000000000"}) {
    EXPECT_FALSE(IsValidFileType(bad, FileTypeList::kUpload)) << '"' << bad << '"';
  }
}

TEST(FileType, ExactTextAndAtMost64Characters) {
  for (const std::string_view bad : {"", "1 firmware upgrade image", "1 Firmware Upgrade Image ", " 1 Firmware Upgrade Image",
                                     "1  Firmware Upgrade Image", "Firmware Upgrade Image", "1"}) {
    EXPECT_FALSE(IsValidFileType(bad, FileTypeList::kDownload)) << '"' << bad << '"';
  }
  const std::string vendor64 = "X 00D09E " + std::string(55, 'V');
  ASSERT_EQ(vendor64.size(), 64u);
  EXPECT_TRUE(IsValidFileType(vendor64, FileTypeList::kDownload));
  EXPECT_FALSE(IsValidFileType(vendor64 + "V", FileTypeList::kDownload));
  for (const std::string_view bad : {"X 00D09E", "X 00D09E ", "X  Special", "X", "X Special"}) {
    EXPECT_FALSE(IsValidFileType(bad, FileTypeList::kUpload)) << '"' << bad << '"';
  }
}

TEST(WindowMode, StandardAndVendorModes) {
  for (const std::string_view mode : {"1 At Any Time", "2 Immediately", "3 When Idle", "4 Confirmation Needed",
                                      "X 00040E Night Only", "X ACME Quiet Hours"}) {
    EXPECT_TRUE(IsValidWindowMode(mode)) << mode;
  }
  for (const std::string_view mode : {"", "5 Maintenance Window", "1 at any time", "At Any Time", "1 At Any Time ",
                                      "X 00040E", "1"}) {
    EXPECT_FALSE(IsValidWindowMode(mode)) << '"' << mode << '"';
  }
  EXPECT_TRUE(IsValidWindowMode("X 00040E " + std::string(55, 'M')));
  EXPECT_FALSE(IsValidWindowMode("X 00040E " + std::string(56, 'M')));
}

TEST(Notification, ZeroToSix) {
  for (int n = 0; n <= 6; ++n) EXPECT_TRUE(IsValidNotification(n)) << n;
  for (const int n : {-1, 7, 100, std::numeric_limits<int>::min(), std::numeric_limits<int>::max()}) {
    EXPECT_FALSE(IsValidNotification(n)) << n;
  }
}

TEST(TransferState, OneToThree) {
  for (int s = 1; s <= 3; ++s) EXPECT_TRUE(IsValidTransferState(s)) << s;
  for (const int s : {0, 4, -1}) EXPECT_FALSE(IsValidTransferState(s)) << s;
}

TEST(DeploymentUnitState, InstalledUninstalledFailed) {
  for (const std::string_view s : {"Installed", "Uninstalled", "Failed"}) EXPECT_TRUE(IsValidDeploymentUnitState(s)) << s;
  for (const std::string_view s : {"", "installed", "Installing", "Active", "Installed "}) {
    EXPECT_FALSE(IsValidDeploymentUnitState(s)) << '"' << s << '"';
  }
}

TEST(Limits, SchemaLimitsOfTransfers) {
  EXPECT_EQ(kMaxCommandKey, 32u);
  EXPECT_EQ(kMaxParameterKey, 32u);
  EXPECT_EQ(kMaxUrl, 256u);
  EXPECT_EQ(kMaxUsername, 256u);
  EXPECT_EQ(kMaxPassword, 256u);
  EXPECT_EQ(kMaxFaultString, 256u);
}

}  // namespace
}  // namespace ruru::cwmp
