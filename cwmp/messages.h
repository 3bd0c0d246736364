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

using Body = std::variant<Empty, Inform, InformResponse, TransferComplete, TransferCompleteResponse,
                          GetRPCMethods, GetRPCMethodsResponse, GetParameterNames,
                          GetParameterNamesResponse, GetParameterValues, GetParameterValuesResponse,
                          SetParameterValues, SetParameterValuesResponse, Fault>;

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
