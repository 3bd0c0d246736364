// Human-readable output of the API commands: tables, times, safe text, and lenient reads of the
// API's JSON (an unexpected type shows as empty, it never throws).
// acsctl is single-threaded: nothing here is shared between threads or kept past the command.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace ruru::acsctl {

using Json = nlohmann::json;
using SysTime = std::chrono::system_clock::time_point;

// Text from the API (ultimately from CPEs) made safe for a terminal: control characters become
// "\xNN", so a device cannot send escape sequences to the operator's terminal.
std::string Safe(std::string_view text);

// Lenient field reads: "" / nullopt for a missing key, null or another type.
const Json& Field(const Json& object, const std::string& key);  // null when missing or not an object
std::string Str(const Json& object, const std::string& key);
std::optional<int64_t> Int(const Json& object, const std::string& key);
std::optional<bool> Bool(const Json& object, const std::string& key);
// Any scalar as text: strings as they are, numbers and booleans in JSON form, null as "".
std::string Text(const Json& value);

// RFC 3339 ("2026-12-03T11:34:37.123Z", "...+02:00"). nullopt when malformed.
std::optional<SysTime> ParseRfc3339(std::string_view text);
// "45s ago", "3m ago", "5h ago", "12d ago"; "in 3m" for the future; "never" for "".
std::string Relative(const std::string& rfc3339, SysTime now);
// "2026-12-03T11:34:37.123Z (3m ago)", or "-" for "".
std::string TimeWithAge(const std::string& rfc3339, SysTime now);
// Whole seconds from `from` to `to` (rounded to nearest), nullopt when either is missing/malformed.
std::optional<int64_t> SecondsBetween(const std::string& from, const std::string& to);

// Aligned columns with a header row; cells are passed through Safe(). The last column is not
// padded.
class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  bool empty() const { return rows_.empty(); }
  void Print(std::ostream& out) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

// "key: value" lines with the keys aligned.
void PrintFields(std::ostream& out, const std::vector<std::pair<std::string, std::string>>& fields);

}  // namespace ruru::acsctl
