// The only file that sees gSOAP types: it screens the input (prescan.h), drives the generated
// deserializers for the envelope, header and one body element, and maps gSOAP structs to and from
// the plain message model of messages.h.
#include "cwmp/codec.h"

#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <type_traits>

#include "cwmp/prescan.h"
#include "soapH.h"

// libgsoap references a global table; Ruru passes its own tables per call (soap_set_namespaces).
SOAP_NMAC struct Namespace namespaces[] = {
    {"SOAP-ENV", "http://schemas.xmlsoap.org/soap/envelope/", nullptr, nullptr},
    {"SOAP-ENC", "http://schemas.xmlsoap.org/soap/encoding/", nullptr, nullptr},
    {"xsi", "http://www.w3.org/2001/XMLSchema-instance", "http://www.w3.org/*/XMLSchema-instance", nullptr},
    {"xsd", "http://www.w3.org/2001/XMLSchema", "http://www.w3.org/*/XMLSchema", nullptr},
    {"cwmp", "urn:dslforum-org:cwmp-1-0", "urn:dslforum-org:cwmp-1-*", nullptr},
    {nullptr, nullptr, nullptr, nullptr}};

namespace ruru::cwmp {
namespace {

constexpr size_t kCwmpNamespaceIndex = 4;

// Output tables, one per namespace Ruru sends.
#define RURU_OUTPUT_TABLE(uri)                                                                 \
  {                                                                                            \
    {"SOAP-ENV", "http://schemas.xmlsoap.org/soap/envelope/", nullptr, nullptr},               \
        {"SOAP-ENC", "http://schemas.xmlsoap.org/soap/encoding/", nullptr, nullptr},           \
        {"xsd", "http://www.w3.org/2001/XMLSchema", nullptr, nullptr},                         \
        {"xsi", "http://www.w3.org/2001/XMLSchema-instance", nullptr, nullptr},                \
        {"cwmp", uri, nullptr, nullptr}, {                                                     \
      nullptr, nullptr, nullptr, nullptr                                                       \
    }                                                                                          \
  }
const struct ::Namespace kOut10[] = RURU_OUTPUT_TABLE("urn:dslforum-org:cwmp-1-0");
const struct ::Namespace kOut11[] = RURU_OUTPUT_TABLE("urn:dslforum-org:cwmp-1-1");
const struct ::Namespace kOut12[] = RURU_OUTPUT_TABLE("urn:dslforum-org:cwmp-1-2");
#undef RURU_OUTPUT_TABLE

// ---- The per-thread gSOAP context ----------------------------------------------------------
struct InputCursor {
  const char* data;
  size_t left;
};

size_t RecvFromCursor(struct soap* s, char* buf, size_t len) {
  auto* c = static_cast<InputCursor*>(s->user);
  const size_t n = len < c->left ? len : c->left;
  std::memcpy(buf, c->data, n);
  c->data += n;
  c->left -= n;
  return n;
}

int SendToString(struct soap* s, const char* data, size_t len) {
  static_cast<std::string*>(s->user)->append(data, len);
  return SOAP_OK;
}

class SoapContext {
 public:
  SoapContext() : s_(soap_new1(SOAP_C_UTFSTRING | SOAP_XML_TREE | SOAP_XML_NOTYPE | SOAP_ENC_PLAIN | SOAP_IO_BUFFER)) {}
  ~SoapContext() {
    soap_destroy(s_);
    soap_end(s_);
    soap_free(s_);
  }
  SoapContext(const SoapContext&) = delete;
  SoapContext& operator=(const SoapContext&) = delete;
  struct soap* get() { return s_; }

 private:
  struct soap* s_;
};

struct soap* ThreadSoap() {
  thread_local SoapContext ctx;
  return ctx.get();
}

// Frees everything gSOAP allocated for one message, whatever happens.
class SoapScope {
 public:
  explicit SoapScope(struct soap* s) : s_(s) {}
  ~SoapScope() {
    soap_destroy(s_);
    soap_end(s_);
    s_->user = nullptr;
    s_->header = nullptr;
  }
  SoapScope(const SoapScope&) = delete;
  SoapScope& operator=(const SoapScope&) = delete;

 private:
  struct soap* s_;
};

std::string Clip(std::string_view s, size_t n = 64) {
  std::string out(s.substr(0, n));
  if (s.size() > n) out.append("...");
  return out;
}

Error SoapError(struct soap* s, const DecodeLimits& limits) {
  const std::string at = *s->tag ? std::string(" at <") + Clip(s->tag) + ">" : std::string();
  switch (s->error) {
    case SOAP_EOF: return InvalidArgument("malformed or truncated XML: end of input inside the envelope" + at);
    case SOAP_LEVEL: return InvalidArgument("XML nesting deeper than " + std::to_string(limits.max_depth) + " elements");
    case SOAP_LENGTH: return InvalidArgument("string longer than " + std::to_string(limits.max_string_bytes) + " bytes" + at);
    case SOAP_OCCURS: return InvalidArgument("more than " + std::to_string(limits.max_array_items) + " array items" + at);
    case SOAP_MUSTUNDERSTAND: return InvalidArgument("unknown SOAP header with mustUnderstand=\"1\"" + at);
    case SOAP_VERSIONMISMATCH: return InvalidArgument("not a SOAP 1.1 envelope");
    case SOAP_NAMESPACE: return InvalidArgument("unexpected XML namespace" + at);
    case SOAP_EOM: return InvalidArgument("message needs more memory than allowed");
    case SOAP_UTF_ERROR: return InvalidArgument("invalid UTF-8 text");
    case SOAP_TAG_MISMATCH: return InvalidArgument("unexpected element" + at);
    case SOAP_SYNTAX_ERROR: return InvalidArgument("malformed XML" + at);
    case SOAP_DUPLICATE_ID:
    case SOAP_MISSING_ID:
    case SOAP_HREF: return InvalidArgument("SOAP multi-reference (id/href) is not supported");
    default: return InvalidArgument("malformed SOAP message (gSOAP error " + std::to_string(s->error) + ")" + at);
  }
}

// ---- Decoding: gSOAP structs -> model --------------------------------------------------------
class Decoder {
 public:
  Decoder(const DecodeLimits& limits, std::vector<std::string>* warnings) : limits_(limits), warnings_(warnings) {}

  const std::optional<Error>& error() const { return error_; }
  void Fail(std::string message) {
    if (!error_) error_ = InvalidArgument(std::move(message));
  }
  void Warn(std::string message) {
    if (warnings_->size() < 32) warnings_->push_back(std::move(message));
  }

  // arrayType="cwmp:ParameterValueStruct[16]": the declared size must respect the cap; a size that
  // disagrees with the items sent is tolerated (real CPEs get it wrong).
  void CheckArray(const std::string& array_type, size_t actual, std::string_view what) {
    if (actual > limits_.max_array_items) {
      Fail(std::string(what) + ": more than " + std::to_string(limits_.max_array_items) + " items");
      return;
    }
    if (array_type.empty()) return;
    const size_t open = array_type.rfind('[');
    const size_t close = array_type.rfind(']');
    if (open == std::string::npos || close == std::string::npos || close < open) {
      Warn(std::string(what) + ": unreadable arrayType \"" + Clip(array_type) + "\"");
      return;
    }
    auto declared = ParseUnsigned(std::string_view(array_type).substr(open + 1, close - open - 1),
                                  std::numeric_limits<uint64_t>::max());
    if (!declared) {
      Warn(std::string(what) + ": unreadable arrayType \"" + Clip(array_type) + "\"");
      return;
    }
    if (*declared > limits_.max_array_items) {
      Fail(std::string(what) + ": arrayType declares " + std::to_string(*declared) + " items, cap is " +
           std::to_string(limits_.max_array_items));
      return;
    }
    if (*declared != actual) {
      Warn(std::string(what) + ": arrayType declares " + std::to_string(*declared) + " items, " +
           std::to_string(actual) + " sent");
    }
  }

  uint32_t Uint(const std::string& text, std::string_view what, bool required, uint32_t fallback) {
    auto v = ParseUnsigned(text, std::numeric_limits<uint32_t>::max());
    if (v) return static_cast<uint32_t>(*v);
    if (required && text.empty()) {
      Fail(std::string(what) + " is missing or empty (elements inside CWMP messages are unqualified)");
    } else if (required) {
      Fail(std::string(what) + ": " + v.error().message);
    }
    else if (!text.empty()) {
      Warn(std::string(what) + ": " + v.error().message + ", using " + std::to_string(fallback));
    }
    return fallback;
  }

  bool Bool(const std::string& text, std::string_view what) {
    auto v = ParseBoolean(text);
    if (v) return *v;
    if (text.empty()) Fail(std::string(what) + " is missing or empty (elements inside CWMP messages are unqualified)");
    else Fail(std::string(what) + ": " + v.error().message);
    return false;
  }

  void MaxLen(const std::string& text, size_t max, std::string_view what) {
    if (text.size() > max) Warn(std::string(what) + " longer than " + std::to_string(max) + " characters");
  }

  void DateTime(const std::string& text, std::string_view what) {
    if (!text.empty() && !IsValidDateTime(text)) Warn(std::string(what) + ": not an xsd:dateTime: \"" + Clip(text) + "\"");
  }

  std::vector<ParameterValueStruct> Values(const cwmp__ParameterValueList& in) {
    CheckArray(in.SOAP_ENC__arrayType, in.ParameterValueStruct.size(), "ParameterList");
    std::vector<ParameterValueStruct> out;
    out.reserve(in.ParameterValueStruct.size());
    for (const auto& p : in.ParameterValueStruct) {
      ParameterValueStruct v;
      v.name = p.Name;
      v.value.type = ValueTypeFromXsi(p.Value.xsi__type);
      v.value.text = p.Value.__item;
      if (v.value.type == ValueType::kAny) {
        Warn("parameter " + Clip(p.Name) + ": unknown xsi:type \"" + Clip(p.Value.xsi__type) + "\" kept as text");
      }
      out.push_back(std::move(v));
    }
    return out;
  }

  std::vector<std::string> Strings(const cwmp__StringList& in, std::string_view what) {
    CheckArray(in.SOAP_ENC__arrayType, in.string.size(), what);
    return in.string;
  }

  Body Map(const cwmp__Inform& in) {
    Inform out;
    out.device_id = {in.DeviceId.Manufacturer, in.DeviceId.OUI, in.DeviceId.ProductClass, in.DeviceId.SerialNumber};
    if (out.device_id.oui.empty() || out.device_id.serial_number.empty()) {
      Warn("Inform without DeviceId OUI or SerialNumber");
    }
    CheckArray(in.Event.SOAP_ENC__arrayType, in.Event.EventStruct.size(), "Event");
    for (const auto& e : in.Event.EventStruct) {
      MaxLen(e.EventCode, EventCode::kMaxLength, "EventCode");
      MaxLen(e.CommandKey, kMaxCommandKey, "CommandKey");
      out.events.push_back({EventCode::FromText(e.EventCode), e.CommandKey});
    }
    out.max_envelopes = Uint(in.MaxEnvelopes, "MaxEnvelopes", false, 1);
    out.current_time = in.CurrentTime;
    DateTime(in.CurrentTime, "CurrentTime");
    out.retry_count = Uint(in.RetryCount, "RetryCount", false, 0);
    out.parameters = Values(in.ParameterList);
    return out;
  }
  Body Map(const cwmp__InformResponse& in) { return InformResponse{Uint(in.MaxEnvelopes, "MaxEnvelopes", false, 1)}; }
  Body Map(const cwmp__TransferComplete& in) {
    TransferComplete out;
    out.command_key = in.CommandKey;
    MaxLen(in.CommandKey, kMaxCommandKey, "CommandKey");
    out.fault.code = Uint(in.FaultStruct.FaultCode, "FaultStruct/FaultCode", false, 0);
    out.fault.message = in.FaultStruct.FaultString;
    out.start_time = in.StartTime;
    out.complete_time = in.CompleteTime;
    DateTime(in.StartTime, "StartTime");
    DateTime(in.CompleteTime, "CompleteTime");
    return out;
  }
  Body Map(const cwmp__TransferCompleteResponse&) { return TransferCompleteResponse{}; }
  Body Map(const cwmp__GetRPCMethods&) { return GetRPCMethods{}; }
  Body Map(const cwmp__GetRPCMethodsResponse& in) { return GetRPCMethodsResponse{Strings(in.MethodList, "MethodList")}; }
  Body Map(const cwmp__GetParameterNames& in) {
    GetParameterNames out;
    out.parameter_path = in.ParameterPath;
    out.next_level = Bool(in.NextLevel, "NextLevel");
    return out;
  }
  Body Map(const cwmp__GetParameterNamesResponse& in) {
    CheckArray(in.ParameterList.SOAP_ENC__arrayType, in.ParameterList.ParameterInfoStruct.size(), "ParameterList");
    GetParameterNamesResponse out;
    out.parameters.reserve(in.ParameterList.ParameterInfoStruct.size());
    for (const auto& p : in.ParameterList.ParameterInfoStruct) {
      out.parameters.push_back({p.Name, Bool(p.Writable, "Writable")});
    }
    return out;
  }
  Body Map(const cwmp__GetParameterValues& in) { return GetParameterValues{Strings(in.ParameterNames, "ParameterNames")}; }
  Body Map(const cwmp__GetParameterValuesResponse& in) { return GetParameterValuesResponse{Values(in.ParameterList)}; }
  Body Map(const cwmp__SetParameterValues& in) {
    SetParameterValues out;
    out.parameters = Values(in.ParameterList);
    out.parameter_key = in.ParameterKey;
    MaxLen(in.ParameterKey, kMaxParameterKey, "ParameterKey");
    return out;
  }
  Body Map(const cwmp__SetParameterValuesResponse& in) {
    const uint32_t status = Uint(in.Status, "Status", true, 0);
    if (status > 1) Fail("SetParameterValuesResponse Status must be 0 or 1");
    return SetParameterValuesResponse{static_cast<int>(status)};
  }
  Body Map(const cwmp__SoapFault& in) {
    Fault out;
    std::string_view code = in.faultcode;
    if (const size_t colon = code.find(':'); colon != std::string_view::npos) code.remove_prefix(colon + 1);
    out.faultcode = std::string(code);
    out.faultstring = in.faultstring;
    const cwmp__Fault* detail = nullptr;
    if (in.detail && in.detail->cwmp__Fault_) {
      detail = in.detail->cwmp__Fault_;
    } else if (in.SOAP_ENV__detail && in.SOAP_ENV__detail->cwmp__Fault_) {
      detail = in.SOAP_ENV__detail->cwmp__Fault_;
    } else if (in.cwmp__Fault_) {
      detail = in.cwmp__Fault_;
      Warn("cwmp:Fault found outside <detail>");
    }
    if (detail == nullptr) {
      Fail("SOAP Fault without a cwmp:Fault detail");
      return out;
    }
    out.code = Uint(detail->FaultCode, "Fault/FaultCode", true, 0);
    out.message = detail->FaultString;
    if (detail->SetParameterValuesFault.size() > limits_.max_array_items) {
      Fail("more than " + std::to_string(limits_.max_array_items) + " SetParameterValuesFault entries");
    }
    for (const auto& f : detail->SetParameterValuesFault) {
      out.set_parameter_values_faults.push_back(
          {f.ParameterName, Uint(f.FaultCode, "SetParameterValuesFault/FaultCode", true, 0), f.FaultString});
    }
    return out;
  }

  // ---- attributes, objects, reboot, reset ----
  std::vector<std::string> AccessList(const cwmp__StringList& in) { return Strings(in, "AccessList"); }
  int Notification(const std::string& text) {
    const uint32_t n = Uint(text, "Notification", true, 0);
    if (!IsValidNotification(static_cast<int>(n))) Fail("Notification must be 0 to 6, got " + Clip(text));
    return static_cast<int>(n);
  }
  int Status01(const std::string& text, std::string_view what) {
    const uint32_t status = Uint(text, what, true, 0);
    if (status > 1) Fail(std::string(what) + " must be 0 or 1");
    return static_cast<int>(status);
  }
  Body Map(const cwmp__GetParameterAttributes& in) {
    return GetParameterAttributes{Strings(in.ParameterNames, "ParameterNames")};
  }
  Body Map(const cwmp__GetParameterAttributesResponse& in) {
    CheckArray(in.ParameterList.SOAP_ENC__arrayType, in.ParameterList.ParameterAttributeStruct.size(), "ParameterList");
    GetParameterAttributesResponse out;
    out.parameters.reserve(in.ParameterList.ParameterAttributeStruct.size());
    for (const auto& p : in.ParameterList.ParameterAttributeStruct) {
      out.parameters.push_back({p.Name, Notification(p.Notification), AccessList(p.AccessList)});
    }
    return out;
  }
  Body Map(const cwmp__SetParameterAttributes& in) {
    CheckArray(in.ParameterList.SOAP_ENC__arrayType, in.ParameterList.SetParameterAttributesStruct.size(), "ParameterList");
    SetParameterAttributes out;
    for (const auto& p : in.ParameterList.SetParameterAttributesStruct) {
      SetParameterAttributesStruct s;
      s.name = p.Name;
      s.notification_change = Bool(p.NotificationChange, "NotificationChange");
      s.notification = Notification(p.Notification);
      s.access_list_change = Bool(p.AccessListChange, "AccessListChange");
      s.access_list = AccessList(p.AccessList);
      out.parameters.push_back(std::move(s));
    }
    return out;
  }
  Body Map(const cwmp__SetParameterAttributesResponse&) { return SetParameterAttributesResponse{}; }
  Body Map(const cwmp__AddObject& in) {
    MaxLen(in.ParameterKey, kMaxParameterKey, "ParameterKey");
    return AddObject{in.ObjectName, in.ParameterKey};
  }
  Body Map(const cwmp__AddObjectResponse& in) {
    return AddObjectResponse{Uint(in.InstanceNumber, "InstanceNumber", true, 0), Status01(in.Status, "Status")};
  }
  Body Map(const cwmp__DeleteObject& in) {
    MaxLen(in.ParameterKey, kMaxParameterKey, "ParameterKey");
    return DeleteObject{in.ObjectName, in.ParameterKey};
  }
  Body Map(const cwmp__DeleteObjectResponse& in) { return DeleteObjectResponse{Status01(in.Status, "Status")}; }
  Body Map(const cwmp__Reboot& in) {
    MaxLen(in.CommandKey, kMaxCommandKey, "CommandKey");
    return Reboot{in.CommandKey};
  }
  Body Map(const cwmp__RebootResponse&) { return RebootResponse{}; }
  Body Map(const cwmp__FactoryReset&) { return FactoryReset{}; }
  Body Map(const cwmp__FactoryResetResponse&) { return FactoryResetResponse{}; }
  Body Map(const cwmp__ScheduleInform& in) {
    MaxLen(in.CommandKey, kMaxCommandKey, "CommandKey");
    return ScheduleInform{Uint(in.DelaySeconds, "DelaySeconds", true, 0), in.CommandKey};
  }
  Body Map(const cwmp__ScheduleInformResponse&) { return ScheduleInformResponse{}; }

  // ---- file transfers ----
  void FileType(const std::string& t, FileTypeList list) {
    if (!IsValidFileType(t, list)) Warn("FileType \"" + Clip(t) + "\" is not a known type for this RPC");
  }
  Body Map(const cwmp__Download& in) {
    Download out;
    out.command_key = in.CommandKey;
    out.file_type = in.FileType;
    out.url = in.URL;
    out.username = in.Username;
    out.password = in.Password;
    out.file_size = Uint(in.FileSize, "FileSize", false, 0);
    out.target_file_name = in.TargetFileName;
    out.delay_seconds = Uint(in.DelaySeconds, "DelaySeconds", false, 0);
    out.success_url = in.SuccessURL;
    out.failure_url = in.FailureURL;
    MaxLen(in.CommandKey, kMaxCommandKey, "CommandKey");
    MaxLen(in.URL, kMaxUrl, "URL");
    FileType(in.FileType, FileTypeList::kDownload);
    return out;
  }
  Body Map(const cwmp__DownloadResponse& in) {
    DownloadResponse out{Status01(in.Status, "Status"), in.StartTime, in.CompleteTime};
    DateTime(in.StartTime, "StartTime");
    DateTime(in.CompleteTime, "CompleteTime");
    return out;
  }
  Body Map(const cwmp__Upload& in) {
    Upload out;
    out.command_key = in.CommandKey;
    out.file_type = in.FileType;
    out.url = in.URL;
    out.username = in.Username;
    out.password = in.Password;
    out.delay_seconds = Uint(in.DelaySeconds, "DelaySeconds", false, 0);
    MaxLen(in.CommandKey, kMaxCommandKey, "CommandKey");
    MaxLen(in.URL, kMaxUrl, "URL");
    FileType(in.FileType, FileTypeList::kUpload);
    return out;
  }
  Body Map(const cwmp__UploadResponse& in) {
    UploadResponse out{Status01(in.Status, "Status"), in.StartTime, in.CompleteTime};
    DateTime(in.StartTime, "StartTime");
    DateTime(in.CompleteTime, "CompleteTime");
    return out;
  }
  Body Map(const cwmp__ScheduleDownload& in) {
    ScheduleDownload out;
    out.command_key = in.CommandKey;
    out.file_type = in.FileType;
    out.url = in.URL;
    out.username = in.Username;
    out.password = in.Password;
    out.file_size = Uint(in.FileSize, "FileSize", false, 0);
    out.target_file_name = in.TargetFileName;
    CheckArray(in.TimeWindowList.SOAP_ENC__arrayType, in.TimeWindowList.TimeWindowStruct.size(), "TimeWindowList");
    for (const auto& w : in.TimeWindowList.TimeWindowStruct) {
      TimeWindow t;
      t.window_start = Uint(w.WindowStart, "WindowStart", true, 0);
      t.window_end = Uint(w.WindowEnd, "WindowEnd", true, 0);
      t.window_mode = w.WindowMode;
      t.user_message = w.UserMessage;
      auto retries = ParseSigned(w.MaxRetries, -1, std::numeric_limits<int32_t>::max());
      if (!retries) Fail("MaxRetries: " + retries.error().message);
      else t.max_retries = static_cast<int32_t>(*retries);
      if (!IsValidWindowMode(w.WindowMode)) Warn("WindowMode \"" + Clip(w.WindowMode) + "\" is not a known mode");
      out.time_windows.push_back(std::move(t));
    }
    if (out.time_windows.empty() || out.time_windows.size() > 2) Warn("ScheduleDownload needs one or two time windows");
    FileType(in.FileType, FileTypeList::kDownload);
    return out;
  }
  Body Map(const cwmp__ScheduleDownloadResponse&) { return ScheduleDownloadResponse{}; }
  Body Map(const cwmp__CancelTransfer& in) { return CancelTransfer{in.CommandKey}; }
  Body Map(const cwmp__CancelTransferResponse&) { return CancelTransferResponse{}; }
  Body Map(const cwmp__GetQueuedTransfers&) { return GetQueuedTransfers{}; }
  int TransferState(const std::string& text) {
    const uint32_t s = Uint(text, "State", true, 1);
    if (!IsValidTransferState(static_cast<int>(s))) Fail("transfer State must be 1, 2 or 3, got " + Clip(text));
    return static_cast<int>(s);
  }
  Body Map(const cwmp__GetQueuedTransfersResponse& in) {
    CheckArray(in.TransferList.SOAP_ENC__arrayType, in.TransferList.QueuedTransferStruct.size(), "TransferList");
    GetQueuedTransfersResponse out;
    for (const auto& t : in.TransferList.QueuedTransferStruct) out.transfers.push_back({t.CommandKey, TransferState(t.State)});
    return out;
  }
  Body Map(const cwmp__GetAllQueuedTransfers&) { return GetAllQueuedTransfers{}; }
  Body Map(const cwmp__GetAllQueuedTransfersResponse& in) {
    CheckArray(in.TransferList.SOAP_ENC__arrayType, in.TransferList.AllQueuedTransferStruct.size(), "TransferList");
    GetAllQueuedTransfersResponse out;
    for (const auto& t : in.TransferList.AllQueuedTransferStruct) {
      AllQueuedTransfer a;
      a.command_key = t.CommandKey;
      a.state = TransferState(t.State);
      a.is_download = Bool(t.IsDownload, "IsDownload");
      a.file_type = t.FileType;
      FileType(t.FileType, FileTypeList::kTransfer);
      a.file_size = Uint(t.FileSize, "FileSize", false, 0);
      a.target_file_name = t.TargetFileName;
      out.transfers.push_back(std::move(a));
    }
    return out;
  }

  // ---- software modules ----
  static std::string Opt(const std::string* p) { return p ? *p : std::string(); }
  void Operation(const cwmp__OperationStruct& op, std::string_view type, ChangeDUState* out) {
    DuOperation d;
    std::string_view local = type;
    if (const size_t colon = local.find(':'); colon != std::string_view::npos) local.remove_prefix(colon + 1);
    if (local == "InstallOpStruct") d.kind = DuOperation::Kind::kInstall;
    else if (local == "UpdateOpStruct") d.kind = DuOperation::Kind::kUpdate;
    else if (local == "UninstallOpStruct") d.kind = DuOperation::Kind::kUninstall;
    else return Fail("ChangeDUState operation of unknown type \"" + Clip(type) + "\"");
    d.url = op.URL ? *op.URL : Opt(op.URL_);
    d.uuid = Opt(op.UUID);
    d.username = Opt(op.Username);
    d.password = Opt(op.Password);
    d.execution_env_ref = Opt(op.ExecutionEnvRef);
    d.version = Opt(op.Version);
    if (d.kind == DuOperation::Kind::kInstall && d.url.empty()) Warn("ChangeDUState Install operation without URL");
    if (d.kind == DuOperation::Kind::kUninstall && d.uuid.empty()) Warn("ChangeDUState Uninstall operation without UUID");
    out->operations.push_back(std::move(d));
  }
  Body Map(const cwmp__ChangeDUState& in) {
    ChangeDUState out;
    out.command_key = in.CommandKey;
    if (in.Operations.size() > limits_.max_array_items) {
      Fail("more than " + std::to_string(limits_.max_array_items) + " ChangeDUState operations");
      return out;
    }
    for (const auto& op : in.Operations) {
      // Schema form: <Operations xsi:type="cwmp:InstallOpStruct">; array form: nested elements.
      const size_t kinds = !op.InstallOpStruct.empty() + !op.UpdateOpStruct.empty() + !op.UninstallOpStruct.empty();
      if (kinds == 0) {
        Operation(op, op.xsi__type, &out);
        continue;
      }
      if (kinds > 1) {
        // gSOAP groups nested elements by name, so the order between kinds would be lost, and the
        // order of install/update/uninstall matters.
        Fail("ChangeDUState array form mixing operation kinds in one <Operations>: their order is ambiguous");
        return out;
      }
      for (const auto& o : op.InstallOpStruct) Operation(o, "InstallOpStruct", &out);
      for (const auto& o : op.UpdateOpStruct) Operation(o, "UpdateOpStruct", &out);
      for (const auto& o : op.UninstallOpStruct) Operation(o, "UninstallOpStruct", &out);
    }
    if (out.operations.empty()) Fail("ChangeDUState without operations");
    return out;
  }
  Body Map(const cwmp__ChangeDUStateResponse&) { return ChangeDUStateResponse{}; }

  // ---- CPE -> ACS reports ----
  Body Map(const cwmp__AutonomousTransferComplete& in) {
    AutonomousTransferComplete out;
    out.announce_url = in.AnnounceURL;
    out.transfer_url = in.TransferURL;
    out.is_download = Bool(in.IsDownload, "IsDownload");
    out.file_type = in.FileType;
    out.file_size = Uint(in.FileSize, "FileSize", false, 0);
    out.target_file_name = in.TargetFileName;
    out.fault.code = Uint(in.FaultStruct.FaultCode, "FaultStruct/FaultCode", false, 0);
    out.fault.message = in.FaultStruct.FaultString;
    out.start_time = in.StartTime;
    out.complete_time = in.CompleteTime;
    DateTime(in.StartTime, "StartTime");
    DateTime(in.CompleteTime, "CompleteTime");
    FileType(in.FileType, FileTypeList::kTransfer);
    return out;
  }
  Body Map(const cwmp__AutonomousTransferCompleteResponse&) { return AutonomousTransferCompleteResponse{}; }
  Body Map(const cwmp__RequestDownload& in) {
    RequestDownload out;
    out.file_type = in.FileType;
    CheckArray(in.FileTypeArg.SOAP_ENC__arrayType, in.FileTypeArg.ArgStruct.size(), "FileTypeArg");
    for (const auto& a : in.FileTypeArg.ArgStruct) out.args.push_back({a.Name, a.Value});
    FileType(in.FileType, FileTypeList::kDownload);
    return out;
  }
  Body Map(const cwmp__RequestDownloadResponse&) { return RequestDownloadResponse{}; }
  std::vector<OpResult> Results(const std::vector<cwmp__OpResultStruct>& in, bool autonomous) {
    std::vector<OpResult> out;
    if (in.size() > limits_.max_array_items) {
      Fail("more than " + std::to_string(limits_.max_array_items) + " results");
      return out;
    }
    for (const auto& r : in) {
      OpResult o;
      o.uuid = r.UUID;
      o.deployment_unit_ref = r.DeploymentUnitRef;
      o.version = r.Version;
      o.current_state = r.CurrentState;
      o.resolved = Bool(r.Resolved, "Resolved");
      o.execution_unit_ref_list = r.ExecutionUnitRefList;
      o.start_time = r.StartTime;
      o.complete_time = r.CompleteTime;
      o.fault.code = Uint(r.Fault.FaultCode, "Fault/FaultCode", false, 0);
      o.fault.message = r.Fault.FaultString;
      if (autonomous) o.operation_performed = Opt(r.OperationPerformed);
      DateTime(r.StartTime, "StartTime");
      DateTime(r.CompleteTime, "CompleteTime");
      if (!r.CurrentState.empty() && !IsValidDeploymentUnitState(r.CurrentState)) {
        Warn("CurrentState \"" + Clip(r.CurrentState) + "\" is not a deployment unit state");
      }
      out.push_back(std::move(o));
    }
    return out;
  }
  Body Map(const cwmp__DUStateChangeComplete& in) {
    return DUStateChangeComplete{Results(in.Results, false), in.CommandKey};
  }
  Body Map(const cwmp__DUStateChangeCompleteResponse&) { return DUStateChangeCompleteResponse{}; }
  Body Map(const cwmp__AutonomousDUStateChangeComplete& in) {
    return AutonomousDUStateChangeComplete{Results(in.Results, true)};
  }
  Body Map(const cwmp__AutonomousDUStateChangeCompleteResponse&) { return AutonomousDUStateChangeCompleteResponse{}; }
  Body Map(const cwmp__Kicked& in) { return Kicked{in.Command, in.Referer, in.Arg, in.Next}; }
  Body Map(const cwmp__KickedResponse& in) { return KickedResponse{in.NextURL}; }

 private:
  const DecodeLimits& limits_;
  std::vector<std::string>* warnings_;
  std::optional<Error> error_;
};

// Deserializes one body element of gSOAP type T with the generated soap_in_<T> and maps it.
template <typename T, void (*Default)(struct soap*, T*), T* (*In)(struct soap*, const char*, T*, const char*)>
Result<Body> ReadBody(struct soap* s, const char* tag, Decoder& d, const DecodeLimits& limits) {
  T value;
  Default(s, &value);
  if (In(s, tag, &value, nullptr) == nullptr) return SoapError(s, limits);
  Body body = d.Map(value);
  if (d.error()) return *d.error();
  return body;
}

}  // namespace

namespace {

using BodyReader = Result<Body> (*)(struct soap*, const char*, Decoder&, const DecodeLimits&);
struct BodyEntry {
  const char* tag;
  BodyReader read;
};

#define RURU_BODY(name) \
  {"cwmp:" #name, &ReadBody<cwmp__##name, soap_default_cwmp__##name, soap_in_cwmp__##name>},
const BodyEntry kBodies[] = {
    RURU_CWMP_RPCS(RURU_BODY)
    {"SOAP-ENV:Fault", &ReadBody<cwmp__SoapFault, soap_default_cwmp__SoapFault, soap_in_cwmp__SoapFault>},
};
#undef RURU_BODY

Result<Namespace> PeerNamespace(struct soap* s) {
  const struct ::Namespace& entry = s->local_namespaces[kCwmpNamespaceIndex];
  const char* uri = entry.out ? entry.out : entry.ns;
  if (uri == nullptr) return Namespace::kCwmp10;  // no cwmp element at all (e.g. a bare SOAP fault)
  if (auto ns = NamespaceFromUri(uri)) return *ns;
  return InvalidArgument("unknown CWMP namespace \"" + Clip(uri) + "\"");
}

std::optional<bool> HeaderBool(const std::string* v, Decoder& d, std::string_view what) {
  if (v == nullptr) return std::nullopt;
  return d.Bool(*v, what);
}

}  // namespace

Result<Decoded> Decode(std::string_view body, const DecodeLimits& limits) {
  auto screened = internal::Screen(body, limits.max_body_bytes, limits.max_depth);
  if (!screened) return screened.error();
  Decoded out;
  out.warnings = std::move(screened->warnings);
  if (screened->empty) {
    out.envelope.body = Empty{};
    return out;
  }
  const std::string_view xml = screened->Xml();

  struct soap* s = ThreadSoap();
  SoapScope scope(s);
  soap_set_namespaces(s, namespaces);
  s->maxlevel = limits.max_depth;
  s->maxlength = static_cast<long>(limits.max_string_bytes);
  s->maxoccurs = limits.max_array_items;
  // After transcoding, Latin-1 may double in size; saturate rather than overflow.
  s->recv_maxlength = xml.size() < (std::numeric_limits<size_t>::max() - 16) ? xml.size() + 16 : xml.size();
  InputCursor cursor{xml.data(), xml.size()};
  s->user = &cursor;
  s->frecv = RecvFromCursor;

  if (soap_begin_recv(s) || soap_envelope_begin_in(s)) return SoapError(s, limits);
  if (s->version != 1) {
    const char* uri = soap_current_namespace_tag(s, s->tag);
    if (s->version == 2 || (uri && std::strcmp(uri, "http://www.w3.org/2003/05/soap-envelope") == 0)) {
      return InvalidArgument("SOAP 1.2 envelope: CWMP uses SOAP 1.1");
    }
    return InvalidArgument("not a SOAP 1.1 envelope");
  }
  if (soap_recv_header(s) || soap_body_begin_in(s)) return SoapError(s, limits);

  Decoder decoder(limits, &out.warnings);
  Envelope& env = out.envelope;
  if (s->header) {
    if (s->header->cwmp__ID) env.id = *s->header->cwmp__ID;
    env.hold_requests = HeaderBool(s->header->cwmp__HoldRequests, decoder, "HoldRequests").value_or(false);
    env.no_more_requests = HeaderBool(s->header->cwmp__NoMoreRequests, decoder, "NoMoreRequests");
    if (const std::string* t = s->header->cwmp__SessionTimeout) {
      auto v = ParseUnsigned(*t, std::numeric_limits<uint32_t>::max());
      if (v && *v > 0) env.session_timeout = static_cast<uint32_t>(*v);
      else decoder.Warn("SessionTimeout \"" + Clip(*t) + "\" ignored: not a positive number of seconds");
    }
    if (s->header->cwmp__SupportedCWMPVersions) env.supported_cwmp_versions = *s->header->cwmp__SupportedCWMPVersions;
    if (s->header->cwmp__UseCWMPVersion) env.use_cwmp_version = *s->header->cwmp__UseCWMPVersion;
    if (decoder.error()) return *decoder.error();
  }

  const int peek = soap_peek_element(s);
  if (peek == SOAP_NO_TAG) {
    s->error = SOAP_OK;
    env.body = Empty{};
  } else if (peek != SOAP_OK) {
    return SoapError(s, limits);
  } else {
    const BodyEntry* entry = nullptr;
    for (const auto& e : kBodies) {
      if (soap_match_tag(s, s->tag, e.tag) == SOAP_OK) {
        entry = &e;
        break;
      }
    }
    if (entry == nullptr) {
      const char* uri = soap_current_namespace_tag(s, s->tag);
      return InvalidArgument(std::string("unsupported body element <") + Clip(s->tag) + "> in namespace \"" +
                             Clip(uri ? uri : "") + "\"");
    }
    auto b = entry->read(s, entry->tag, decoder, limits);
    if (!b) return b.error();
    env.body = std::move(*b);
    if (soap_peek_element(s) == SOAP_OK) {
      return InvalidArgument(std::string("more than one element in the SOAP Body (second is <") + Clip(s->tag) + ">)");
    }
    s->error = SOAP_OK;
  }
  if (soap_body_end_in(s) || soap_envelope_end_in(s) || soap_end_recv(s)) return SoapError(s, limits);
  // Only whitespace may follow the envelope.
  for (size_t i = s->bufidx; i < s->buflen; ++i) {
    const char c = s->buf[i];
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return InvalidArgument("content after the SOAP envelope");
  }
  for (size_t i = 0; i < cursor.left; ++i) {
    const char c = cursor.data[i];
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return InvalidArgument("content after the SOAP envelope");
  }

  auto ns = PeerNamespace(s);
  if (!ns) return ns.error();
  env.ns = *ns;
  return out;
}

// ---- Encoding: model -> gSOAP structs --------------------------------------------------------
namespace {

class Encoder {
 public:
  const std::optional<Error>& error() const { return error_; }
  void Fail(std::string message) {
    if (!error_) error_ = InvalidArgument(std::move(message));
  }

  const std::string& Text(const std::string& s, std::string_view what, size_t max = 0) {
    if (max != 0 && s.size() > max) Fail(std::string(what) + " longer than " + std::to_string(max) + " characters");
    if (!internal::IsXmlSafeText(s)) Fail(std::string(what) + ": invalid UTF-8 or a control character not allowed in XML");
    return s;
  }
  void Path(const std::string& s, std::string_view what, bool allow_partial, bool allow_empty) {
    auto p = ParameterPath::Parse(s, allow_empty);
    if (!p) return Fail(std::string(what) + ": " + p.error().message);
    if (!allow_partial && p->IsPartial()) Fail(std::string(what) + ": \"" + Clip(s) + "\" is a partial path");
  }
  static std::string Bool(bool b) { return b ? "1" : "0"; }
  static std::string ArrayType(std::string_view item_type, size_t n) {
    return std::string(item_type) + "[" + std::to_string(n) + "]";
  }

  cwmp__ParameterValueList Values(const std::vector<ParameterValueStruct>& in, bool validate_names) {
    cwmp__ParameterValueList out;
    out.SOAP_ENC__arrayType = ArrayType("cwmp:ParameterValueStruct", in.size());
    out.ParameterValueStruct.resize(in.size());
    for (size_t i = 0; i < in.size(); ++i) {
      auto& o = out.ParameterValueStruct[i];
      o.Name = Text(in[i].name, "parameter name");
      if (validate_names) Path(in[i].name, "parameter name", false, false);
      o.Value.__item = Text(in[i].value.text, "parameter value");
      if (validate_names) {
        if (auto bad = in[i].value.Validate()) Fail("value of " + Clip(in[i].name) + ": " + *bad);
      }
      const ValueType t = in[i].value.type;
      o.Value.xsi__type = t == ValueType::kBase64 ? "xsd:base64Binary" : "xsd:" + std::string(ValueTypeName(t));
    }
    return out;
  }
  cwmp__StringList Strings(const std::vector<std::string>& in, std::string_view what, bool paths) {
    cwmp__StringList out;
    out.SOAP_ENC__arrayType = ArrayType("xsd:string", in.size());
    out.string.reserve(in.size());
    for (const auto& s : in) {
      out.string.push_back(Text(s, what));
      if (paths) Path(s, what, true, false);
    }
    return out;
  }

  cwmp__Inform Build(const Inform& in) {
    cwmp__Inform out;
    out.DeviceId.Manufacturer = Text(in.device_id.manufacturer, "Manufacturer", 64);
    out.DeviceId.OUI = Text(in.device_id.oui, "OUI", 6);
    out.DeviceId.ProductClass = Text(in.device_id.product_class, "ProductClass", 64);
    out.DeviceId.SerialNumber = Text(in.device_id.serial_number, "SerialNumber", 64);
    out.Event.SOAP_ENC__arrayType = ArrayType("cwmp:EventStruct", in.events.size());
    for (const auto& e : in.events) {
      cwmp__EventStruct es;
      es.EventCode = Text(e.code.text, "EventCode", EventCode::kMaxLength);
      es.CommandKey = Text(e.command_key, "CommandKey", kMaxCommandKey);
      out.Event.EventStruct.push_back(std::move(es));
    }
    if (in.events.size() > 64) Fail("more than 64 events");
    out.MaxEnvelopes = std::to_string(in.max_envelopes);
    out.CurrentTime = Text(in.current_time, "CurrentTime");
    if (!IsValidDateTime(in.current_time)) Fail("CurrentTime is not an xsd:dateTime");
    out.RetryCount = std::to_string(in.retry_count);
    out.ParameterList = Values(in.parameters, false);
    return out;
  }
  cwmp__InformResponse Build(const InformResponse& in) {
    cwmp__InformResponse out;
    out.MaxEnvelopes = std::to_string(in.max_envelopes);
    return out;
  }
  cwmp__TransferComplete Build(const TransferComplete& in) {
    cwmp__TransferComplete out;
    out.CommandKey = Text(in.command_key, "CommandKey", kMaxCommandKey);
    out.FaultStruct.FaultCode = std::to_string(in.fault.code);
    out.FaultStruct.FaultString = Text(in.fault.message, "FaultString", kMaxFaultString);
    out.StartTime = Text(in.start_time, "StartTime");
    out.CompleteTime = Text(in.complete_time, "CompleteTime");
    if (!IsValidDateTime(in.start_time) || !IsValidDateTime(in.complete_time)) {
      Fail("StartTime and CompleteTime must be xsd:dateTime (0001-01-01T00:00:00Z when unknown)");
    }
    return out;
  }
  cwmp__TransferCompleteResponse Build(const TransferCompleteResponse&) { return {}; }
  cwmp__GetRPCMethods Build(const GetRPCMethods&) { return {}; }
  cwmp__GetRPCMethodsResponse Build(const GetRPCMethodsResponse& in) {
    cwmp__GetRPCMethodsResponse out;
    out.MethodList = Strings(in.methods, "method name", false);
    for (const auto& m : in.methods) {
      if (m.size() > 64) Fail("method name longer than 64 characters");
    }
    return out;
  }
  cwmp__GetParameterNames Build(const GetParameterNames& in) {
    cwmp__GetParameterNames out;
    out.ParameterPath = Text(in.parameter_path, "ParameterPath");
    Path(in.parameter_path, "ParameterPath", true, true);
    out.NextLevel = Bool(in.next_level);
    return out;
  }
  cwmp__GetParameterNamesResponse Build(const GetParameterNamesResponse& in) {
    cwmp__GetParameterNamesResponse out;
    out.ParameterList.SOAP_ENC__arrayType = ArrayType("cwmp:ParameterInfoStruct", in.parameters.size());
    out.ParameterList.ParameterInfoStruct.resize(in.parameters.size());
    for (size_t i = 0; i < in.parameters.size(); ++i) {
      out.ParameterList.ParameterInfoStruct[i].Name = Text(in.parameters[i].name, "parameter name");
      out.ParameterList.ParameterInfoStruct[i].Writable = Bool(in.parameters[i].writable);
    }
    return out;
  }
  cwmp__GetParameterValues Build(const GetParameterValues& in) {
    cwmp__GetParameterValues out;
    out.ParameterNames = Strings(in.names, "parameter name", true);
    return out;
  }
  cwmp__GetParameterValuesResponse Build(const GetParameterValuesResponse& in) {
    cwmp__GetParameterValuesResponse out;
    out.ParameterList = Values(in.parameters, false);
    return out;
  }
  cwmp__SetParameterValues Build(const SetParameterValues& in) {
    cwmp__SetParameterValues out;
    out.ParameterList = Values(in.parameters, true);
    out.ParameterKey = Text(in.parameter_key, "ParameterKey", kMaxParameterKey);
    return out;
  }
  cwmp__SetParameterValuesResponse Build(const SetParameterValuesResponse& in) {
    cwmp__SetParameterValuesResponse out;
    if (in.status != 0 && in.status != 1) Fail("SetParameterValuesResponse Status must be 0 or 1");
    out.Status = std::to_string(in.status);
    return out;
  }

  // ---- attributes, objects, reboot, reset ----
  cwmp__StringList AccessList(const std::vector<std::string>& in) {
    for (const auto& a : in) {
      if (a.size() > 64) Fail("AccessList entry longer than 64 characters");
    }
    return Strings(in, "AccessList entry", false);
  }
  void Notification(int n) {
    if (!IsValidNotification(n)) Fail("Notification must be 0 to 6, got " + std::to_string(n));
  }
  void Status01(int s, const std::string& what) {
    if (s != 0 && s != 1) Fail(std::string(what) + " must be 0 or 1");
  }
  void ObjectPath(const std::string& s) {
    Path(s, "ObjectName", true, false);
    if (!s.empty() && s.back() != '.') Fail("ObjectName \"" + Clip(s) + "\" must end with '.'");
  }
  cwmp__GetParameterAttributes Build(const GetParameterAttributes& in) {
    cwmp__GetParameterAttributes out;
    out.ParameterNames = Strings(in.names, "parameter name", true);
    return out;
  }
  cwmp__GetParameterAttributesResponse Build(const GetParameterAttributesResponse& in) {
    cwmp__GetParameterAttributesResponse out;
    out.ParameterList.SOAP_ENC__arrayType = ArrayType("cwmp:ParameterAttributeStruct", in.parameters.size());
    out.ParameterList.ParameterAttributeStruct.resize(in.parameters.size());
    for (size_t i = 0; i < in.parameters.size(); ++i) {
      auto& o = out.ParameterList.ParameterAttributeStruct[i];
      o.Name = Text(in.parameters[i].name, "parameter name");
      Notification(in.parameters[i].notification);
      o.Notification = std::to_string(in.parameters[i].notification);
      o.AccessList = AccessList(in.parameters[i].access_list);
    }
    return out;
  }
  cwmp__SetParameterAttributes Build(const SetParameterAttributes& in) {
    cwmp__SetParameterAttributes out;
    out.ParameterList.SOAP_ENC__arrayType = ArrayType("cwmp:SetParameterAttributesStruct", in.parameters.size());
    for (const auto& p : in.parameters) {
      cwmp__SetParameterAttributesStruct o;
      o.Name = Text(p.name, "parameter name");
      Path(p.name, "parameter name", true, false);
      o.NotificationChange = Bool(p.notification_change);
      Notification(p.notification);
      o.Notification = std::to_string(p.notification);
      o.AccessListChange = Bool(p.access_list_change);
      o.AccessList = AccessList(p.access_list);
      out.ParameterList.SetParameterAttributesStruct.push_back(std::move(o));
    }
    return out;
  }
  cwmp__SetParameterAttributesResponse Build(const SetParameterAttributesResponse&) { return {}; }
  cwmp__AddObject Build(const AddObject& in) {
    cwmp__AddObject out;
    out.ObjectName = Text(in.object_name, "ObjectName");
    ObjectPath(in.object_name);
    out.ParameterKey = Text(in.parameter_key, "ParameterKey", kMaxParameterKey);
    return out;
  }
  cwmp__AddObjectResponse Build(const AddObjectResponse& in) {
    cwmp__AddObjectResponse out;
    out.InstanceNumber = std::to_string(in.instance_number);
    if (in.instance_number == 0) Fail("InstanceNumber must be at least 1");
    Status01(in.status, "AddObjectResponse Status");
    out.Status = std::to_string(in.status);
    return out;
  }
  cwmp__DeleteObject Build(const DeleteObject& in) {
    cwmp__DeleteObject out;
    out.ObjectName = Text(in.object_name, "ObjectName");
    ObjectPath(in.object_name);
    out.ParameterKey = Text(in.parameter_key, "ParameterKey", kMaxParameterKey);
    return out;
  }
  cwmp__DeleteObjectResponse Build(const DeleteObjectResponse& in) {
    cwmp__DeleteObjectResponse out;
    Status01(in.status, "DeleteObjectResponse Status");
    out.Status = std::to_string(in.status);
    return out;
  }
  cwmp__Reboot Build(const Reboot& in) {
    cwmp__Reboot out;
    out.CommandKey = Text(in.command_key, "CommandKey", kMaxCommandKey);
    return out;
  }
  cwmp__RebootResponse Build(const RebootResponse&) { return {}; }
  cwmp__FactoryReset Build(const FactoryReset&) { return {}; }
  cwmp__FactoryResetResponse Build(const FactoryResetResponse&) { return {}; }
  cwmp__ScheduleInform Build(const ScheduleInform& in) {
    cwmp__ScheduleInform out;
    if (in.delay_seconds == 0) Fail("ScheduleInform DelaySeconds must be at least 1");
    out.DelaySeconds = std::to_string(in.delay_seconds);
    out.CommandKey = Text(in.command_key, "CommandKey", kMaxCommandKey);
    return out;
  }
  cwmp__ScheduleInformResponse Build(const ScheduleInformResponse&) { return {}; }

  // ---- file transfers ----
  void FileType(const std::string& t, FileTypeList list, std::string_view rpc) {
    if (!IsValidFileType(t, list)) Fail(std::string(rpc) + " FileType \"" + Clip(t) + "\" is not valid for this RPC");
  }
  void Time(const std::string& t, std::string_view what) {
    if (!IsValidDateTime(t)) Fail(std::string(what) + " must be an xsd:dateTime (0001-01-01T00:00:00Z when unknown)");
  }
  // The fields Download, Upload and ScheduleDownload share, with their schema checks.
  template <typename G, typename M>
  void TransferRequest(G& out, const M& in, FileTypeList list, std::string_view rpc) {
    out.CommandKey = Text(in.command_key, "CommandKey", kMaxCommandKey);
    out.FileType = Text(in.file_type, "FileType", 64);
    FileType(in.file_type, list, rpc);
    out.URL = Text(in.url, "URL", kMaxUrl);
    if (in.url.empty()) Fail(std::string(rpc) + " URL is empty");
    out.Username = Text(in.username, "Username", kMaxUsername);
    out.Password = Text(in.password, "Password", kMaxPassword);
  }
  // DownloadResponse and UploadResponse.
  template <typename G, typename M>
  G TransferResponse(const M& in, std::string_view rpc) {
    G out;
    Status01(in.status, std::string(rpc) + " Status");
    out.Status = std::to_string(in.status);
    Time(in.start_time, "StartTime");
    Time(in.complete_time, "CompleteTime");
    out.StartTime = in.start_time;
    out.CompleteTime = in.complete_time;
    return out;
  }
  cwmp__Download Build(const Download& in) {
    cwmp__Download out;
    TransferRequest(out, in, FileTypeList::kDownload, "Download");
    out.FileSize = std::to_string(in.file_size);
    out.TargetFileName = Text(in.target_file_name, "TargetFileName", 256);
    out.DelaySeconds = std::to_string(in.delay_seconds);
    out.SuccessURL = Text(in.success_url, "SuccessURL", kMaxUrl);
    out.FailureURL = Text(in.failure_url, "FailureURL", kMaxUrl);
    return out;
  }
  cwmp__DownloadResponse Build(const DownloadResponse& in) {
    return TransferResponse<cwmp__DownloadResponse>(in, "DownloadResponse");
  }
  cwmp__Upload Build(const Upload& in) {
    cwmp__Upload out;
    TransferRequest(out, in, FileTypeList::kUpload, "Upload");
    out.DelaySeconds = std::to_string(in.delay_seconds);
    return out;
  }
  cwmp__UploadResponse Build(const UploadResponse& in) {
    return TransferResponse<cwmp__UploadResponse>(in, "UploadResponse");
  }
  cwmp__ScheduleDownload Build(const ScheduleDownload& in) {
    cwmp__ScheduleDownload out;
    TransferRequest(out, in, FileTypeList::kDownload, "ScheduleDownload");
    out.FileSize = std::to_string(in.file_size);
    out.TargetFileName = Text(in.target_file_name, "TargetFileName", 256);
    if (in.time_windows.empty() || in.time_windows.size() > 2) Fail("ScheduleDownload needs one or two time windows");
    out.TimeWindowList.SOAP_ENC__arrayType = ArrayType("cwmp:TimeWindowStruct", in.time_windows.size());
    for (size_t i = 0; i < in.time_windows.size(); ++i) {
      const TimeWindow& w = in.time_windows[i];
      if (w.window_end < w.window_start) Fail("time window " + std::to_string(i + 1) + " ends before it starts");
      if (i > 0 && w.window_start < in.time_windows[i - 1].window_end) Fail("time windows overlap or are out of order");
      if (!IsValidWindowMode(w.window_mode)) Fail("WindowMode \"" + Clip(w.window_mode) + "\" is not valid");
      if (w.max_retries < -1) Fail("MaxRetries must be -1 (unlimited) or more");
      cwmp__TimeWindowStruct o;
      o.WindowStart = std::to_string(w.window_start);
      o.WindowEnd = std::to_string(w.window_end);
      o.WindowMode = Text(w.window_mode, "WindowMode", 64);
      o.UserMessage = Text(w.user_message, "UserMessage", 256);
      o.MaxRetries = std::to_string(w.max_retries);
      out.TimeWindowList.TimeWindowStruct.push_back(std::move(o));
    }
    return out;
  }
  cwmp__ScheduleDownloadResponse Build(const ScheduleDownloadResponse&) { return {}; }
  cwmp__CancelTransfer Build(const CancelTransfer& in) {
    cwmp__CancelTransfer out;
    out.CommandKey = Text(in.command_key, "CommandKey", kMaxCommandKey);
    return out;
  }
  cwmp__CancelTransferResponse Build(const CancelTransferResponse&) { return {}; }
  cwmp__GetQueuedTransfers Build(const GetQueuedTransfers&) { return {}; }
  cwmp__GetQueuedTransfersResponse Build(const GetQueuedTransfersResponse& in) {
    cwmp__GetQueuedTransfersResponse out;
    if (in.transfers.size() > 16) Fail("more than 16 queued transfers");
    out.TransferList.SOAP_ENC__arrayType = ArrayType("cwmp:QueuedTransferStruct", in.transfers.size());
    for (const auto& t : in.transfers) {
      if (!IsValidTransferState(t.state)) Fail("transfer State must be 1, 2 or 3");
      cwmp__QueuedTransferStruct o;
      o.CommandKey = Text(t.command_key, "CommandKey", kMaxCommandKey);
      o.State = std::to_string(t.state);
      out.TransferList.QueuedTransferStruct.push_back(std::move(o));
    }
    return out;
  }
  cwmp__GetAllQueuedTransfers Build(const GetAllQueuedTransfers&) { return {}; }
  cwmp__GetAllQueuedTransfersResponse Build(const GetAllQueuedTransfersResponse& in) {
    cwmp__GetAllQueuedTransfersResponse out;
    if (in.transfers.size() > 16) Fail("more than 16 queued transfers");
    out.TransferList.SOAP_ENC__arrayType = ArrayType("cwmp:AllQueuedTransferStruct", in.transfers.size());
    for (const auto& t : in.transfers) {
      if (!IsValidTransferState(t.state)) Fail("transfer State must be 1, 2 or 3");
      cwmp__AllQueuedTransferStruct o;
      o.CommandKey = Text(t.command_key, "CommandKey", kMaxCommandKey);
      o.State = std::to_string(t.state);
      o.IsDownload = Bool(t.is_download);
      o.FileType = Text(t.file_type, "FileType", 64);
      FileType(t.file_type, FileTypeList::kTransfer, "GetAllQueuedTransfersResponse");
      o.FileSize = std::to_string(t.file_size);
      o.TargetFileName = Text(t.target_file_name, "TargetFileName", 256);
      out.TransferList.AllQueuedTransferStruct.push_back(std::move(o));
    }
    return out;
  }

  // ---- software modules ----
  // Sets *slot to `value` when it is non-empty (or when `always`): absent elements are not sent.
  std::string* Keep(const std::string& value, std::string_view what, size_t max, bool always = false) {
    if (value.empty() && !always) return nullptr;
    kept_.push_back(std::make_unique<std::string>(Text(value, what, max)));
    return kept_.back().get();
  }
  cwmp__ChangeDUState Build(const ChangeDUState& in) {
    cwmp__ChangeDUState out;
    if (in.operations.empty()) Fail("ChangeDUState needs at least one operation");
    for (const auto& op : in.operations) {
      cwmp__OperationStruct o;
      switch (op.kind) {
        case DuOperation::Kind::kInstall:
          o.xsi__type = "cwmp:InstallOpStruct";
          if (op.url.empty()) Fail("Install operation without URL");
          if (!op.version.empty()) Fail("Install operation has no Version field");
          o.URL = Keep(op.url, "URL", 1024, true);
          o.UUID = Keep(op.uuid, "UUID", 36);
          o.Username = Keep(op.username, "Username", kMaxUsername);
          o.Password = Keep(op.password, "Password", kMaxPassword);
          o.ExecutionEnvRef = Keep(op.execution_env_ref, "ExecutionEnvRef", 256);
          break;
        case DuOperation::Kind::kUpdate:
          o.xsi__type = "cwmp:UpdateOpStruct";
          if (!op.execution_env_ref.empty()) Fail("Update operation has no ExecutionEnvRef field");
          o.UUID = Keep(op.uuid, "UUID", 36);
          o.Version = Keep(op.version, "Version", 32);
          o.URL_ = Keep(op.url, "URL", 1024);
          o.Username = Keep(op.username, "Username", kMaxUsername);
          o.Password = Keep(op.password, "Password", kMaxPassword);
          break;
        case DuOperation::Kind::kUninstall:
          o.xsi__type = "cwmp:UninstallOpStruct";
          if (op.uuid.empty()) Fail("Uninstall operation without UUID");
          if (!op.url.empty() || !op.username.empty() || !op.password.empty()) {
            Fail("Uninstall operation has no URL/Username/Password fields");
          }
          o.UUID = Keep(op.uuid, "UUID", 36, true);
          o.Version = Keep(op.version, "Version", 32);
          o.ExecutionEnvRef = Keep(op.execution_env_ref, "ExecutionEnvRef", 256);
          break;
      }
      out.Operations.push_back(std::move(o));
    }
    out.CommandKey = Text(in.command_key, "CommandKey", kMaxCommandKey);
    return out;
  }
  cwmp__ChangeDUStateResponse Build(const ChangeDUStateResponse&) { return {}; }

  // ---- CPE -> ACS reports ----
  cwmp__AutonomousTransferComplete Build(const AutonomousTransferComplete& in) {
    cwmp__AutonomousTransferComplete out;
    out.AnnounceURL = Text(in.announce_url, "AnnounceURL", 1024);
    out.TransferURL = Text(in.transfer_url, "TransferURL", 1024);
    out.IsDownload = Bool(in.is_download);
    out.FileType = Text(in.file_type, "FileType", 64);
    FileType(in.file_type, FileTypeList::kTransfer, "AutonomousTransferComplete");
    out.FileSize = std::to_string(in.file_size);
    out.TargetFileName = Text(in.target_file_name, "TargetFileName", 256);
    out.FaultStruct.FaultCode = std::to_string(in.fault.code);
    out.FaultStruct.FaultString = Text(in.fault.message, "FaultString", kMaxFaultString);
    Time(in.start_time, "StartTime");
    Time(in.complete_time, "CompleteTime");
    out.StartTime = in.start_time;
    out.CompleteTime = in.complete_time;
    return out;
  }
  cwmp__AutonomousTransferCompleteResponse Build(const AutonomousTransferCompleteResponse&) { return {}; }
  cwmp__RequestDownload Build(const RequestDownload& in) {
    cwmp__RequestDownload out;
    out.FileType = Text(in.file_type, "FileType", 64);
    FileType(in.file_type, FileTypeList::kDownload, "RequestDownload");
    if (in.args.size() > 16) Fail("more than 16 FileTypeArg entries");
    out.FileTypeArg.SOAP_ENC__arrayType = ArrayType("cwmp:ArgStruct", in.args.size());
    for (const auto& a : in.args) {
      cwmp__ArgStruct o;
      o.Name = Text(a.name, "ArgStruct Name", 64);
      o.Value = Text(a.value, "ArgStruct Value", 256);
      out.FileTypeArg.ArgStruct.push_back(std::move(o));
    }
    return out;
  }
  cwmp__RequestDownloadResponse Build(const RequestDownloadResponse&) { return {}; }
  std::vector<cwmp__OpResultStruct> Results(const std::vector<OpResult>& in, bool autonomous) {
    std::vector<cwmp__OpResultStruct> out;
    if (in.empty()) Fail("at least one result is required");
    for (const auto& r : in) {
      cwmp__OpResultStruct o;
      o.UUID = Text(r.uuid, "UUID", 36);
      o.DeploymentUnitRef = Text(r.deployment_unit_ref, "DeploymentUnitRef");
      o.Version = Text(r.version, "Version", 32);
      if (!IsValidDeploymentUnitState(r.current_state)) Fail("CurrentState must be Installed, Uninstalled or Failed");
      o.CurrentState = r.current_state;
      o.Resolved = Bool(r.resolved);
      o.ExecutionUnitRefList = Text(r.execution_unit_ref_list, "ExecutionUnitRefList");
      Time(r.start_time, "StartTime");
      Time(r.complete_time, "CompleteTime");
      o.StartTime = r.start_time;
      o.CompleteTime = r.complete_time;
      o.Fault.FaultCode = std::to_string(r.fault.code);
      o.Fault.FaultString = Text(r.fault.message, "FaultString");
      if (autonomous) {
        if (r.operation_performed != "Install" && r.operation_performed != "Update" && r.operation_performed != "Uninstall") {
          Fail("OperationPerformed must be Install, Update or Uninstall");
        }
        o.OperationPerformed = Keep(r.operation_performed, "OperationPerformed", 16, true);
      } else if (!r.operation_performed.empty()) {
        Fail("OperationPerformed belongs to AutonomousDUStateChangeComplete only");
      }
      out.push_back(std::move(o));
    }
    return out;
  }
  cwmp__DUStateChangeComplete Build(const DUStateChangeComplete& in) {
    cwmp__DUStateChangeComplete out;
    out.Results = Results(in.results, false);
    out.CommandKey = Text(in.command_key, "CommandKey", kMaxCommandKey);
    return out;
  }
  cwmp__DUStateChangeCompleteResponse Build(const DUStateChangeCompleteResponse&) { return {}; }
  cwmp__AutonomousDUStateChangeComplete Build(const AutonomousDUStateChangeComplete& in) {
    cwmp__AutonomousDUStateChangeComplete out;
    out.Results = Results(in.results, true);
    return out;
  }
  cwmp__AutonomousDUStateChangeCompleteResponse Build(const AutonomousDUStateChangeCompleteResponse&) { return {}; }
  cwmp__Kicked Build(const Kicked& in) {
    cwmp__Kicked out;
    out.Command = Text(in.command, "Command", 32);
    out.Referer = Text(in.referer, "Referer", 64);
    out.Arg = Text(in.arg, "Arg", 256);
    out.Next = Text(in.next, "Next", 1024);
    return out;
  }
  cwmp__KickedResponse Build(const KickedResponse& in) {
    cwmp__KickedResponse out;
    out.NextURL = Text(in.next_url, "NextURL", 1024);
    return out;
  }

 private:
  std::optional<Error> error_;
  std::vector<std::unique_ptr<std::string>> kept_;  // strings the gSOAP structs point to
};

// SoapOut(s, tag, &value): the generated serializer of each body type, by overload.
#define RURU_SOAP_OUT(name)                                                        \
  [[maybe_unused]] int SoapOut(struct soap* s, const char* tag, const cwmp__##name* v) { \
    return soap_out_cwmp__##name(s, tag, -1, v, nullptr);                          \
  }
RURU_CWMP_RPCS(RURU_SOAP_OUT)
#undef RURU_SOAP_OUT
int SoapOut(struct soap* s, const char* tag, const cwmp__SoapFault* v) {
  return soap_out_cwmp__SoapFault(s, tag, -1, v, nullptr);
}

}  // namespace

Result<std::string> Encode(const Envelope& env) {
  if (std::holds_alternative<Empty>(env.body)) return std::string();

  struct soap* s = ThreadSoap();
  SoapScope scope(s);
  switch (OutputNamespace(env.ns)) {
    case Namespace::kCwmp10: soap_set_namespaces(s, kOut10); break;
    case Namespace::kCwmp11: soap_set_namespaces(s, kOut11); break;
    default: soap_set_namespaces(s, kOut12); break;
  }
  s->encodingStyle = nullptr;  // literal: no SOAP-ENV:encodingStyle, no xsi:type noise

  Encoder enc;
  SOAP_ENV__Header header;
  soap_default_SOAP_ENV__Header(s, &header);
  std::string id = enc.Text(env.id, "cwmp:ID"), hold = "1";
  if (!env.id.empty()) header.cwmp__ID = &id;
  if (env.hold_requests) header.cwmp__HoldRequests = &hold;
  std::string no_more;
  if (env.no_more_requests) {
    no_more = *env.no_more_requests ? "1" : "0";
    header.cwmp__NoMoreRequests = &no_more;
  }
  std::string session_timeout, supported, use_version;
  if (env.session_timeout) {
    session_timeout = std::to_string(*env.session_timeout);
    header.cwmp__SessionTimeout = &session_timeout;
  }
  if (env.supported_cwmp_versions) {
    supported = enc.Text(*env.supported_cwmp_versions, "SupportedCWMPVersions", 64);
    header.cwmp__SupportedCWMPVersions = &supported;
  }
  if (env.use_cwmp_version) {
    use_version = enc.Text(*env.use_cwmp_version, "UseCWMPVersion", 16);
    header.cwmp__UseCWMPVersion = &use_version;
  }
  const bool has_header = header.cwmp__ID || header.cwmp__HoldRequests || header.cwmp__NoMoreRequests ||
                          header.cwmp__SessionTimeout || header.cwmp__SupportedCWMPVersions ||
                          header.cwmp__UseCWMPVersion;
  s->header = has_header ? &header : nullptr;

  std::string out;
  out.reserve(1024);
  s->user = &out;
  s->fsend = SendToString;

  // Builds the gSOAP value, then serializes header + body. Returns the gSOAP error, if any.
  std::function<int()> write_body;
  std::string tag = "cwmp:" + std::string(RpcName(env.body));
  auto emit = [&](auto&& value) {
    write_body = [s, &tag, v = std::move(value)]() { return SoapOut(s, tag.c_str(), &v); };
  };

  std::visit(
      [&](const auto& body) {
        using B = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<B, Empty>) {
        } else if constexpr (std::is_same_v<B, Fault>) {
          cwmp__SoapFault f;
          // The model value carries no prefix (messages.h); anything else, "SOAP-ENV:Client" included,
          // is refused rather than rewritten so that Encode never silently changes a field.
          const std::string_view code = body.faultcode;
          if (code != "Client" && code != "Server") enc.Fail("faultcode must be Client or Server (no prefix)");
          f.faultcode = "SOAP-ENV:" + std::string(code);
          f.faultstring = enc.Text(body.faultstring, "faultstring");
          auto* detail = soap_new_cwmp__FaultDetail(s);
          detail->cwmp__Fault_ = soap_new_cwmp__Fault(s);
          detail->cwmp__Fault_->FaultCode = std::to_string(body.code);
          detail->cwmp__Fault_->FaultString = enc.Text(body.message, "FaultString");
          for (const auto& p : body.set_parameter_values_faults) {
            cwmp__SetParameterValuesFault spf;
            spf.ParameterName = enc.Text(p.parameter_name, "ParameterName");
            spf.FaultCode = std::to_string(p.code);
            spf.FaultString = enc.Text(p.message, "FaultString");
            detail->cwmp__Fault_->SetParameterValuesFault.push_back(std::move(spf));
          }
          f.detail = detail;
          tag = "SOAP-ENV:Fault";
          emit(std::move(f));
        } else {
          emit(enc.Build(body));
        }
      },
      env.body);
  if (enc.error()) return *enc.error();

  if (soap_begin_send(s) || soap_envelope_begin_out(s) || soap_putheader(s) || soap_body_begin_out(s) ||
      write_body() || soap_body_end_out(s) || soap_envelope_end_out(s) || soap_end_send(s)) {
    return Internal("gSOAP failed to serialize the message (error " + std::to_string(s->error) + ")");
  }
  return out;
}

}  // namespace ruru::cwmp
