// The REST API's value syntax (docs/api.md): times, ids, cursors, query strings, tags, phone
// numbers and other text checks. Pure functions; every parser returns kInvalidArgument with a
// message fit for the API client.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "acs/access/base64url.h"
#include "base/result.h"

namespace ruru::acs::api {

using TimePoint = std::chrono::system_clock::time_point;

// RFC 3339 UTC with milliseconds: "2026-12-03T11:34:37.123Z".
std::string FormatTime(TimePoint t);
// RFC 3339: a date, "T" (or "t"), a time with optional fraction (at most 9 digits), and "Z" or an
// offset "+hh:mm"/"-hh:mm". Years 1970..9999.
Result<TimePoint> ParseTime(std::string_view text);

// Opaque list cursors: base64url of "<kind>:<id>", so a cursor of one list is refused by another.
std::string EncodeCursor(char kind, int64_t id);
Result<int64_t> DecodeCursor(char kind, std::string_view cursor);

// A positive int64 written in decimal (no sign, no leading zero, no spaces). `what` names it in
// the error ("device id").
Result<int64_t> ParsePositiveId(std::string_view text, std::string_view what);
// A decimal integer in [min, max].
Result<int64_t> ParseInteger(std::string_view text, int64_t min, int64_t max, std::string_view what);
Result<bool> ParseBool(std::string_view text, std::string_view what);  // "true" | "false"

// Strict percent-decoding ("%" must be followed by two hex digits); '+' means a space only when
// `plus_is_space` (query strings). The result must be valid UTF-8 without NUL.
Result<std::string> PercentDecode(std::string_view text, bool plus_is_space);
// "a=1&b=x%20y": every name at most once (a repeated name is an error), names and values decoded.
// An empty query gives an empty map; "a" without "=" has the value "".
Result<std::map<std::string, std::string>> ParseQuery(std::string_view query);

bool IsValidUtf8(std::string_view text);
// Valid UTF-8 without control characters (C0, DEL), 1..max_bytes long.
Status CheckText(std::string_view text, size_t max_bytes, std::string_view what);

// A tag: 1..64 of [A-Za-z0-9_.:-], the first a letter or digit.
bool IsValidTag(std::string_view tag);
// E.164: "+" and 6..15 digits.
bool IsValidPhone(std::string_view phone);
// A textual IPv4 or IPv6 address; returns its canonical form.
Result<std::string> ParseIpAddress(std::string_view text);

// The deepest nesting of arrays/objects in JSON text (strings skipped), for refusing hostile input
// before a parser sees it. Stops counting at `limit` + 1.
int JsonDepth(std::string_view text, int limit);

// The media type of a Content-Type value, lowercased, parameters dropped: "application/json".
std::string MediaType(std::string_view content_type);

// Lines of an uploaded serial-number list. text/plain: one serial per line. text/csv: the first
// column (quoted or not), an optional header "serial_number" on the first line. Both: leading and
// trailing spaces trimmed, blank lines and lines starting with '#' ignored, duplicates dropped.
// Each serial is checked (CheckText, 64 bytes); at most `max_items`.
Result<std::vector<std::string>> ParseSerialList(std::string_view body, bool csv, size_t max_items);

}  // namespace ruru::acs::api
