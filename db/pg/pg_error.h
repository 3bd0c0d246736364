// Internal to db/pg: turning libpqxx exceptions into ruru::Error at the database boundary.
// Nothing above db/pg sees a pqxx exception.
#pragma once

#include <string_view>

#include "base/result.h"

namespace ruru::db::pg {

// The ErrorCode for a PostgreSQL SQLSTATE (five characters, e.g. "23505"):
// 08 (connection), 53 (resources), 57 (operator intervention, e.g. statement timeout or shutdown),
// 58 (system), 55P03 (lock timeout) -> kUnavailable; 23 (integrity), 40 (rollback: serialization
// failure, deadlock) -> kConflict; 22 (data) -> kInvalidArgument; anything else -> kInternal.
ErrorCode ErrorCodeForSqlState(std::string_view sqlstate);

// Translates the exception being handled; call only from inside a catch block. The message is
// "<context>: <first line of the server's or libpq's message>" and never contains the query text
// or the connection string.
Error TranslateCurrentException(std::string_view context);

}  // namespace ruru::db::pg
