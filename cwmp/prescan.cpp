#include "cwmp/prescan.h"

#include <cstdint>

namespace ruru::cwmp::internal {
namespace {

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// Decodes one UTF-8 sequence at s[i]; returns its length or 0 when invalid.
size_t Utf8SequenceLength(std::string_view s, size_t i, uint32_t* cp) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  }
  size_t len;
  uint32_t min;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, *cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, *cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, *cp = b0 & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    *cp = (*cp << 6) | (b & 0x3F);
  }
  if (*cp < min || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF)) return 0;
  return len;
}

bool IsXmlChar(uint32_t cp) {
  return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
         (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

// Checks "&...;" at s[i] (s[i] == '&'); returns the length of the reference or 0 when not allowed.
size_t CheckReference(std::string_view s, size_t i) {
  static constexpr std::string_view kNamed[] = {"&lt;", "&gt;", "&amp;", "&quot;", "&apos;"};
  const std::string_view rest = s.substr(i);
  for (auto named : kNamed) {
    if (StartsWith(rest, named)) return named.size();
  }
  if (!StartsWith(rest, "&#")) return 0;
  size_t k = 2;
  const bool hex = rest.size() > 2 && rest[2] == 'x';
  if (hex) ++k;
  uint64_t cp = 0;
  const size_t digits_start = k;
  for (; k < rest.size() && k < digits_start + 8; ++k) {
    const char c = rest[k];
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (hex && c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (hex && c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else break;
    cp = cp * (hex ? 16 : 10) + static_cast<uint64_t>(d);
  }
  if (k == digits_start || k >= rest.size() || rest[k] != ';') return 0;
  if (cp > 0x10FFFF || !IsXmlChar(static_cast<uint32_t>(cp))) return 0;
  return k + 1;
}

// Reads encoding="..." from an XML declaration (without the "<?xml" and "?>").
std::string_view DeclaredEncoding(std::string_view decl) {
  const size_t pos = decl.find("encoding");
  if (pos == std::string_view::npos) return {};
  size_t i = pos + 8;
  while (i < decl.size() && (decl[i] == ' ' || decl[i] == '=' || decl[i] == '\t')) ++i;
  if (i >= decl.size() || (decl[i] != '"' && decl[i] != '\'')) return {};
  const char quote = decl[i++];
  const size_t end = decl.find(quote, i);
  if (end == std::string_view::npos) return {};
  return decl.substr(i, end - i);
}

}  // namespace

bool IsValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    uint32_t cp;
    const size_t n = Utf8SequenceLength(s, i, &cp);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

bool IsXmlSafeText(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    uint32_t cp;
    const size_t n = Utf8SequenceLength(s, i, &cp);
    if (n == 0 || !IsXmlChar(cp)) return false;
    i += n;
  }
  return true;
}

Result<Screened> Screen(std::string_view body, size_t max_bytes, unsigned max_depth) {
  Screened out;
  if (body.size() > max_bytes) {
    return InvalidArgument("body of " + std::to_string(body.size()) + " bytes exceeds the cap of " +
                           std::to_string(max_bytes));
  }
  if (StartsWith(body, "\xEF\xBB\xBF")) body.remove_prefix(3);
  size_t start = 0;
  while (start < body.size() && (body[start] == ' ' || body[start] == '\t' || body[start] == '\r' ||
                                 body[start] == '\n')) {
    ++start;
  }
  body.remove_prefix(start);
  if (body.empty()) {
    out.empty = true;
    return out;
  }
  if (body[0] != '<') return InvalidArgument("not an XML document: it does not start with '<'");

  bool latin1 = false;
  if (StartsWith(body, "<?xml")) {
    const size_t end = body.find("?>");
    if (end == std::string_view::npos) return InvalidArgument("unterminated XML declaration");
    const std::string_view enc = DeclaredEncoding(body.substr(5, end - 5));
    if (enc.empty() || EqualsIgnoreCase(enc, "utf-8") || EqualsIgnoreCase(enc, "utf8") ||
        EqualsIgnoreCase(enc, "us-ascii") || EqualsIgnoreCase(enc, "ascii")) {
      latin1 = false;
    } else if (EqualsIgnoreCase(enc, "iso-8859-1") || EqualsIgnoreCase(enc, "latin1") ||
               EqualsIgnoreCase(enc, "iso_8859-1") || EqualsIgnoreCase(enc, "windows-1252")) {
      latin1 = true;
      if (!EqualsIgnoreCase(enc, "iso-8859-1")) out.warnings.push_back("encoding " + std::string(enc) + " read as ISO-8859-1");
    } else {
      return InvalidArgument("unsupported XML encoding \"" + std::string(enc.substr(0, 40)) + "\"");
    }
    body.remove_prefix(end + 2);
  }

  // One pass: NUL bytes, DTD constructs, entity references, element depth and UTF-8 validity.
  // Inside a tag we only track quotes, so a '>' or '/' in an attribute value is not mistaken.
  unsigned depth = 0;
  bool in_tag = false;
  bool closing_tag = false;
  char quote = 0;
  for (size_t i = 0; i < body.size();) {
    const char c = body[i];
    if (c == '\0') return InvalidArgument("NUL byte at offset " + std::to_string(i));
    if (in_tag) {
      if (quote != 0) {
        if (c == quote) quote = 0;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '>') {
        in_tag = false;
        if (closing_tag) {
          if (depth > 0) --depth;
        } else if (i > 0 && body[i - 1] == '/') {
          --depth;  // <empty/>
        }
      } else if (c == '<') {
        return InvalidArgument("'<' inside a tag at offset " + std::to_string(i));
      }
    } else if (c == '<' && i + 1 < body.size() && body[i + 1] == '!') {
      const std::string_view rest = body.substr(i);
      if (StartsWith(rest, "<![CDATA[")) {
        const size_t end = body.find("]]>", i);
        if (end == std::string_view::npos) return InvalidArgument("unterminated CDATA section");
        // CDATA content is literal, but must still be valid text.
        const std::string_view cdata = body.substr(i + 9, end - i - 9);
        if (!latin1 && !IsValidUtf8(cdata)) return InvalidArgument("invalid UTF-8 in CDATA section");
        if (cdata.find('\0') != std::string_view::npos) return InvalidArgument("NUL byte in CDATA section");
        i = end + 3;
        continue;
      }
      if (StartsWith(rest, "<!--")) {
        const size_t end = body.find("-->", i + 4);
        if (end == std::string_view::npos) return InvalidArgument("unterminated XML comment");
        i = end + 3;
        continue;
      }
      return InvalidArgument("DTD declarations (<!DOCTYPE, <!ENTITY, ...) are not allowed");
    } else if (c == '<' && i + 1 < body.size() && body[i + 1] == '?') {
      // Processing instructions after the prolog are legal XML but unused by CWMP: skip them.
      const size_t end = body.find("?>", i + 2);
      if (end == std::string_view::npos) return InvalidArgument("unterminated processing instruction");
      i = end + 2;
      continue;
    } else if (c == '<') {
      in_tag = true;
      closing_tag = i + 1 < body.size() && body[i + 1] == '/';
      if (!closing_tag && ++depth > max_depth) {
        return InvalidArgument("XML nesting deeper than " + std::to_string(max_depth) + " elements");
      }
    }
    if (c == '&') {
      const size_t n = CheckReference(body, i);
      if (n == 0) return InvalidArgument("undefined entity or invalid character reference at offset " + std::to_string(i));
      i += n;
      continue;
    }
    if (static_cast<unsigned char>(c) < 0x80 || latin1) {
      ++i;
      continue;
    }
    uint32_t cp;
    const size_t n = Utf8SequenceLength(body, i, &cp);
    if (n == 0) return InvalidArgument("invalid UTF-8 at offset " + std::to_string(i));
    i += n;
  }
  if (in_tag) return InvalidArgument("truncated message: end of input inside a tag");

  if (latin1) {
    out.owned.reserve(body.size() + body.size() / 8);
    for (const char ch : body) {
      const auto b = static_cast<unsigned char>(ch);
      if (b < 0x80) {
        out.owned.push_back(ch);
      } else {
        out.owned.push_back(static_cast<char>(0xC0 | (b >> 6)));
        out.owned.push_back(static_cast<char>(0x80 | (b & 0x3F)));
      }
    }
    out.transcoded = true;
  } else {
    out.view = body;
  }
  return out;
}

}  // namespace ruru::cwmp::internal
