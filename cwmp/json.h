// The stable JSON form of CWMP messages: what `acsctl cwmp decode/encode` print and read, and
// (later) what the API shows. docs/acsctl.md documents the schema per RPC with examples.
//
// Shape, keys in this order:
//   {"namespace": "urn:dslforum-org:cwmp-1-0", "id": "...", "hold_requests": false,
//    "no_more_requests": true,          (this and the next three only when the header carried them)
//    "session_timeout": 60,             (CWMP 1.3)
//    "supported_cwmp_versions": "1.0,1.1,1.2,1.3,1.4", "use_cwmp_version": "1.4",  (CWMP 1.4, as sent)
//    "rpc": "Inform",                   (the schema element name; "Fault" for a SOAP fault, "" for Empty)
//    "body": {...},                     (the message fields in snake_case; {} for Empty)
//    "warnings": ["..."]}               (only from ToJson(const Decoded&))
// A parameter value is {"name", "type": "xsd:<ValueTypeName>", "value": "<lexical text>"}: the text
// is kept verbatim, never converted to a JSON number or boolean, so a round trip is lossless.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "base/result.h"
#include "cwmp/codec.h"
#include "cwmp/messages.h"

namespace ruru::cwmp {

// nlohmann::ordered_json keeps keys in insertion order, so the output reads in the documented order
// (a plain nlohmann::json would sort them: "body" before "rpc"). It converts implicitly to and from
// nlohmann::json for callers that hold one.
using Json = nlohmann::ordered_json;

// The JSON form of `envelope`. Strings are copied as they are: a model built in code with invalid
// UTF-8 makes Json::dump() throw unless called with error_handler_t::replace (decoded messages are
// always valid UTF-8).
Json ToJson(const Envelope& envelope);
// As above, plus "warnings": the decoder's warnings, possibly an empty array.
Json ToJson(const Decoded& decoded);

// The Envelope described by `json`. Strict, to catch typos in hand-written input: unknown keys and
// wrong JSON types are errors, integers must be integral and in range. Missing optional fields
// take the defaults of the message structs; required are "rpc", and "name" in parameters, "code"
// in events, "parameter_name" in set_parameter_values_faults. "namespace" is a full URI or a short
// form ("cwmp-1-2", "1-2"), default cwmp-1-0. A value "type" is "xsd:int" or "int" (default
// string). "warnings" and Fault's "standard_text" (output only) are accepted and ignored, so the
// output of ToJson is valid input. Only the JSON mapping is checked here; schema limits
// (CommandKey length, parameter paths) are Encode's.
// Errors are kInvalidArgument with one line naming the field, e.g.
// "body.parameters[3].value: expected a string, got 42". Never throws.
Result<Envelope> EnvelopeFromJson(const Json& json);

// Parses JSON text, then EnvelopeFromJson. A syntax error or a duplicate key in an object (which
// would otherwise silently keep the last value) is an error naming the line and column or the key.
// Never throws.
Result<Envelope> EnvelopeFromJsonText(std::string_view text);

}  // namespace ruru::cwmp
