// The JSON form of messages (cwmp/json.h): every Body type round-trips JSON -> Envelope -> JSON
// (same keys, same order) and Envelope -> SOAP -> Envelope; captures survive
// Decode -> JSON -> Encode -> Decode; bad input gives one-line errors that name the field.
#include "cwmp/json.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "cwmp/codec.h"
#include "tests/cwmp/samples.h"
#include "tests/support/test_paths.h"

namespace ruru::cwmp {
namespace {

// The samples (one or more per Body type, every field set, keys in the documented order) are in
// tests/cwmp/samples.h, shared with the codec round trip and the acsctl end-to-end test.
using namespace test::samples;

// JSON -> Envelope -> JSON gives the same document, keys in the same order (ordered_json compares
// order too); Envelope -> SOAP -> Envelope gives the same envelope.
void ExpectRoundTrip(std::string_view text) {
  const Json json = Json::parse(text);
  auto envelope = EnvelopeFromJson(json);
  ASSERT_TRUE(envelope.ok()) << envelope.error().message;
  EXPECT_EQ(ToJson(*envelope).dump(2), json.dump(2));
  EXPECT_EQ(ToJson(*envelope), json);

  auto xml = Encode(*envelope);
  ASSERT_TRUE(xml.ok()) << xml.error().message;
  auto decoded = Decode(*xml);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message << "\n" << *xml;
  EXPECT_EQ(decoded->envelope, *envelope) << *xml;
  for (const auto& warning : decoded->warnings) {  // kAny is always worth a warning when decoding
    EXPECT_NE(warning.find("unknown xsi:type \"xsd:anySimpleType\""), std::string::npos) << warning;
  }
}

// EnvelopeFromJsonText(text) fails with a single line containing `expected`.
void ExpectError(const std::string& text, const std::string& expected) {
  auto envelope = EnvelopeFromJsonText(text);
  ASSERT_FALSE(envelope.ok()) << "accepted: " << text;
  EXPECT_EQ(envelope.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(envelope.error().message.find(expected), std::string::npos)
      << "message: " << envelope.error().message << "\nexpected to contain: " << expected;
  EXPECT_EQ(envelope.error().message.find('\n'), std::string::npos) << envelope.error().message;
}

Envelope FromText(std::string_view text) {
  auto envelope = EnvelopeFromJsonText(text);
  EXPECT_TRUE(envelope.ok()) << envelope.error().message;
  return envelope.ok() ? *envelope : Envelope{};
}

// One round trip per sample of tests/cwmp/samples.h, named after it (CwmpJsonSample.RoundTrips/Inform).
class CwmpJsonSample : public ::testing::TestWithParam<test::JsonSample> {};

TEST_P(CwmpJsonSample, RoundTrips) { ExpectRoundTrip(GetParam().json); }

INSTANTIATE_TEST_SUITE_P(Samples, CwmpJsonSample, ::testing::ValuesIn(test::JsonSamples()),
                         [](const auto& info) { return std::string(info.param.label); });

TEST(CwmpJson, VersionHeadersRoundTrip) {
  const Envelope envelope = FromText(kInformWithVersionHeaders);
  EXPECT_EQ(envelope.session_timeout, 60u);
  EXPECT_EQ(envelope.supported_cwmp_versions, "1.0,1.1,1.2,1.3,1.4");
  EXPECT_FALSE(envelope.use_cwmp_version.has_value());
  ExpectError(R"({"rpc":"","session_timeout":"60"})", R"(session_timeout: expected an integer, got "60")");
  ExpectError(R"({"rpc":"","use_cwmp_version":1.4})", "use_cwmp_version: expected a string, got 1.4");
}

// When a type is added to Body, this fails until samples.h has a sample of it. Each sample's "rpc"
// must also be its label's RPC, so a copy-and-paste slip does not hide a missing type.
TEST(CwmpJson, SamplesCoverEveryBodyType) {
  std::set<size_t> covered;
  std::set<std::string_view> labels;
  for (const auto& sample : test::JsonSamples()) {
    SCOPED_TRACE(sample.label);
    EXPECT_TRUE(labels.insert(sample.label).second) << "duplicate label";
    auto envelope = EnvelopeFromJsonText(sample.json);
    ASSERT_TRUE(envelope.ok()) << envelope.error().message;
    const std::string_view rpc = RpcName(envelope->body);
    const std::string name = rpc.empty() ? "Empty" : std::string(rpc);
    EXPECT_TRUE(sample.label == name || sample.label.starts_with(name + "With")) << "rpc " << rpc;
    covered.insert(envelope->body.index());
  }
  EXPECT_EQ(covered.size(), std::variant_size_v<Body>);
  EXPECT_EQ(std::variant_size_v<Body>, 52u);  // Empty, 50 RPCs, Fault
}

TEST(CwmpJson, InformFieldsReachTheModel) {
  const Envelope envelope = FromText(kInform);
  const auto& inform = std::get<Inform>(envelope.body);
  EXPECT_EQ(envelope.id, "tya33ed8");
  EXPECT_EQ(inform.device_id.oui, "202BC1");
  ASSERT_EQ(inform.events.size(), 3u);
  EXPECT_EQ(inform.events[0].code.kind, EventKind::kBoot);
  EXPECT_EQ(inform.events[1].code.kind, EventKind::kMReboot);
  EXPECT_EQ(inform.events[1].command_key, "reboot-42");
  EXPECT_EQ(inform.events[2].code.kind, EventKind::kVendor);
  EXPECT_EQ(inform.retry_count, 3u);
  ASSERT_EQ(inform.parameters.size(), 10u);
  EXPECT_EQ(inform.parameters[1].value, ParameterValue::UnsignedInt(300));
  EXPECT_EQ(inform.parameters[7].value.type, ValueType::kBase64);
  EXPECT_EQ(inform.parameters[9].value.type, ValueType::kAny);
}

TEST(CwmpJson, FaultFieldsReachTheModel) {
  const auto fault = std::get<Fault>(FromText(kFault).body);
  EXPECT_EQ(fault.faultcode, "Client");
  EXPECT_EQ(fault.code, 9003u);
  ASSERT_EQ(fault.set_parameter_values_faults.size(), 2u);
  EXPECT_EQ(fault.set_parameter_values_faults[0],
            (SetParameterValuesFault{"Device.WiFi.SSID.1.Enable", 9007, "Invalid parameter value"}));
}

// ---- Captures: Decode -> JSON text -> Envelope -> Encode -> Decode --------------------------
std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The body of a raw HTTP capture: whatever follows the first blank line (CRLF or LF).
std::string HttpBody(const std::string& capture) {
  const size_t crlf = capture.find("\r\n\r\n");
  const size_t lf = capture.find("\n\n");
  if (crlf != std::string::npos && (lf == std::string::npos || crlf < lf)) return capture.substr(crlf + 4);
  return lf == std::string::npos ? std::string() : capture.substr(lf + 2);
}

std::vector<std::filesystem::path> GenieAcsSimCaptures() {
  std::vector<std::filesystem::path> out;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(RURU_FIXTURES_DIR) + "/genieacs-sim")) {
    if (entry.path().extension() == ".http") out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(CwmpJson, CapturesSurviveJsonAndSoapRoundTrip) {
  int round_tripped = 0;
  for (const auto& path : GenieAcsSimCaptures()) {
    SCOPED_TRACE(path.filename().string());
    auto original = Decode(HttpBody(ReadFile(path)));
    ASSERT_TRUE(original.ok()) << original.error().message;
    const std::string text = ToJson(*original).dump(2);
    auto envelope = EnvelopeFromJsonText(text);
    ASSERT_TRUE(envelope.ok()) << envelope.error().message << "\n" << text;
    EXPECT_EQ(*envelope, original->envelope);
    auto xml = Encode(*envelope);
    ASSERT_TRUE(xml.ok()) << xml.error().message;
    auto again = Decode(*xml);
    ASSERT_TRUE(again.ok()) << again.error().message << "\n" << *xml;
    EXPECT_EQ(again->envelope, original->envelope) << *xml;
    ++round_tripped;
  }
  EXPECT_EQ(round_tripped, 19);  // every capture, AddObjectResponse, DeleteObjectResponse, DownloadResponse included
}

// The three captures whose RPCs arrived with Amendment 6 support, field by field in JSON.
TEST(CwmpJson, AmendmentSixCapturesInJson) {
  const auto body_of = [](const char* file) {
    auto decoded = Decode(HttpBody(ReadFile((std::string(RURU_FIXTURES_DIR) + "/genieacs-sim/") + file)));
    EXPECT_TRUE(decoded.ok()) << file << ": " << decoded.error().message;
    return decoded.ok() ? ToJson(*decoded) : Json();
  };
  const Json add = body_of("script-007-req-AddObjectResponse.http");
  EXPECT_EQ(add["rpc"], "AddObjectResponse");
  EXPECT_EQ(add["id"], "rpc-AddObject");
  EXPECT_EQ(add["body"], Json::parse(R"({"instance_number":2,"status":0})"));
  EXPECT_EQ(add["warnings"], Json::array());
  const Json del = body_of("script-008-req-DeleteObjectResponse.http");
  EXPECT_EQ(del["rpc"], "DeleteObjectResponse");
  EXPECT_EQ(del["body"], Json::parse(R"({"status":0})"));
  const Json dl = body_of("script-011-req-DownloadResponse.http");
  EXPECT_EQ(dl["rpc"], "DownloadResponse");
  EXPECT_EQ(dl["body"], Json::parse(R"({"status":1,"start_time":"0001-01-01T00:00:00Z",
                                        "complete_time":"0001-01-01T00:00:00Z"})"));
}

TEST(CwmpJson, DecodedCarriesWarnings) {
  auto decoded = Decode(HttpBody(ReadFile(std::string(RURU_FIXTURES_DIR) + "/genieacs-sim/script-001-req-Inform.http")));
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  const Json json = ToJson(*decoded);
  EXPECT_EQ(json["rpc"], "Inform");
  EXPECT_EQ(json["body"]["parameters"].size(), 7u);
  ASSERT_TRUE(json.contains("warnings"));
  EXPECT_EQ(json["warnings"], Json::array({"ParameterList: arrayType declares 16 items, 7 sent"}));
  // An envelope alone has no "warnings"; a Decoded always has the array, possibly empty.
  EXPECT_FALSE(ToJson(decoded->envelope).contains("warnings"));
  EXPECT_EQ(ToJson(Decoded{})["warnings"], Json::array());
}

TEST(CwmpJson, TopLevelKeysInDocumentedOrder) {
  Envelope envelope;
  envelope.id = "x";
  envelope.no_more_requests = true;
  envelope.session_timeout = 30;
  envelope.supported_cwmp_versions = "1.0,1.4";
  envelope.use_cwmp_version = "1.4";
  envelope.body = GetRPCMethods{};
  std::vector<std::string> keys;
  const Json json = ToJson(Decoded{envelope, {}});
  for (const auto& [key, value] : json.items()) keys.push_back(key);
  EXPECT_EQ(keys, (std::vector<std::string>{"namespace", "id", "hold_requests", "no_more_requests", "session_timeout",
                                            "supported_cwmp_versions", "use_cwmp_version", "rpc", "body", "warnings"}));
  // Optional headers appear only when set.
  envelope.no_more_requests.reset();
  envelope.session_timeout.reset();
  envelope.supported_cwmp_versions.reset();
  envelope.use_cwmp_version.reset();
  keys.clear();
  const Json plain = ToJson(envelope);
  for (const auto& [key, value] : plain.items()) keys.push_back(key);
  EXPECT_EQ(keys, (std::vector<std::string>{"namespace", "id", "hold_requests", "rpc", "body"}));
}

// ---- Input conveniences --------------------------------------------------------------------
TEST(CwmpJson, MissingOptionalFieldsTakeTheStructDefaults) {
  const Envelope envelope = FromText(R"({"rpc":"Inform"})");
  EXPECT_EQ(envelope.ns, Namespace::kCwmp10);
  EXPECT_EQ(envelope.id, "");
  EXPECT_FALSE(envelope.hold_requests);
  EXPECT_FALSE(envelope.no_more_requests.has_value());
  EXPECT_EQ(std::get<Inform>(envelope.body), Inform{});
  EXPECT_EQ(std::get<Inform>(envelope.body).max_envelopes, 1u);

  const auto fault = std::get<Fault>(FromText(R"({"rpc":"Fault","body":{"code":9005}})").body);
  EXPECT_EQ(fault.faultcode, "Client");
  EXPECT_EQ(fault.faultstring, "CWMP fault");

  const auto spv = std::get<SetParameterValues>(
      FromText(R"({"rpc":"SetParameterValues","body":{"parameters":[{"name":"Device.X"}]}})").body);
  EXPECT_EQ(spv.parameters[0].value, ParameterValue::String(""));
}

TEST(CwmpJson, NamespaceAcceptsShortForms) {
  EXPECT_EQ(FromText(R"({"rpc":"","namespace":"urn:dslforum-org:cwmp-1-1"})").ns, Namespace::kCwmp11);
  EXPECT_EQ(FromText(R"({"rpc":"","namespace":"cwmp-1-2"})").ns, Namespace::kCwmp12);
  EXPECT_EQ(FromText(R"({"rpc":"","namespace":"1-4"})").ns, Namespace::kCwmp14);
  EXPECT_EQ(FromText(R"({"rpc":"","namespace":"1-0"})").ns, Namespace::kCwmp10);
}

TEST(CwmpJson, ValueTypeWithOrWithoutPrefix) {
  const auto gpv = std::get<GetParameterValuesResponse>(FromText(R"({"rpc":"GetParameterValuesResponse","body":{
      "parameters":[{"name":"a","type":"unsignedInt","value":"1"},{"name":"b","type":"xsd:boolean","value":"1"},
                    {"name":"c","type":"xsd:base64Binary","value":"AA=="},{"name":"d","type":"base64","value":""}]}})")
                                                            .body);
  EXPECT_EQ(gpv.parameters[0].value.type, ValueType::kUnsignedInt);
  EXPECT_EQ(gpv.parameters[1].value.type, ValueType::kBoolean);
  EXPECT_EQ(gpv.parameters[2].value.type, ValueType::kBase64);
  EXPECT_EQ(gpv.parameters[3].value.type, ValueType::kBase64);
  Envelope envelope;
  envelope.body = gpv;
  EXPECT_EQ(ToJson(envelope)["body"]["parameters"][2]["type"], "xsd:base64");  // always written with the prefix
}

TEST(CwmpJson, FaultStandardTextIsOutputOnly) {
  Envelope envelope = FromText(R"({"rpc":"Fault","body":{"code":9005,"standard_text":"anything"}})");
  EXPECT_EQ(ToJson(envelope)["body"]["standard_text"], "Invalid parameter name");
  std::get<Fault>(envelope.body).code = 9899;  // vendor range: no standard text, no key
  EXPECT_FALSE(ToJson(envelope)["body"].contains("standard_text"));
  ExpectError(R"({"rpc":"Fault","body":{"code":9005,"standard_text":5}})",
              "body.standard_text: expected a string, got 5");
}

TEST(CwmpJson, WarningsAreAcceptedAndIgnored) {
  EXPECT_EQ(FromText(R"({"rpc":"GetRPCMethods","warnings":["something odd"]})").body, Body(GetRPCMethods{}));
  ExpectError(R"({"rpc":"GetRPCMethods","warnings":[1]})", "warnings[0]: expected a string, got 1");
}

TEST(CwmpJson, AcceptsAPlainNlohmannJson) {
  const nlohmann::json plain = nlohmann::json::parse(kSetParameterValuesResponse);
  auto envelope = EnvelopeFromJson(plain);
  ASSERT_TRUE(envelope.ok()) << envelope.error().message;
  EXPECT_EQ(std::get<SetParameterValuesResponse>(envelope->body).status, 1);
}

// ---- Errors name the field -------------------------------------------------------------------
TEST(CwmpJson, UnknownKeyIsAnError) {
  ExpectError(
      R"({"rpc":"Inform","body":{"device_id":{"manufactuer":"x"}}})",
      R"(body.device_id: unknown key "manufactuer" (expected manufacturer, oui, product_class, serial_number))");
  ExpectError(R"({"rpc":"Inform","body":{"parameters":[{"nmae":"a"}]}})", R"(body.parameters[0]: unknown key "nmae")");
  ExpectError(R"({"rpc":"","bdy":{}})", R"(unknown key "bdy" (expected namespace, id, hold_requests)");
  ExpectError(R"({"rpc":"","body":{"x":1}})", R"(body: unknown key "x" (expected no keys))");
  ExpectError(R"({"rpc":"GetRPCMethods","body":{"methods":[]}})", R"(body: unknown key "methods")");
  ExpectError("{\"rpc\":\"\",\"line\\nbreak\":1}", R"(unknown key "line\nbreak")");  // escaped: still one line
}

TEST(CwmpJson, WrongTypeIsAnError) {
  ExpectError(R"({"rpc":"SetParameterValues","body":{"parameters":[{"name":"a"},{"name":"b","value":42}]}})",
              "body.parameters[1].value: expected a string, got 42");
  ExpectError(R"({"rpc":"","hold_requests":"yes"})", R"(hold_requests: expected true or false, got "yes")");
  ExpectError(R"({"rpc":"","no_more_requests":null})", "no_more_requests: expected true or false, got null");
  ExpectError(R"({"rpc":"","id":7})", "id: expected a string, got 7");
  ExpectError(R"({"rpc":"Inform","body":{"events":{}}})", "body.events: expected an array, got an object");
  ExpectError(R"({"rpc":"Inform","body":{"device_id":[]}})", "body.device_id: expected an object, got an array");
  ExpectError(R"({"rpc":"Inform","body":[]})", "body: expected an object, got an array");
  ExpectError(R"({"rpc":"GetParameterNamesResponse","body":{"parameters":[{"name":"a","writable":"true"}]}})",
              R"(body.parameters[0].writable: expected true or false, got "true")");
  ExpectError(R"({"rpc":"GetParameterValues","body":{"names":["a",null]}})",
              "body.names[1]: expected a string, got null");
  ExpectError(R"([])", "expected a JSON object at the top level, got an array");
}

TEST(CwmpJson, IntegersMustBeIntegralAndInRange) {
  ExpectError(R"({"rpc":"Inform","body":{"max_envelopes":-1}})",
              "body.max_envelopes: -1 is out of range 0..4294967295");
  ExpectError(R"({"rpc":"Inform","body":{"retry_count":4294967296}})", "body.retry_count: 4294967296 is out of range");
  ExpectError(R"({"rpc":"Inform","body":{"retry_count":1.0}})", "body.retry_count: expected an integer, got 1.0");
  ExpectError(R"({"rpc":"Inform","body":{"retry_count":"1"}})", R"(body.retry_count: expected an integer, got "1")");
  ExpectError(R"({"rpc":"SetParameterValuesResponse","body":{"status":3000000000}})",
              "body.status: 3000000000 is out of range");
  ExpectError(R"({"rpc":"TransferComplete","body":{"fault":{"code":-9010}}})",
              "body.fault.code: -9010 is out of range");
  EXPECT_EQ(std::get<Inform>(FromText(R"({"rpc":"Inform","body":{"retry_count":4294967295}})").body).retry_count,
            4294967295u);
}

TEST(CwmpJson, BadNamespaceIsAnError) {
  ExpectError(R"({"rpc":"","namespace":"urn:dslforum-org:cwmp-2-0"})",
              R"(namespace: unknown CWMP namespace "urn:dslforum-org:cwmp-2-0")");
  ExpectError(R"({"rpc":"","namespace":""})", R"(namespace: unknown CWMP namespace "")");
  ExpectError(R"({"rpc":"","namespace":10})", "namespace: expected a string, got 10");
}

TEST(CwmpJson, MissingRpcIsAnError) {
  ExpectError(R"({"id":"1","body":{}})", "rpc: missing required key");
  ExpectError(R"({"rpc":null})", "rpc: expected a string, got null");
}

TEST(CwmpJson, UnknownRpcIsAnError) {
  // SetVouchers and GetOptions are in the schemas but left out of Ruru (messages.h).
  ExpectError(R"({"rpc":"SetVouchers","body":{}})", R"(rpc: unknown or unsupported RPC "SetVouchers")");
  ExpectError(R"({"rpc":"GetOptions"})", R"(rpc: unknown or unsupported RPC "GetOptions")");
  ExpectError(R"({"rpc":"X_AVM-DE_GetLog"})", R"(rpc: unknown or unsupported RPC "X_AVM-DE_GetLog")");
  ExpectError(R"({"rpc":"inform"})", R"(rpc: unknown or unsupported RPC "inform")");  // names are case-sensitive
}

// Reboot was the "unknown RPC" example before Amendment 6 support; it is an ordinary RPC now.
TEST(CwmpJson, EveryAmendmentSixRpcIsKnown) {
  EXPECT_EQ(FromText(R"({"rpc":"Reboot"})").body, Body(Reboot{}));
  EXPECT_EQ(FromText(R"({"rpc":"FactoryReset"})").body, Body(FactoryReset{}));
  EXPECT_EQ(FromText(R"({"rpc":"Reboot","body":{"command_key":"k"}})").body, Body(Reboot{"k"}));
  ExpectError(R"({"rpc":"Reboot","body":{"command_key":"k","delay":5}})",
              R"(body: unknown key "delay" (expected command_key))");
}

TEST(CwmpJson, ChangeDUStateFieldsReachTheModel) {
  const auto cdu = std::get<ChangeDUState>(FromText(kChangeDUState).body);
  EXPECT_EQ(cdu.command_key, "du-2026-11-28");
  ASSERT_EQ(cdu.operations.size(), 3u);
  EXPECT_EQ(cdu.operations[0].kind, DuOperation::Kind::kInstall);
  EXPECT_EQ(cdu.operations[0].url, "https://apps.example.net/du/parental-control-1.4.2.ipk");
  EXPECT_EQ(cdu.operations[0].execution_env_ref, "Device.SoftwareModules.ExecEnv.1.");
  EXPECT_EQ(cdu.operations[1].kind, DuOperation::Kind::kUpdate);
  EXPECT_EQ(cdu.operations[1].version, "2.0.9");
  EXPECT_EQ(cdu.operations[2].kind, DuOperation::Kind::kUninstall);
  EXPECT_EQ(cdu.operations[2].uuid, "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f");
  // Absent keys take the struct defaults; "operation" is required and spelled as in the schema.
  const auto minimal = std::get<ChangeDUState>(
      FromText(R"({"rpc":"ChangeDUState","body":{"operations":[{"operation":"Uninstall","uuid":"u"}]}})").body);
  EXPECT_EQ(minimal.operations, (std::vector<DuOperation>{{DuOperation::Kind::kUninstall, "", "u", "", "", "", ""}}));
  ExpectError(R"({"rpc":"ChangeDUState","body":{"operations":[{"url":"http://a"}]}})",
              "body.operations[0].operation: missing required key");
  ExpectError(R"({"rpc":"ChangeDUState","body":{"operations":[{"operation":"install"}]}})",
              R"(body.operations[0].operation: unknown operation "install" (expected Install, Update or Uninstall))");
  ExpectError(R"({"rpc":"ChangeDUState","body":{"operations":[{"operation":1}]}})",
              "body.operations[0].operation: expected a string, got 1");
}

TEST(CwmpJson, ScheduleDownloadFieldsReachTheModel) {
  const auto sd = std::get<ScheduleDownload>(FromText(kScheduleDownload).body);
  ASSERT_EQ(sd.time_windows.size(), 2u);
  EXPECT_EQ(sd.time_windows[0], (TimeWindow{0, 3600, "1 At Any Time", "", 3}));
  EXPECT_EQ(sd.time_windows[1],
            (TimeWindow{7200, 86400, "4 Confirmation Needed", "A firmware update is ready. Install it now?", -1}));
  EXPECT_EQ(sd.file_size, 36700160u);
  // A window without keys takes the TimeWindow defaults.
  const auto defaults = std::get<ScheduleDownload>(
      FromText(R"({"rpc":"ScheduleDownload","body":{"time_windows":[{}]}})").body);
  EXPECT_EQ(defaults.time_windows, std::vector<TimeWindow>{TimeWindow{}});
  EXPECT_EQ(defaults.time_windows[0].window_mode, "1 At Any Time");
  ExpectError(R"({"rpc":"ScheduleDownload","body":{"time_windows":[{"max_retries":2147483648}]}})",
              "body.time_windows[0].max_retries: 2147483648 is out of range -2147483648..2147483647");
  ExpectError(R"({"rpc":"ScheduleDownload","body":{"time_windows":[{"window_start":-1}]}})",
              "body.time_windows[0].window_start: -1 is out of range 0..4294967295");
}

TEST(CwmpJson, TransferAndDuResultFieldsReachTheModel) {
  const auto all = std::get<GetAllQueuedTransfersResponse>(FromText(kGetAllQueuedTransfersResponse).body);
  ASSERT_EQ(all.transfers.size(), 3u);
  EXPECT_EQ(all.transfers[1], (AllQueuedTransfer{"", 1, false, "7 Vendor Log File 2", 0, ""}));
  const auto atc = std::get<AutonomousTransferComplete>(FromText(kAutonomousTransferComplete).body);
  EXPECT_FALSE(atc.is_download);
  EXPECT_EQ(atc.fault, (TransferFault{9011, "Upload failure: HTTP 507"}));
  const auto du = std::get<DUStateChangeComplete>(FromText(kDUStateChangeComplete).body);
  ASSERT_EQ(du.results.size(), 2u);
  EXPECT_EQ(du.results[1].current_state, "Failed");
  EXPECT_EQ(du.results[1].fault.code, 9028u);
  const auto auton = std::get<AutonomousDUStateChangeComplete>(FromText(kAutonomousDUStateChangeComplete).body);
  ASSERT_EQ(auton.results.size(), 1u);
  EXPECT_EQ(auton.results[0].operation_performed, "Uninstall");
  const auto rd = std::get<RequestDownload>(FromText(kRequestDownload).body);
  EXPECT_EQ(rd.args, (std::vector<FileTypeArg>{{"Version", "5.29.135.80"}, {"Channel", "beta"}}));
  ExpectError(R"({"rpc":"RequestDownload","body":{"args":[{"value":"x"}]}})", "body.args[0].name: missing required key");
  ExpectError(R"({"rpc":"GetParameterAttributesResponse","body":{"parameters":[{"notification":1}]}})",
              "body.parameters[0].name: missing required key");
  ExpectError(R"({"rpc":"GetAllQueuedTransfersResponse","body":{"transfers":[{"is_download":"true"}]}})",
              R"(body.transfers[0].is_download: expected true or false, got "true")");
}

TEST(CwmpJson, RequiredItemKeysAreChecked) {
  ExpectError(R"({"rpc":"Inform","body":{"parameters":[{"value":"1"}]}})",
              "body.parameters[0].name: missing required key");
  ExpectError(R"({"rpc":"Inform","body":{"events":[{"command_key":"k"}]}})",
              "body.events[0].code: missing required key");
  ExpectError(R"({"rpc":"Fault","body":{"set_parameter_values_faults":[{"code":9007}]}})",
              "body.set_parameter_values_faults[0].parameter_name: missing required key");
}

TEST(CwmpJson, UnknownValueTypeIsAnError) {
  ExpectError(R"({"rpc":"GetParameterValuesResponse","body":{"parameters":[{"name":"a","type":"xsd:strng"}]}})",
              R"(body.parameters[0].type: unknown type "xsd:strng" (expected one of string, int)");
  ExpectError(R"({"rpc":"GetParameterValuesResponse","body":{"parameters":[{"name":"a","type":"soap-enc:string"}]}})",
              R"(body.parameters[0].type: unknown type "soap-enc:string")");
}

TEST(CwmpJson, BadJsonTextIsAnErrorNotAnException) {
  ExpectError("", "invalid JSON: parse error at line 1, column 1");
  ExpectError("{\"rpc\":", "invalid JSON: parse error");
  ExpectError("{\"rpc\":\"\"} trailing", "invalid JSON: parse error");
  ExpectError("{\"rpc\":\"\xff\"}", "invalid JSON: parse error");  // invalid UTF-8
  ExpectError(std::string(100000, '[') + std::string(100000, ']'), "expected a JSON object at the top level");
  ExpectError(R"({"rpc":"Inform","rpc":"Fault"})", R"(invalid JSON: duplicate key "rpc")");
  ExpectError(R"({"rpc":"Inform","body":{"parameters":[{"name":"a","name":"b"}]}})", R"(duplicate key "name")");
  // The same key in sibling objects is fine.
  FromText(R"({"rpc":"Inform","body":{"parameters":[{"name":"a"},{"name":"b"}]}})");
}

}  // namespace
}  // namespace ruru::cwmp
