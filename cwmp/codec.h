// SOAP/XML codec for CWMP. Decode and Encode are pure functions of their input: no I/O, no
// globals (each thread keeps one reusable gSOAP context internally). Safe to call from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "cwmp/messages.h"

namespace ruru::cwmp {

// Caps on untrusted input. Every check happens before or while parsing, so a hostile message costs
// little time and memory: a declared "[999999999]" array size allocates nothing.
struct DecodeLimits {
  size_t max_body_bytes = 1 << 20;   // whole message
  unsigned max_depth = 64;           // XML element nesting
  size_t max_array_items = 20000;    // items of one array, declared (arrayType) or actually sent
  size_t max_string_bytes = 65536;   // one text node or attribute value
};

struct Decoded {
  Envelope envelope;
  // Tolerated deviations ("arrayType declares 16 items, 7 sent", "unknown xsi:type xsd:decimal").
  std::vector<std::string> warnings;
};

// Decodes one SOAP envelope (the HTTP body, without HTTP headers). An empty or all-whitespace body
// is Empty with namespace cwmp-1-0. Errors are kInvalidArgument values with a one-line message;
// the function never throws on bad input.
Result<Decoded> Decode(std::string_view body, const DecodeLimits& limits = {});

// Encodes `envelope` in the namespace OutputNamespace(envelope.ns). Empty encodes to "" (an empty
// HTTP body). Fails (kInvalidArgument) when a field breaks a schema limit (CommandKey/ParameterKey
// > 32, URL/Username/Password > 256) or a request names an invalid parameter path.
Result<std::string> Encode(const Envelope& envelope);

}  // namespace ruru::cwmp
