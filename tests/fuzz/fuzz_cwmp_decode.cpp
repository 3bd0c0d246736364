// libFuzzer target for the CWMP codec (cwmp/codec.h): Decode must never crash, leak, hang or trip
// a sanitizer on any byte string, and a decoded envelope must survive Encode -> Decode unchanged.
//
// Properties checked (__builtin_trap on violation, so libFuzzer saves the input):
//  1. Decode with tight limits accepting an input implies Decode with the default limits accepts
//     it too and yields the same envelope (limits only ever reject, they never change a result).
//  2. Round trip: when Encode accepts a decoded envelope (it legitimately refuses some, e.g. an OUI
//     longer than 6 characters or an invalid path in GetParameterValues), Decode must accept the
//     encoding and give back the same envelope, with the namespace mapped by OutputNamespace.
//     An Empty body encodes to "" and comes back as Empty (header fields are not carried).
//  3. Encode is deterministic on its own output: encoding the re-decoded envelope gives the same
//     bytes.
//
// Build: cmake -DRURU_FUZZ=ON -DRURU_SANITIZE=ON with clang (tests/fuzz/CMakeLists.txt).
// Run:   tests/fuzz/run_fuzz.sh, or by hand: ./fuzz_cwmp_decode -dict=cwmp.dict CORPUS_DIR
// Set RURU_FUZZ_VERBOSE=1 to print why a property failed before trapping (for triage).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cwmp/codec.h"
#include "cwmp/messages.h"

namespace {

using ruru::cwmp::Decode;
using ruru::cwmp::DecodeLimits;
using ruru::cwmp::Empty;
using ruru::cwmp::Encode;
using ruru::cwmp::Envelope;
using ruru::cwmp::OutputNamespace;

bool Verbose() {
  static const bool verbose = [] {
    const char* v = std::getenv("RURU_FUZZ_VERBOSE");
    return v != nullptr && *v != '\0' && *v != '0';
  }();
  return verbose;
}

[[noreturn]] void Violation(const char* what, std::string_view detail = {}) {
  if (Verbose()) {
    std::fprintf(stderr, "fuzz_cwmp_decode: property violated: %s\n", what);
    if (!detail.empty()) std::fprintf(stderr, "%.*s\n", static_cast<int>(detail.size()), detail.data());
  }
  __builtin_trap();
}

DecodeLimits TinyLimits() {
  DecodeLimits l;
  l.max_body_bytes = 16384;
  l.max_depth = 8;
  l.max_array_items = 16;
  l.max_string_bytes = 256;
  return l;
}

// Encode -> Decode -> compare; then Encode again and compare bytes.
void CheckRoundTrip(const Envelope& decoded) {
  auto encoded = Encode(decoded);
  if (!encoded) return;  // the encoder refuses values the decoder tolerates: not a bug
  if (std::holds_alternative<Empty>(decoded.body)) {
    if (!encoded->empty()) Violation("Empty body encoded to a non-empty message", *encoded);
    return;
  }
  auto again = Decode(*encoded);
  if (!again) Violation("Decode rejects what Encode produced", again.error().message + "\n" + *encoded);

  Envelope expected = decoded;
  expected.ns = OutputNamespace(decoded.ns);
  if (!(again->envelope == expected)) Violation("round trip changed the envelope", *encoded);

  auto encoded2 = Encode(again->envelope);
  if (!encoded2) Violation("Encode rejects an envelope it produced", encoded2.error().message);
  if (*encoded2 != *encoded) Violation("Encode is not stable", *encoded + "\n---\n" + *encoded2);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);

  static const DecodeLimits kTiny = TinyLimits();
  auto tiny = Decode(body, kTiny);
  auto full = Decode(body);

  if (tiny) {
    if (!full) Violation("tight limits accept what the default limits reject", full.error().message);
    if (!(tiny->envelope == full->envelope)) Violation("tight and default limits decode differently");
  }
  if (full) CheckRoundTrip(full->envelope);
  return 0;
}
