#include "cwmp/types.h"

#include <array>
#include <charconv>
#include <limits>
#include <utility>

#include "base/strings.h"

namespace ruru::cwmp {
namespace {

constexpr std::array<std::string_view, 5> kNamespaceUris = {
    "urn:dslforum-org:cwmp-1-0", "urn:dslforum-org:cwmp-1-1", "urn:dslforum-org:cwmp-1-2",
    "urn:dslforum-org:cwmp-1-3", "urn:dslforum-org:cwmp-1-4"};

std::string Quoted(std::string_view s) {
  std::string out = "\"";
  out.append(s.substr(0, 64));
  if (s.size() > 64) out.append("...");
  out.push_back('"');
  return out;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

struct EventEntry {
  EventKind kind;
  std::string_view text;
};
constexpr EventEntry kEvents[] = {
    {EventKind::kBootstrap, "0 BOOTSTRAP"},
    {EventKind::kBoot, "1 BOOT"},
    {EventKind::kPeriodic, "2 PERIODIC"},
    {EventKind::kScheduled, "3 SCHEDULED"},
    {EventKind::kValueChange, "4 VALUE CHANGE"},
    {EventKind::kKicked, "5 KICKED"},
    {EventKind::kConnectionRequest, "6 CONNECTION REQUEST"},
    {EventKind::kTransferComplete, "7 TRANSFER COMPLETE"},
    {EventKind::kDiagnosticsComplete, "8 DIAGNOSTICS COMPLETE"},
    {EventKind::kRequestDownload, "9 REQUEST DOWNLOAD"},
    {EventKind::kAutonomousTransferComplete, "10 AUTONOMOUS TRANSFER COMPLETE"},
    {EventKind::kDuStateChangeComplete, "11 DU STATE CHANGE COMPLETE"},
    {EventKind::kAutonomousDuStateChangeComplete, "12 AUTONOMOUS DU STATE CHANGE COMPLETE"},
    {EventKind::kWakeup, "13 WAKEUP"},
    {EventKind::kHeartbeat, "14 HEARTBEAT"},
    {EventKind::kMReboot, "M Reboot"},
    {EventKind::kMScheduleInform, "M ScheduleInform"},
    {EventKind::kMDownload, "M Download"},
    {EventKind::kMScheduleDownload, "M ScheduleDownload"},
    {EventKind::kMUpload, "M Upload"},
    {EventKind::kMChangeDuState, "M ChangeDUState"},
};

struct FaultEntry {
  uint32_t code;
  std::string_view text;
};
constexpr FaultEntry kFaults[] = {
    {8000, "Method not supported"},
    {8001, "Request denied"},
    {8002, "Internal error"},
    {8003, "Invalid arguments"},
    {8004, "Resources exceeded"},
    {8005, "Retry request"},
    {8006, "ACS version incompatible"},
    {9000, "Method not supported"},
    {9001, "Request denied (no reason specified)"},
    {9002, "Internal error"},
    {9003, "Invalid arguments"},
    {9004, "Resources exceeded"},
    {9005, "Invalid parameter name"},
    {9006, "Invalid parameter type"},
    {9007, "Invalid parameter value"},
    {9008, "Attempt to set a non-writable parameter"},
    {9009, "Notification request rejected"},
    {9010, "File transfer failure"},
    {9011, "Upload failure"},
    {9012, "File transfer server authentication failure"},
    {9013, "Unsupported protocol for file transfer"},
    {9014, "File transfer failure: unable to join multicast group"},
    {9015, "File transfer failure: unable to contact file server"},
    {9016, "File transfer failure: unable to access file"},
    {9017, "File transfer failure: unable to complete download"},
    {9018, "File transfer failure: file corrupted or otherwise unusable"},
    {9019, "File transfer failure: file authentication failure"},
    {9020, "File transfer failure: unable to complete download within specified time windows"},
    {9021, "Cancelation of file transfer not permitted in current transfer state"},
    {9022, "Invalid UUID format"},
    {9023, "Unknown Execution Environment"},
    {9024, "Disabled Execution Environment"},
    {9025, "Deployment Unit to Execution Environment mismatch"},
    {9026, "Duplicate Deployment Unit"},
    {9027, "System resources exceeded"},
    {9028, "Unknown Deployment Unit"},
    {9029, "Invalid Deployment Unit State"},
    {9030, "Invalid Deployment Unit Update: downgrade not permitted"},
    {9031, "Invalid Deployment Unit Update: version not specified"},
    {9032, "Invalid Deployment Unit Update: version already exists"},
};

}  // namespace

std::string_view NamespaceUri(Namespace ns) { return kNamespaceUris[static_cast<size_t>(ns)]; }

std::optional<Namespace> NamespaceFromUri(std::string_view uri) {
  for (size_t i = 0; i < kNamespaceUris.size(); ++i) {
    if (kNamespaceUris[i] == uri) return static_cast<Namespace>(i);
  }
  return std::nullopt;
}

Namespace OutputNamespace(Namespace ns) {
  return (ns == Namespace::kCwmp13 || ns == Namespace::kCwmp14) ? Namespace::kCwmp12 : ns;
}

// ---- Values --------------------------------------------------------------------------------
std::string_view ValueTypeName(ValueType type) {
  switch (type) {
    case ValueType::kString: return "string";
    case ValueType::kInt: return "int";
    case ValueType::kUnsignedInt: return "unsignedInt";
    case ValueType::kLong: return "long";
    case ValueType::kUnsignedLong: return "unsignedLong";
    case ValueType::kBoolean: return "boolean";
    case ValueType::kDateTime: return "dateTime";
    case ValueType::kBase64: return "base64";
    case ValueType::kHexBinary: return "hexBinary";
    case ValueType::kAny: return "anySimpleType";
  }
  return "string";
}

ValueType ValueTypeFromXsi(std::string_view xsi_type) {
  const size_t colon = xsi_type.find(':');
  const std::string_view local = colon == std::string_view::npos ? xsi_type : xsi_type.substr(colon + 1);
  if (local.empty() || local == "string") return ValueType::kString;
  if (local == "int") return ValueType::kInt;
  if (local == "unsignedInt") return ValueType::kUnsignedInt;
  if (local == "long") return ValueType::kLong;
  if (local == "unsignedLong") return ValueType::kUnsignedLong;
  if (local == "boolean") return ValueType::kBoolean;
  if (local == "dateTime") return ValueType::kDateTime;
  if (local == "base64" || local == "base64Binary") return ValueType::kBase64;
  if (local == "hexBinary") return ValueType::kHexBinary;
  return ValueType::kAny;
}

Result<bool> ParseBoolean(std::string_view s) {
  s = Trim(s, " \t\n\r");
  if (s == "1" || s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "0" || s == "false" || s == "False" || s == "FALSE") return false;
  return InvalidArgument("not a boolean: " + Quoted(s));
}

Result<uint64_t> ParseUnsigned(std::string_view s, uint64_t max) {
  s = Trim(s, " \t\n\r");
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  uint64_t v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size()) {
    return InvalidArgument("not an unsigned integer: " + Quoted(s));
  }
  if (v > max) return InvalidArgument("out of range: " + Quoted(s));
  return v;
}

Result<int64_t> ParseSigned(std::string_view s, int64_t min, int64_t max) {
  s = Trim(s, " \t\n\r");
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  int64_t v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size()) {
    return InvalidArgument("not an integer: " + Quoted(s));
  }
  if (v < min || v > max) return InvalidArgument("out of range: " + Quoted(s));
  return v;
}

bool IsValidDateTime(std::string_view s) {
  // [-]YYYY-MM-DDThh:mm:ss[.fff][Z|(+|-)hh:mm]; years beyond 9999 allowed by xsd, rare in CWMP.
  s = Trim(s, " \t\n\r");
  size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  size_t y = 0;
  while (i < s.size() && IsDigit(s[i])) ++i, ++y;
  if (y < 4) return false;
  auto two = [&](char sep_after, int lo, int hi) {
    if (i + 2 > s.size() || !IsDigit(s[i]) || !IsDigit(s[i + 1])) return false;
    const int v = (s[i] - '0') * 10 + (s[i + 1] - '0');
    if (v < lo || v > hi) return false;
    i += 2;
    if (sep_after) {
      if (i >= s.size() || s[i] != sep_after) return false;
      ++i;
    }
    return true;
  };
  if (i >= s.size() || s[i] != '-') return false;
  const std::string_view year_text = s.substr(s[0] == '-' ? 1 : 0, y);
  ++i;
  const size_t month_at = i;
  if (!two('-', 1, 12) || !two('T', 1, 31)) return false;
  const int month = (s[month_at] - '0') * 10 + (s[month_at + 1] - '0');
  const int day = (s[month_at + 3] - '0') * 10 + (s[month_at + 4] - '0');
  int64_t year = 0;
  for (char c : year_text.substr(year_text.size() > 9 ? year_text.size() - 9 : 0)) year = year * 10 + (c - '0');
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (day > kDays[month - 1] + (month == 2 && leap ? 1 : 0)) return false;
  const size_t time_at = i;
  if (!two(':', 0, 24) || !two(':', 0, 59) || !two(0, 0, 59)) return false;
  // 24:00:00 is the only time with hour 24.
  if (s[time_at] == '2' && s[time_at + 1] == '4' && (s.substr(time_at + 3, 2) != "00" || s.substr(time_at + 6, 2) != "00")) {
    return false;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    const size_t start = i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    if (i == start) return false;
  }
  if (i == s.size()) return true;
  if (s[i] == 'Z') return i + 1 == s.size();
  if (s[i] != '+' && s[i] != '-') return false;
  ++i;
  return two(':', 0, 14) && two(0, 0, 59) && i == s.size();
}

Result<int64_t> ParameterValue::AsInt64() const {
  switch (type) {
    case ValueType::kInt: return ParseSigned(text, std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max());
    case ValueType::kLong: return ParseSigned(text, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
    case ValueType::kUnsignedInt:
    case ValueType::kUnsignedLong: {
      auto v = ParseUnsigned(text, static_cast<uint64_t>(std::numeric_limits<int64_t>::max()));
      if (!v) return v.error();
      return static_cast<int64_t>(*v);
    }
    default: return InvalidArgument("value of type " + std::string(ValueTypeName(type)) + " is not an integer");
  }
}

Result<uint64_t> ParameterValue::AsUint64() const {
  switch (type) {
    case ValueType::kUnsignedInt: return ParseUnsigned(text, std::numeric_limits<uint32_t>::max());
    case ValueType::kUnsignedLong: return ParseUnsigned(text, std::numeric_limits<uint64_t>::max());
    case ValueType::kInt:
    case ValueType::kLong: {
      auto v = AsInt64();
      if (!v) return v.error();
      if (*v < 0) return InvalidArgument("negative value " + Quoted(text));
      return static_cast<uint64_t>(*v);
    }
    default: return InvalidArgument("value of type " + std::string(ValueTypeName(type)) + " is not an integer");
  }
}

Result<bool> ParameterValue::AsBool() const {
  if (type != ValueType::kBoolean) {
    return InvalidArgument("value of type " + std::string(ValueTypeName(type)) + " is not a boolean");
  }
  return ParseBoolean(text);
}

std::optional<std::string> ParameterValue::Validate() const {
  switch (type) {
    case ValueType::kString:
    case ValueType::kAny:
      return std::nullopt;
    case ValueType::kInt:
    case ValueType::kLong: {
      auto v = AsInt64();
      if (!v) return v.error().message;
      return std::nullopt;
    }
    case ValueType::kUnsignedInt:
    case ValueType::kUnsignedLong: {
      auto v = AsUint64();
      if (!v) return v.error().message;
      return std::nullopt;
    }
    case ValueType::kBoolean: {
      auto v = AsBool();
      if (!v) return v.error().message;
      return std::nullopt;
    }
    case ValueType::kDateTime:
      if (!IsValidDateTime(text)) return "not an xsd:dateTime: " + Quoted(text);
      return std::nullopt;
    case ValueType::kBase64:
      for (const char c : text) {
        if (!(IsAlpha(c) || IsDigit(c) || c == '+' || c == '/' || c == '=' || c == '\n' || c == '\r' || c == ' ')) {
          return "not base64: " + Quoted(text);
        }
      }
      return std::nullopt;
    case ValueType::kHexBinary:
      if (text.size() % 2 != 0) return "not hexBinary (odd length): " + Quoted(text);
      for (const char c : text) {
        if (!IsHex(c)) return "not hexBinary: " + Quoted(text);
      }
      return std::nullopt;
  }
  return std::nullopt;
}

// ---- Paths ---------------------------------------------------------------------------------
Result<ParameterPath> ParameterPath::Parse(std::string_view text, bool allow_empty) {
  ParameterPath p;
  if (text.empty()) {
    if (!allow_empty) return InvalidArgument("empty parameter path");
    return p;
  }
  if (text.size() > kMaxLength) {
    return InvalidArgument("parameter path " + Quoted(text) + " longer than " + std::to_string(kMaxLength) + " characters");
  }
  size_t i = 0;
  size_t index = 0;
  while (i < text.size()) {
    size_t end = text.find('.', i);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view seg = text.substr(i, end - i);
    if (seg.empty()) return InvalidArgument("empty segment in parameter path " + Quoted(text));
    bool ok;
    if (IsDigit(seg[0])) {
      ok = seg.size() <= 10 && (seg.size() == 1 || seg[0] != '0');
      for (char c : seg) ok = ok && IsDigit(c);
    } else if (seg[0] == '[') {
      // Alias: [ then a name-like token (letters, digits, '_', '-'), then ].
      ok = seg.size() >= 3 && seg.back() == ']' && seg.size() <= 66;
      for (size_t k = 1; ok && k + 1 < seg.size(); ++k) {
        const char c = seg[k];
        ok = IsAlpha(c) || IsDigit(c) || c == '_' || c == '-';
      }
      p.has_alias_ = true;
    } else if (seg == "*") {
      ok = true;
      p.has_wildcard_ = true;
    } else {
      ok = IsAlpha(seg[0]) || seg[0] == '_';
      for (char c : seg) ok = ok && (IsAlpha(c) || IsDigit(c) || c == '_' || c == '-');
    }
    if (ok && index == 0 && !(IsAlpha(seg[0]) || seg[0] == '_')) ok = false;
    if (!ok) return InvalidArgument("invalid segment " + Quoted(seg) + " in parameter path " + Quoted(text));
    ++index;
    i = end + 1;
  }
  p.text_ = std::string(text);
  return p;
}

std::vector<std::string_view> ParameterPath::Segments() const {
  std::vector<std::string_view> out;
  std::string_view s = text_;
  while (!s.empty()) {
    const size_t dot = s.find('.');
    out.push_back(s.substr(0, dot));
    if (dot == std::string_view::npos) break;
    s.remove_prefix(dot + 1);
  }
  return out;
}

// ---- Events --------------------------------------------------------------------------------
std::string_view StandardEventText(EventKind kind) {
  for (const auto& e : kEvents) {
    if (e.kind == kind) return e.text;
  }
  return {};
}

EventCode EventCode::FromText(std::string text) {
  EventCode ev;
  for (const auto& e : kEvents) {
    if (e.text == text) {
      ev.kind = e.kind;
      ev.text = std::move(text);
      return ev;
    }
  }
  if (text.rfind("M X", 0) == 0) ev.kind = EventKind::kMVendor;
  else if (text.rfind("X ", 0) == 0) ev.kind = EventKind::kVendor;
  else ev.kind = EventKind::kUnknown;
  ev.text = std::move(text);
  return ev;
}

EventCode EventCode::Of(EventKind kind) {
  EventCode ev;
  ev.kind = kind;
  ev.text = std::string(StandardEventText(kind));
  return ev;
}

// ---- Faults --------------------------------------------------------------------------------
FaultRange FaultRangeOf(uint32_t code) {
  if (code >= 8000 && code <= 8799) return FaultRange::kAcs;
  if (code >= 8800 && code <= 8899) return FaultRange::kAcsVendor;
  if (code >= 9000 && code <= 9799) return FaultRange::kCpe;
  if (code >= 9800 && code <= 9899) return FaultRange::kCpeVendor;
  return FaultRange::kOther;
}

std::string_view StandardFaultText(uint32_t code) {
  for (const auto& f : kFaults) {
    if (f.code == code) return f.text;
  }
  return {};
}

// ---- File transfers ------------------------------------------------------------------------
namespace {

constexpr std::string_view kDownloadTypes[] = {"1 Firmware Upgrade Image", "2 Web Content",
                                               "3 Vendor Configuration File", "4 Tone File", "5 Ringer File"};
constexpr std::string_view kUploadTypes[] = {"1 Vendor Configuration File", "2 Vendor Log File"};
constexpr std::string_view kUploadIndexed[] = {"3 Vendor Configuration File ", "4 Vendor Log File "};
constexpr std::string_view kTransferTypes[] = {"1 Firmware Upgrade Image", "2 Web Content",
                                               "3 Vendor Configuration File", "4 Vendor Log File",
                                               "4 Tone File", "5 Ringer File"};
constexpr std::string_view kTransferIndexed[] = {"6 Vendor Configuration File ", "7 Vendor Log File "};

// "X <token> <something>": vendor-defined, valid in every open list.
bool IsVendorForm(std::string_view s) {
  if (s.size() < 5 || s.substr(0, 2) != "X ") return false;
  const size_t space = s.find(' ', 2);
  if (space == std::string_view::npos || space == 2 || space + 1 >= s.size()) return false;
  for (size_t i = 2; i < space; ++i) {
    if (s[i] == '\t') return false;
  }
  return true;
}

// "<prefix><positive integer>"
bool IsIndexed(std::string_view s, std::string_view prefix) {
  if (s.substr(0, prefix.size()) != prefix) return false;
  const std::string_view n = s.substr(prefix.size());
  if (n.empty() || n[0] == '0' || n.size() > 9) return false;
  for (char c : n) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

}  // namespace

bool IsValidFileType(std::string_view t, FileTypeList list) {
  if (t.empty() || t.size() > 64) return false;
  if (IsVendorForm(t)) return true;
  switch (list) {
    case FileTypeList::kDownload:
      for (auto s : kDownloadTypes) if (t == s) return true;
      return false;
    case FileTypeList::kUpload:
      for (auto s : kUploadTypes) if (t == s) return true;
      for (auto p : kUploadIndexed) if (IsIndexed(t, p)) return true;
      return false;
    case FileTypeList::kTransfer:
      for (auto s : kTransferTypes) if (t == s) return true;
      for (auto p : kTransferIndexed) if (IsIndexed(t, p)) return true;
      return false;
  }
  return false;
}

std::vector<std::string_view> StandardFileTypes(FileTypeList list) {
  switch (list) {
    case FileTypeList::kDownload: return {std::begin(kDownloadTypes), std::end(kDownloadTypes)};
    case FileTypeList::kUpload:
      return {"1 Vendor Configuration File", "2 Vendor Log File", "3 Vendor Configuration File N", "4 Vendor Log File N"};
    case FileTypeList::kTransfer:
      return {"1 Firmware Upgrade Image", "2 Web Content", "3 Vendor Configuration File", "4 Vendor Log File",
              "4 Tone File", "5 Ringer File", "6 Vendor Configuration File N", "7 Vendor Log File N"};
  }
  return {};
}

bool IsValidWindowMode(std::string_view mode) {
  for (std::string_view m : {"1 At Any Time", "2 Immediately", "3 When Idle", "4 Confirmation Needed"}) {
    if (mode == m) return true;
  }
  return mode.size() <= 64 && IsVendorForm(mode);
}

bool IsValidDeploymentUnitState(std::string_view state) {
  return state == "Installed" || state == "Uninstalled" || state == "Failed";
}

}  // namespace ruru::cwmp
