// The CWMP message model: one plain struct per RPC and response, a std::variant of all of them,
// and the envelope (SOAP header fields + body). This is what the rest of Ruru sees; gSOAP types
// never leave cwmp/codec.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "cwmp/types.h"

namespace ruru::cwmp {

struct DeviceId {
  std::string manufacturer;   // <= 64
  std::string oui;            // 6 hex digits (tolerated otherwise, with a warning)
  std::string product_class;  // <= 64
  std::string serial_number;  // <= 64
  bool operator==(const DeviceId&) const = default;
};

struct EventStruct {
  EventCode code;
  std::string command_key;  // <= 32
  bool operator==(const EventStruct&) const = default;
};

struct ParameterValueStruct {
  std::string name;  // a full parameter path (not validated on decode: CPEs send odd names)
  ParameterValue value;
  bool operator==(const ParameterValueStruct&) const = default;
};

struct ParameterInfo {
  std::string name;  // full path of a parameter, or partial path (ends with '.') of an object
  bool writable = false;
  bool operator==(const ParameterInfo&) const = default;
};

// The FaultStruct of TransferComplete: code 0 means success.
struct TransferFault {
  uint32_t code = 0;
  std::string message;
  bool operator==(const TransferFault&) const = default;
};

// ---- CPE -> ACS requests and ACS -> CPE responses --------------------------------------------
struct Inform {
  DeviceId device_id;
  std::vector<EventStruct> events;
  uint32_t max_envelopes = 1;
  std::string current_time;  // as sent; never trusted (can be 0001-01-01T00:00:00Z)
  uint32_t retry_count = 0;
  std::vector<ParameterValueStruct> parameters;
  bool operator==(const Inform&) const = default;
};

struct InformResponse {
  uint32_t max_envelopes = 1;  // always 1 from Ruru
  bool operator==(const InformResponse&) const = default;
};

struct TransferComplete {
  std::string command_key;
  TransferFault fault;
  std::string start_time;     // xsd:dateTime, 0001-01-01T00:00:00Z when unknown
  std::string complete_time;
  bool operator==(const TransferComplete&) const = default;
};

struct TransferCompleteResponse {
  bool operator==(const TransferCompleteResponse&) const = default;
};

// GetRPCMethods may be sent by either side.
struct GetRPCMethods {
  bool operator==(const GetRPCMethods&) const = default;
};

struct GetRPCMethodsResponse {
  std::vector<std::string> methods;
  bool operator==(const GetRPCMethodsResponse&) const = default;
};

// ---- ACS -> CPE requests and CPE -> ACS responses --------------------------------------------
struct GetParameterNames {
  std::string parameter_path;  // "" (whole tree), a partial path or a full parameter name
  bool next_level = false;
  bool operator==(const GetParameterNames&) const = default;
};

struct GetParameterNamesResponse {
  std::vector<ParameterInfo> parameters;
  bool operator==(const GetParameterNamesResponse&) const = default;
};

struct GetParameterValues {
  std::vector<std::string> names;  // full or partial paths
  bool operator==(const GetParameterValues&) const = default;
};

struct GetParameterValuesResponse {
  std::vector<ParameterValueStruct> parameters;
  bool operator==(const GetParameterValuesResponse&) const = default;
};

struct SetParameterValues {
  std::vector<ParameterValueStruct> parameters;
  std::string parameter_key;  // <= 32; the CPE reports it back as ManagementServer.ParameterKey
  bool operator==(const SetParameterValues&) const = default;
};

struct SetParameterValuesResponse {
  // 0: all changes applied; 1: applied but take effect after a reboot or later commit.
  int status = 0;
  bool operator==(const SetParameterValuesResponse&) const = default;
};

// ---- Attributes, objects, reboot, reset (ACS -> CPE) ---------------------------------------
struct GetParameterAttributes {
  std::vector<std::string> names;  // full or partial paths
  bool operator==(const GetParameterAttributes&) const = default;
};

struct ParameterAttribute {
  std::string name;
  int notification = 0;                  // 0 off, 1 passive, 2 active, 3-6 (CWMP 1.4 lightweight/light+passive/...)
  std::vector<std::string> access_list;  // "Subscriber" or vendor values
  bool operator==(const ParameterAttribute&) const = default;
};

struct GetParameterAttributesResponse {
  std::vector<ParameterAttribute> parameters;
  bool operator==(const GetParameterAttributesResponse&) const = default;
};

struct SetParameterAttributesStruct {
  std::string name;  // full or partial path
  bool notification_change = false;
  int notification = 0;  // 0-6
  bool access_list_change = false;
  std::vector<std::string> access_list;
  bool operator==(const SetParameterAttributesStruct&) const = default;
};

struct SetParameterAttributes {
  std::vector<SetParameterAttributesStruct> parameters;
  bool operator==(const SetParameterAttributes&) const = default;
};

struct SetParameterAttributesResponse {
  bool operator==(const SetParameterAttributesResponse&) const = default;
};

struct AddObject {
  std::string object_name;    // partial path ending in '.', e.g. "Device.NAT.PortMapping."
  std::string parameter_key;  // <= 32
  bool operator==(const AddObject&) const = default;
};

struct AddObjectResponse {
  uint32_t instance_number = 0;
  int status = 0;  // 0 applied, 1 applied later
  bool operator==(const AddObjectResponse&) const = default;
};

struct DeleteObject {
  std::string object_name;    // instance path ending in '.', e.g. "Device.NAT.PortMapping.3."
  std::string parameter_key;  // <= 32
  bool operator==(const DeleteObject&) const = default;
};

struct DeleteObjectResponse {
  int status = 0;
  bool operator==(const DeleteObjectResponse&) const = default;
};

struct Reboot {
  std::string command_key;  // reported back in the "M Reboot" event
  bool operator==(const Reboot&) const = default;
};

struct RebootResponse {
  bool operator==(const RebootResponse&) const = default;
};

struct FactoryReset {
  bool operator==(const FactoryReset&) const = default;
};

struct FactoryResetResponse {
  bool operator==(const FactoryResetResponse&) const = default;
};

struct ScheduleInform {
  uint32_t delay_seconds = 0;  // > 0
  std::string command_key;     // reported back in the "M ScheduleInform" event
  bool operator==(const ScheduleInform&) const = default;
};

struct ScheduleInformResponse {
  bool operator==(const ScheduleInformResponse&) const = default;
};

// ---- File transfers ------------------------------------------------------------------------
// File types are open text with standard values; three different lists (see types.h:
// IsValidDownloadFileType, IsValidUploadFileType, IsValidTransferFileType).
struct Download {
  std::string command_key;
  std::string file_type;  // "1 Firmware Upgrade Image", ..., "X <OUI> <vendor type>"
  std::string url;        // <= 256
  std::string username;   // <= 256
  std::string password;   // <= 256
  uint32_t file_size = 0;
  std::string target_file_name;  // <= 256
  uint32_t delay_seconds = 0;
  std::string success_url;  // <= 256
  std::string failure_url;  // <= 256
  bool operator==(const Download&) const = default;
};

// Status 0: transfer done (times are real); 1: not yet done, a TransferComplete follows.
struct DownloadResponse {
  int status = 0;
  std::string start_time = "0001-01-01T00:00:00Z";
  std::string complete_time = "0001-01-01T00:00:00Z";
  bool operator==(const DownloadResponse&) const = default;
};

struct Upload {
  std::string command_key;
  std::string file_type;  // "1 Vendor Configuration File", "2 Vendor Log File", "3 Vendor Configuration File <i>", ...
  std::string url;
  std::string username;
  std::string password;
  uint32_t delay_seconds = 0;
  bool operator==(const Upload&) const = default;
};

struct UploadResponse {
  int status = 0;
  std::string start_time = "0001-01-01T00:00:00Z";
  std::string complete_time = "0001-01-01T00:00:00Z";
  bool operator==(const UploadResponse&) const = default;
};

// A ScheduleDownload time window, in seconds from the moment the CPE received the request.
struct TimeWindow {
  uint32_t window_start = 0;
  uint32_t window_end = 0;
  std::string window_mode = "1 At Any Time";  // "2 Immediately", "3 When Idle", "4 Confirmation Needed", "X ..."
  std::string user_message;                   // <= 256, for "4 Confirmation Needed"
  int32_t max_retries = 0;                    // -1: unlimited
  bool operator==(const TimeWindow&) const = default;
};

struct ScheduleDownload {
  std::string command_key;
  std::string file_type;  // a download file type
  std::string url;
  std::string username;
  std::string password;
  uint32_t file_size = 0;
  std::string target_file_name;
  std::vector<TimeWindow> time_windows;  // 1 or 2, not overlapping, in order
  bool operator==(const ScheduleDownload&) const = default;
};

struct ScheduleDownloadResponse {
  bool operator==(const ScheduleDownloadResponse&) const = default;
};

struct CancelTransfer {
  std::string command_key;
  bool operator==(const CancelTransfer&) const = default;
};

struct CancelTransferResponse {
  bool operator==(const CancelTransferResponse&) const = default;
};

struct GetQueuedTransfers {
  bool operator==(const GetQueuedTransfers&) const = default;
};

// Transfer states: 1 not yet started, 2 in progress, 3 completed.
struct QueuedTransfer {
  std::string command_key;
  int state = 1;
  bool operator==(const QueuedTransfer&) const = default;
};

struct GetQueuedTransfersResponse {
  std::vector<QueuedTransfer> transfers;  // <= 16
  bool operator==(const GetQueuedTransfersResponse&) const = default;
};

struct GetAllQueuedTransfers {
  bool operator==(const GetAllQueuedTransfers&) const = default;
};

struct AllQueuedTransfer {
  std::string command_key;
  int state = 1;
  bool is_download = true;
  std::string file_type;  // a transfer file type
  uint32_t file_size = 0;
  std::string target_file_name;
  bool operator==(const AllQueuedTransfer&) const = default;
};

struct GetAllQueuedTransfersResponse {
  std::vector<AllQueuedTransfer> transfers;  // <= 16
  bool operator==(const GetAllQueuedTransfersResponse&) const = default;
};

// ---- Software modules ----------------------------------------------------------------------
// One ChangeDUState operation; which fields apply depends on the kind (InstallOpStruct,
// UpdateOpStruct, UninstallOpStruct, told apart on the wire by xsi:type).
struct DuOperation {
  enum class Kind { kInstall, kUpdate, kUninstall };
  Kind kind = Kind::kInstall;
  std::string url;                // Install (required), Update
  std::string uuid;               // all (required for Uninstall)
  std::string username;           // Install, Update
  std::string password;           // Install, Update
  std::string execution_env_ref;  // Install, Uninstall
  std::string version;            // Update, Uninstall
  bool operator==(const DuOperation&) const = default;
};

struct ChangeDUState {
  std::vector<DuOperation> operations;  // >= 1
  std::string command_key;
  bool operator==(const ChangeDUState&) const = default;
};

struct ChangeDUStateResponse {
  bool operator==(const ChangeDUStateResponse&) const = default;
};

// ---- CPE -> ACS reports ----------------------------------------------------------------------
struct AutonomousTransferComplete {
  std::string announce_url;  // <= 1024
  std::string transfer_url;  // <= 1024
  bool is_download = true;
  std::string file_type;  // a transfer file type
  uint32_t file_size = 0;
  std::string target_file_name;
  TransferFault fault;
  std::string start_time;
  std::string complete_time;
  bool operator==(const AutonomousTransferComplete&) const = default;
};

struct AutonomousTransferCompleteResponse {
  bool operator==(const AutonomousTransferCompleteResponse&) const = default;
};

struct FileTypeArg {
  std::string name;   // <= 64
  std::string value;  // <= 256
  bool operator==(const FileTypeArg&) const = default;
};

struct RequestDownload {
  std::string file_type;
  std::vector<FileTypeArg> args;  // <= 16
  bool operator==(const RequestDownload&) const = default;
};

struct RequestDownloadResponse {
  bool operator==(const RequestDownloadResponse&) const = default;
};

struct OpResult {
  std::string uuid;
  std::string deployment_unit_ref;
  std::string version;
  std::string current_state;  // "Installed", "Uninstalled", "Failed"
  bool resolved = false;
  std::string execution_unit_ref_list;  // comma-separated paths
  std::string start_time;
  std::string complete_time;
  TransferFault fault;
  std::string operation_performed;  // Autonomous... only: "Install", "Update", "Uninstall"
  bool operator==(const OpResult&) const = default;
};

struct DUStateChangeComplete {
  std::vector<OpResult> results;
  std::string command_key;
  bool operator==(const DUStateChangeComplete&) const = default;
};

struct DUStateChangeCompleteResponse {
  bool operator==(const DUStateChangeCompleteResponse&) const = default;
};

struct AutonomousDUStateChangeComplete {
  std::vector<OpResult> results;
  bool operator==(const AutonomousDUStateChangeComplete&) const = default;
};

struct AutonomousDUStateChangeCompleteResponse {
  bool operator==(const AutonomousDUStateChangeCompleteResponse&) const = default;
};

// Kicked (a web page asking the ACS to act on a kick URL).
struct Kicked {
  std::string command;  // <= 32
  std::string referer;  // <= 64
  std::string arg;      // <= 256
  std::string next;     // <= 1024
  bool operator==(const Kicked&) const = default;
};

struct KickedResponse {
  std::string next_url;  // <= 1024
  bool operator==(const KickedResponse&) const = default;
};

// ---- Faults --------------------------------------------------------------------------------
struct SetParameterValuesFault {
  std::string parameter_name;
  uint32_t code = 0;
  std::string message;
  bool operator==(const SetParameterValuesFault&) const = default;
};

// A SOAP Fault carrying a cwmp:Fault detail. Either side sends one in answer to a request.
struct Fault {
  std::string faultcode = "Client";  // "Client" or "Server", without prefix
  std::string faultstring = "CWMP fault";
  uint32_t code = 0;                 // cwmp:Fault/FaultCode
  std::string message;               // cwmp:Fault/FaultString
  std::vector<SetParameterValuesFault> set_parameter_values_faults;
  bool operator==(const Fault&) const = default;
};

// An empty HTTP body (the CPE's "I have nothing more", or the ACS's 204) or an empty SOAP Body.
struct Empty {
  bool operator==(const Empty&) const = default;
};

// Every RPC and response of TR-069 Amendment 6 that Ruru speaks (SetVouchers and GetOptions are
// left out), by schema element name. Empty and Fault are handled separately. Adding a message:
// add it here, then the compiler points at every place that must handle it.
#define RURU_CWMP_RPCS(X)                                                                        \
  X(Inform) X(InformResponse) X(TransferComplete) X(TransferCompleteResponse)                    \
  X(AutonomousTransferComplete) X(AutonomousTransferCompleteResponse)                            \
  X(RequestDownload) X(RequestDownloadResponse) X(DUStateChangeComplete)                         \
  X(DUStateChangeCompleteResponse) X(AutonomousDUStateChangeComplete)                            \
  X(AutonomousDUStateChangeCompleteResponse) X(Kicked) X(KickedResponse)                         \
  X(GetRPCMethods) X(GetRPCMethodsResponse) X(GetParameterNames) X(GetParameterNamesResponse)    \
  X(GetParameterValues) X(GetParameterValuesResponse) X(SetParameterValues)                      \
  X(SetParameterValuesResponse) X(GetParameterAttributes) X(GetParameterAttributesResponse)      \
  X(SetParameterAttributes) X(SetParameterAttributesResponse) X(AddObject) X(AddObjectResponse)  \
  X(DeleteObject) X(DeleteObjectResponse) X(Reboot) X(RebootResponse) X(FactoryReset)            \
  X(FactoryResetResponse) X(ScheduleInform) X(ScheduleInformResponse) X(Download)                \
  X(DownloadResponse) X(Upload) X(UploadResponse) X(ScheduleDownload) X(ScheduleDownloadResponse) \
  X(CancelTransfer) X(CancelTransferResponse) X(GetQueuedTransfers) X(GetQueuedTransfersResponse) \
  X(GetAllQueuedTransfers) X(GetAllQueuedTransfersResponse) X(ChangeDUState) X(ChangeDUStateResponse)

#define RURU_CWMP_TYPE_COMMA(name) name,
using Body = std::variant<Empty, RURU_CWMP_RPCS(RURU_CWMP_TYPE_COMMA) Fault>;
#undef RURU_CWMP_TYPE_COMMA

// RpcNameOf<T>::value is the schema element name of message type T.
template <typename T>
struct RpcNameOf;
#define RURU_CWMP_NAME_OF(name)                      \
  template <>                                        \
  struct RpcNameOf<name> {                           \
    static constexpr std::string_view value = #name; \
  };
RURU_CWMP_RPCS(RURU_CWMP_NAME_OF)
#undef RURU_CWMP_NAME_OF
template <>
struct RpcNameOf<Fault> {
  static constexpr std::string_view value = "Fault";
};
template <>
struct RpcNameOf<Empty> {
  static constexpr std::string_view value = "";
};

// The element name of the body as in the schemas ("Inform", "Fault"), or "" for Empty.
std::string_view RpcName(const Body& body);

struct Envelope {
  Namespace ns = Namespace::kCwmp10;
  std::string id;                         // cwmp:ID; echoed in the answer; "" when absent
  bool hold_requests = false;             // cwmp:HoldRequests (ACS -> CPE)
  std::optional<bool> no_more_requests;   // cwmp:NoMoreRequests (deprecated, tolerated)
  std::optional<uint32_t> session_timeout;            // cwmp:SessionTimeout, seconds (CWMP 1.3)
  std::optional<std::string> supported_cwmp_versions; // cwmp:SupportedCWMPVersions, as sent (1.4)
  std::optional<std::string> use_cwmp_version;        // cwmp:UseCWMPVersion, as sent (1.4)
  Body body;
  bool operator==(const Envelope&) const = default;
};

}  // namespace ruru::cwmp
