// Byte-level screening of an untrusted XML message before it reaches the XML parser.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace ruru::cwmp::internal {

struct Screened {
  // The XML to parse, without BOM and XML declaration, always UTF-8: `owned` when the input had
  // to be transcoded (ISO-8859-1), else a view into the caller's buffer.
  std::string_view Xml() const { return transcoded ? std::string_view(owned) : view; }
  std::string_view view;
  std::string owned;
  bool transcoded = false;
  bool empty = false;  // the body was empty or whitespace only
  std::vector<std::string> warnings;
};

// Rejects, with a one-line reason: bodies over `max_bytes`, NUL bytes, invalid UTF-8, encodings
// other than UTF-8/US-ASCII/ISO-8859-1, DTDs (<!DOCTYPE, <!ENTITY, ...), references to undefined
// entities, character references to NUL/surrogates/out-of-range code points, element nesting deeper
// than `max_depth` (also inside elements the parser would skip), and anything that does not start
// with '<'. Linear time, no allocation unless transcoding.
Result<Screened> Screen(std::string_view body, size_t max_bytes, unsigned max_depth);

// True when `s` is valid UTF-8 (no overlongs, surrogates or code points above U+10FFFF).
bool IsValidUtf8(std::string_view s);

// True when `s` is valid UTF-8 and contains no character that XML 1.0 forbids (C0 controls other
// than tab, CR, LF).
bool IsXmlSafeText(std::string_view s);

}  // namespace ruru::cwmp::internal
