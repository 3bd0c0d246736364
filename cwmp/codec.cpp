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
  {"cwmp:" #name, &ReadBody<cwmp__##name, soap_default_cwmp__##name, soap_in_cwmp__##name>}
const BodyEntry kBodies[] = {
    RURU_BODY(Inform),
    RURU_BODY(InformResponse),
    RURU_BODY(TransferComplete),
    RURU_BODY(TransferCompleteResponse),
    RURU_BODY(GetRPCMethods),
    RURU_BODY(GetRPCMethodsResponse),
    RURU_BODY(GetParameterNames),
    RURU_BODY(GetParameterNamesResponse),
    RURU_BODY(GetParameterValues),
    RURU_BODY(GetParameterValuesResponse),
    RURU_BODY(SetParameterValues),
    RURU_BODY(SetParameterValuesResponse),
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

 private:
  std::optional<Error> error_;
};

template <typename T>
using SoapOut = int (*)(struct soap*, const char*, int, const T*, const char*);

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
  const std::string tag = "cwmp:" + std::string(RpcName(env.body));
  auto emit = [&](auto&& value, const char* tag, auto out_fn) {
    write_body = [s, tag, out_fn, v = std::move(value)]() { return out_fn(s, tag, -1, &v, nullptr); };
  };

  std::visit(
      [&](const auto& body) {
        using B = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<B, Empty>) {
        } else if constexpr (std::is_same_v<B, Fault>) {
          cwmp__SoapFault f;
          std::string_view code = body.faultcode;
          if (const size_t colon = code.find(':'); colon != std::string_view::npos) code.remove_prefix(colon + 1);
          if (code != "Client" && code != "Server") enc.Fail("faultcode must be Client or Server");
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
          emit(std::move(f), "SOAP-ENV:Fault", soap_out_cwmp__SoapFault);
        } else {
          auto built = enc.Build(body);
          using G = decltype(built);
          SoapOut<G> fn = nullptr;
          if constexpr (std::is_same_v<G, cwmp__Inform>) fn = soap_out_cwmp__Inform;
          else if constexpr (std::is_same_v<G, cwmp__InformResponse>) fn = soap_out_cwmp__InformResponse;
          else if constexpr (std::is_same_v<G, cwmp__TransferComplete>) fn = soap_out_cwmp__TransferComplete;
          else if constexpr (std::is_same_v<G, cwmp__TransferCompleteResponse>) fn = soap_out_cwmp__TransferCompleteResponse;
          else if constexpr (std::is_same_v<G, cwmp__GetRPCMethods>) fn = soap_out_cwmp__GetRPCMethods;
          else if constexpr (std::is_same_v<G, cwmp__GetRPCMethodsResponse>) fn = soap_out_cwmp__GetRPCMethodsResponse;
          else if constexpr (std::is_same_v<G, cwmp__GetParameterNames>) fn = soap_out_cwmp__GetParameterNames;
          else if constexpr (std::is_same_v<G, cwmp__GetParameterNamesResponse>) fn = soap_out_cwmp__GetParameterNamesResponse;
          else if constexpr (std::is_same_v<G, cwmp__GetParameterValues>) fn = soap_out_cwmp__GetParameterValues;
          else if constexpr (std::is_same_v<G, cwmp__GetParameterValuesResponse>) fn = soap_out_cwmp__GetParameterValuesResponse;
          else if constexpr (std::is_same_v<G, cwmp__SetParameterValues>) fn = soap_out_cwmp__SetParameterValues;
          else if constexpr (std::is_same_v<G, cwmp__SetParameterValuesResponse>) fn = soap_out_cwmp__SetParameterValuesResponse;
          emit(std::move(built), tag.c_str(), fn);
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
