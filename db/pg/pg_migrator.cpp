// The PostgreSQL half of db/migrator.h. What to apply is decided by PlanMigrations(); this file
// only reads the record, takes the lock and runs the transactions.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "db/migrator.h"
#include "db/pg/pg_error.h"

namespace ruru::db {
namespace {

constexpr char kTableExists[] = "SELECT to_regclass('schema_migrations') IS NOT NULL";

// Created by the runner rather than by a migration, so that V0001 is recorded like any other.
constexpr char kCreateTable[] = R"sql(
CREATE TABLE schema_migrations (
    version    integer     PRIMARY KEY,
    name       text        NOT NULL,
    checksum   text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
))sql";

constexpr char kSelectApplied[] = R"sql(
SELECT version, name, checksum,
       to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
FROM schema_migrations ORDER BY version)sql";

constexpr char kInsertApplied[] = R"sql(
INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)
RETURNING to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))sql";

constexpr char kTryLock[] = "SELECT pg_try_advisory_lock($1)";
constexpr char kLock[] = "SELECT pg_advisory_lock($1)";
constexpr char kUnlock[] = "SELECT pg_advisory_unlock($1)";

// A migration that waits for a table lock queues every later query on that table behind it, so
// running traffic stalls. Better to fail after a bounded wait and let the operator retry. A
// migration may still override this with its own SET LOCAL lock_timeout.
constexpr char kSetLockTimeout[] = "SET LOCAL lock_timeout = '10s'";

spdlog::logger& Log() {
  static const std::shared_ptr<spdlog::logger> logger = [] {
    if (auto existing = spdlog::get("db")) return existing;
    auto created = spdlog::default_logger()->clone("db");
    spdlog::register_logger(created);
    return created;
  }();
  return *logger;
}

std::string Label(int version, const std::string& name) { return fmt::format("V{:04d} ({})", version, name); }

// Server NOTICEs (e.g. from DROP ... IF EXISTS) go to the log, not to stderr.
class NoticeLogger final : public pqxx::errorhandler {
 public:
  explicit NoticeLogger(pqxx::connection_base& conn) : pqxx::errorhandler(conn) {}
  bool operator()(const char msg[]) noexcept override {
    try {
      std::string text(msg);
      while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
      Log().debug("postgres: {}", text);
    } catch (...) {
    }
    return false;
  }
};

bool TableExists(pqxx::transaction_base& tx) { return tx.exec1(kTableExists)[0].as<bool>(); }

std::vector<AppliedMigration> ReadApplied(pqxx::transaction_base& tx) {
  std::vector<AppliedMigration> applied;
  if (!TableExists(tx)) return applied;
  for (const pqxx::row& row : tx.exec(kSelectApplied)) {
    applied.push_back(AppliedMigration{row[0].as<int>(), row[1].as<std::string>(), row[2].as<std::string>(),
                                       row[3].as<std::string>()});
  }
  return applied;
}

// Holds kMigrationLockKey for its lifetime. Closing the connection would release the lock too;
// unlocking explicitly keeps that true if the connection ever comes from a pool.
class MigrationLock {
 public:
  explicit MigrationLock(pqxx::connection& conn) : conn_(conn) {
    pqxx::nontransaction tx(conn_);
    if (!tx.exec_params1(kTryLock, kMigrationLockKey)[0].as<bool>()) {
      Log().info("another session holds the migration lock ({}); waiting for it", kMigrationLockKey);
      tx.exec_params(kLock, kMigrationLockKey);
    }
  }
  ~MigrationLock() {
    try {
      pqxx::nontransaction tx(conn_);
      tx.exec_params(kUnlock, kMigrationLockKey);
    } catch (...) {
      // The connection is gone, and with it the lock.
    }
  }
  MigrationLock(const MigrationLock&) = delete;
  MigrationLock& operator=(const MigrationLock&) = delete;

 private:
  pqxx::connection& conn_;
};

// Reads schema_migrations with a fresh connection; used by the read-only entry points.
Result<std::vector<AppliedMigration>> ReadAppliedFrom(const std::string& dsn) {
  try {
    pqxx::connection conn(dsn);
    NoticeLogger notices(conn);
    pqxx::read_transaction tx(conn);
    return ReadApplied(tx);
  } catch (...) {
    return pg::TranslateCurrentException("reading schema_migrations");
  }
}

}  // namespace

Result<MigrationReport> Migrate(const std::string& dsn, const std::vector<Migration>& migrations) {
  std::unique_ptr<pqxx::connection> conn;
  try {
    conn = std::make_unique<pqxx::connection>(dsn);
  } catch (...) {
    return pg::TranslateCurrentException("connecting to the database");
  }
  NoticeLogger notices(*conn);

  std::unique_ptr<MigrationLock> lock;
  std::vector<AppliedMigration> applied;
  try {
    lock = std::make_unique<MigrationLock>(*conn);
    pqxx::work tx(*conn);
    if (!TableExists(tx)) tx.exec0(kCreateTable);
    applied = ReadApplied(tx);
    tx.commit();
  } catch (...) {
    return pg::TranslateCurrentException("preparing migrations");
  }

  Result<std::vector<Migration>> plan = PlanMigrations(migrations, applied);
  if (!plan.ok()) return plan.error();

  MigrationReport report;
  for (const AppliedMigration& a : applied) report.version_before = std::max(report.version_before, a.version);
  report.version_after = report.version_before;

  for (const Migration& m : *plan) {
    const std::string label = Label(m.version, m.name);
    Log().info("applying migration {}", label);
    const auto start = std::chrono::steady_clock::now();
    try {
      pqxx::work tx(*conn);
      tx.exec0(kSetLockTimeout);
      tx.exec(m.sql);
      const pqxx::row row = tx.exec_params1(kInsertApplied, m.version, m.name, m.checksum);
      tx.commit();
      report.applied.push_back(AppliedMigration{m.version, m.name, m.checksum, row[0].as<std::string>()});
      report.version_after = m.version;
    } catch (...) {
      Error error = pg::TranslateCurrentException("migration " + label + " failed, rolled back");
      Log().error("{}", error.message);
      return error;
    }
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    Log().info("applied migration {} in {} ms", label, ms.count());
  }
  return report;
}

Result<int> CurrentVersion(const std::string& dsn) {
  Result<std::vector<AppliedMigration>> applied = ReadAppliedFrom(dsn);
  if (!applied.ok()) return applied.error();
  int version = 0;
  for (const AppliedMigration& a : *applied) version = std::max(version, a.version);
  return version;
}

Result<std::vector<AppliedMigration>> ListAppliedMigrations(const std::string& dsn) { return ReadAppliedFrom(dsn); }

}  // namespace ruru::db
