#include "db/pg/pg_connection.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cstring>

#include "db/pg/pg_error.h"

namespace ruru::db::pg {
namespace {

constexpr char kSetStatementTimeout[] = "SELECT set_config('statement_timeout', $1, false)";

void AppendConnValue(std::string& out, std::string_view keyword, std::string_view value) {
  if (!out.empty()) out.push_back(' ');
  out.append(keyword);
  out += "='";
  for (char c : value) {
    if (c == '\'' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('\'');
}

}  // namespace

Result<std::string> BuildConnInfo(const std::string& dsn, std::chrono::milliseconds connect_timeout,
                                  std::string_view application_name) {
  char* errmsg = nullptr;
  PQconninfoOption* options = PQconninfoParse(dsn.c_str(), &errmsg);
  if (errmsg != nullptr) PQfreemem(errmsg);
  if (options == nullptr) return Unavailable("connecting to PostgreSQL: malformed connection string");
  std::string out;
  bool has_timeout = false;
  bool has_fallback_name = false;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    if (std::strcmp(o->keyword, "connect_timeout") == 0) has_timeout = true;
    if (std::strcmp(o->keyword, "fallback_application_name") == 0) has_fallback_name = true;
    AppendConnValue(out, o->keyword, o->val);
  }
  PQconninfoFree(options);
  if (!has_timeout) {
    // libpq counts whole seconds (and treats 1 as 2); round up so a short timeout is not "none".
    const auto seconds = std::max<int64_t>(1, (connect_timeout.count() + 999) / 1000);
    AppendConnValue(out, "connect_timeout", std::to_string(seconds));
  }
  if (!has_fallback_name) AppendConnValue(out, "fallback_application_name", application_name);
  return out;
}

Result<std::unique_ptr<pqxx::connection>> Connect(const std::string& conninfo,
                                                  std::chrono::milliseconds statement_timeout,
                                                  std::string_view context) {
  try {
    auto conn = std::make_unique<pqxx::connection>(conninfo);
    pqxx::nontransaction tx(*conn);
    tx.exec_params(kSetStatementTimeout, std::to_string(statement_timeout.count()));
    tx.commit();
    return conn;
  } catch (...) {
    return TranslateCurrentException(context);
  }
}

bool StillOpen(pqxx::connection& conn) {
  try {
    // The first read may return the server's FATAL message, the second sees the end of the stream.
    for (int i = 0; i < 2 && conn.is_open(); ++i) conn.get_notifs();
    return conn.is_open();
  } catch (...) {
    return false;
  }
}

ConnectionPool::ConnectionPool(PgOptions options, std::string application_name, Setup setup)
    : options_(std::move(options)), application_name_(std::move(application_name)), setup_(std::move(setup)) {}

ConnectionPool::~ConnectionPool() = default;

Result<std::unique_ptr<pqxx::connection>> ConnectionPool::Take(std::string_view context, bool* reused) {
  {
    std::unique_lock lock(mu_);
    const int size = std::max(1, options_.pool_size);
    if (!cv_.wait_for(lock, options_.connect_timeout, [&] { return in_use_ < size; })) {
      return Unavailable(std::string(context) + ": all database connections are busy");
    }
    ++in_use_;
    while (!idle_.empty()) {
      std::unique_ptr<pqxx::connection> conn = std::move(idle_.back());
      idle_.pop_back();
      if (!StillOpen(*conn)) continue;  // closed by the server while idle: open a new one
      *reused = true;
      return conn;
    }
  }
  *reused = false;
  // Connect outside the lock: it can take up to connect_timeout.
  Result<std::string> conninfo = BuildConnInfo(options_.dsn, options_.connect_timeout, application_name_);
  Result<std::unique_ptr<pqxx::connection>> conn =
      conninfo.ok() ? Connect(*conninfo, options_.statement_timeout, std::string(context) + ": connecting")
                    : Result<std::unique_ptr<pqxx::connection>>(conninfo.error());
  if (conn.ok() && setup_) {
    try {
      setup_(**conn);
    } catch (...) {
      conn = TranslateCurrentException(std::string(context) + ": preparing statements");
    }
  }
  if (!conn.ok()) {
    std::lock_guard lock(mu_);
    --in_use_;
    cv_.notify_one();
  }
  return conn;
}

void ConnectionPool::Give(std::unique_ptr<pqxx::connection> conn) {
  std::lock_guard lock(mu_);
  --in_use_;
  if (conn && conn->is_open()) idle_.push_back(std::move(conn));
  cv_.notify_one();
}

Status ConnectionPool::Run(std::string_view context, const std::function<void(pqxx::connection&)>& fn) {
  for (int attempt = 0;; ++attempt) {
    bool reused = false;
    Result<std::unique_ptr<pqxx::connection>> taken = Take(context, &reused);
    if (!taken.ok()) return taken.error();
    std::unique_ptr<pqxx::connection> conn = std::move(*taken);
    bool retry = false;
    Status status;
    try {
      fn(*conn);
    } catch (const pqxx::in_doubt_error&) {
      status = TranslateCurrentException(context);
      conn.reset();
    } catch (const pqxx::broken_connection&) {
      status = TranslateCurrentException(context);
      conn.reset();
      retry = reused && attempt == 0;
    } catch (...) {
      status = TranslateCurrentException(context);
      if (!conn->is_open()) {  // e.g. FATAL 57P01 (terminated by the administrator) on an idle connection
        conn.reset();
        retry = reused && attempt == 0;
      }
    }
    Give(std::move(conn));
    if (!retry) return status;
  }
}

}  // namespace ruru::db::pg
