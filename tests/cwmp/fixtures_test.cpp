// Decodes every captured and hand-written CWMP message under tests/fixtures, checks selected fields
// against a table, then checks that Encode -> Decode gives the same envelope back.
//
// Data-driven: the tests iterate over the fixture directories, so a new file is picked up on the
// next build. Every file in tests/fixtures/cwmp/ needs a row in CwmpExpectations() (the test says
// so when it is missing). genieacs-sim captures are named "...-req-<RPC>.http"; the RPC is taken
// from the name.
//
// Rows with a non-empty `bug` document a dialect the codec must accept but does not yet: the test
// fails with "KNOWN CODEC BUG" until cwmp/codec.cpp is fixed. Do not delete those rows.
#include <gtest/gtest.h>

#include <functional>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "cwmp/codec.h"
#include "tests/cwmp/test_util.h"

namespace ruru::cwmp {
namespace {

// Items of the body's main list: parameters, names, methods, SetParameterValuesFault entries,
// transfers, time windows, operations, results or FileTypeArg entries; -1 for bodies without one.
int ItemCount(const Body& body) {
  return std::visit(
      [](const auto& b) -> int {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, Inform> || std::is_same_v<T, GetParameterNamesResponse> ||
                      std::is_same_v<T, GetParameterValuesResponse> || std::is_same_v<T, SetParameterValues>) {
          return static_cast<int>(b.parameters.size());
        } else if constexpr (std::is_same_v<T, GetParameterValues>) {
          return static_cast<int>(b.names.size());
        } else if constexpr (std::is_same_v<T, GetRPCMethodsResponse>) {
          return static_cast<int>(b.methods.size());
        } else if constexpr (std::is_same_v<T, Fault>) {
          return static_cast<int>(b.set_parameter_values_faults.size());
        } else if constexpr (std::is_same_v<T, GetParameterAttributes>) {
          return static_cast<int>(b.names.size());
        } else if constexpr (std::is_same_v<T, GetParameterAttributesResponse> || std::is_same_v<T, SetParameterAttributes>) {
          return static_cast<int>(b.parameters.size());
        } else if constexpr (std::is_same_v<T, GetQueuedTransfersResponse> ||
                             std::is_same_v<T, GetAllQueuedTransfersResponse>) {
          return static_cast<int>(b.transfers.size());
        } else if constexpr (std::is_same_v<T, ScheduleDownload>) {
          return static_cast<int>(b.time_windows.size());
        } else if constexpr (std::is_same_v<T, ChangeDUState>) {
          return static_cast<int>(b.operations.size());
        } else if constexpr (std::is_same_v<T, DUStateChangeComplete> ||
                             std::is_same_v<T, AutonomousDUStateChangeComplete>) {
          return static_cast<int>(b.results.size());
        } else if constexpr (std::is_same_v<T, RequestDownload>) {
          return static_cast<int>(b.args.size());
        } else {
          return -1;
        }
      },
      body);
}

struct Expectation {
  std::string_view file;
  std::string_view rpc;  // RpcName(), "" for Empty
  Namespace ns = Namespace::kCwmp10;
  std::string_view id = {};
  std::string_view serial = {};                  // Inform DeviceId/SerialNumber, checked when not empty
  std::vector<std::string_view> events = {};     // Inform event codes in order, checked for an Inform
  int items = -1;                                // ItemCount(), checked when >= 0
  uint32_t fault = 0;                            // Fault/FaultCode or (Autonomous)TransferComplete FaultCode
  // Version headers; nullopt means the header must be absent.
  std::optional<uint32_t> session_timeout = {};
  std::optional<std::string> supported_cwmp_versions = {};
  std::optional<std::string> use_cwmp_version = {};
  std::vector<std::string_view> warnings = {};   // exactly this many warnings, each containing one of these
  // Tolerated on decode but refused by Encode (Ruru never sends it): Encode must fail with a
  // message containing this. Empty: Encode -> Decode must give the envelope back.
  std::string_view encode_refuses = {};
  std::function<void(const Envelope&)> check = {};
  std::string_view bug = {};                     // a known codec bug this file exposes (see top of file)
};

template <typename T>
const T& As(const Envelope& e) {
  static const T kEmpty{};
  const T* b = std::get_if<T>(&e.body);
  if (b == nullptr) {
    ADD_FAILURE() << "body is not the expected type: " << test::Describe(e);
    return kEmpty;
  }
  return *b;
}

// The value of parameter `name` in a list, or a failure.
const ParameterValue& ValueOf(const std::vector<ParameterValueStruct>& params, std::string_view name) {
  static const ParameterValue kMissing{ValueType::kString, "<missing>"};
  for (const auto& p : params) {
    if (p.name == name) return p.value;
  }
  ADD_FAILURE() << "no parameter " << name;
  return kMissing;
}

void ExpectTypes(const std::vector<ParameterValueStruct>& params, const std::vector<ValueType>& types) {
  ASSERT_EQ(params.size(), types.size());
  for (size_t i = 0; i < params.size(); ++i) {
    EXPECT_EQ(ValueTypeName(params[i].value.type), ValueTypeName(types[i])) << params[i].name;
  }
}

using VT = ValueType;
using NS = Namespace;

// The three operations of tr181-change-du-state-1-2.xml, also sent in array form by
// dialect-change-du-state-array-form.xml.
std::vector<DuOperation> FritzBoxDuOperations() {
  DuOperation install;
  install.kind = DuOperation::Kind::kInstall;
  install.url = "https://apps.example.net/du/parental-control-1.4.2.ipk";
  install.uuid = "6f1c2b0e-8d3a-4e5f-9a7b-1c2d3e4f5a6b";
  install.username = "du-fetch";
  install.password = "Zt8@w1";
  install.execution_env_ref = "Device.SoftwareModules.ExecEnv.1.";
  DuOperation update;
  update.kind = DuOperation::Kind::kUpdate;
  update.url = "https://apps.example.net/du/speedtest-2.1.0.ipk";
  update.uuid = "0a3b5c7d-9e1f-4a2b-8c4d-6e8f0a1b2c3d";
  update.version = "2.0.9";
  DuOperation uninstall;
  uninstall.kind = DuOperation::Kind::kUninstall;
  uninstall.uuid = "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f";
  uninstall.version = "0.9.1";
  uninstall.execution_env_ref = "Device.SoftwareModules.ExecEnv.1.";
  return {install, update, uninstall};
}

const std::vector<Expectation>& CwmpExpectations() {
  static const std::vector<Expectation> rows = {
      // ---- TR-181 device (Device.), cwmp-1-2 ----
      {.file = "tr181-inform-bootstrap-boot-1-2.xml", .rpc = "Inform", .ns = NS::kCwmp12, .id = "4f1c0001",
       .serial = "00040E7C3A91", .events = {"0 BOOTSTRAP", "1 BOOT"}, .items = 9,
       .supported_cwmp_versions = "1.0,1.1,1.2,1.3,1.4",
       .check =
           [](const Envelope& e) {
             const auto& in = As<Inform>(e);
             EXPECT_EQ(in.device_id, (DeviceId{"AVM GmbH", "00040E", "FRITZ!Box 7590", "00040E7C3A91"}));
             EXPECT_EQ(in.events[0].code.kind, EventKind::kBootstrap);
             EXPECT_EQ(in.events[1].code.kind, EventKind::kBoot);
             EXPECT_EQ(in.max_envelopes, 1u);
             EXPECT_EQ(in.retry_count, 0u);
             EXPECT_EQ(in.current_time, "2026-11-28T03:18:45.917Z");
             EXPECT_EQ(ValueOf(in.parameters, "Device.DeviceInfo.ProvisioningCode"), ParameterValue::String(""));
             EXPECT_EQ(ValueOf(in.parameters, "Device.DeviceInfo.UpTime"), ParameterValue::UnsignedInt(38));
             EXPECT_EQ(*ValueOf(in.parameters, "Device.ManagementServer.AliasBasedAddressing").AsBool(), false);
           }},
      {.file = "tr181-inform-periodic-1-2.xml", .rpc = "Inform", .ns = NS::kCwmp12, .id = "4f1c0002",
       .serial = "00040E7C3A91", .events = {"2 PERIODIC"}, .items = 9, .session_timeout = 60,
       .check =
           [](const Envelope& e) {
             const auto& in = As<Inform>(e);
             EXPECT_EQ(in.current_time, "2026-11-28T04:18:45+13:00");
             EXPECT_EQ(ValueOf(in.parameters, "Device.ManagementServer.ParameterKey").text, "spv-0001");
           }},
      {.file = "tr181-inform-m-reboot-1-2.xml", .rpc = "Inform", .ns = NS::kCwmp12, .id = "4f1c0003",
       .serial = "00040E7C3A91", .events = {"1 BOOT", "M Reboot"}, .items = 6,
       .check =
           [](const Envelope& e) {
             const auto& in = As<Inform>(e);
             EXPECT_EQ(in.events[1].code.kind, EventKind::kMReboot);
             EXPECT_EQ(in.events[1].command_key, "reboot-7f3a");
             EXPECT_EQ(in.events[0].command_key, "");
           }},
      {.file = "tr181-inform-transfer-complete-1-2.xml", .rpc = "Inform", .ns = NS::kCwmp12, .id = "4f1c0004",
       .serial = "00040E7C3A91", .events = {"1 BOOT", "7 TRANSFER COMPLETE", "M Download"}, .items = 6,
       .check =
           [](const Envelope& e) {
             const auto& in = As<Inform>(e);
             EXPECT_EQ(in.events[1].code.kind, EventKind::kTransferComplete);
             EXPECT_EQ(in.events[2].code.kind, EventKind::kMDownload);
             EXPECT_EQ(in.events[2].command_key, "fw-154.08.01");
           }},
      {.file = "tr181-inform-value-change-1-2.xml", .rpc = "Inform", .ns = NS::kCwmp12, .id = "4f1c0005",
       .serial = "00040E7C3A91", .events = {"4 VALUE CHANGE"}, .items = 8,
       .check =
           [](const Envelope& e) {
             EXPECT_EQ(ValueOf(As<Inform>(e).parameters, "Device.WiFi.SSID.1.SSID").text, "Café Wi-Fi 日本");
           }},
      {.file = "tr181-get-parameter-names-response-1-2.xml", .rpc = "GetParameterNamesResponse", .ns = NS::kCwmp12,
       .id = "ruru-gpn-0001", .items = 8,
       .check =
           [](const Envelope& e) {
             const auto& r = As<GetParameterNamesResponse>(e);
             EXPECT_EQ(r.parameters[0], (ParameterInfo{"Device.WiFi.", false}));
             EXPECT_EQ(r.parameters[5], (ParameterInfo{"Device.WiFi.SSID.", true}));
           }},
      {.file = "tr181-get-parameter-values-response-1-2.xml", .rpc = "GetParameterValuesResponse", .ns = NS::kCwmp12,
       .id = "ruru-gpv-0001", .items = 10,
       .check =
           [](const Envelope& e) {
             const auto& ps = As<GetParameterValuesResponse>(e).parameters;
             ExpectTypes(ps, {VT::kString, VT::kUnsignedInt, VT::kDateTime, VT::kBoolean, VT::kUnsignedInt, VT::kInt,
                              VT::kUnsignedLong, VT::kInt, VT::kDateTime, VT::kHexBinary});
             for (const auto& p : ps) EXPECT_EQ(p.value.Validate(), std::nullopt) << p.name;
             EXPECT_EQ(*ValueOf(ps, "Device.WiFi.SSID.1.Stats.BytesSent").AsUint64(), 18446744073709551615u);
             EXPECT_EQ(*ValueOf(ps, "Device.WiFi.Radio.1.TransmitPower").AsInt64(), -1);
             EXPECT_EQ(ValueOf(ps, "Device.DeviceInfo.FirstUseDate").text, "0001-01-01T00:00:00Z");
           }},
      {.file = "tr181-set-parameter-values-response-1-2.xml", .rpc = "SetParameterValuesResponse", .ns = NS::kCwmp12,
       .id = "ruru-spv-0001",
       .check = [](const Envelope& e) { EXPECT_EQ(As<SetParameterValuesResponse>(e).status, 1); }},
      {.file = "tr181-fault-set-parameter-values-1-2.xml", .rpc = "Fault", .ns = NS::kCwmp12, .id = "ruru-spv-0002",
       .items = 3, .fault = 9003,
       .check =
           [](const Envelope& e) {
             const auto& f = As<Fault>(e);
             EXPECT_EQ(f.faultcode, "Client");
             EXPECT_EQ(f.faultstring, "CWMP fault");
             EXPECT_EQ(f.message, "Invalid arguments");
             const std::vector<SetParameterValuesFault> expected = {
                 {"Device.WiFi.Radio.1.Channel", 9007, "Invalid parameter value"},
                 {"Device.DeviceInfo.Manufacturer", 9008, "Attempt to set a non-writable parameter"},
                 {"Device.WiFi.SSID.9.SSID", 9005, "Invalid parameter name"}};
             EXPECT_EQ(f.set_parameter_values_faults, expected);
           }},
      {.file = "tr181-transfer-complete-fault-9010-1-2.xml", .rpc = "TransferComplete", .ns = NS::kCwmp12,
       .id = "4f1c0006", .fault = 9010,
       .check =
           [](const Envelope& e) {
             const auto& tc = As<TransferComplete>(e);
             EXPECT_EQ(tc.command_key, "fw-154.08.01");
             EXPECT_EQ(tc.fault.message, "Download failed: HTTP 404 Not Found");
             EXPECT_EQ(tc.start_time, "2026-11-28T03:20:01Z");
             EXPECT_EQ(tc.complete_time, "2026-11-28T03:20:03Z");
           }},
      {.file = "tr181-transfer-complete-success-1-2.xml", .rpc = "TransferComplete", .ns = NS::kCwmp12,
       .id = "4f1c0007", .fault = 0,
       .check = [](const Envelope& e) { EXPECT_EQ(As<TransferComplete>(e).fault, TransferFault{}); }},
      {.file = "tr181-transfer-complete-response-1-2.xml", .rpc = "TransferCompleteResponse", .ns = NS::kCwmp12,
       .id = "4f1c0007"},
      {.file = "tr181-get-rpc-methods-1-2.xml", .rpc = "GetRPCMethods", .ns = NS::kCwmp12, .id = "4f1c0008"},
      {.file = "tr181-get-rpc-methods-response-acs-1-2.xml", .rpc = "GetRPCMethodsResponse", .ns = NS::kCwmp12,
       .id = "4f1c0008", .items = 5},
      {.file = "tr181-get-rpc-methods-response-cpe-1-2.xml", .rpc = "GetRPCMethodsResponse", .ns = NS::kCwmp12,
       .id = "ruru-rpc-0001", .items = 14,
       .check = [](const Envelope& e) { EXPECT_EQ(As<GetRPCMethodsResponse>(e).methods.back(), "X_AVM-DE_GetLog"); }},
      {.file = "tr181-get-parameter-values-1-2.xml", .rpc = "GetParameterValues", .ns = NS::kCwmp12,
       .id = "ruru-gpv-0001", .items = 4,
       .check =
           [](const Envelope& e) {
             const std::vector<std::string> expected = {"Device.DeviceInfo.", "Device.ManagementServer.PeriodicInformInterval",
                                                        "Device.WiFi.SSID.[cpe-home].SSID", "Device.Hosts.Host.*.IPAddress"};
             EXPECT_EQ(As<GetParameterValues>(e).names, expected);
           }},
      {.file = "tr181-set-parameter-values-1-2.xml", .rpc = "SetParameterValues", .ns = NS::kCwmp12,
       .id = "ruru-spv-0001", .items = 6,
       .check =
           [](const Envelope& e) {
             const auto& spv = As<SetParameterValues>(e);
             EXPECT_EQ(spv.parameter_key, "spv-0001");
             EXPECT_EQ(ValueOf(spv.parameters, "Device.WiFi.SSID.1.SSID").text, "Café Wi-Fi 日本");
             EXPECT_EQ(ValueOf(spv.parameters, "Device.WiFi.AccessPoint.1.Security.KeyPassphrase").text,
                       "correct <horse> & \"battery\"");
             ExpectTypes(spv.parameters, {VT::kString, VT::kString, VT::kUnsignedInt, VT::kInt, VT::kBoolean, VT::kString});
           }},
      {.file = "tr181-get-parameter-names-1-2.xml", .rpc = "GetParameterNames", .ns = NS::kCwmp12, .id = "ruru-gpn-0001",
       .check =
           [](const Envelope& e) {
             EXPECT_EQ(As<GetParameterNames>(e), (GetParameterNames{"Device.WiFi.", true}));
           }},
      {.file = "tr181-inform-response-use-cwmp-version-1-2.xml", .rpc = "InformResponse", .ns = NS::kCwmp12,
       .id = "4f1c0001", .use_cwmp_version = "1.4",
       .check = [](const Envelope& e) { EXPECT_FALSE(e.hold_requests); }},
      {.file = "tr181-inform-response-hold-requests-1-2.xml", .rpc = "InformResponse", .ns = NS::kCwmp12,
       .id = "4f1c0001",
       .check =
           [](const Envelope& e) {
             EXPECT_TRUE(e.hold_requests);
             EXPECT_EQ(As<InformResponse>(e).max_envelopes, 1u);
           }},

      // ---- TR-098 device (InternetGatewayDevice.), cwmp-1-0 and cwmp-1-1 ----
      {.file = "tr098-inform-bootstrap-boot-1-0.xml", .rpc = "Inform", .ns = NS::kCwmp10, .id = "1000",
       .serial = "330826012345", .events = {"0 BOOTSTRAP", "1 BOOT", "X 00D09E BOOT"}, .items = 8,
       .check =
           [](const Envelope& e) {
             const auto& in = As<Inform>(e);
             EXPECT_EQ(in.device_id, (DeviceId{"2Wire, Inc.", "00D09E", "2701HG-B", "330826012345"}));
             EXPECT_EQ(in.events[2].code.kind, EventKind::kVendor);
             EXPECT_EQ(ValueOf(in.parameters, "InternetGatewayDevice.DeviceSummary").text,
                       "InternetGatewayDevice:1.4[](Baseline:1, EthernetLAN:1, WiFiLAN:1, ADSLWAN:1, Time:1)");
           }},
      {.file = "tr098-inform-bootstrap-boot-1-1.xml", .rpc = "Inform", .ns = NS::kCwmp11, .id = "1100",
       .serial = "330826012345", .events = {"0 BOOTSTRAP", "1 BOOT"}, .items = 8,
       .check = [](const Envelope& e) { EXPECT_EQ(As<Inform>(e).retry_count, 1u); }},
      {.file = "tr098-inform-periodic-1-0.xml", .rpc = "Inform", .ns = NS::kCwmp10, .id = "1001",
       .serial = "330826012345", .events = {"2 PERIODIC"}, .items = 8},
      {.file = "tr098-inform-periodic-1-1.xml", .rpc = "Inform", .ns = NS::kCwmp11, .id = "1101",
       .serial = "330826012345", .events = {"2 PERIODIC"}, .items = 8,
       .check = [](const Envelope& e) { EXPECT_EQ(As<Inform>(e).current_time, "0001-01-01T00:00:00Z"); }},
      {.file = "tr098-inform-m-reboot-1-0.xml", .rpc = "Inform", .ns = NS::kCwmp10, .id = "1005",
       .serial = "330826012345", .events = {"1 BOOT", "M Reboot"}, .items = 8,
       .check = [](const Envelope& e) { EXPECT_EQ(As<Inform>(e).events[1].command_key, "reboot-2026-11-28"); }},
      {.file = "tr098-inform-m-reboot-1-1.xml", .rpc = "Inform", .ns = NS::kCwmp11, .id = "1102",
       .serial = "330826012345", .events = {"1 BOOT", "M Reboot"}, .items = 8,
       .check = [](const Envelope& e) { EXPECT_EQ(As<Inform>(e).events[1].command_key, "reboot-2026-11-28"); }},
      {.file = "tr098-inform-transfer-complete-1-0.xml", .rpc = "Inform", .ns = NS::kCwmp10, .id = "1002",
       .serial = "330826012345", .events = {"1 BOOT", "7 TRANSFER COMPLETE", "M Download"}, .items = 8,
       .check = [](const Envelope& e) { EXPECT_EQ(As<Inform>(e).events[2].command_key, "fw-5.29.135.80"); }},
      {.file = "tr098-inform-transfer-complete-1-1.xml", .rpc = "Inform", .ns = NS::kCwmp11, .id = "1104",
       .serial = "330826012345", .events = {"1 BOOT", "7 TRANSFER COMPLETE", "M Download"}, .items = 8,
       .check = [](const Envelope& e) { EXPECT_EQ(As<Inform>(e).events[2].command_key, "fw-5.29.135.80"); }},
      {.file = "tr098-inform-value-change-1-0.xml", .rpc = "Inform", .ns = NS::kCwmp10, .id = "1006",
       .serial = "330826012345", .events = {"4 VALUE CHANGE"}, .items = 9,
       .check =
           [](const Envelope& e) {
             EXPECT_EQ(ValueOf(As<Inform>(e).parameters, "InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.SSID").text,
                       "2WIRE-Café");
           }},
      {.file = "tr098-inform-value-change-1-1.xml", .rpc = "Inform", .ns = NS::kCwmp11, .id = "1103",
       .serial = "330826012345", .events = {"4 VALUE CHANGE", "6 CONNECTION REQUEST"}, .items = 10,
       .check =
           [](const Envelope& e) {
             const auto& in = As<Inform>(e);
             EXPECT_EQ(in.current_time, "2026-11-28T06:00:00-05:00");
             EXPECT_EQ(ValueOf(in.parameters, "InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.Channel"),
                       ParameterValue::UnsignedInt(11));
           }},
      {.file = "tr098-get-parameter-names-response-1-0.xml", .rpc = "GetParameterNamesResponse", .ns = NS::kCwmp10,
       .id = "ruru-gpn-0002", .items = 6},
      {.file = "tr098-get-parameter-values-response-1-1.xml", .rpc = "GetParameterValuesResponse", .ns = NS::kCwmp11,
       .id = "ruru-gpv-0002", .items = 5,
       .check =
           [](const Envelope& e) {
             const auto& ps = As<GetParameterValuesResponse>(e).parameters;
             ExpectTypes(ps, {VT::kString, VT::kBoolean, VT::kUnsignedInt, VT::kDateTime, VT::kInt});
             EXPECT_EQ(*ps[2].value.AsUint64(), 4294967295u);
             EXPECT_EQ(*ps[4].value.AsInt64(), -2147483648);
             EXPECT_TRUE(*ps[1].value.AsBool());
           }},
      {.file = "tr098-set-parameter-values-response-1-0.xml", .rpc = "SetParameterValuesResponse", .ns = NS::kCwmp10,
       .id = "ruru-spv-0042",
       .check = [](const Envelope& e) { EXPECT_EQ(As<SetParameterValuesResponse>(e).status, 0); }},
      {.file = "tr098-fault-set-parameter-values-1-1.xml", .rpc = "Fault", .ns = NS::kCwmp11, .id = "ruru-spv-0043",
       .items = 2, .fault = 9003,
       .check =
           [](const Envelope& e) {
             const auto& f = As<Fault>(e).set_parameter_values_faults;
             EXPECT_EQ(f[0].code, 9007u);
             EXPECT_EQ(f[0].message, "Channel 14 not allowed in this regulatory domain");
             EXPECT_EQ(f[1].parameter_name, "InternetGatewayDevice.DeviceInfo.SerialNumber");
           }},
      {.file = "tr098-fault-method-not-supported-1-0.xml", .rpc = "Fault", .ns = NS::kCwmp10, .id = "ruru-rpc-0002",
       .items = 0, .fault = 9000,
       .check = [](const Envelope& e) { EXPECT_EQ(As<Fault>(e).message, StandardFaultText(9000)); }},
      {.file = "tr098-transfer-complete-fault-9010-1-0.xml", .rpc = "TransferComplete", .ns = NS::kCwmp10, .id = "1003",
       .fault = 9010,
       .check =
           [](const Envelope& e) {
             const auto& tc = As<TransferComplete>(e);
             EXPECT_EQ(tc.fault.message, "File transfer failure");
             EXPECT_EQ(tc.complete_time, "0001-01-01T00:00:00Z");
           }},
      {.file = "tr098-get-rpc-methods-1-0.xml", .rpc = "GetRPCMethods", .ns = NS::kCwmp10, .id = "1004"},
      {.file = "tr098-get-rpc-methods-response-acs-1-0.xml", .rpc = "GetRPCMethodsResponse", .ns = NS::kCwmp10,
       .id = "1004", .items = 3},
      {.file = "tr098-get-parameter-values-1-0.xml", .rpc = "GetParameterValues", .ns = NS::kCwmp10,
       .id = "ruru-gpv-0002", .items = 3},
      {.file = "tr098-set-parameter-values-1-1.xml", .rpc = "SetParameterValues", .ns = NS::kCwmp11,
       .id = "ruru-spv-0042", .items = 4,
       .check =
           [](const Envelope& e) {
             const auto& spv = As<SetParameterValues>(e);
             EXPECT_EQ(spv.parameter_key, "spv-0042");
             ExpectTypes(spv.parameters, {VT::kUnsignedInt, VT::kDateTime, VT::kBoolean, VT::kString});
           }},
      {.file = "tr098-get-parameter-names-1-0.xml", .rpc = "GetParameterNames", .ns = NS::kCwmp10, .id = "ruru-gpn-0002",
       .check = [](const Envelope& e) { EXPECT_EQ(As<GetParameterNames>(e), (GetParameterNames{"", false})); }},
      {.file = "tr098-inform-response-1-0.xml", .rpc = "InformResponse", .ns = NS::kCwmp10, .id = "1000",
       .check = [](const Envelope& e) { EXPECT_FALSE(e.hold_requests); }},
      {.file = "tr098-inform-response-hold-requests-1-1.xml", .rpc = "InformResponse", .ns = NS::kCwmp11, .id = "1100",
       .check = [](const Envelope& e) { EXPECT_TRUE(e.hold_requests); }},

      // ---- TR-098 device, the Amendment 6 RPCs that exist in cwmp-1-0 / cwmp-1-1 ----
      {.file = "tr098-get-parameter-attributes-1-0.xml", .rpc = "GetParameterAttributes", .ns = NS::kCwmp10,
       .id = "ruru-gpa-0001", .items = 3,
       .check =
           [](const Envelope& e) {
             const std::vector<std::string> expected = {"InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.SSID",
                                                        "InternetGatewayDevice.ManagementServer.ConnectionRequestURL",
                                                        "InternetGatewayDevice.LANDevice.1.Hosts."};
             EXPECT_EQ(As<GetParameterAttributes>(e).names, expected);
           }},
      {.file = "tr098-get-parameter-attributes-response-1-0.xml", .rpc = "GetParameterAttributesResponse",
       .ns = NS::kCwmp10, .id = "ruru-gpa-0001", .items = 4,
       .check =
           [](const Envelope& e) {
             const std::vector<ParameterAttribute> expected = {
                 {"InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.SSID", 2, {"Subscriber"}},
                 {"InternetGatewayDevice.ManagementServer.ConnectionRequestURL", 2, {}},
                 {"InternetGatewayDevice.LANDevice.1.Hosts.HostNumberOfEntries", 1, {}},
                 {"InternetGatewayDevice.LANDevice.1.Hosts.Host.1.IPAddress", 0, {"Subscriber"}}};
             EXPECT_EQ(As<GetParameterAttributesResponse>(e).parameters, expected);
           }},
      {.file = "tr098-set-parameter-attributes-1-1.xml", .rpc = "SetParameterAttributes", .ns = NS::kCwmp11,
       .id = "ruru-spa-0001", .items = 2,
       .check =
           [](const Envelope& e) {
             // Booleans as "1" in the first struct and "true"/"false" in the second.
             const std::vector<SetParameterAttributesStruct> expected = {
                 {"InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.SSID", true, 2, true, {}},
                 {"InternetGatewayDevice.LANDevice.1.Hosts.", true, 1, false, {"Subscriber"}}};
             EXPECT_EQ(As<SetParameterAttributes>(e).parameters, expected);
           }},
      {.file = "tr098-set-parameter-attributes-response-1-1.xml", .rpc = "SetParameterAttributesResponse",
       .ns = NS::kCwmp11, .id = "ruru-spa-0001"},
      {.file = "tr098-add-object-1-0.xml", .rpc = "AddObject", .ns = NS::kCwmp10, .id = "ruru-add-0001",
       .check =
           [](const Envelope& e) {
             EXPECT_EQ(As<AddObject>(e),
                       (AddObject{"InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANIPConnection.1.PortMapping.",
                                  "pm-add-0001"}));
           }},
      {.file = "tr098-add-object-response-1-0.xml", .rpc = "AddObjectResponse", .ns = NS::kCwmp10,
       .id = "ruru-add-0001",
       .check = [](const Envelope& e) { EXPECT_EQ(As<AddObjectResponse>(e), (AddObjectResponse{4, 0})); }},
      {.file = "tr098-delete-object-1-1.xml", .rpc = "DeleteObject", .ns = NS::kCwmp11, .id = "ruru-del-0001",
       .check =
           [](const Envelope& e) {
             EXPECT_EQ(As<DeleteObject>(e),
                       (DeleteObject{"InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANIPConnection.1.PortMapping.4.",
                                     "pm-del-0001"}));
           }},
      {.file = "tr098-delete-object-response-1-1.xml", .rpc = "DeleteObjectResponse", .ns = NS::kCwmp11,
       .id = "ruru-del-0001",
       .check = [](const Envelope& e) { EXPECT_EQ(As<DeleteObjectResponse>(e).status, 0); }},
      {.file = "tr098-reboot-1-0.xml", .rpc = "Reboot", .ns = NS::kCwmp10, .id = "ruru-reboot-0002",
       .check =
           [](const Envelope& e) {
             // The key the "M Reboot" event of tr098-inform-m-reboot-1-0.xml reports back.
             EXPECT_EQ(As<Reboot>(e).command_key, "reboot-2026-11-28");
           }},
      // <cwmp:RebootResponse></cwmp:RebootResponse>: open and close tags, no content.
      {.file = "tr098-reboot-response-1-0.xml", .rpc = "RebootResponse", .ns = NS::kCwmp10, .id = "ruru-reboot-0002"},
      {.file = "tr098-factory-reset-1-1.xml", .rpc = "FactoryReset", .ns = NS::kCwmp11, .id = "ruru-fr-0001"},
      {.file = "tr098-factory-reset-response-1-1.xml", .rpc = "FactoryResetResponse", .ns = NS::kCwmp11,
       .id = "ruru-fr-0001"},
      {.file = "tr098-schedule-inform-1-0.xml", .rpc = "ScheduleInform", .ns = NS::kCwmp10, .id = "ruru-si-0001",
       .check = [](const Envelope& e) { EXPECT_EQ(As<ScheduleInform>(e), (ScheduleInform{3600, "si-nightly"})); }},
      {.file = "tr098-schedule-inform-response-1-0.xml", .rpc = "ScheduleInformResponse", .ns = NS::kCwmp10,
       .id = "ruru-si-0001"},
      {.file = "tr098-download-firmware-1-0.xml", .rpc = "Download", .ns = NS::kCwmp10, .id = "ruru-dl-0001",
       .check =
           [](const Envelope& e) {
             const auto& d = As<Download>(e);
             EXPECT_EQ(d.command_key, "fw-5.29.135.80");  // reported by tr098-inform-transfer-complete-1-0.xml
             EXPECT_EQ(d.file_type, "1 Firmware Upgrade Image");
             EXPECT_EQ(d.url, "https://fw.example.net/2wire/2701HG-B_5.29.135.80.img");
             EXPECT_EQ(d.username, "cpe-330826012345");
             EXPECT_EQ(d.password, "Fw&Pa55:2026");
             EXPECT_EQ(d.file_size, 8388608u);
             EXPECT_EQ(d.target_file_name, "2701HG-B_5.29.135.80.img");
             EXPECT_EQ(d.delay_seconds, 0u);
             EXPECT_EQ(d.success_url, "");
             EXPECT_EQ(d.failure_url, "");
           }},
      {.file = "tr098-download-response-1-0.xml", .rpc = "DownloadResponse", .ns = NS::kCwmp10, .id = "ruru-dl-0001",
       .check =
           [](const Envelope& e) {
             EXPECT_EQ(As<DownloadResponse>(e), (DownloadResponse{1, "0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z"}));
           }},
      {.file = "tr098-upload-vendor-config-1-1.xml", .rpc = "Upload", .ns = NS::kCwmp11, .id = "ruru-ul-0001",
       .check =
           [](const Envelope& e) {
             const auto& u = As<Upload>(e);
             EXPECT_EQ(u.command_key, "cfg-backup-2026-11");
             EXPECT_EQ(u.file_type, "3 Vendor Configuration File 1");
             EXPECT_EQ(u.url, "https://upload.example.net/cfg/330826012345/config-1.xml");
             EXPECT_EQ(u.username, "cpe-330826012345");
             EXPECT_EQ(u.password, "u7#Lm2q");
             EXPECT_EQ(u.delay_seconds, 30u);
           }},
      {.file = "tr098-upload-response-1-1.xml", .rpc = "UploadResponse", .ns = NS::kCwmp11, .id = "ruru-ul-0001",
       .check =
           [](const Envelope& e) {
             EXPECT_EQ(As<UploadResponse>(e), (UploadResponse{0, "2026-11-28T03:25:00Z", "2026-11-28T03:25:02Z"}));
           }},
      {.file = "tr098-get-queued-transfers-1-0.xml", .rpc = "GetQueuedTransfers", .ns = NS::kCwmp10,
       .id = "ruru-gqt-0001"},
      {.file = "tr098-get-queued-transfers-response-1-0.xml", .rpc = "GetQueuedTransfersResponse", .ns = NS::kCwmp10,
       .id = "ruru-gqt-0001", .items = 2,
       .check =
           [](const Envelope& e) {
             const std::vector<QueuedTransfer> expected = {{"fw-5.29.135.80", 2}, {"cfg-backup-2026-11", 1}};
             EXPECT_EQ(As<GetQueuedTransfersResponse>(e).transfers, expected);
           }},
      {.file = "tr098-get-all-queued-transfers-1-1.xml", .rpc = "GetAllQueuedTransfers", .ns = NS::kCwmp11,
       .id = "ruru-gaqt-0001"},
      {.file = "tr098-get-all-queued-transfers-response-1-1.xml", .rpc = "GetAllQueuedTransfersResponse",
       .ns = NS::kCwmp11, .id = "ruru-gaqt-0001", .items = 3,
       .check =
           [](const Envelope& e) {
             // IsDownload as "1", "false" and "0"; the last one is a transfer the CPE started itself.
             const std::vector<AllQueuedTransfer> expected = {
                 {"fw-5.29.135.80", 2, true, "1 Firmware Upgrade Image", 8388608, "2701HG-B_5.29.135.80.img"},
                 {"cfg-backup-2026-11", 1, false, "3 Vendor Configuration File", 0, ""},
                 {"", 1, false, "7 Vendor Log File 1", 0, ""}};
             EXPECT_EQ(As<GetAllQueuedTransfersResponse>(e).transfers, expected);
           }},
      {.file = "tr098-autonomous-transfer-complete-1-1.xml", .rpc = "AutonomousTransferComplete", .ns = NS::kCwmp11,
       .id = "1201", .fault = 0,
       .check =
           [](const Envelope& e) {
             const auto& a = As<AutonomousTransferComplete>(e);
             EXPECT_EQ(a.announce_url, "sap://239.255.255.255:9875");
             EXPECT_EQ(a.transfer_url, "http://239.192.10.1:5000/2701HG-B_5.29.135.81.img");
             EXPECT_TRUE(a.is_download);
             EXPECT_EQ(a.file_type, "1 Firmware Upgrade Image");
             EXPECT_EQ(a.file_size, 8392704u);
             EXPECT_EQ(a.target_file_name, "");
             EXPECT_EQ(a.fault, TransferFault{});
             EXPECT_EQ(a.start_time, "2026-11-28T02:10:00Z");
             EXPECT_EQ(a.complete_time, "2026-11-28T02:11:37Z");
           }},
      {.file = "tr098-autonomous-transfer-complete-response-1-1.xml", .rpc = "AutonomousTransferCompleteResponse",
       .ns = NS::kCwmp11, .id = "1201"},
      {.file = "tr098-kicked-1-0.xml", .rpc = "Kicked", .ns = NS::kCwmp10, .id = "1401",
       .check =
           [](const Envelope& e) {
             EXPECT_EQ(As<Kicked>(e), (Kicked{"activate", "http://192.168.1.254/setup/", "plan=fiber-500&sn=330826012345",
                                              "http://192.168.1.254/setup/done.html"}));
           }},
      {.file = "tr098-kicked-response-1-0.xml", .rpc = "KickedResponse", .ns = NS::kCwmp10, .id = "1401",
       .check =
           [](const Envelope& e) {
             EXPECT_EQ(As<KickedResponse>(e).next_url, "https://portal.example.net/activated?sn=330826012345&plan=fiber-500");
           }},
      {.file = "tr098-request-download-1-0.xml", .rpc = "RequestDownload", .ns = NS::kCwmp10, .id = "1301", .items = 2,
       .check =
           [](const Envelope& e) {
             const auto& r = As<RequestDownload>(e);
             EXPECT_EQ(r.file_type, "1 Firmware Upgrade Image");
             EXPECT_EQ(r.args, (std::vector<FileTypeArg>{{"Version", "5.29.135.80"}, {"Channel", "beta"}}));
           }},
      {.file = "tr098-request-download-response-1-0.xml", .rpc = "RequestDownloadResponse", .ns = NS::kCwmp10,
       .id = "1301"},

      // ---- TR-181 device, cwmp-1-2 (ScheduleDownload, CancelTransfer and the DU RPCs exist only here) ----
      {.file = "tr181-schedule-download-1-2.xml", .rpc = "ScheduleDownload", .ns = NS::kCwmp12, .id = "ruru-sd-0001",
       .items = 2,
       .check =
           [](const Envelope& e) {
             const auto& sd = As<ScheduleDownload>(e);
             EXPECT_EQ(sd.command_key, "fw-night-0757");
             EXPECT_EQ(sd.file_type, "1 Firmware Upgrade Image");
             EXPECT_EQ(sd.url, "https://fw.example.net/avm/FRITZ.Box_7590-07.57.image");
             EXPECT_EQ(sd.username, "");
             EXPECT_EQ(sd.file_size, 36700160u);
             EXPECT_EQ(sd.time_windows[0], (TimeWindow{0, 3600, "1 At Any Time", "", -1}));
             // A character reference (&#252;) in the pretty-printed file; indentation must not leak in.
             EXPECT_EQ(sd.time_windows[1],
                       (TimeWindow{7200, 86400, "4 Confirmation Needed",
                                   "Ein Firmware-Update für Ihre FRITZ!Box ist bereit. Jetzt installieren?", -1}));
           }},
      {.file = "tr181-schedule-download-response-1-2.xml", .rpc = "ScheduleDownloadResponse", .ns = NS::kCwmp12,
       .id = "ruru-sd-0001"},
      {.file = "tr181-cancel-transfer-1-2.xml", .rpc = "CancelTransfer", .ns = NS::kCwmp12, .id = "ruru-ct-0001",
       .check = [](const Envelope& e) { EXPECT_EQ(As<CancelTransfer>(e).command_key, "fw-night-0757"); }},
      {.file = "tr181-cancel-transfer-response-1-2.xml", .rpc = "CancelTransferResponse", .ns = NS::kCwmp12,
       .id = "ruru-ct-0001"},
      {.file = "tr181-change-du-state-1-2.xml", .rpc = "ChangeDUState", .ns = NS::kCwmp12, .id = "ruru-du-0001",
       .items = 3,
       .check =
           [](const Envelope& e) {
             // xsi:type form, each operation's elements in schema order (Update: UUID, Version, URL, ...).
             EXPECT_EQ(As<ChangeDUState>(e).operations, FritzBoxDuOperations());
             EXPECT_EQ(As<ChangeDUState>(e).command_key, "du-2026-11-28");
           }},
      {.file = "tr181-change-du-state-response-1-2.xml", .rpc = "ChangeDUStateResponse", .ns = NS::kCwmp12,
       .id = "ruru-du-0001"},
      {.file = "tr181-du-state-change-complete-fault-1-2.xml", .rpc = "DUStateChangeComplete", .ns = NS::kCwmp12,
       .id = "4f1c0101", .items = 3,
       .check =
           [](const Envelope& e) {
             const auto& d = As<DUStateChangeComplete>(e);
             EXPECT_EQ(d.command_key, "du-2026-11-28");
             const OpResult& installed = d.results[0];
             EXPECT_EQ(installed.uuid, "6f1c2b0e-8d3a-4e5f-9a7b-1c2d3e4f5a6b");
             EXPECT_EQ(installed.deployment_unit_ref, "Device.SoftwareModules.DeploymentUnit.4");
             EXPECT_EQ(installed.version, "1.4.2");
             EXPECT_EQ(installed.current_state, "Installed");
             EXPECT_TRUE(installed.resolved);
             EXPECT_EQ(installed.execution_unit_ref_list,
                       "Device.SoftwareModules.ExecutionUnit.7,Device.SoftwareModules.ExecutionUnit.8");
             EXPECT_EQ(installed.start_time, "2026-11-28T03:30:01Z");
             EXPECT_EQ(installed.complete_time, "2026-11-28T03:30:19Z");
             EXPECT_EQ(installed.fault, TransferFault{});
             // The failed update leaves the old version installed, with the fault.
             const OpResult& failed = d.results[1];
             EXPECT_EQ(failed.current_state, "Installed");
             EXPECT_EQ(failed.version, "2.0.8");
             EXPECT_EQ(failed.fault, (TransferFault{9018, std::string(StandardFaultText(9018))}));
             EXPECT_EQ(d.results[2].current_state, "Uninstalled");
             EXPECT_FALSE(d.results[2].resolved);
             for (const auto& r : d.results) EXPECT_EQ(r.operation_performed, "");
           }},
      {.file = "tr181-du-state-change-complete-response-1-2.xml", .rpc = "DUStateChangeCompleteResponse",
       .ns = NS::kCwmp12, .id = "4f1c0101"},
      {.file = "tr181-autonomous-du-state-change-complete-1-2.xml", .rpc = "AutonomousDUStateChangeComplete",
       .ns = NS::kCwmp12, .id = "4f1c0102", .items = 2,
       .check =
           [](const Envelope& e) {
             const auto& r = As<AutonomousDUStateChangeComplete>(e).results;
             EXPECT_EQ(r[0].operation_performed, "Install");
             EXPECT_EQ(r[0].current_state, "Installed");
             EXPECT_EQ(r[0].version, "3.1.0");
             EXPECT_TRUE(r[0].resolved);
             EXPECT_EQ(r[1].operation_performed, "Uninstall");
             EXPECT_EQ(r[1].current_state, "Failed");
             EXPECT_EQ(r[1].complete_time, "0001-01-01T00:00:00Z");
             EXPECT_EQ(r[1].fault, (TransferFault{9029, "Invalid Deployment Unit State"}));
           }},
      {.file = "tr181-autonomous-du-state-change-complete-response-1-2.xml",
       .rpc = "AutonomousDUStateChangeCompleteResponse", .ns = NS::kCwmp12, .id = "4f1c0102"},
      {.file = "tr181-add-object-1-2.xml", .rpc = "AddObject", .ns = NS::kCwmp12, .id = "ruru-add-0002",
       .check =
           [](const Envelope& e) {
             EXPECT_EQ(As<AddObject>(e), (AddObject{"Device.NAT.PortMapping.", "pm-add-0002"}));
           }},
      {.file = "tr181-add-object-response-1-2.xml", .rpc = "AddObjectResponse", .ns = NS::kCwmp12, .id = "ruru-add-0002",
       .check = [](const Envelope& e) { EXPECT_EQ(As<AddObjectResponse>(e), (AddObjectResponse{3, 1})); }},
      {.file = "tr181-delete-object-1-2.xml", .rpc = "DeleteObject", .ns = NS::kCwmp12, .id = "ruru-del-0002",
       .check =
           [](const Envelope& e) {
             EXPECT_EQ(As<DeleteObject>(e), (DeleteObject{"Device.NAT.PortMapping.3.", "pm-del-0002"}));
           }},
      {.file = "tr181-delete-object-response-1-2.xml", .rpc = "DeleteObjectResponse", .ns = NS::kCwmp12,
       .id = "ruru-del-0002", .check = [](const Envelope& e) { EXPECT_EQ(As<DeleteObjectResponse>(e).status, 0); }},
      {.file = "tr181-get-parameter-attributes-response-1-2.xml", .rpc = "GetParameterAttributesResponse",
       .ns = NS::kCwmp12, .id = "ruru-gpa-0002", .items = 4,
       .check =
           [](const Envelope& e) {
             // Notification 4 and 6 (lightweight notification) exist from cwmp-1-2 on.
             const std::vector<ParameterAttribute> expected = {{"Device.WiFi.SSID.1.SSID", 2, {"Subscriber"}},
                                                               {"Device.DeviceInfo.UpTime", 0, {}},
                                                               {"Device.Hosts.HostNumberOfEntries", 4, {}},
                                                               {"Device.IP.Interface.1.Stats.BytesReceived", 6, {}}};
             EXPECT_EQ(As<GetParameterAttributesResponse>(e).parameters, expected);
           }},
      {.file = "tr181-download-vendor-file-1-2.xml", .rpc = "Download", .ns = NS::kCwmp12, .id = "ruru-dl-0002",
       .check =
           [](const Envelope& e) {
             const auto& d = As<Download>(e);
             EXPECT_EQ(d.file_type, "X 00040E Phonebook");
             EXPECT_EQ(d.delay_seconds, 60u);
             EXPECT_EQ(d.file_size, 0u);
             EXPECT_EQ(d.username, "");
           }},
      {.file = "tr181-download-response-completed-1-2.xml", .rpc = "DownloadResponse", .ns = NS::kCwmp12,
       .id = "ruru-dl-0002",
       .check =
           [](const Envelope& e) {
             EXPECT_EQ(As<DownloadResponse>(e), (DownloadResponse{0, "2026-11-28T03:41:00Z", "2026-11-28T03:41:01Z"}));
           }},
      {.file = "tr181-upload-log-1-2.xml", .rpc = "Upload", .ns = NS::kCwmp12, .id = "ruru-ul-0002",
       .check =
           [](const Envelope& e) {
             EXPECT_EQ(As<Upload>(e), (Upload{"log-2026-11-28", "2 Vendor Log File",
                                              "https://logs.example.net/upload/00040E7C3A91/syslog", "cpe-00040E7C3A91",
                                              "Lg!4x", 0}));
           }},

      // ---- Real-CPE dialects ----
      {.file = "dialect-prefix-soapenv.xml", .rpc = "Inform", .ns = NS::kCwmp10, .id = "5001",
       .serial = "ZTEEQFMN8C12345", .events = {"2 PERIODIC"}, .items = 3,
       .check = [](const Envelope& e) { EXPECT_EQ(As<Inform>(e).current_time, "2026-11-28T03:18:45"); }},
      {.file = "dialect-prefix-soap.xml", .rpc = "GetParameterValuesResponse", .ns = NS::kCwmp11, .id = "ruru-gpv-0100",
       .items = 2,
       .check =
           [](const Envelope& e) {
             ExpectTypes(As<GetParameterValuesResponse>(e).parameters, {VT::kUnsignedInt, VT::kString});
           }},
      {.file = "dialect-prefix-s.xml", .rpc = "Inform", .ns = NS::kCwmp12, .id = "a7c3", .serial = "LK20123456789",
       .events = {"6 CONNECTION REQUEST"}, .items = 2,
       .check =
           [](const Envelope& e) {
             // xsi:type with the peer's own prefixes (i:type="d:unsignedInt").
             ExpectTypes(As<Inform>(e).parameters, {VT::kString, VT::kUnsignedInt});
           }},
      {.file = "dialect-cwmp-prefix-ns1.xml", .rpc = "SetParameterValuesResponse", .ns = NS::kCwmp10, .id = "77"},
      {.file = "dialect-cwmp-default-namespace.xml", .rpc = "SetParameterValuesResponse", .ns = NS::kCwmp12,
       .id = "9105"},
      {.file = "dialect-no-xml-declaration.xml", .rpc = "GetParameterNamesResponse", .ns = NS::kCwmp10,
       .id = "ruru-gpn-0100", .items = 2,
       .check =
           [](const Envelope& e) {
             for (const auto& p : As<GetParameterNamesResponse>(e).parameters) EXPECT_TRUE(p.writable) << p.name;
           }},
      {.file = "dialect-xmlschema-1999.xml", .rpc = "GetParameterValuesResponse", .ns = NS::kCwmp10,
       .id = "ruru-gpv-0101", .items = 3,
       .check =
           [](const Envelope& e) {
             // xsd/xsi bound to the 1999 XMLSchema namespaces: the types must still be recognised.
             const auto& ps = As<GetParameterValuesResponse>(e).parameters;
             ExpectTypes(ps, {VT::kUnsignedInt, VT::kBoolean, VT::kString});
             EXPECT_EQ(ps[0].value.text, "600");
           }},
      {.file = "dialect-arraytype-more-than-sent.xml", .rpc = "Inform", .ns = NS::kCwmp10, .id = "5002",
       .serial = "485754430A1B2C3D", .events = {"2 PERIODIC"}, .items = 3,
       .warnings = {"Event: arrayType declares 4 items, 1 sent", "ParameterList: arrayType declares 16 items, 3 sent"}},
      {.file = "dialect-arraytype-fewer-than-sent.xml", .rpc = "GetParameterNamesResponse", .ns = NS::kCwmp10,
       .id = "ruru-gpn-0101", .items = 3, .warnings = {"ParameterList: arrayType declares 1 items, 3 sent"}},
      {.file = "dialect-empty-commandkey.xml", .rpc = "Inform", .ns = NS::kCwmp10, .id = "5003",
       .serial = "2197123004567", .events = {"1 BOOT", "4 VALUE CHANGE"}, .items = 1,
       .check =
           [](const Envelope& e) {
             const auto& in = As<Inform>(e);
             for (const auto& ev : in.events) EXPECT_EQ(ev.command_key, "");
             EXPECT_EQ(in.retry_count, 2u);
           }},
      {.file = "dialect-fault-unqualified-faultcode.xml", .rpc = "Fault", .ns = NS::kCwmp10, .id = "ruru-gpv-0102",
       .items = 0, .fault = 9005, .check = [](const Envelope& e) { EXPECT_EQ(As<Fault>(e).faultcode, "Client"); }},
      {.file = "dialect-fault-without-detail.xml", .rpc = "Fault", .ns = NS::kCwmp10, .id = "ruru-reboot-0001",
       .items = 0, .fault = 9002, .warnings = {"cwmp:Fault found outside <detail>"},
       .check =
           [](const Envelope& e) {
             EXPECT_EQ(As<Fault>(e).faultcode, "Server");
             EXPECT_EQ(As<Fault>(e).message, "Internal error");
           }},
      {.file = "dialect-fault-soap-env-detail.xml", .rpc = "Fault", .ns = NS::kCwmp11, .id = "ruru-spv-0103",
       .items = 1, .fault = 9003,
       .check =
           [](const Envelope& e) {
             const std::vector<SetParameterValuesFault> expected = {
                 {"InternetGatewayDevice.ManagementServer.PeriodicInformInterval", 9007, "Value below minimum (30)"}};
             EXPECT_EQ(As<Fault>(e).set_parameter_values_faults, expected);
           }},  // was a known codec bug (<SOAP-ENV:detail> rejected), fixed in 59f8a5c
      {.file = "dialect-vendor-elements.xml", .rpc = "Inform", .ns = NS::kCwmp10, .id = "9001",
       .serial = "S182V21012345", .events = {"2 PERIODIC", "M X_ZYXEL_ResetStats"}, .items = 2,
       .check =
           [](const Envelope& e) {
             // Unknown elements in DeviceId, ParameterValueStruct and Inform, and an unknown header
             // without mustUnderstand, are skipped.
             const auto& in = As<Inform>(e);
             EXPECT_EQ(in.device_id, (DeviceId{"Zyxel", "B8ECA3", "VMG3625-T20A", "S182V21012345"}));
             EXPECT_EQ(in.events[1].code.kind, EventKind::kMVendor);
             EXPECT_EQ(in.events[1].command_key, "stats-1");
             EXPECT_EQ(in.parameters[0], (ParameterValueStruct{"InternetGatewayDevice.DeviceInfo.SoftwareVersion",
                                                               ParameterValue::String("V5.50(ABPY.1)b12")}));
           }},
      {.file = "dialect-iso-8859-1.xml", .rpc = "Inform", .ns = NS::kCwmp10, .id = "7001", .serial = "CGT0012345",
       .events = {"2 PERIODIC"}, .items = 2,
       .check =
           [](const Envelope& e) {
             // Latin-1 bytes 0xE9, 0xA0 and 0xFC arrive as UTF-8.
             const auto& in = As<Inform>(e);
             EXPECT_EQ(in.device_id.manufacturer, "Compagnie G\xC3\xA9n\xC3\xA9rale de T\xC3\xA9l\xC3\xA9" "com");
             EXPECT_EQ(in.device_id.product_class, "Box\xC2\xA0V2");
             EXPECT_EQ(in.parameters[0].value.text, "M\xC3\xBCller-WLAN");
           }},
      {.file = "dialect-value-without-xsi-type.xml", .rpc = "GetParameterValuesResponse", .ns = NS::kCwmp10,
       .id = "ruru-gpv-0104", .items = 3,
       .check =
           [](const Envelope& e) {
             const auto& ps = As<GetParameterValuesResponse>(e).parameters;
             ExpectTypes(ps, {VT::kString, VT::kString, VT::kString});
             EXPECT_EQ(ps[1].value.text, "3600");
             EXPECT_EQ(ps[2].value.text, "");
           }},
      {.file = "dialect-unknown-xsi-type.xml", .rpc = "GetParameterValuesResponse", .ns = NS::kCwmp12,
       .id = "ruru-gpv-0105", .items = 3, .warnings = {"unknown xsi:type \"xsd:decimal\""},
       .check =
           [](const Envelope& e) {
             const auto& ps = As<GetParameterValuesResponse>(e).parameters;
             ExpectTypes(ps, {VT::kAny, VT::kBase64, VT::kBase64});
             EXPECT_EQ(ps[0].value.text, "12.5");
           }},
      {.file = "dialect-character-references-and-cdata.xml", .rpc = "GetParameterValuesResponse", .ns = NS::kCwmp11,
       .id = "ruru-gpv-0106", .items = 3,
       .check =
           [](const Envelope& e) {
             const auto& ps = As<GetParameterValuesResponse>(e).parameters;
             EXPECT_EQ(ps[0].value.text, "Café 日本");
             EXPECT_EQ(ps[1].value.text, "<Home> & \"Office\" 'Gateway'");
             EXPECT_EQ(ps[2].value.text, "a<b && c>d");
           }},
      {.file = "dialect-xsd-prefix-undeclared.xml", .rpc = "GetParameterValuesResponse", .ns = NS::kCwmp10,
       .id = "ruru-gpv-0107", .items = 2,
       .check =
           [](const Envelope& e) {
             // xsi:type="xsd:unsignedInt" with no xmlns:xsd anywhere: the conventional prefix is trusted.
             ExpectTypes(As<GetParameterValuesResponse>(e).parameters, {VT::kUnsignedInt, VT::kBoolean});
           }},
      {.file = "dialect-cwmp-namespace-declared-per-element.xml", .rpc = "GetParameterNamesResponse", .ns = NS::kCwmp12,
       .id = "ruru-gpn-0102", .items = 1},
      {.file = "dialect-xsi-type-everywhere.xml", .rpc = "Inform", .ns = NS::kCwmp10, .id = "9103",
       .serial = "CP1623TA0XY", .events = {"2 PERIODIC"}, .items = 1,
       .check =
           [](const Envelope& e) {
             const auto& in = As<Inform>(e);
             EXPECT_EQ(in.device_id.oui, "A0B53C");
             EXPECT_EQ(in.parameters[0].value, ParameterValue::String("10.5.2.R"));
           }},
      {.file = "dialect-namespace-cwmp-1-3.xml", .rpc = "Inform", .ns = NS::kCwmp13, .id = "6001",
       .serial = "ALCLB1234567", .events = {"2 PERIODIC"}, .items = 2, .session_timeout = 30},
      {.file = "dialect-namespace-cwmp-1-4.xml", .rpc = "Inform", .ns = NS::kCwmp14, .id = "6002",
       .serial = "ALCLB1234567", .events = {"1 BOOT", "14 HEARTBEAT"}, .items = 1,
       .supported_cwmp_versions = "1.0,1.1,1.2,1.3,1.4",
       .check = [](const Envelope& e) { EXPECT_EQ(As<Inform>(e).events[1].code.kind, EventKind::kHeartbeat); }},
      {.file = "dialect-utf8-bom.xml", .rpc = "TransferComplete", .ns = NS::kCwmp11, .id = "7002", .fault = 0,
       .check = [](const Envelope& e) { EXPECT_EQ(As<TransferComplete>(e).command_key, "cfg-2026-11"); }},
      {.file = "dialect-crlf.xml", .rpc = "SetParameterValuesResponse", .ns = NS::kCwmp10, .id = "ruru-spv-0104",
       .check = [](const Envelope& e) { EXPECT_EQ(As<SetParameterValuesResponse>(e).status, 1); }},
      {.file = "dialect-pretty-printed.xml", .rpc = "Inform", .ns = NS::kCwmp12, .id = "8001", .serial = "FFFF-0001",
       .events = {"1 BOOT", "M Reboot"}, .items = 3,
       .check =
           [](const Envelope& e) {
             // Indentation between elements must not leak into the values.
             const auto& in = As<Inform>(e);
             EXPECT_EQ(in.device_id, (DeviceId{"OpenWrt", "001122", "easycwmp", "FFFF-0001"}));
             EXPECT_EQ(in.events[1].command_key, "reboot-42");
             EXPECT_EQ(in.events[0].command_key, "");
             EXPECT_EQ(in.parameters[0].value, ParameterValue::String("23.05.2"));
             EXPECT_EQ(in.parameters[1].value, ParameterValue::UnsignedInt(17));
           }},
      {.file = "dialect-no-header.xml", .rpc = "SetParameterValuesResponse", .ns = NS::kCwmp10, .id = ""},
      {.file = "dialect-no-more-requests.xml", .rpc = "Inform", .ns = NS::kCwmp10, .id = "9104",
       .serial = "CP0812JT1AB", .events = {"2 PERIODIC"}, .items = 1,
       .check = [](const Envelope& e) { EXPECT_EQ(e.no_more_requests, std::optional<bool>(true)); }},
      // <x></x> and <x> whitespace </x> for the RPCs without arguments, not only <x/>.
      {.file = "dialect-empty-rpc-open-close-tags.xml", .rpc = "GetRPCMethods", .ns = NS::kCwmp10, .id = "9101"},
      {.file = "dialect-empty-rpc-with-whitespace.xml", .rpc = "TransferCompleteResponse", .ns = NS::kCwmp12,
       .id = "9102"},
      // ---- Amendment 6 dialects ----
      {.file = "dialect-change-du-state-array-form.xml", .rpc = "ChangeDUState", .ns = NS::kCwmp12, .id = "ruru-du-0002",
       .items = 3,
       .check =
           [](const Envelope& e) {
             // <Operations><InstallOpStruct>...</InstallOpStruct></Operations>: the same operations as the
             // xsi:type form of tr181-change-du-state-1-2.xml.
             EXPECT_EQ(As<ChangeDUState>(e).operations, FritzBoxDuOperations());
             EXPECT_EQ(As<ChangeDUState>(e).command_key, "du-2026-11-28");
           }},
      {.file = "dialect-change-du-state-xsi-type-other-prefix.xml", .rpc = "ChangeDUState", .ns = NS::kCwmp12,
       .id = "ruru-du-0003", .items = 1,
       .check =
           [](const Envelope& e) {
             // i:type="ns2:UninstallOpStruct": both prefixes are the peer's own; only the namespaces count.
             DuOperation expected;
             expected.kind = DuOperation::Kind::kUninstall;
             expected.uuid = "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f";
             EXPECT_EQ(As<ChangeDUState>(e).operations, std::vector<DuOperation>{expected});
             EXPECT_EQ(As<ChangeDUState>(e).command_key, "");
           }},
      {.file = "dialect-download-unknown-file-type.xml", .rpc = "Download", .ns = NS::kCwmp10, .id = "ruru-dl-0003",
       .warnings = {"FileType \"9 Bootloader Image\" is not a known type for this RPC"},
       .encode_refuses = "Download FileType \"9 Bootloader Image\" is not valid for this RPC",
       .check = [](const Envelope& e) { EXPECT_EQ(As<Download>(e).file_type, "9 Bootloader Image"); }},
      {.file = "dialect-schedule-download-unknown-window-mode.xml", .rpc = "ScheduleDownload", .ns = NS::kCwmp12,
       .id = "ruru-sd-0002", .items = 1, .warnings = {"WindowMode \"5 Maintenance Window\" is not a known mode"},
       .encode_refuses = "WindowMode \"5 Maintenance Window\" is not valid",
       .check =
           [](const Envelope& e) {
             EXPECT_EQ(As<ScheduleDownload>(e).time_windows[0], (TimeWindow{60, 7260, "5 Maintenance Window", "", 2}));
           }},
  };
  return rows;
}

const Expectation* FindExpectation(std::string_view file) {
  for (const auto& row : CwmpExpectations()) {
    if (row.file == file) return &row;
  }
  return nullptr;
}

std::string BugNote(const Expectation& e) {
  return e.bug.empty() ? std::string() : "\nKNOWN CODEC BUG (reported): " + std::string(e.bug);
}

void CheckAgainst(const Decoded& d, const Expectation& want) {
  const Envelope& env = d.envelope;
  EXPECT_EQ(RpcName(env.body), want.rpc);
  EXPECT_EQ(NamespaceUri(env.ns), NamespaceUri(want.ns));
  EXPECT_EQ(env.id, want.id);
  if (!want.serial.empty()) {
    EXPECT_EQ(As<Inform>(env).device_id.serial_number, want.serial);
  }
  if (const auto* in = std::get_if<Inform>(&env.body)) {
    std::vector<std::string_view> codes;
    for (const auto& ev : in->events) codes.push_back(ev.code.text);
    EXPECT_EQ(codes, want.events);
  }
  EXPECT_EQ(env.session_timeout, want.session_timeout);
  EXPECT_EQ(env.supported_cwmp_versions, want.supported_cwmp_versions);
  EXPECT_EQ(env.use_cwmp_version, want.use_cwmp_version);
  if (want.items >= 0) {
    EXPECT_EQ(ItemCount(env.body), want.items);
  }
  if (const auto* f = std::get_if<Fault>(&env.body)) {
    EXPECT_EQ(f->code, want.fault);
  }
  if (const auto* tc = std::get_if<TransferComplete>(&env.body)) {
    EXPECT_EQ(tc->fault.code, want.fault);
  }
  if (const auto* atc = std::get_if<AutonomousTransferComplete>(&env.body)) {
    EXPECT_EQ(atc->fault.code, want.fault);
  }

  EXPECT_EQ(d.warnings.size(), want.warnings.size()) << ::testing::PrintToString(d.warnings);
  for (const auto& w : want.warnings) {
    EXPECT_TRUE(test::HasWarning(d.warnings, w)) << "missing warning \"" << w << "\" in "
                                                 << ::testing::PrintToString(d.warnings);
  }
  // The checks index into lists; after a mismatch above they would read out of bounds.
  if (want.check && !::testing::Test::HasFailure()) want.check(env);
}

// Encode -> Decode gives the same envelope (answered in the output namespace).
void ExpectReencodes(const Envelope& decoded) {
  auto xml = Encode(decoded);
  ASSERT_TRUE(xml.ok()) << "Encode rejected a decoded message: " << xml.error().message;
  auto again = Decode(*xml);
  ASSERT_TRUE(again.ok()) << "Decode of our re-encoding failed: " << again.error().message << "\n" << *xml;
  Envelope expected = decoded;
  expected.ns = OutputNamespace(decoded.ns);
  EXPECT_EQ(again->envelope, expected);
  for (const auto& w : again->warnings) {
    // Only an unknown xsi:type survives a round trip (the value is kept as text).
    EXPECT_NE(w.find("xsi:type"), std::string::npos) << "warning after re-encoding: " << w;
  }
}

// ---- tests/fixtures/cwmp ----------------------------------------------------------------------

class CwmpFixture : public ::testing::TestWithParam<std::string> {};

TEST_P(CwmpFixture, DecodesAsExpectedAndReencodes) {
  const std::string& file = GetParam();
  const Expectation* want = FindExpectation(file);
  ASSERT_NE(want, nullptr) << "no row for " << file << " in CwmpExpectations() (tests/cwmp/fixtures_test.cpp)";
  const std::string bytes = test::ReadFile(test::FixturePath("cwmp/" + file));
  ASSERT_FALSE(bytes.empty());

  auto decoded = Decode(bytes);
  ASSERT_TRUE(decoded.ok()) << file << ": " << decoded.error().message << BugNote(*want);
  {
    SCOPED_TRACE("decoded " + file + BugNote(*want));
    CheckAgainst(*decoded, *want);
  }
  SCOPED_TRACE("re-encoded " + file);
  if (!want->encode_refuses.empty()) {
    auto xml = Encode(decoded->envelope);
    ASSERT_FALSE(xml.ok()) << "Encode accepted what it should refuse:\n" << *xml;
    EXPECT_NE(xml.error().message.find(want->encode_refuses), std::string::npos) << xml.error().message;
    return;
  }
  ExpectReencodes(decoded->envelope);
}

INSTANTIATE_TEST_SUITE_P(Files, CwmpFixture, ::testing::ValuesIn(test::ListFixtures("cwmp", ".xml")),
                         [](const auto& info) { return test::TestNameFromFile(info.param); });

TEST(CwmpFixtures, TableAndDirectoryAgree) {
  const auto files = test::ListFixtures("cwmp", ".xml");
  ASSERT_FALSE(files.empty()) << "no fixtures in " << test::FixturePath("cwmp");
  const std::set<std::string> on_disk(files.begin(), files.end());
  for (const auto& row : CwmpExpectations()) {
    EXPECT_TRUE(on_disk.count(std::string(row.file))) << "table row without a file: " << row.file;
  }
}

// Every RPC of RURU_CWMP_RPCS and the SOAP Fault has at least one fixture.
TEST(CwmpFixtures, CoverEveryRpc) {
  std::set<std::string_view> seen;
  for (const auto& row : CwmpExpectations()) seen.insert(row.rpc);
#define RURU_RPC_NAME(name) #name,
  const std::string_view all[] = {RURU_CWMP_RPCS(RURU_RPC_NAME) "Fault"};
#undef RURU_RPC_NAME
  EXPECT_EQ(std::size(all), std::variant_size_v<Body> - 1);  // all but Empty
  for (const std::string_view rpc : all) EXPECT_TRUE(seen.count(rpc)) << "no fixture for " << rpc;
}

// The first schema that defines an RPC: cwmp-1-1 added GetAllQueuedTransfers and
// AutonomousTransferComplete, cwmp-1-2 added ScheduleDownload, CancelTransfer, ChangeDUState,
// DUStateChangeComplete and AutonomousDUStateChangeComplete (and their responses). The codec accepts
// every RPC in every namespace; the fixtures show what a conforming peer sends.
Namespace FirstNamespaceOf(std::string_view rpc) {
  for (const std::string_view r : {"GetAllQueuedTransfers", "AutonomousTransferComplete"}) {
    if (rpc == r || rpc == std::string(r) + "Response") return Namespace::kCwmp11;
  }
  for (const std::string_view r : {"ScheduleDownload", "CancelTransfer", "ChangeDUState", "DUStateChangeComplete",
                                   "AutonomousDUStateChangeComplete"}) {
    if (rpc == r || rpc == std::string(r) + "Response") return Namespace::kCwmp12;
  }
  return Namespace::kCwmp10;
}

TEST(CwmpFixtures, RespectTheSchemaVersionOfEachRpc) {
  for (const auto& row : CwmpExpectations()) {
    EXPECT_GE(static_cast<int>(row.ns), static_cast<int>(FirstNamespaceOf(row.rpc)))
        << row.file << ": " << row.rpc << " does not exist in " << NamespaceUri(row.ns);
    // The file name's "-1-N" suffix, when it has one, is its namespace.
    for (const Namespace ns : {Namespace::kCwmp10, Namespace::kCwmp11, Namespace::kCwmp12}) {
      const std::string_view uri = NamespaceUri(ns);
      const std::string suffix = "-" + std::string(uri.substr(uri.size() - 3)) + ".xml";
      if (row.file.ends_with(suffix)) {
        EXPECT_EQ(row.ns, ns) << row.file;
      }
    }
  }
}

// Every namespace carries a fair share of the Amendment 6 RPCs, not only cwmp-1-2.
TEST(CwmpFixtures, AmendmentSixRpcsInEveryNamespace) {
  std::set<std::string_view> basic = {"Inform", "InformResponse", "TransferComplete", "TransferCompleteResponse",
                                      "GetRPCMethods", "GetRPCMethodsResponse", "GetParameterNames",
                                      "GetParameterNamesResponse", "GetParameterValues", "GetParameterValuesResponse",
                                      "SetParameterValues", "SetParameterValuesResponse", "Fault"};
  std::map<Namespace, std::set<std::string_view>> newer;
  for (const auto& row : CwmpExpectations()) {
    if (!basic.count(row.rpc)) newer[row.ns].insert(row.rpc);
  }
  EXPECT_GE(newer[Namespace::kCwmp10].size(), 15u);
  EXPECT_GE(newer[Namespace::kCwmp11].size(), 10u);
  EXPECT_GE(newer[Namespace::kCwmp12].size(), 15u);
}

// ---- tests/fixtures/genieacs-sim ------------------------------------------------------------------

// "script-004-req-GetParameterNamesResponse.http" -> "GetParameterNamesResponse"; "empty" and
// "GET" (a file download, no CWMP body) -> "" (Empty).
std::string RpcFromCaptureName(std::string_view file) {
  if (file == "inform-wire-exact.http") return "Inform";
  const size_t at = file.rfind("-req-");
  const size_t dot = file.rfind(".http");
  if (at == std::string_view::npos || dot == std::string_view::npos || dot < at + 5) return "?";
  const std::string_view rpc = file.substr(at + 5, dot - at - 5);
  return rpc == "empty" || rpc == "GET" ? "" : std::string(rpc);
}

class GenieacsSimCapture : public ::testing::TestWithParam<std::string> {};

TEST_P(GenieacsSimCapture, DecodesAndReencodes) {
  const std::string& file = GetParam();
  const std::string raw = test::ReadFile(test::FixturePath("genieacs-sim/" + file));
  ASSERT_FALSE(raw.empty());
  const test::HttpCapture http = test::SplitHttp(raw);
  if (auto length = http.Header("Content-Length")) {
    EXPECT_EQ(std::string(*length), std::to_string(http.body.size())) << "capture damaged?";
  }
  const std::string rpc = RpcFromCaptureName(file);
  ASSERT_NE(rpc, "?") << "cannot tell the RPC from the file name " << file;

  auto decoded = Decode(http.body);
  ASSERT_TRUE(decoded.ok()) << file << ": " << decoded.error().message;
  const Envelope& env = decoded->envelope;
  EXPECT_EQ(RpcName(env.body), rpc);
  EXPECT_EQ(env.ns, Namespace::kCwmp10);  // genieacs-sim speaks cwmp-1-0

  if (rpc.empty()) {
    EXPECT_TRUE(http.body.empty());
    EXPECT_TRUE(decoded->warnings.empty());
  } else {
    EXPECT_FALSE(env.id.empty());
  }
  if (const auto* in = std::get_if<Inform>(&env.body)) {
    EXPECT_EQ(in->device_id, (DeviceId{"Huawei Technologies Co., Ltd.", "202BC1", "BM632w", "000000"}));
    ASSERT_EQ(in->events.size(), 1u);
    EXPECT_TRUE(in->events[0].code.kind == EventKind::kPeriodic || in->events[0].code.kind == EventKind::kConnectionRequest)
        << in->events[0].code.text;
    EXPECT_EQ(in->parameters.size(), 7u);
    EXPECT_EQ(ValueOf(in->parameters, "InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANIPConnection.1."
                                      "ExternalIPAddress").text,
              "172.3.89.139");
    // The simulator declares 16 parameters and sends 7.
    EXPECT_EQ(decoded->warnings.size(), 1u) << ::testing::PrintToString(decoded->warnings);
    EXPECT_TRUE(test::HasWarning(decoded->warnings, "arrayType declares 16 items, 7 sent"));
  } else {
    EXPECT_TRUE(decoded->warnings.empty()) << ::testing::PrintToString(decoded->warnings);
  }
  if (const auto* f = std::get_if<Fault>(&env.body)) {
    EXPECT_EQ(f->faultcode, "Client");
    EXPECT_EQ(f->code, 9000u);
    EXPECT_EQ(f->message, "Method not supported");
  }
  if (const auto* r = std::get_if<GetParameterNamesResponse>(&env.body)) {
    EXPECT_EQ(r->parameters.size(), 16u);
    EXPECT_EQ(r->parameters[9], (ParameterInfo{"InternetGatewayDevice.DeviceInfo.ProvisioningCode", true}));
  }
  if (const auto* r = std::get_if<GetParameterValuesResponse>(&env.body)) {
    ASSERT_EQ(r->parameters.size(), 2u);
    EXPECT_EQ(r->parameters[1].value, ParameterValue::UnsignedInt(300));
  }
  if (const auto* r = std::get_if<SetParameterValuesResponse>(&env.body)) {
    EXPECT_EQ(r->status, 0);
  }
  if (const auto* r = std::get_if<AddObjectResponse>(&env.body)) {
    EXPECT_EQ(env.id, "rpc-AddObject");
    EXPECT_EQ(*r, (AddObjectResponse{2, 0}));
  }
  if (const auto* r = std::get_if<DeleteObjectResponse>(&env.body)) {
    EXPECT_EQ(env.id, "rpc-DeleteObject");
    EXPECT_EQ(r->status, 0);
  }
  if (const auto* r = std::get_if<DownloadResponse>(&env.body)) {
    // Status 1: the download is not done yet, a TransferComplete follows (script-015).
    EXPECT_EQ(env.id, "rpc-Download");
    EXPECT_EQ(*r, (DownloadResponse{1, "0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z"}));
  }
  if (const auto* tc = std::get_if<TransferComplete>(&env.body)) {
    EXPECT_EQ(tc->command_key, "dl1");
    EXPECT_EQ(tc->fault, TransferFault{});
    EXPECT_EQ(tc->start_time, "2026-11-28T03:18:46.331Z");
    EXPECT_EQ(tc->complete_time, "2026-11-28T03:18:48.664Z");
  }
  ExpectReencodes(env);
}

INSTANTIATE_TEST_SUITE_P(Captures, GenieacsSimCapture, ::testing::ValuesIn(test::ListFixtures("genieacs-sim", ".http")),
                         [](const auto& info) { return test::TestNameFromFile(info.param); });

TEST(GenieacsSimCaptures, Present) { EXPECT_EQ(test::ListFixtures("genieacs-sim", ".http").size(), 19u); }

}  // namespace
}  // namespace ruru::cwmp
