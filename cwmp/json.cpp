// The JSON mapping of the message model. Each struct has one Fields() function listing its JSON
// keys and members; the same list drives writing and reading, so the two directions cannot drift
// apart, and a Body type without one fails to compile (static_asserts in ToJson and ReadBodyAs).
#include "cwmp/json.h"

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace ruru::cwmp {
namespace {

template <typename T, typename U>
concept Is = std::same_as<std::remove_const_t<T>, U>;

// ---- Field lists ---------------------------------------------------------------------------
// Keys in output order. The visitor `f` offers:
//   f(key, member)            optional on input: an absent key keeps the struct's default
//   f.Required(key, member)   must be present on input
//   f.OutputOnly(key, value)  derived: written when non-empty; on input accepted (a string), ignored
// Leaf types (string, bool, integers, EventCode, ValueType, Namespace) map to JSON scalars below;
// vectors map to arrays, anything with Fields() to an object.

void Fields(auto& f, Is<DeviceId> auto& m) {
  f("manufacturer", m.manufacturer);
  f("oui", m.oui);
  f("product_class", m.product_class);
  f("serial_number", m.serial_number);
}
void Fields(auto& f, Is<EventStruct> auto& m) {
  f.Required("code", m.code);
  f("command_key", m.command_key);
}
// Flattened: {"name", "type", "value"} reads better than a nested value object.
void Fields(auto& f, Is<ParameterValueStruct> auto& m) {
  f.Required("name", m.name);
  f("type", m.value.type);
  f("value", m.value.text);
}
void Fields(auto& f, Is<ParameterInfo> auto& m) {
  f.Required("name", m.name);
  f("writable", m.writable);
}
void Fields(auto& f, Is<TransferFault> auto& m) {
  f("code", m.code);
  f("message", m.message);
}
void Fields(auto& f, Is<SetParameterValuesFault> auto& m) {
  f.Required("parameter_name", m.parameter_name);
  f("code", m.code);
  f("message", m.message);
}

// ---- Bodies: one Fields() per alternative of Body --------------------------------------------
void Fields(auto&, Is<Empty> auto&) {}
void Fields(auto& f, Is<Inform> auto& m) {
  f("device_id", m.device_id);
  f("events", m.events);
  f("max_envelopes", m.max_envelopes);
  f("current_time", m.current_time);
  f("retry_count", m.retry_count);
  f("parameters", m.parameters);
}
void Fields(auto& f, Is<InformResponse> auto& m) { f("max_envelopes", m.max_envelopes); }
void Fields(auto& f, Is<TransferComplete> auto& m) {
  f("command_key", m.command_key);
  f("fault", m.fault);
  f("start_time", m.start_time);
  f("complete_time", m.complete_time);
}
void Fields(auto&, Is<TransferCompleteResponse> auto&) {}
void Fields(auto&, Is<GetRPCMethods> auto&) {}
void Fields(auto& f, Is<GetRPCMethodsResponse> auto& m) { f("methods", m.methods); }
void Fields(auto& f, Is<GetParameterNames> auto& m) {
  f("parameter_path", m.parameter_path);
  f("next_level", m.next_level);
}
void Fields(auto& f, Is<GetParameterNamesResponse> auto& m) { f("parameters", m.parameters); }
void Fields(auto& f, Is<GetParameterValues> auto& m) { f("names", m.names); }
void Fields(auto& f, Is<GetParameterValuesResponse> auto& m) { f("parameters", m.parameters); }
void Fields(auto& f, Is<SetParameterValues> auto& m) {
  f("parameters", m.parameters);
  f("parameter_key", m.parameter_key);
}
void Fields(auto& f, Is<SetParameterValuesResponse> auto& m) { f("status", m.status); }
void Fields(auto& f, Is<Fault> auto& m) {
  f("faultcode", m.faultcode);
  f("faultstring", m.faultstring);
  f("code", m.code);
  f("message", m.message);
  f.OutputOnly("standard_text", StandardFaultText(m.code));  // for humans reading a capture
  f("set_parameter_values_faults", m.set_parameter_values_faults);
}

// ---- Structures of the remaining RPCs ------------------------------------------------------
void Fields(auto& f, Is<ParameterAttribute> auto& m) {
  f.Required("name", m.name);
  f("notification", m.notification);
  f("access_list", m.access_list);
}
void Fields(auto& f, Is<SetParameterAttributesStruct> auto& m) {
  f.Required("name", m.name);
  f("notification_change", m.notification_change);
  f("notification", m.notification);
  f("access_list_change", m.access_list_change);
  f("access_list", m.access_list);
}
void Fields(auto& f, Is<TimeWindow> auto& m) {
  f("window_start", m.window_start);
  f("window_end", m.window_end);
  f("window_mode", m.window_mode);
  f("user_message", m.user_message);
  f("max_retries", m.max_retries);
}
void Fields(auto& f, Is<QueuedTransfer> auto& m) {
  f("command_key", m.command_key);
  f("state", m.state);
}
void Fields(auto& f, Is<AllQueuedTransfer> auto& m) {
  f("command_key", m.command_key);
  f("state", m.state);
  f("is_download", m.is_download);
  f("file_type", m.file_type);
  f("file_size", m.file_size);
  f("target_file_name", m.target_file_name);
}
void Fields(auto& f, Is<DuOperation> auto& m) {
  f.Required("operation", m.kind);
  f("url", m.url);
  f("uuid", m.uuid);
  f("username", m.username);
  f("password", m.password);
  f("execution_env_ref", m.execution_env_ref);
  f("version", m.version);
}
void Fields(auto& f, Is<FileTypeArg> auto& m) {
  f.Required("name", m.name);
  f("value", m.value);
}
void Fields(auto& f, Is<OpResult> auto& m) {
  f("uuid", m.uuid);
  f("deployment_unit_ref", m.deployment_unit_ref);
  f("version", m.version);
  f("current_state", m.current_state);
  f("resolved", m.resolved);
  f("execution_unit_ref_list", m.execution_unit_ref_list);
  f("start_time", m.start_time);
  f("complete_time", m.complete_time);
  f("fault", m.fault);
  f("operation_performed", m.operation_performed);
}

// ---- Bodies of the remaining RPCs ------------------------------------------------------------
void Fields(auto& f, Is<GetParameterAttributes> auto& m) { f("names", m.names); }
void Fields(auto& f, Is<GetParameterAttributesResponse> auto& m) { f("parameters", m.parameters); }
void Fields(auto& f, Is<SetParameterAttributes> auto& m) { f("parameters", m.parameters); }
void Fields(auto&, Is<SetParameterAttributesResponse> auto&) {}
void Fields(auto& f, Is<AddObject> auto& m) {
  f("object_name", m.object_name);
  f("parameter_key", m.parameter_key);
}
void Fields(auto& f, Is<AddObjectResponse> auto& m) {
  f("instance_number", m.instance_number);
  f("status", m.status);
}
void Fields(auto& f, Is<DeleteObject> auto& m) {
  f("object_name", m.object_name);
  f("parameter_key", m.parameter_key);
}
void Fields(auto& f, Is<DeleteObjectResponse> auto& m) { f("status", m.status); }
void Fields(auto& f, Is<Reboot> auto& m) { f("command_key", m.command_key); }
void Fields(auto&, Is<RebootResponse> auto&) {}
void Fields(auto&, Is<FactoryReset> auto&) {}
void Fields(auto&, Is<FactoryResetResponse> auto&) {}
void Fields(auto& f, Is<ScheduleInform> auto& m) {
  f("delay_seconds", m.delay_seconds);
  f("command_key", m.command_key);
}
void Fields(auto&, Is<ScheduleInformResponse> auto&) {}
// The leading fields Download, Upload and ScheduleDownload share.
void TransferFields(auto& f, auto& m) {
  f("command_key", m.command_key);
  f("file_type", m.file_type);
  f("url", m.url);
  f("username", m.username);
  f("password", m.password);
}
void Fields(auto& f, Is<Download> auto& m) {
  TransferFields(f, m);
  f("file_size", m.file_size);
  f("target_file_name", m.target_file_name);
  f("delay_seconds", m.delay_seconds);
  f("success_url", m.success_url);
  f("failure_url", m.failure_url);
}
template <typename T>
  requires Is<T, DownloadResponse> || Is<T, UploadResponse>
void Fields(auto& f, T& m) {
  f("status", m.status);
  f("start_time", m.start_time);
  f("complete_time", m.complete_time);
}
void Fields(auto& f, Is<Upload> auto& m) {
  TransferFields(f, m);
  f("delay_seconds", m.delay_seconds);
}
void Fields(auto& f, Is<ScheduleDownload> auto& m) {
  TransferFields(f, m);
  f("file_size", m.file_size);
  f("target_file_name", m.target_file_name);
  f("time_windows", m.time_windows);
}
void Fields(auto&, Is<ScheduleDownloadResponse> auto&) {}
void Fields(auto& f, Is<CancelTransfer> auto& m) { f("command_key", m.command_key); }
void Fields(auto&, Is<CancelTransferResponse> auto&) {}
void Fields(auto&, Is<GetQueuedTransfers> auto&) {}
void Fields(auto& f, Is<GetQueuedTransfersResponse> auto& m) { f("transfers", m.transfers); }
void Fields(auto&, Is<GetAllQueuedTransfers> auto&) {}
void Fields(auto& f, Is<GetAllQueuedTransfersResponse> auto& m) { f("transfers", m.transfers); }
void Fields(auto& f, Is<ChangeDUState> auto& m) {
  f("operations", m.operations);
  f("command_key", m.command_key);
}
void Fields(auto&, Is<ChangeDUStateResponse> auto&) {}
void Fields(auto& f, Is<AutonomousTransferComplete> auto& m) {
  f("announce_url", m.announce_url);
  f("transfer_url", m.transfer_url);
  f("is_download", m.is_download);
  f("file_type", m.file_type);
  f("file_size", m.file_size);
  f("target_file_name", m.target_file_name);
  f("fault", m.fault);
  f("start_time", m.start_time);
  f("complete_time", m.complete_time);
}
void Fields(auto&, Is<AutonomousTransferCompleteResponse> auto&) {}
void Fields(auto& f, Is<RequestDownload> auto& m) {
  f("file_type", m.file_type);
  f("args", m.args);
}
void Fields(auto&, Is<RequestDownloadResponse> auto&) {}
void Fields(auto& f, Is<DUStateChangeComplete> auto& m) {
  f("results", m.results);
  f("command_key", m.command_key);
}
void Fields(auto&, Is<DUStateChangeCompleteResponse> auto&) {}
void Fields(auto& f, Is<AutonomousDUStateChangeComplete> auto& m) { f("results", m.results); }
void Fields(auto&, Is<AutonomousDUStateChangeCompleteResponse> auto&) {}
void Fields(auto& f, Is<Kicked> auto& m) {
  f("command", m.command);
  f("referer", m.referer);
  f("arg", m.arg);
  f("next", m.next);
}
void Fields(auto& f, Is<KickedResponse> auto& m) { f("next_url", m.next_url); }

// ---- The envelope: SOAP header fields; "rpc" and "body" are added around them ----------------
// Optional header fields (std::optional) are written only when set.
void HeaderFields(auto& f, Is<Envelope> auto& m) {
  f("namespace", m.ns);
  f("id", m.id);
  f("hold_requests", m.hold_requests);
  f("no_more_requests", m.no_more_requests);
  f("session_timeout", m.session_timeout);
  f("supported_cwmp_versions", m.supported_cwmp_versions);
  f("use_cwmp_version", m.use_cwmp_version);
}
// Names every member of Envelope, so a field added there fails to compile here until
// HeaderFields() maps it ("body" is handled by ToJson and ReadEnvelope).
[[maybe_unused]] void AllEnvelopeMembersAreMapped(const Envelope& e) {
  [[maybe_unused]] const auto& [ns, id, hold_requests, no_more_requests, session_timeout, supported_cwmp_versions,
                                use_cwmp_version, body] = e;
}

class FieldWriter;
template <typename T>
concept HasFields = requires(FieldWriter& f, const T& m) {
  Fields(f, m);
};

// ---- Small helpers for one-line error messages ----------------------------------------------
// JSON-quoted (so a control character cannot break the line) and clipped.
std::string Quote(std::string_view s, size_t max = 64) {
  std::string out = Json(std::string(s.substr(0, max))).dump(-1, ' ', false, Json::error_handler_t::replace);
  if (s.size() > max) out += "...";
  return out;
}

// "an object", "an array", or the scalar itself ("42", "\"abc\"", "null").
std::string Describe(const Json& j) {
  if (j.is_object()) return "an object";
  if (j.is_array()) return "an array";
  if (j.is_string()) return Quote(j.get_ref<const std::string&>(), 40);
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string JoinKeys(const std::vector<std::string_view>& keys) {
  if (keys.empty()) return "no keys";
  std::string out;
  for (const auto& k : keys) out += (out.empty() ? "" : ", ") + std::string(k);
  return out;
}

std::string ChildPath(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

// ---- Writing -------------------------------------------------------------------------------
Json Write(const std::string& s) { return s; }
Json Write(bool b) { return b; }
Json Write(uint32_t v) { return v; }
Json Write(int v) { return v; }
Json Write(const EventCode& code) { return code.text; }
Json Write(ValueType type) { return "xsd:" + std::string(ValueTypeName(type)); }
Json Write(Namespace ns) { return std::string(NamespaceUri(ns)); }
constexpr std::pair<DuOperation::Kind, std::string_view> kDuKinds[] = {
    {DuOperation::Kind::kInstall, "Install"}, {DuOperation::Kind::kUpdate, "Update"},
    {DuOperation::Kind::kUninstall, "Uninstall"}};
Json Write(DuOperation::Kind kind) {
  for (const auto& [k, name] : kDuKinds) {
    if (k == kind) return std::string(name);
  }
  return "Install";
}
template <typename T>
Json Write(const std::vector<T>& items);
template <HasFields T>
Json Write(const T& m);

class FieldWriter {
 public:
  explicit FieldWriter(Json& object) : object_(object) {}
  template <typename T>
  void operator()(const char* key, const T& member) {
    object_[key] = Write(member);
  }
  template <typename T>
  void operator()(const char* key, const std::optional<T>& member) {
    if (member) object_[key] = Write(*member);
  }
  template <typename T>
  void Required(const char* key, const T& member) {
    object_[key] = Write(member);
  }
  void OutputOnly(const char* key, std::string_view value) {
    if (!value.empty()) object_[key] = std::string(value);
  }

 private:
  Json& object_;
};

template <typename T>
Json Write(const std::vector<T>& items) {
  Json out = Json::array();
  for (const T& item : items) out.push_back(Write(item));
  return out;
}

template <HasFields T>
Json Write(const T& m) {
  Json out = Json::object();
  FieldWriter f(out);
  Fields(f, m);
  return out;
}

// ---- Reading -------------------------------------------------------------------------------
// Keeps the first error; reading may go on after it, but its result is discarded.
class Reader {
 public:
  bool failed() const { return error_.has_value(); }
  void Fail(const std::string& path, const std::string& message) {
    if (!error_) error_ = InvalidArgument(path.empty() ? message : path + ": " + message);
  }
  const Error& error() const { return *error_; }

 private:
  std::optional<Error> error_;
};

void Read(Reader& r, const Json& j, const std::string& path, std::string& out) {
  if (!j.is_string()) return r.Fail(path, "expected a string, got " + Describe(j));
  out = j.get_ref<const std::string&>();
}

void Read(Reader& r, const Json& j, const std::string& path, bool& out) {
  if (!j.is_boolean()) return r.Fail(path, "expected true or false, got " + Describe(j));
  out = j.get<bool>();
}

// A JSON integer within [min, max]; 1.0 and "1" are not integers.
std::optional<int64_t> ReadInteger(Reader& r, const Json& j, const std::string& path, int64_t min, int64_t max) {
  if (!j.is_number_integer()) {
    r.Fail(path, "expected an integer, got " + Describe(j));
    return std::nullopt;
  }
  const bool in_range = j.is_number_unsigned() ? j.get<uint64_t>() <= static_cast<uint64_t>(max)
                                               : j.get<int64_t>() >= min && j.get<int64_t>() <= max;
  if (!in_range) {
    r.Fail(path, Describe(j) + " is out of range " + std::to_string(min) + ".." + std::to_string(max));
    return std::nullopt;
  }
  return j.get<int64_t>();
}

void Read(Reader& r, const Json& j, const std::string& path, uint32_t& out) {
  if (auto v = ReadInteger(r, j, path, 0, std::numeric_limits<uint32_t>::max())) out = static_cast<uint32_t>(*v);
}

void Read(Reader& r, const Json& j, const std::string& path, int& out) {
  if (auto v = ReadInteger(r, j, path, std::numeric_limits<int>::min(), std::numeric_limits<int>::max())) {
    out = static_cast<int>(*v);
  }
}

void Read(Reader& r, const Json& j, const std::string& path, EventCode& out) {
  std::string text;
  Read(r, j, path, text);
  if (!r.failed()) out = EventCode::FromText(std::move(text));
}

constexpr ValueType kValueTypes[] = {
    ValueType::kString,  ValueType::kInt,      ValueType::kUnsignedInt, ValueType::kLong,      ValueType::kUnsignedLong,
    ValueType::kBoolean, ValueType::kDateTime, ValueType::kBase64,      ValueType::kHexBinary, ValueType::kAny,
};

// Stricter than ValueTypeFromXsi, which maps every unknown name to kAny: here an unknown name is
// more likely a typo ("xsd:unsignedint") than a deliberate choice.
void Read(Reader& r, const Json& j, const std::string& path, ValueType& out) {
  std::string text;
  Read(r, j, path, text);
  if (r.failed()) return;
  std::string_view name = text;
  if (name.starts_with("xsd:")) name.remove_prefix(4);
  if (name == "base64Binary") name = "base64";  // the XML Schema spelling
  for (ValueType t : kValueTypes) {
    if (name == ValueTypeName(t)) {
      out = t;
      return;
    }
  }
  std::string expected;
  for (ValueType t : kValueTypes) expected += (expected.empty() ? "" : ", ") + std::string(ValueTypeName(t));
  r.Fail(path, "unknown type " + Quote(text) + " (expected one of " + expected + ", with or without \"xsd:\")");
}

void Read(Reader& r, const Json& j, const std::string& path, Namespace& out) {
  std::string text;
  Read(r, j, path, text);
  if (r.failed()) return;
  for (const std::string prefix : {"", "urn:dslforum-org:", "urn:dslforum-org:cwmp-"}) {
    if (auto ns = NamespaceFromUri(prefix + text)) {
      out = *ns;
      return;
    }
  }
  r.Fail(path, "unknown CWMP namespace " + Quote(text) +
                   " (expected \"urn:dslforum-org:cwmp-1-0\" ... \"cwmp-1-4\", or short \"cwmp-1-0\" or \"1-0\")");
}

void Read(Reader& r, const Json& j, const std::string& path, DuOperation::Kind& out) {
  std::string text;
  Read(r, j, path, text);
  if (r.failed()) return;
  for (const auto& [k, name] : kDuKinds) {
    if (name == text) {
      out = k;
      return;
    }
  }
  r.Fail(path, "unknown operation " + Quote(text) + " (expected Install, Update or Uninstall)");
}

template <typename T>
void Read(Reader& r, const Json& j, const std::string& path, std::optional<T>& out) {
  T value{};
  Read(r, j, path, value);
  if (!r.failed()) out = std::move(value);
}

template <typename T>
void Read(Reader& r, const Json& j, const std::string& path, std::vector<T>& out);
template <HasFields T>
void Read(Reader& r, const Json& j, const std::string& path, T& out);

// Reads `key` of `object` (already known to be an object) into `member` if present.
template <typename T>
void ReadKey(Reader& r, const Json& object, const std::string& path, std::string_view key, T& member, bool required) {
  const auto it = object.find(key);
  if (it != object.end()) {
    Read(r, *it, ChildPath(path, key), member);
  } else if (required) {
    r.Fail(ChildPath(path, key), "missing required key");
  }
}

void RejectUnknownKeys(Reader& r, const Json& object, const std::string& path,
                       const std::vector<std::string_view>& known) {
  for (const auto& [key, value] : object.items()) {
    bool found = false;
    for (const auto& k : known) found = found || k == key;
    if (!found) {
      r.Fail(path, "unknown key " + Quote(key) + " (expected " + JoinKeys(known) + ")");
      return;
    }
  }
}

class KeyCollector {
 public:
  template <typename T>
  void operator()(const char* key, const T&) {
    keys.push_back(key);
  }
  template <typename T>
  void Required(const char* key, const T&) {
    keys.push_back(key);
  }
  void OutputOnly(const char* key, std::string_view) { keys.push_back(key); }

  std::vector<std::string_view> keys;
};

class FieldReader {
 public:
  FieldReader(Reader& r, const Json& object, const std::string& path) : r_(r), object_(object), path_(path) {}
  template <typename T>
  void operator()(const char* key, T& member) {
    ReadKey(r_, object_, path_, key, member, false);
  }
  template <typename T>
  void Required(const char* key, T& member) {
    ReadKey(r_, object_, path_, key, member, true);
  }
  void OutputOnly(const char* key, std::string_view) {
    std::string ignored;
    ReadKey(r_, object_, path_, key, ignored, false);
  }

 private:
  Reader& r_;
  const Json& object_;
  const std::string& path_;
};

template <typename T>
void Read(Reader& r, const Json& j, const std::string& path, std::vector<T>& out) {
  if (!j.is_array()) return r.Fail(path, "expected an array, got " + Describe(j));
  out.clear();
  out.reserve(j.size());
  for (size_t i = 0; i < j.size() && !r.failed(); ++i) {
    T item{};
    Read(r, j[i], path + "[" + std::to_string(i) + "]", item);
    out.push_back(std::move(item));
  }
}

template <HasFields T>
void Read(Reader& r, const Json& j, const std::string& path, T& out) {
  if (!j.is_object()) return r.Fail(path, "expected an object, got " + Describe(j));
  // Unknown keys first: {"nmae": ...} should say "unknown key", not "name: missing required key".
  KeyCollector keys;
  Fields(keys, out);
  RejectUnknownKeys(r, j, path, keys.keys);
  if (r.failed()) return;
  FieldReader f(r, j, path);
  Fields(f, out);
}

// Reads `body` as the alternative of Body whose RpcName() is `rpc`. False when none is.
template <typename T>
bool ReadBodyAs(Reader& r, std::string_view rpc, const Json& body, Body& out) {
  static_assert(HasFields<T>, "cwmp/json.cpp: add a Fields() overload for the new Body type");
  if (RpcName(Body(std::in_place_type<T>)) != rpc) return false;
  T value{};
  Read(r, body, "body", value);
  out = std::move(value);
  return true;
}

template <typename... T>
bool ReadBody(Reader& r, std::string_view rpc, const Json& body, Body& out, const std::variant<T...>*) {
  return (ReadBodyAs<T>(r, rpc, body, out) || ...);
}

Result<Envelope> ReadEnvelope(const Json& json) {
  if (!json.is_object()) return InvalidArgument("expected a JSON object at the top level, got " + Describe(json));
  Envelope env;
  Reader r;
  const std::string top;
  KeyCollector keys;
  HeaderFields(keys, env);
  keys.keys.insert(keys.keys.end(), {"rpc", "body", "warnings"});
  RejectUnknownKeys(r, json, top, keys.keys);
  if (r.failed()) return r.error();
  FieldReader header(r, json, top);
  HeaderFields(header, env);
  std::vector<std::string> warnings;  // output of ToJson(Decoded): checked, then ignored
  ReadKey(r, json, top, "warnings", warnings, false);
  std::string rpc;
  ReadKey(r, json, top, "rpc", rpc, true);
  if (r.failed()) return r.error();

  static const Json kNoBody = Json::object();
  const auto it = json.find("body");
  const Json& body = it != json.end() ? *it : kNoBody;
  if (!ReadBody(r, rpc, body, env.body, static_cast<const Body*>(nullptr))) {
    return InvalidArgument("rpc: unknown or unsupported RPC " + Quote(rpc));
  }
  if (r.failed()) return r.error();
  return env;
}

// "[json.exception.parse_error.101] parse error at line 1, ..." -> "parse error at line 1, ...".
std::string WithoutExceptionId(const char* what) {
  std::string_view s = what;
  if (s.starts_with("[json.exception.")) {
    if (const size_t end = s.find("] "); end != std::string_view::npos) s.remove_prefix(end + 2);
  }
  return std::string(s);
}

}  // namespace

Json ToJson(const Envelope& envelope) {
  Json out = Json::object();
  FieldWriter header(out);
  HeaderFields(header, envelope);
  out["rpc"] = std::string(RpcName(envelope.body));
  out["body"] = std::visit(
      [](const auto& body) {
        using T = std::decay_t<decltype(body)>;
        static_assert(HasFields<T>, "cwmp/json.cpp: add a Fields() overload for the new Body type");
        return Write(body);
      },
      envelope.body);
  return out;
}

Json ToJson(const Decoded& decoded) {
  Json out = ToJson(decoded.envelope);
  out["warnings"] = decoded.warnings;
  return out;
}

Result<Envelope> EnvelopeFromJson(const Json& json) {
  // Every access above checks the type first; this only guards against a mistake there.
  try {
    return ReadEnvelope(json);
  } catch (const Json::exception& e) {
    return InvalidArgument("invalid JSON message: " + WithoutExceptionId(e.what()));
  }
}

Result<Envelope> EnvelopeFromJsonText(std::string_view text) {
  // nlohmann keeps the last of duplicate keys without a word; in hand-edited input a duplicate is
  // a mistake worth reporting. One set of keys per open object.
  std::vector<std::set<std::string>> open_objects;
  std::optional<std::string> duplicate;
  auto track_keys = [&](int /*depth*/, Json::parse_event_t event, Json& parsed) {
    if (event == Json::parse_event_t::object_start) {
      open_objects.emplace_back();
    } else if (event == Json::parse_event_t::object_end) {
      open_objects.pop_back();
    } else if (event == Json::parse_event_t::key) {
      if (!open_objects.back().insert(parsed.get<std::string>()).second && !duplicate) {
        duplicate = parsed.get<std::string>();
      }
    }
    return true;
  };
  Json json;
  try {
    json = Json::parse(text, track_keys);
  } catch (const Json::exception& e) {
    return InvalidArgument("invalid JSON: " + WithoutExceptionId(e.what()));
  }
  if (duplicate) return InvalidArgument("invalid JSON: duplicate key " + Quote(*duplicate) + " in an object");
  return EnvelopeFromJson(json);
}

}  // namespace ruru::cwmp
