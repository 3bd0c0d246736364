// Small string helpers shared by every layer: ASCII trimming, case-insensitive comparison, and a
// printable excerpt of untrusted text. Pure, header-only, thread-safe; nothing here allocates
// except the functions that return std::string.
#pragma once

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

namespace ruru {

// White-space sets for Trim.
inline constexpr std::string_view kBlanks = " \t";
inline constexpr std::string_view kSpaces = " \t\r\n\f\v";  // every isspace() character in the C locale

// `s` without the leading and trailing characters that are in `chars`. The result views `s`.
inline std::string_view Trim(std::string_view s, std::string_view chars = kBlanks) {
  while (!s.empty() && chars.find(s.front()) != std::string_view::npos) s.remove_prefix(1);
  while (!s.empty() && chars.find(s.back()) != std::string_view::npos) s.remove_suffix(1);
  return s;
}

inline char AsciiLower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

inline std::string ToLower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), AsciiLower);
  return out;
}

// ASCII case-insensitive equality (HTTP header names, schemes, tokens).
inline bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return AsciiLower(x) == AsciiLower(y); });
}

inline bool IStartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && IEquals(s.substr(0, prefix.size()), prefix);
}

inline bool IContains(std::string_view s, std::string_view needle) {
  for (size_t i = 0; i + needle.size() <= s.size(); ++i) {
    if (IEquals(s.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

// Printable text of an untrusted string for messages and logs: at most `max` bytes of it, bytes
// outside printable ASCII as \xNN, "..." when cut.
inline std::string Printable(std::string_view s, size_t max) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s.substr(0, max)) {
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  if (s.size() > max) out += "...";
  return out;
}

}  // namespace ruru
