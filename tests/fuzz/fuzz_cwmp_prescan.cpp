// libFuzzer target for the byte-level screening of untrusted XML (cwmp/prescan.h).
//
// Properties checked (__builtin_trap on violation):
//  1. IsValidUtf8 agrees with a straightforward reference decoder (RFC 3629: no overlongs, no
//     surrogates, nothing above U+10FFFF), and IsXmlSafeText(s) implies IsValidUtf8(s).
//  2. Screen never returns more than it was given (ISO-8859-1 transcoding at most doubles it), a
//     non-transcoded result is a view into the caller's buffer, and a transcoded one is valid UTF-8.
//  3. Caps only ever reject: a byte cap below the input size always rejects, and what passes a
//     depth cap of 4 passes the default of 64.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cwmp/prescan.h"

namespace {

using ruru::cwmp::internal::IsValidUtf8;
using ruru::cwmp::internal::IsXmlSafeText;
using ruru::cwmp::internal::Screen;

// Reference UTF-8 validator, written independently of prescan.cpp (table of RFC 3629, section 4).
bool ReferenceUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  auto cont = [&](size_t k, unsigned lo = 0x80, unsigned hi = 0xBF) {
    return i + k < n && p[i + k] >= lo && p[i + k] <= hi;
  };
  while (i < n) {
    const unsigned b = p[i];
    if (b <= 0x7F) {
      i += 1;
    } else if (b >= 0xC2 && b <= 0xDF) {
      if (!cont(1)) return false;
      i += 2;
    } else if (b == 0xE0) {
      if (!cont(1, 0xA0, 0xBF) || !cont(2)) return false;
      i += 3;
    } else if ((b >= 0xE1 && b <= 0xEC) || b == 0xEE || b == 0xEF) {
      if (!cont(1) || !cont(2)) return false;
      i += 3;
    } else if (b == 0xED) {
      if (!cont(1, 0x80, 0x9F) || !cont(2)) return false;
      i += 3;
    } else if (b == 0xF0) {
      if (!cont(1, 0x90, 0xBF) || !cont(2) || !cont(3)) return false;
      i += 4;
    } else if (b >= 0xF1 && b <= 0xF3) {
      if (!cont(1) || !cont(2) || !cont(3)) return false;
      i += 4;
    } else if (b == 0xF4) {
      if (!cont(1, 0x80, 0x8F) || !cont(2) || !cont(3)) return false;
      i += 4;
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);

  const bool utf8 = IsValidUtf8(in);
  if (utf8 != ReferenceUtf8(in)) __builtin_trap();
  if (IsXmlSafeText(in) && !utf8) __builtin_trap();

  auto screened = Screen(in, 1 << 20, 64);
  if (screened) {
    const std::string_view xml = screened->Xml();
    if (xml.size() > 2 * size) __builtin_trap();
    if (screened->transcoded) {
      if (!IsValidUtf8(xml)) __builtin_trap();
    } else if (!xml.empty()) {
      if (xml.data() < in.data() || xml.data() + xml.size() > in.data() + in.size()) __builtin_trap();
    }
    if (screened->empty && !xml.empty()) __builtin_trap();
  }
  if (size > 0 && Screen(in, size - 1, 64)) __builtin_trap();
  if (Screen(in, 1 << 20, 4) && !screened) __builtin_trap();
  return 0;
}
