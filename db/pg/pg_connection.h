// Internal to db/pg: opening connections with the configured timeouts, a small pool for the
// stores, and the time conversions every statement uses (timestamps travel as microseconds since
// the Unix epoch: exact both ways, no text formats).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <pqxx/pqxx>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "db/inventory.h"
#include "db/pg/pg_inventory.h"

namespace ruru::db::pg {

inline int64_t ToMicros(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}
inline TimePoint FromMicros(int64_t us) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::microseconds(us)));
}

// SQL fragments for the conversions above (the parameter / column is spliced in by the caller's
// constant, never from input).
#define RURU_PG_TS(param) "(timestamptz 'epoch' + (" param ")::bigint * interval '1 microsecond')"
#define RURU_PG_US(column) "(extract(epoch from " column ") * 1000000)::bigint"

// `dsn` (URI or keyword/value) as a keyword/value string with connect_timeout (unless the dsn sets
// one) and fallback_application_name added. kUnavailable "malformed connection string" (without
// quoting it: it may hold a password) when libpq cannot parse it.
Result<std::string> BuildConnInfo(const std::string& dsn, std::chrono::milliseconds connect_timeout,
                                  std::string_view application_name);

// Opens a connection and sets statement_timeout. Errors as TranslateCurrentException.
Result<std::unique_ptr<pqxx::connection>> Connect(const std::string& conninfo,
                                                  std::chrono::milliseconds statement_timeout,
                                                  std::string_view context);

// False when the server has closed `conn` (restart, pg_terminate_backend, idle timeout): reads what
// is waiting on the socket without sending anything. Using such a connection would fail the next
// statement (and leak its result in libpqxx 6.4, which throws before it owns the PGresult).
bool StillOpen(pqxx::connection& conn);

// A NULL-able text parameter: "" is sent as SQL NULL (libpqxx 6 sends a null const char* as NULL).
inline const char* NullIfEmpty(const std::string& s) { return s.empty() ? nullptr : s.c_str(); }

// Pool set-up shared by the stores whose statements must be planned with their values
// (plan_cache_mode = force_custom_plan; each caller says why), then prepares `statements`.
template <class Statements>
void PrepareWithCustomPlans(pqxx::connection& conn, const Statements& statements) {
  pqxx::nontransaction tx(conn);
  tx.exec0("SET plan_cache_mode = force_custom_plan");
  tx.commit();
  for (const auto& s : statements) conn.prepare(s.name, s.sql);
}

// At most `size` connections, opened on demand, dropped when they break. Thread-safe.
class ConnectionPool {
 public:
  // Called on every new connection (prepare statements there); may throw pqxx exceptions.
  using Setup = std::function<void(pqxx::connection&)>;
  ConnectionPool(PgOptions options, std::string application_name, Setup setup);
  ~ConnectionPool();

  // Runs `fn` with a connection. A pqxx exception becomes an Error via TranslateCurrentException
  // (prefixed with `context`); a connection that broke is discarded, and when it was an idle pooled
  // one (e.g. the server restarted since) `fn` runs once more on a fresh connection: it had not
  // been able to change anything. `fn` must be safe to run twice in that sense (its transaction
  // never committed). kUnavailable when no connection can be had within connect_timeout.
  Status Run(std::string_view context, const std::function<void(pqxx::connection&)>& fn);

 private:
  Result<std::unique_ptr<pqxx::connection>> Take(std::string_view context, bool* reused);
  void Give(std::unique_ptr<pqxx::connection> conn);

  const PgOptions options_;
  const std::string application_name_;
  const Setup setup_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;
  int in_use_ = 0;
};

}  // namespace ruru::db::pg
