#include "acs/api/values.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <set>

#include "base/asio.h"
#include "base/strings.h"

namespace ruru::acs::api {
namespace {

// Howard Hinnant's civil-date algorithms (proleptic Gregorian, days since 1970-01-01).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned DaysInMonth(int64_t y, unsigned m) {
  static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

bool Digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string Short(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 64)) out.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c);
  if (text.size() > 64) out += "...";
  return out;
}

}  // namespace

std::string FormatTime(TimePoint t) {
  const int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  int64_t days = ms / 86400000;
  int64_t rem = ms % 86400000;
  if (rem < 0) {
    rem += 86400000;
    --days;
  }
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, y, m, d);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<long long>(y), m, d,
                static_cast<int>(rem / 3600000), static_cast<int>(rem / 60000 % 60), static_cast<int>(rem / 1000 % 60),
                static_cast<int>(rem % 1000));
  return buf;
}

Result<TimePoint> ParseTime(std::string_view s) {
  const auto bad = [&] {
    return InvalidArgument("'" + Short(s) + "' is not an RFC 3339 time (e.g. 2026-12-03T11:34:37Z)");
  };
  int year, month, day, hour, minute, second;
  if (!Digits(s, 0, 4, year) || s.size() < 20 || s[4] != '-' || !Digits(s, 5, 2, month) || s[7] != '-' ||
      !Digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't') || !Digits(s, 11, 2, hour) || s[13] != ':' ||
      !Digits(s, 14, 2, minute) || s[16] != ':' || !Digits(s, 17, 2, second)) {
    return bad();
  }
  if (year < 1970 || month < 1 || month > 12 || day < 1 || static_cast<unsigned>(day) > DaysInMonth(year, month) ||
      hour > 23 || minute > 59 || second > 59) {
    return bad();
  }
  size_t pos = 19;
  int64_t nanos = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (++digits > 9) return bad();
      nanos = nanos * 10 + (s[pos] - '0');
      ++pos;
    }
    if (digits == 0) return bad();
    for (size_t i = digits; i < 9; ++i) nanos *= 10;
  }
  int64_t offset_minutes = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!Digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !Digits(s, pos + 4, 2, om) ||
        oh > 23 || om > 59) {
      return bad();
    }
    offset_minutes = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return bad();
  }
  if (pos != s.size()) return bad();
  const int64_t secs = DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second -
                       offset_minutes * 60;
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::seconds(secs) +
                                                                   std::chrono::nanoseconds(nanos)));
}

std::string EncodeCursor(char kind, int64_t id) {
  return access::Base64UrlEncode(std::string(1, kind) + ":" + std::to_string(id));
}

Result<int64_t> DecodeCursor(char kind, std::string_view cursor) {
  const Error bad = InvalidArgument("cursor: not a cursor of this list (pass next_cursor unchanged)");
  if (cursor.empty() || cursor.size() > 40) return bad;
  auto raw = access::Base64UrlDecode(cursor);
  if (!raw.ok() || raw->size() < 3 || (*raw)[0] != kind || (*raw)[1] != ':') return bad;
  auto id = ParsePositiveId(std::string_view(*raw).substr(2), "cursor");
  if (!id.ok()) return bad;
  return *id;
}

Result<int64_t> ParsePositiveId(std::string_view text, std::string_view what) {
  const auto bad = [&] { return InvalidArgument(std::string(what) + ": '" + Short(text) + "' is not a positive integer id"); };
  if (text.empty() || text.size() > 19 || text[0] == '0') return bad();
  int64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return bad();
    const int digit = c - '0';
    if (v > (std::numeric_limits<int64_t>::max() - digit) / 10) return bad();
    v = v * 10 + digit;
  }
  return v;
}

Result<int64_t> ParseInteger(std::string_view text, int64_t min, int64_t max, std::string_view what) {
  const auto bad = [&] {
    return InvalidArgument(std::string(what) + ": '" + Short(text) + "' is not an integer from " + std::to_string(min) +
                           " to " + std::to_string(max));
  };
  std::string_view digits = text;
  bool negative = false;
  if (!digits.empty() && digits[0] == '-') {
    negative = true;
    digits.remove_prefix(1);
  }
  if (digits.empty() || digits.size() > 18) return bad();
  int64_t v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return bad();
    v = v * 10 + (c - '0');
  }
  if (negative) v = -v;
  if (v < min || v > max) return bad();
  return v;
}

Result<bool> ParseBool(std::string_view text, std::string_view what) {
  if (text == "true") return true;
  if (text == "false") return false;
  return InvalidArgument(std::string(what) + ": '" + Short(text) + "' is not true or false");
}

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t n;
    uint32_t cp;
    if ((c & 0xe0) == 0xc0) {
      n = 1;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;  // truncated sequence
    for (size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

Status CheckText(std::string_view text, size_t max_bytes, std::string_view what) {
  if (text.empty()) return InvalidArgument(std::string(what) + ": must not be empty");
  if (text.size() > max_bytes) {
    return InvalidArgument(std::string(what) + ": longer than " + std::to_string(max_bytes) + " bytes");
  }
  if (!IsValidUtf8(text)) return InvalidArgument(std::string(what) + ": not valid UTF-8");
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return InvalidArgument(std::string(what) + ": control characters are not allowed");
    }
  }
  return Status::Ok();
}

Result<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return InvalidArgument("bad percent-escape in URL");
      const int hi = HexValue(text[i + 1]);
      const int lo = HexValue(text[i + 2]);
      if (hi < 0 || lo < 0) return InvalidArgument("bad percent-escape in URL");
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  if (out.find('\0') != std::string::npos || !IsValidUtf8(out)) {
    return InvalidArgument("URL: decoded text is not valid UTF-8 or holds NUL");
  }
  return out;
}

Result<std::map<std::string, std::string>> ParseQuery(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (part.empty()) continue;
    const size_t eq = part.find('=');
    auto name = PercentDecode(part.substr(0, eq), true);
    if (!name.ok()) return name.error();
    auto value = PercentDecode(eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1), true);
    if (!value.ok()) return value.error();
    if (name->empty()) return InvalidArgument("query: a parameter without a name");
    if (out.count(*name) > 0) return InvalidArgument("query: parameter '" + Short(*name) + "' given twice");
    out.emplace(std::move(*name), std::move(*value));
  }
  return out;
}

bool IsValidTag(std::string_view tag) {
  if (tag.empty() || tag.size() > 64) return false;
  const auto alnum = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(tag[0])) return false;
  return std::all_of(tag.begin(), tag.end(),
                     [&](char c) { return alnum(c) || c == '_' || c == '.' || c == ':' || c == '-'; });
}

bool IsValidPhone(std::string_view phone) {
  if (phone.size() < 7 || phone.size() > 16 || phone[0] != '+') return false;
  return std::all_of(phone.begin() + 1, phone.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Result<std::string> ParseIpAddress(std::string_view text) {
  if (text.empty() || text.size() > 64) return InvalidArgument("ip: not an IP address");
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(std::string(text), ec);
  if (ec) return InvalidArgument("ip: '" + Short(text) + "' is not an IPv4 or IPv6 address");
  return address.to_string();
}

int JsonDepth(std::string_view text, int limit) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
      if (deepest > limit) return deepest;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

std::string MediaType(std::string_view content_type) {
  std::string out(Trim(content_type.substr(0, content_type.find(';')), " \t\r"));
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

Result<std::vector<std::string>> ParseSerialList(std::string_view body, bool csv, size_t max_items) {
  if (!IsValidUtf8(body)) return InvalidArgument("the list is not valid UTF-8");
  std::vector<std::string> out;
  std::set<std::string> seen;
  bool first = true;
  size_t line_no = 0;
  while (!body.empty()) {
    const size_t nl = body.find('\n');
    std::string_view line = Trim(body.substr(0, nl), " \t\r");
    body = nl == std::string_view::npos ? std::string_view() : body.substr(nl + 1);
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    std::string serial;
    if (csv) {
      if (line[0] == '"') {
        size_t i = 1;
        bool closed = false;
        for (; i < line.size(); ++i) {
          if (line[i] == '"') {
            if (i + 1 < line.size() && line[i + 1] == '"') {
              serial.push_back('"');
              ++i;
            } else {
              closed = true;
              ++i;
              break;
            }
          } else {
            serial.push_back(line[i]);
          }
        }
        if (!closed || (i < line.size() && line[i] != ',')) {
          return InvalidArgument("line " + std::to_string(line_no) + ": bad CSV quoting");
        }
      } else {
        serial = std::string(line.substr(0, line.find(',')));
      }
      serial = std::string(Trim(serial, " \t\r"));
      if (first) {
        first = false;
        std::string lower = serial;
        for (char& c : lower) {
          if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        }
        if (lower == "serial_number") continue;
      }
      if (serial.empty()) continue;
    } else {
      serial = std::string(line);
    }
    if (Status st = CheckText(serial, 64, "line " + std::to_string(line_no)); !st.ok()) return st.error();
    if (!seen.insert(serial).second) continue;
    if (out.size() >= max_items) {
      return InvalidArgument("the list names more than " + std::to_string(max_items) + " serial numbers");
    }
    out.push_back(std::move(serial));
  }
  if (out.empty()) return InvalidArgument("the list names no serial number");
  return out;
}

}  // namespace ruru::acs::api
