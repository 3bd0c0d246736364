// Lowercase hex of bytes (no separators). Pure, header-only, thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace ruru {

inline std::string BytesToHex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

}  // namespace ruru
