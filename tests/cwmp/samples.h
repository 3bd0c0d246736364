// Sample messages in the JSON form of cwmp/json.h: at least one for every alternative of
// cwmp::Body (Empty, every RPC of RURU_CWMP_RPCS, Fault), with realistic TR-181 / TR-098 values.
//
// Every key of every body is present, in the order ToJson() writes it, so that
// ToJson(EnvelopeFromJson(sample)) gives the sample back unchanged. Each sample is also valid for
// Encode (it respects every schema rule the encoder checks), so the same list drives the JSON round
// trip (json_test.cpp), the SOAP round trip in every namespace (codec_roundtrip_test.cpp) and the
// acsctl end-to-end round trip (tests/acs/acsctl_cwmp_test.cpp).
//
// Header-only and free of project libraries (acsctl_cwmp_test links none of them). The namespace of
// a sample is the first schema version that defines its RPC (cwmp-1-1: GetAllQueuedTransfers,
// AutonomousTransferComplete; cwmp-1-2: ScheduleDownload, CancelTransfer, ChangeDUState,
// DUStateChangeComplete, AutonomousDUStateChangeComplete), or cwmp-1-0.
#pragma once

#include <string_view>
#include <vector>

namespace ruru::test {

namespace samples {

// ---- Session and generic RPCs (cwmp-1-0) -------------------------------------------------------
inline constexpr std::string_view kEmpty = R"({"namespace":"urn:dslforum-org:cwmp-1-0","id":"","hold_requests":false,
  "rpc":"","body":{}})";

inline constexpr std::string_view kInform =
    R"({"namespace":"urn:dslforum-org:cwmp-1-0","id":"tya33ed8","hold_requests":false,
  "rpc":"Inform","body":{
    "device_id":{"manufacturer":"Huawei Technologies Co., Ltd.","oui":"202BC1","product_class":"BM632w",
                 "serial_number":"000000"},
    "events":[{"code":"1 BOOT","command_key":""},{"code":"M Reboot","command_key":"reboot-42"},
              {"code":"X 202BC1 Custom","command_key":""}],
    "max_envelopes":1,"current_time":"2026-11-28T03:17:58.545Z","retry_count":3,
    "parameters":[
      {"name":"InternetGatewayDevice.DeviceInfo.SoftwareVersion","type":"xsd:string","value":"V100R001"},
      {"name":"InternetGatewayDevice.ManagementServer.PeriodicInformInterval","type":"xsd:unsignedInt","value":"300"},
      {"name":"InternetGatewayDevice.X_Vendor.Offset","type":"xsd:int","value":"-5"},
      {"name":"InternetGatewayDevice.X_Vendor.Bytes","type":"xsd:unsignedLong","value":"18446744073709551615"},
      {"name":"InternetGatewayDevice.X_Vendor.Delta","type":"xsd:long","value":"-9000000000"},
      {"name":"InternetGatewayDevice.ManagementServer.PeriodicInformEnable","type":"xsd:boolean","value":"true"},
      {"name":"InternetGatewayDevice.DeviceInfo.FirstUseDate","type":"xsd:dateTime","value":"0001-01-01T00:00:00Z"},
      {"name":"InternetGatewayDevice.X_Vendor.Blob","type":"xsd:base64","value":"aGVsbG8="},
      {"name":"InternetGatewayDevice.X_Vendor.Hex","type":"xsd:hexBinary","value":"0a0b"},
      {"name":"InternetGatewayDevice.X_Vendor.Odd","type":"xsd:anySimpleType","value":"1.5"}]}})";

inline constexpr std::string_view kInformResponse = R"({"namespace":"urn:dslforum-org:cwmp-1-2","id":"tya33ed8",
  "hold_requests":true,"use_cwmp_version":"1.4","rpc":"InformResponse","body":{"max_envelopes":1}})";

// Every optional header set.
inline constexpr std::string_view kInformWithVersionHeaders = R"({"namespace":"urn:dslforum-org:cwmp-1-2","id":"v14",
  "hold_requests":false,"no_more_requests":false,"session_timeout":60,"supported_cwmp_versions":"1.0,1.1,1.2,1.3,1.4",
  "rpc":"Inform","body":{"device_id":{"manufacturer":"Acme","oui":"00D09E","product_class":"Gw","serial_number":"1"},
  "events":[{"code":"0 BOOTSTRAP","command_key":""}],"max_envelopes":1,"current_time":"2026-11-28T03:17:58Z",
  "retry_count":0,"parameters":[]}})";

inline constexpr std::string_view kTransferComplete = R"({"namespace":"urn:dslforum-org:cwmp-1-1","id":"gw8szs2c",
  "hold_requests":false,"no_more_requests":true,"rpc":"TransferComplete","body":{"command_key":"dl1",
  "fault":{"code":9010,"message":"Download failure"},"start_time":"2026-11-28T03:18:46.331Z",
  "complete_time":"2026-11-28T03:18:48.664Z"}})";

inline constexpr std::string_view kTransferCompleteResponse =
    R"({"namespace":"urn:dslforum-org:cwmp-1-0","id":"gw8szs2c",
  "hold_requests":false,"rpc":"TransferCompleteResponse","body":{}})";

inline constexpr std::string_view kGetRPCMethods = R"({"namespace":"urn:dslforum-org:cwmp-1-0","id":"1",
  "hold_requests":false,"rpc":"GetRPCMethods","body":{}})";

inline constexpr std::string_view kGetRPCMethodsResponse = R"({"namespace":"urn:dslforum-org:cwmp-1-0","id":"1",
  "hold_requests":false,"no_more_requests":false,"rpc":"GetRPCMethodsResponse","body":{
  "methods":["GetRPCMethods","GetParameterNames","GetParameterValues","SetParameterValues","Reboot"]}})";

inline constexpr std::string_view kGetParameterNames = R"({"namespace":"urn:dslforum-org:cwmp-1-0","id":"rpc-1",
  "hold_requests":true,"rpc":"GetParameterNames","body":{"parameter_path":"Device.WiFi.","next_level":true}})";

inline constexpr std::string_view kGetParameterNamesResponse = R"({"namespace":"urn:dslforum-org:cwmp-1-0","id":"rpc-1",
  "hold_requests":false,"rpc":"GetParameterNamesResponse","body":{"parameters":[
    {"name":"Device.WiFi.SSID.","writable":false},{"name":"Device.WiFi.SSID.1.SSID","writable":true}]}})";

inline constexpr std::string_view kGetParameterValues = R"({"namespace":"urn:dslforum-org:cwmp-1-0","id":"rpc-2",
  "hold_requests":false,"rpc":"GetParameterValues","body":{"names":["Device.DeviceInfo.","Device.WiFi.SSID.1.SSID"]}})";

inline constexpr std::string_view kGetParameterValuesResponse =
    R"({"namespace":"urn:dslforum-org:cwmp-1-0","id":"rpc-2",
  "hold_requests":false,"rpc":"GetParameterValuesResponse","body":{"parameters":[
    {"name":"Device.DeviceInfo.UpTime","type":"xsd:unsignedInt","value":"86400"},
    {"name":"Device.WiFi.SSID.1.SSID","type":"xsd:string","value":"caf\u00e9 <&> \"quoted\""}]}})";

inline constexpr std::string_view kSetParameterValues = R"({"namespace":"urn:dslforum-org:cwmp-1-0","id":"rpc-3",
  "hold_requests":false,"rpc":"SetParameterValues","body":{"parameters":[
    {"name":"Device.ManagementServer.PeriodicInformInterval","type":"xsd:unsignedInt","value":"600"},
    {"name":"Device.WiFi.SSID.1.Enable","type":"xsd:boolean","value":"false"}],"parameter_key":"task-17"}})";

inline constexpr std::string_view kSetParameterValuesResponse =
    R"({"namespace":"urn:dslforum-org:cwmp-1-0","id":"rpc-3",
  "hold_requests":false,"rpc":"SetParameterValuesResponse","body":{"status":1}})";

inline constexpr std::string_view kFault =
    R"({"namespace":"urn:dslforum-org:cwmp-1-0","id":"rpc-3","hold_requests":false,
  "rpc":"Fault","body":{"faultcode":"Client","faultstring":"CWMP fault","code":9003,"message":"Invalid arguments",
  "standard_text":"Invalid arguments","set_parameter_values_faults":[
    {"parameter_name":"Device.WiFi.SSID.1.Enable","code":9007,"message":"Invalid parameter value"},
    {"parameter_name":"Device.X_Vendor.ReadOnly","code":9008,"message":""}]}})";

// ---- Attributes, objects, reboot, reset (cwmp-1-0) --------------------------------------------
inline constexpr std::string_view kGetParameterAttributes = R"({"namespace":"urn:dslforum-org:cwmp-1-0",
  "id":"ruru-gpa-0001","hold_requests":false,"rpc":"GetParameterAttributes","body":{"names":[
    "InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.SSID","InternetGatewayDevice.ManagementServer."]}})";

inline constexpr std::string_view kGetParameterAttributesResponse = R"({"namespace":"urn:dslforum-org:cwmp-1-0",
  "id":"ruru-gpa-0001","hold_requests":false,"rpc":"GetParameterAttributesResponse","body":{"parameters":[
    {"name":"InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.SSID","notification":2,"access_list":["Subscriber"]},
    {"name":"InternetGatewayDevice.ManagementServer.PeriodicInformInterval","notification":0,"access_list":[]},
    {"name":"InternetGatewayDevice.DeviceInfo.UpTime","notification":6,"access_list":[]}]}})";

inline constexpr std::string_view kSetParameterAttributes = R"({"namespace":"urn:dslforum-org:cwmp-1-2",
  "id":"ruru-spa-0001","hold_requests":false,"rpc":"SetParameterAttributes","body":{"parameters":[
    {"name":"Device.WiFi.SSID.1.SSID","notification_change":true,"notification":2,"access_list_change":true,
     "access_list":["Subscriber"]},
    {"name":"Device.Hosts.Host.","notification_change":true,"notification":1,"access_list_change":false,
     "access_list":[]}]}})";

inline constexpr std::string_view kSetParameterAttributesResponse = R"({"namespace":"urn:dslforum-org:cwmp-1-2",
  "id":"ruru-spa-0001","hold_requests":false,"rpc":"SetParameterAttributesResponse","body":{}})";

inline constexpr std::string_view kAddObject = R"({"namespace":"urn:dslforum-org:cwmp-1-2","id":"ruru-add-0001",
  "hold_requests":false,"rpc":"AddObject","body":{"object_name":"Device.NAT.PortMapping.",
  "parameter_key":"pm-add-0001"}})";

inline constexpr std::string_view kAddObjectResponse = R"({"namespace":"urn:dslforum-org:cwmp-1-2","id":"ruru-add-0001",
  "hold_requests":false,"rpc":"AddObjectResponse","body":{"instance_number":3,"status":0}})";

inline constexpr std::string_view kDeleteObject = R"({"namespace":"urn:dslforum-org:cwmp-1-0","id":"ruru-del-0001",
  "hold_requests":false,"rpc":"DeleteObject","body":{
  "object_name":"InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANIPConnection.1.PortMapping.3.",
  "parameter_key":"pm-del-0001"}})";

inline constexpr std::string_view kDeleteObjectResponse = R"({"namespace":"urn:dslforum-org:cwmp-1-0",
  "id":"ruru-del-0001","hold_requests":false,"rpc":"DeleteObjectResponse","body":{"status":1}})";

inline constexpr std::string_view kReboot = R"({"namespace":"urn:dslforum-org:cwmp-1-2","id":"ruru-reboot-0001",
  "hold_requests":false,"rpc":"Reboot","body":{"command_key":"reboot-7f3a"}})";

inline constexpr std::string_view kRebootResponse = R"({"namespace":"urn:dslforum-org:cwmp-1-2",
  "id":"ruru-reboot-0001","hold_requests":false,"rpc":"RebootResponse","body":{}})";

inline constexpr std::string_view kFactoryReset = R"({"namespace":"urn:dslforum-org:cwmp-1-0","id":"ruru-fr-0001",
  "hold_requests":false,"rpc":"FactoryReset","body":{}})";

inline constexpr std::string_view kFactoryResetResponse = R"({"namespace":"urn:dslforum-org:cwmp-1-0",
  "id":"ruru-fr-0001","hold_requests":false,"rpc":"FactoryResetResponse","body":{}})";

inline constexpr std::string_view kScheduleInform = R"({"namespace":"urn:dslforum-org:cwmp-1-0","id":"ruru-si-0001",
  "hold_requests":false,"rpc":"ScheduleInform","body":{"delay_seconds":300,"command_key":"si-0001"}})";

inline constexpr std::string_view kScheduleInformResponse = R"({"namespace":"urn:dslforum-org:cwmp-1-0",
  "id":"ruru-si-0001","hold_requests":false,"rpc":"ScheduleInformResponse","body":{}})";

// ---- File transfers --------------------------------------------------------------------------
inline constexpr std::string_view kDownload = R"({"namespace":"urn:dslforum-org:cwmp-1-2","id":"ruru-dl-0001",
  "hold_requests":false,"rpc":"Download","body":{"command_key":"fw-154.08.01","file_type":"1 Firmware Upgrade Image",
  "url":"https://fw.example.net/avm/FRITZ.Box_7590-07.57.image","username":"cpe-00040E7C3A91",
  "password":"Kx9!vR2#pQ","file_size":36700160,"target_file_name":"FRITZ.Box_7590-07.57.image","delay_seconds":0,
  "success_url":"https://portal.example.net/fw/ok","failure_url":"https://portal.example.net/fw/failed"}})";

inline constexpr std::string_view kDownloadResponse = R"({"namespace":"urn:dslforum-org:cwmp-1-2","id":"ruru-dl-0001",
  "hold_requests":false,"rpc":"DownloadResponse","body":{"status":1,"start_time":"0001-01-01T00:00:00Z",
  "complete_time":"0001-01-01T00:00:00Z"}})";

inline constexpr std::string_view kUpload = R"({"namespace":"urn:dslforum-org:cwmp-1-0","id":"ruru-ul-0001",
  "hold_requests":false,"rpc":"Upload","body":{"command_key":"cfg-backup-2026-11",
  "file_type":"3 Vendor Configuration File 1","url":"https://upload.example.net/cfg/330826012345",
  "username":"cpe-330826012345","password":"u7#Lm2q","delay_seconds":10}})";

inline constexpr std::string_view kUploadResponse = R"({"namespace":"urn:dslforum-org:cwmp-1-0","id":"ruru-ul-0001",
  "hold_requests":false,"rpc":"UploadResponse","body":{"status":0,"start_time":"2026-11-28T03:25:00Z",
  "complete_time":"2026-11-28T03:25:02Z"}})";

inline constexpr std::string_view kScheduleDownload = R"({"namespace":"urn:dslforum-org:cwmp-1-2","id":"ruru-sd-0001",
  "hold_requests":false,"rpc":"ScheduleDownload","body":{"command_key":"fw-night-0757",
  "file_type":"1 Firmware Upgrade Image","url":"https://fw.example.net/avm/FRITZ.Box_7590-07.57.image",
  "username":"","password":"","file_size":36700160,"target_file_name":"","time_windows":[
    {"window_start":0,"window_end":3600,"window_mode":"1 At Any Time","user_message":"","max_retries":3},
    {"window_start":7200,"window_end":86400,"window_mode":"4 Confirmation Needed",
     "user_message":"A firmware update is ready. Install it now?","max_retries":-1}]}})";

inline constexpr std::string_view kScheduleDownloadResponse = R"({"namespace":"urn:dslforum-org:cwmp-1-2",
  "id":"ruru-sd-0001","hold_requests":false,"rpc":"ScheduleDownloadResponse","body":{}})";

inline constexpr std::string_view kCancelTransfer = R"({"namespace":"urn:dslforum-org:cwmp-1-2","id":"ruru-ct-0001",
  "hold_requests":false,"rpc":"CancelTransfer","body":{"command_key":"fw-night-0757"}})";

inline constexpr std::string_view kCancelTransferResponse = R"({"namespace":"urn:dslforum-org:cwmp-1-2",
  "id":"ruru-ct-0001","hold_requests":false,"rpc":"CancelTransferResponse","body":{}})";

inline constexpr std::string_view kGetQueuedTransfers =
    R"({"namespace":"urn:dslforum-org:cwmp-1-0","id":"ruru-gqt-0001",
  "hold_requests":false,"rpc":"GetQueuedTransfers","body":{}})";

inline constexpr std::string_view kGetQueuedTransfersResponse = R"({"namespace":"urn:dslforum-org:cwmp-1-0",
  "id":"ruru-gqt-0001","hold_requests":false,"rpc":"GetQueuedTransfersResponse","body":{"transfers":[
    {"command_key":"fw-5.29.135.80","state":2},{"command_key":"cfg-backup-2026-11","state":1}]}})";

inline constexpr std::string_view kGetAllQueuedTransfers = R"({"namespace":"urn:dslforum-org:cwmp-1-1",
  "id":"ruru-gaqt-0001","hold_requests":false,"rpc":"GetAllQueuedTransfers","body":{}})";

inline constexpr std::string_view kGetAllQueuedTransfersResponse = R"({"namespace":"urn:dslforum-org:cwmp-1-1",
  "id":"ruru-gaqt-0001","hold_requests":false,"rpc":"GetAllQueuedTransfersResponse","body":{"transfers":[
    {"command_key":"fw-5.29.135.80","state":2,"is_download":true,"file_type":"1 Firmware Upgrade Image",
     "file_size":8388608,"target_file_name":"2701HG-B_5.29.135.80.img"},
    {"command_key":"","state":1,"is_download":false,"file_type":"7 Vendor Log File 2","file_size":0,
     "target_file_name":""},
    {"command_key":"tone-1","state":3,"is_download":true,"file_type":"X 00D09E Ringtone","file_size":4096,
     "target_file_name":"ring.wav"}]}})";

// ---- Software modules (cwmp-1-2) ---------------------------------------------------------------
inline constexpr std::string_view kChangeDUState = R"({"namespace":"urn:dslforum-org:cwmp-1-2","id":"ruru-du-0001",
  "hold_requests":false,"rpc":"ChangeDUState","body":{"operations":[
    {"operation":"Install","url":"https://apps.example.net/du/parental-control-1.4.2.ipk",
     "uuid":"6f1c2b0e-8d3a-4e5f-9a7b-1c2d3e4f5a6b","username":"du-fetch","password":"Zt8@w1",
     "execution_env_ref":"Device.SoftwareModules.ExecEnv.1.","version":""},
    {"operation":"Update","url":"https://apps.example.net/du/speedtest-2.1.0.ipk",
     "uuid":"0a3b5c7d-9e1f-4a2b-8c4d-6e8f0a1b2c3d","username":"","password":"","execution_env_ref":"",
     "version":"2.0.9"},
    {"operation":"Uninstall","url":"","uuid":"3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f","username":"","password":"",
     "execution_env_ref":"Device.SoftwareModules.ExecEnv.1.","version":"0.9.1"}],
  "command_key":"du-2026-11-28"}})";

inline constexpr std::string_view kChangeDUStateResponse = R"({"namespace":"urn:dslforum-org:cwmp-1-2",
  "id":"ruru-du-0001","hold_requests":false,"rpc":"ChangeDUStateResponse","body":{}})";

// ---- CPE -> ACS reports ------------------------------------------------------------------------
inline constexpr std::string_view kAutonomousTransferComplete = R"({"namespace":"urn:dslforum-org:cwmp-1-1",
  "id":"1201","hold_requests":false,"rpc":"AutonomousTransferComplete","body":{
  "announce_url":"","transfer_url":"https://logs.example.net/upload/330826012345/syslog.2",
  "is_download":false,"file_type":"7 Vendor Log File 2","file_size":65536,"target_file_name":"",
  "fault":{"code":9011,"message":"Upload failure: HTTP 507"},"start_time":"2026-11-28T02:00:00Z",
  "complete_time":"2026-11-28T02:00:04Z"}})";

inline constexpr std::string_view kAutonomousTransferCompleteResponse = R"({"namespace":"urn:dslforum-org:cwmp-1-1",
  "id":"1201","hold_requests":false,"rpc":"AutonomousTransferCompleteResponse","body":{}})";

inline constexpr std::string_view kRequestDownload = R"({"namespace":"urn:dslforum-org:cwmp-1-0","id":"1301",
  "hold_requests":false,"rpc":"RequestDownload","body":{"file_type":"1 Firmware Upgrade Image","args":[
    {"name":"Version","value":"5.29.135.80"},{"name":"Channel","value":"beta"}]}})";

inline constexpr std::string_view kRequestDownloadResponse = R"({"namespace":"urn:dslforum-org:cwmp-1-0","id":"1301",
  "hold_requests":false,"rpc":"RequestDownloadResponse","body":{}})";

inline constexpr std::string_view kDUStateChangeComplete = R"({"namespace":"urn:dslforum-org:cwmp-1-2","id":"4f1c0101",
  "hold_requests":false,"rpc":"DUStateChangeComplete","body":{"results":[
    {"uuid":"6f1c2b0e-8d3a-4e5f-9a7b-1c2d3e4f5a6b","deployment_unit_ref":"Device.SoftwareModules.DeploymentUnit.4",
     "version":"1.4.2","current_state":"Installed","resolved":true,
     "execution_unit_ref_list":"Device.SoftwareModules.ExecutionUnit.7,Device.SoftwareModules.ExecutionUnit.8",
     "start_time":"2026-11-28T03:30:01Z","complete_time":"2026-11-28T03:30:19Z","fault":{"code":0,"message":""},
     "operation_performed":""},
    {"uuid":"0a3b5c7d-9e1f-4a2b-8c4d-6e8f0a1b2c3d","deployment_unit_ref":"","version":"","current_state":"Failed",
     "resolved":false,"execution_unit_ref_list":"","start_time":"2026-11-28T03:30:19Z",
     "complete_time":"2026-11-28T03:30:20Z","fault":{"code":9028,"message":"Unknown Deployment Unit"},
     "operation_performed":""}],
  "command_key":"du-2026-11-28"}})";

inline constexpr std::string_view kDUStateChangeCompleteResponse = R"({"namespace":"urn:dslforum-org:cwmp-1-2",
  "id":"4f1c0101","hold_requests":false,"rpc":"DUStateChangeCompleteResponse","body":{}})";

inline constexpr std::string_view kAutonomousDUStateChangeComplete = R"({"namespace":"urn:dslforum-org:cwmp-1-2",
  "id":"4f1c0102","hold_requests":false,"rpc":"AutonomousDUStateChangeComplete","body":{"results":[
    {"uuid":"3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f","deployment_unit_ref":"Device.SoftwareModules.DeploymentUnit.2",
     "version":"0.9.1","current_state":"Uninstalled","resolved":true,
     "execution_unit_ref_list":"Device.SoftwareModules.ExecutionUnit.3","start_time":"2026-11-28T04:00:00Z",
     "complete_time":"2026-11-28T04:00:02Z","fault":{"code":0,"message":""},"operation_performed":"Uninstall"}]}})";

inline constexpr std::string_view kAutonomousDUStateChangeCompleteResponse = R"({
  "namespace":"urn:dslforum-org:cwmp-1-2","id":"4f1c0102","hold_requests":false,
  "rpc":"AutonomousDUStateChangeCompleteResponse","body":{}})";

inline constexpr std::string_view kKicked = R"({"namespace":"urn:dslforum-org:cwmp-1-0","id":"1401",
  "hold_requests":false,"rpc":"Kicked","body":{"command":"activate","referer":"http://192.168.1.254/setup/",
  "arg":"plan=fiber-500","next":"http://192.168.1.254/setup/done.html"}})";

inline constexpr std::string_view kKickedResponse = R"({"namespace":"urn:dslforum-org:cwmp-1-0","id":"1401",
  "hold_requests":false,"rpc":"KickedResponse","body":{"next_url":"https://portal.example.net/activated?sn=330826012345"}})";

}  // namespace samples

struct JsonSample {
  std::string_view label;  // unique, letters and digits only (a gtest parameter name)
  std::string_view json;
};

// Every sample above, at least one per Body alternative.
inline const std::vector<JsonSample>& JsonSamples() {
  using namespace samples;
  static const std::vector<JsonSample> all = {
      {"Empty", kEmpty},
      {"Inform", kInform},
      {"InformWithVersionHeaders", kInformWithVersionHeaders},
      {"InformResponse", kInformResponse},
      {"TransferComplete", kTransferComplete},
      {"TransferCompleteResponse", kTransferCompleteResponse},
      {"AutonomousTransferComplete", kAutonomousTransferComplete},
      {"AutonomousTransferCompleteResponse", kAutonomousTransferCompleteResponse},
      {"RequestDownload", kRequestDownload},
      {"RequestDownloadResponse", kRequestDownloadResponse},
      {"DUStateChangeComplete", kDUStateChangeComplete},
      {"DUStateChangeCompleteResponse", kDUStateChangeCompleteResponse},
      {"AutonomousDUStateChangeComplete", kAutonomousDUStateChangeComplete},
      {"AutonomousDUStateChangeCompleteResponse", kAutonomousDUStateChangeCompleteResponse},
      {"Kicked", kKicked},
      {"KickedResponse", kKickedResponse},
      {"GetRPCMethods", kGetRPCMethods},
      {"GetRPCMethodsResponse", kGetRPCMethodsResponse},
      {"GetParameterNames", kGetParameterNames},
      {"GetParameterNamesResponse", kGetParameterNamesResponse},
      {"GetParameterValues", kGetParameterValues},
      {"GetParameterValuesResponse", kGetParameterValuesResponse},
      {"SetParameterValues", kSetParameterValues},
      {"SetParameterValuesResponse", kSetParameterValuesResponse},
      {"GetParameterAttributes", kGetParameterAttributes},
      {"GetParameterAttributesResponse", kGetParameterAttributesResponse},
      {"SetParameterAttributes", kSetParameterAttributes},
      {"SetParameterAttributesResponse", kSetParameterAttributesResponse},
      {"AddObject", kAddObject},
      {"AddObjectResponse", kAddObjectResponse},
      {"DeleteObject", kDeleteObject},
      {"DeleteObjectResponse", kDeleteObjectResponse},
      {"Reboot", kReboot},
      {"RebootResponse", kRebootResponse},
      {"FactoryReset", kFactoryReset},
      {"FactoryResetResponse", kFactoryResetResponse},
      {"ScheduleInform", kScheduleInform},
      {"ScheduleInformResponse", kScheduleInformResponse},
      {"Download", kDownload},
      {"DownloadResponse", kDownloadResponse},
      {"Upload", kUpload},
      {"UploadResponse", kUploadResponse},
      {"ScheduleDownload", kScheduleDownload},
      {"ScheduleDownloadResponse", kScheduleDownloadResponse},
      {"CancelTransfer", kCancelTransfer},
      {"CancelTransferResponse", kCancelTransferResponse},
      {"GetQueuedTransfers", kGetQueuedTransfers},
      {"GetQueuedTransfersResponse", kGetQueuedTransfersResponse},
      {"GetAllQueuedTransfers", kGetAllQueuedTransfers},
      {"GetAllQueuedTransfersResponse", kGetAllQueuedTransfersResponse},
      {"ChangeDUState", kChangeDUState},
      {"ChangeDUStateResponse", kChangeDUStateResponse},
      {"Fault", kFault},
  };
  return all;
}

}  // namespace ruru::test
