#include "db/pg/pg_error.h"

#include <exception>
#include <pqxx/pqxx>
#include <string>

namespace ruru::db::pg {
namespace {

// Server messages span several lines ("ERROR:  ...\nLINE 1: ...\n ^"); libpq's connection
// messages put a useful hint on the second line. Error messages are one line (base/result.h), so:
// keep the first line for SQL errors, join all lines for the rest, and collapse runs of spaces.
std::string OneLine(std::string_view text, bool first_line_only) {
  if (first_line_only) text = text.substr(0, text.find('\n'));
  std::string out;
  for (char c : text) {
    if (c == '\n' || c == '\t' || c == '\r') c = ' ';
    if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
    out.push_back(c);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string Join(std::string_view context, const std::string& detail) {
  std::string message(context);
  message += ": ";
  message += detail;
  return message;
}

}  // namespace

ErrorCode ErrorCodeForSqlState(std::string_view sqlstate) {
  if (sqlstate == "55P03") return ErrorCode::kUnavailable;  // lock_not_available (lock_timeout)
  const std::string_view cls = sqlstate.substr(0, 2);
  if (cls == "08" || cls == "53" || cls == "57" || cls == "58") return ErrorCode::kUnavailable;
  if (cls == "23" || cls == "40") return ErrorCode::kConflict;
  if (cls == "22") return ErrorCode::kInvalidArgument;
  return ErrorCode::kInternal;
}

Error TranslateCurrentException(std::string_view context) {
  try {
    throw;
  } catch (const pqxx::broken_connection& e) {  // includes too_many_connections
    return Unavailable(Join(context, OneLine(e.what(), false)));
  } catch (const pqxx::in_doubt_error& e) {
    return Unavailable(Join(context, "connection lost during COMMIT, outcome unknown: " + OneLine(e.what(), false)));
  } catch (const pqxx::transaction_rollback& e) {  // serialization failure, deadlock
    return Conflict(Join(context, OneLine(e.what(), true)));
  } catch (const pqxx::sql_error& e) {
    std::string detail = OneLine(e.what(), true);
    if (!e.sqlstate().empty()) detail += " (SQLSTATE " + e.sqlstate() + ")";
    return Error{ErrorCodeForSqlState(e.sqlstate()), Join(context, detail)};
  } catch (const std::exception& e) {  // pqxx::usage_error, conversion_error, std::bad_alloc, ...
    return Internal(Join(context, OneLine(e.what(), false)));
  } catch (...) {
    return Internal(Join(context, "unknown exception"));
  }
}

}  // namespace ruru::db::pg
