// cwmp::Decode for the simulator's hot path: the ACS answers every periodic Inform with the same
// InformResponse except for the cwmp:ID it echoes, and gSOAP's set-up and tear-down make decoding
// that 300-byte message cost more than encoding the Inform. DecodeMemo remembers such an answer as
// (bytes before the ID, bytes after it, decoded envelope) and serves a body that matches it around a
// plain ID without running gSOAP again.
//
// Behaviour is exactly cwmp::Decode's (with default limits): a body is served from the memo only
// when it equals a remembered one except for the text of the one element that held the ID, and
// that text is an ID of [A-Za-z0-9._-] (1-64 bytes), which decodes as itself. An answer is
// remembered only after two consecutive decodes by gSOAP showed the same bytes around two different
// IDs, each decoding to its own ID and otherwise the same envelope (InformResponse only, no decode
// warnings). Anything else is decoded by gSOAP as before.
//
// One per thread (Fleet shard); not thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "cwmp/messages.h"

namespace ruru::cpesim {

class DecodeMemo {
 public:
  static constexpr size_t kEntries = 4;  // e.g. one per CWMP namespace the fleet's dialects use

  // The envelope cwmp::Decode(body) would give, or its error.
  Result<cwmp::Envelope> Decode(std::string_view body);

  uint64_t hits() const { return hits_; }

 private:
  struct Entry {
    std::string prefix;  // up to and including the '>' before the ID
    std::string suffix;  // from the '<' after the ID
    cwmp::Envelope envelope;
  };
  // `body` cut around the one occurrence of ">" id "<"; nullopt when there is none or more.
  static std::optional<Entry> Split(std::string_view body, const cwmp::Envelope& envelope);

  std::array<std::optional<Entry>, kEntries> entries_;
  size_t next_ = 0;                 // the entry the next new answer replaces
  std::optional<Entry> candidate_;  // the last answer seen once
  uint64_t hits_ = 0;
};

// An ID the memo can substitute: 1-64 bytes of [A-Za-z0-9._-] (decodes as itself).
bool IsPlainId(std::string_view id);

}  // namespace ruru::cpesim
