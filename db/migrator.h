// Schema migrations: numbered SQL files (db/migrations/V0001__<name>.sql) embedded in the binary
// at build time and applied in order by `acsd migrate`. See docs/operations.md for the rules a
// migration must follow (expand/contract) and how to operate it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace ruru::db {

// The PostgreSQL advisory lock (session level, one bigint key) that Migrate() holds while it
// reads and changes the schema, so that acsd nodes migrating at the same time take turns.
// The key is "rurumigr" in ASCII: SELECT pg_advisory_lock(8247624141271295858).
inline constexpr std::int64_t kMigrationLockKey = 0x727572756d696772;

struct Migration {
  int version = 0;       // > 0; the number in V0001__...; applied in ascending order
  std::string name;      // the <name> part of the file name, snake_case
  std::string sql;       // the file's bytes; may hold several statements, run in one transaction
  std::string checksum;  // lowercase hex SHA-256 of sql
};

// One row of the schema_migrations table.
struct AppliedMigration {
  int version = 0;
  std::string name;
  std::string checksum;
  std::string applied_at;  // RFC 3339, UTC, e.g. "2024-05-01T12:00:00.123456Z"
};

struct MigrationReport {
  int version_before = 0;                 // highest applied version before the call (0: none)
  int version_after = 0;                  // highest applied version after the call
  std::vector<AppliedMigration> applied;  // what this call applied, ascending; empty if up to date
};

// The migrations compiled into this binary from db/migrations/, ascending by version. Never empty.
const std::vector<Migration>& BuiltinMigrations();

// Builds a Migration whose checksum is the SHA-256 of sql. For tests and tools that supply their
// own list; the builtin ones already carry the checksum of their file.
Migration MakeMigration(int version, std::string name, std::string sql);

// Lowercase hex SHA-256 of data.
std::string Sha256Hex(std::string_view data);

// Pure decision: which of `known` must still be applied, given what the database has recorded.
// Returns them in ascending order (empty if the schema is current). Returns kInvalidArgument if
// `known` is not strictly ascending with positive versions or has an empty name, and kConflict
// (apply nothing) if the database
//   - records a version that `known` does not contain (a newer acsd migrated it), or
//   - records a checksum that differs from the known migration's (a released file was edited), or
//   - lacks a known version lower than its highest recorded one (it would be applied out of order).
Result<std::vector<Migration>> PlanMigrations(const std::vector<Migration>& known,
                                              const std::vector<AppliedMigration>& applied);

// Connects to dsn (a libpq connection string or URI), takes kMigrationLockKey (waiting as long as
// another session holds it), creates schema_migrations if missing, then applies what
// PlanMigrations() returns, each migration and its schema_migrations row in one transaction with
// lock_timeout 10s. Stops at the first failing migration: that one is rolled back entirely, the
// ones before it stay applied, and the error names it.
// Errors: kUnavailable if the database cannot be reached or a lock timed out; kConflict or
// kInvalidArgument as PlanMigrations() (nothing is changed then); kInternal for a migration's SQL
// error. Safe to call concurrently from several threads or hosts; each migration is applied once.
Result<MigrationReport> Migrate(const std::string& dsn, const std::vector<Migration>& migrations);

// The highest version recorded in schema_migrations; 0 if the table is missing or empty.
// Changes nothing. Errors: kUnavailable if the database cannot be reached.
Result<int> CurrentVersion(const std::string& dsn);

// The rows of schema_migrations, ascending; empty if the table is missing. Changes nothing.
Result<std::vector<AppliedMigration>> ListAppliedMigrations(const std::string& dsn);

}  // namespace ruru::db
