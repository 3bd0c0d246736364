// Vocabulary types of CWMP: namespaces, typed parameter values, parameter paths, event codes and
// fault codes. Pure values; no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace ruru::cwmp {

// The XML namespace a peer used. The schemas define three: cwmp-1-0, -1-1 and -1-2 (CWMP 1.3 and
// 1.4 keep cwmp-1-2). Some stacks send cwmp-1-3 / cwmp-1-4: accepted on input, never sent.
// A namespace is not a protocol version; version negotiation is a separate step.
enum class Namespace { kCwmp10, kCwmp11, kCwmp12, kCwmp13, kCwmp14 };

// "urn:dslforum-org:cwmp-1-0" and so on.
std::string_view NamespaceUri(Namespace ns);
// Exact match on one of the five URIs; nullopt otherwise.
std::optional<Namespace> NamespaceFromUri(std::string_view uri);
// The namespace to answer in: cwmp-1-3/1-4 are mapped to cwmp-1-2, the others unchanged.
Namespace OutputNamespace(Namespace ns);

// ---- Parameter values ----------------------------------------------------------------------
enum class ValueType {
  kString,        // xsd:string, and the type of a value sent without xsi:type
  kInt,           // xsd:int (32-bit)
  kUnsignedInt,   // xsd:unsignedInt
  kLong,          // xsd:long (64-bit)
  kUnsignedLong,  // xsd:unsignedLong
  kBoolean,       // xsd:boolean
  kDateTime,      // xsd:dateTime
  kBase64,        // xsd:base64Binary (also SOAP-ENC:base64)
  kHexBinary,     // xsd:hexBinary
  kAny,           // any other xsi:type (kept as text, reported as a warning)
};

// "string", "int", ... (the xsd local name; "anySimpleType" for kAny).
std::string_view ValueTypeName(ValueType type);
// Parses "xsd:int" / "int" (prefix ignored; SOAP-ENC:base64 is base64). Unknown names give kAny.
ValueType ValueTypeFromXsi(std::string_view xsi_type);

// A parameter value as sent on the wire: its xsi:type and its lexical text (kept verbatim, so a
// round trip is lossless). Accessors check the lexical form against the type.
struct ParameterValue {
  ValueType type = ValueType::kString;
  std::string text;

  static ParameterValue String(std::string s) { return {ValueType::kString, std::move(s)}; }
  static ParameterValue Int(int32_t v) { return {ValueType::kInt, std::to_string(v)}; }
  static ParameterValue UnsignedInt(uint32_t v) { return {ValueType::kUnsignedInt, std::to_string(v)}; }
  static ParameterValue Long(int64_t v) { return {ValueType::kLong, std::to_string(v)}; }
  static ParameterValue UnsignedLong(uint64_t v) { return {ValueType::kUnsignedLong, std::to_string(v)}; }
  static ParameterValue Boolean(bool v) { return {ValueType::kBoolean, v ? "true" : "false"}; }
  static ParameterValue DateTime(std::string s) { return {ValueType::kDateTime, std::move(s)}; }

  // Signed integer value of an int/long (or unsigned types within range). Error if not numeric.
  Result<int64_t> AsInt64() const;
  // Unsigned value of an unsignedInt/unsignedLong (or a non-negative int/long).
  Result<uint64_t> AsUint64() const;
  // "true"/"false"/"1"/"0" (case-insensitive, as some CPEs send "True").
  Result<bool> AsBool() const;
  // Empty when the text is valid for the type, else a one-line reason.
  std::optional<std::string> Validate() const;

  bool operator==(const ParameterValue&) const = default;
};

// Lexical checks shared by the codec.
bool IsValidDateTime(std::string_view s);  // xsd:dateTime, e.g. 2026-11-28T03:18:45.917Z
Result<bool> ParseBoolean(std::string_view s);
Result<uint64_t> ParseUnsigned(std::string_view s, uint64_t max);
Result<int64_t> ParseSigned(std::string_view s, int64_t min, int64_t max);

// ---- Parameter paths -----------------------------------------------------------------------
// A TR-069 parameter or object path: "Device.WiFi.SSID.1.SSID" (parameter), "Device.WiFi." (partial
// path, ends with '.'), "" (the whole tree, only where the RPC allows it). Segments are names
// ([A-Za-z_][A-Za-z0-9_-]*), instance numbers (decimal, no leading zero), alias references
// ("[cpe-1]", TR-069 alias-based addressing) or the instance wildcard "*" (CWMP 1.4).
class ParameterPath {
 public:
  static constexpr size_t kMaxLength = 256;  // schema limit for parameter names

  // Parses and validates; error message names the offending segment. `allow_empty` accepts "".
  static Result<ParameterPath> Parse(std::string_view text, bool allow_empty = false);

  const std::string& str() const { return text_; }
  bool IsPartial() const { return text_.empty() || text_.back() == '.'; }
  bool HasWildcard() const { return has_wildcard_; }
  bool HasAlias() const { return has_alias_; }
  // The segments without the separators ("Device", "WiFi", "1", "[cpe-x]", ...).
  std::vector<std::string_view> Segments() const;

 private:
  std::string text_;
  bool has_wildcard_ = false;
  bool has_alias_ = false;
};

// ---- Events --------------------------------------------------------------------------------
enum class EventKind {
  kBootstrap, kBoot, kPeriodic, kScheduled, kValueChange, kKicked, kConnectionRequest,
  kTransferComplete, kDiagnosticsComplete, kRequestDownload, kAutonomousTransferComplete,
  kDuStateChangeComplete, kAutonomousDuStateChangeComplete, kWakeup, kHeartbeat,
  kMReboot, kMScheduleInform, kMDownload, kMScheduleDownload, kMUpload, kMChangeDuState,
  kMVendor,  // "M X_<vendor method>"
  kVendor,   // "X <OUI> <event>"
  kUnknown,  // anything else; kept verbatim as text
};

// An Inform event code. Event codes are open text (schema: \d+( \S+)+ or M/X forms, <= 64 chars);
// the standard ones are named, unknown ones kept as text.
struct EventCode {
  static constexpr size_t kMaxLength = 64;
  std::string text;
  EventKind kind = EventKind::kUnknown;

  static EventCode FromText(std::string text);
  static EventCode Of(EventKind kind);  // the standard text for a named kind (not kMVendor/kVendor/kUnknown)
  bool operator==(const EventCode& o) const { return text == o.text; }
};
// The standard text of a named kind ("0 BOOTSTRAP", "M Reboot"), or "" for vendor/unknown.
std::string_view StandardEventText(EventKind kind);

// ---- Faults --------------------------------------------------------------------------------
// 8000-8006: ACS faults (sent by the ACS to the CPE); 9000-9032: CPE faults; 8800-8899 and
// 9800-9899: vendor ranges, kept as plain numbers.
enum class FaultRange { kAcs, kCpe, kAcsVendor, kCpeVendor, kOther };
FaultRange FaultRangeOf(uint32_t code);
// The standard text ("Method not supported", ...) or "" when the code has none.
std::string_view StandardFaultText(uint32_t code);

// ---- File transfers ------------------------------------------------------------------------
// Three different file-type lists, kept apart: Download ("1 Firmware Upgrade Image" ...
// "5 Ringer File"), Upload ("1 Vendor Configuration File", "2 Vendor Log File",
// "3 Vendor Configuration File <i>", "4 Vendor Log File <i>"), and the transfer types reported by
// AutonomousTransferComplete / GetAllQueuedTransfers. Vendor types "X <OUI> <name>" and
// "X <vendor> <name>" are valid in every list.
enum class FileTypeList { kDownload, kUpload, kTransfer };
bool IsValidFileType(std::string_view file_type, FileTypeList list);
// The standard (non-vendor) file types of a list; the "<i>" forms are shown with a literal "N".
std::vector<std::string_view> StandardFileTypes(FileTypeList list);

// ScheduleDownload window modes: "1 At Any Time", "2 Immediately", "3 When Idle",
// "4 Confirmation Needed", or a vendor "X ..." mode.
bool IsValidWindowMode(std::string_view mode);

// Parameter attribute notification values: 0 off, 1 passive, 2 active, 3 passive lightweight,
// 4 passive with passive lightweight, 5 active lightweight, 6 passive with active lightweight.
inline bool IsValidNotification(int n) { return n >= 0 && n <= 6; }
// Transfer states of Get(All)QueuedTransfers: 1 not yet started, 2 in progress, 3 completed.
inline bool IsValidTransferState(int s) { return s >= 1 && s <= 3; }
// Deployment unit states reported by DUStateChangeComplete.
bool IsValidDeploymentUnitState(std::string_view state);

// Schema limits enforced when encoding.
inline constexpr size_t kMaxCommandKey = 32;
inline constexpr size_t kMaxParameterKey = 32;
inline constexpr size_t kMaxUrl = 256;
inline constexpr size_t kMaxUsername = 256;
inline constexpr size_t kMaxPassword = 256;
inline constexpr size_t kMaxFaultString = 256;

}  // namespace ruru::cwmp
