// The migrator against a real PostgreSQL: each test gets an empty database (PgTest).
#include <gtest/gtest.h>

#include <chrono>
#include <latch>
#include <pqxx/pqxx>
#include <regex>
#include <set>
#include <thread>

#include "db/migrator.h"
#include "tests/support/pg_test.h"

namespace ruru::db {
namespace {

using Rows = std::vector<std::vector<std::string>>;

class MigratorPgTest : public ruru::testing::PgTest {
 protected:
  Rows SchemaMigrations() {
    return Query("SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version");
  }
  bool TableExists(const std::string& table) {
    return QueryValue("SELECT to_regclass('" + table + "') IS NOT NULL") == "t";
  }
};

TEST_F(MigratorPgTest, AppliesBuiltinMigrationsToEmptyDatabase) {
  const auto& builtin = BuiltinMigrations();
  auto version = CurrentVersion(dsn());
  ASSERT_TRUE(version.ok()) << version.error().message;
  EXPECT_EQ(*version, 0);

  auto report = Migrate(dsn(), builtin);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->version_before, 0);
  EXPECT_EQ(report->version_after, builtin.back().version);
  ASSERT_EQ(report->applied.size(), builtin.size());
  for (size_t i = 0; i < builtin.size(); ++i) {
    EXPECT_EQ(report->applied[i].version, builtin[i].version);
    EXPECT_EQ(report->applied[i].name, builtin[i].name);
    EXPECT_TRUE(
        std::regex_match(report->applied[i].applied_at, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)")))
        << report->applied[i].applied_at;
  }

  EXPECT_EQ(QueryValue("SELECT count(*) FROM schema_migrations"), std::to_string(builtin.size()));
  EXPECT_EQ(*CurrentVersion(dsn()), builtin.back().version);
  // V0001's own content.
  EXPECT_EQ(QueryValue("SELECT length(value) FROM ruru_meta WHERE key = 'installation_id'"), "36");
}

TEST_F(MigratorPgTest, SecondRunChangesNothing) {
  ASSERT_TRUE(Migrate(dsn(), BuiltinMigrations()).ok());
  const Rows before = SchemaMigrations();
  const std::string installation = QueryValue("SELECT value FROM ruru_meta WHERE key = 'installation_id'");

  auto again = Migrate(dsn(), BuiltinMigrations());
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_TRUE(again->applied.empty());
  EXPECT_EQ(again->version_before, again->version_after);
  EXPECT_EQ(SchemaMigrations(), before);
  EXPECT_EQ(QueryValue("SELECT value FROM ruru_meta WHERE key = 'installation_id'"), installation);
}

TEST_F(MigratorPgTest, RecordsNameAndChecksumOfEachMigration) {
  std::vector<Migration> list = BuiltinMigrations();
  list.push_back(MakeMigration(list.back().version + 1, "add_extra", "CREATE TABLE extra (id int);"));
  ASSERT_TRUE(Migrate(dsn(), list).ok());

  const Rows rows = SchemaMigrations();
  ASSERT_EQ(rows.size(), list.size());
  for (size_t i = 0; i < list.size(); ++i) {
    EXPECT_EQ(rows[i][0], std::to_string(list[i].version));
    EXPECT_EQ(rows[i][1], list[i].name);
    EXPECT_EQ(rows[i][2], list[i].checksum);
    EXPECT_EQ(rows[i][2], Sha256Hex(list[i].sql));
  }
}

TEST_F(MigratorPgTest, RefusesDatabaseMigratedByNewerVersion) {
  ASSERT_TRUE(Migrate(dsn(), BuiltinMigrations()).ok());
  Exec("INSERT INTO schema_migrations (version, name, checksum) VALUES (9999, 'from_the_future', 'f00d')");
  const Rows before = SchemaMigrations();

  std::vector<Migration> list = BuiltinMigrations();
  list.push_back(MakeMigration(list.back().version + 1, "add_extra", "CREATE TABLE extra (id int);"));
  auto report = Migrate(dsn(), list);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().code, ErrorCode::kConflict);
  EXPECT_NE(report.error().message.find("V9999"), std::string::npos) << report.error().message;

  EXPECT_EQ(SchemaMigrations(), before);
  EXPECT_FALSE(TableExists("extra"));
}

TEST_F(MigratorPgTest, RefusesEditedMigration) {
  std::vector<Migration> released = {MakeMigration(1, "create_a", "CREATE TABLE a (id int);")};
  ASSERT_TRUE(Migrate(dsn(), released).ok());
  const Rows before = SchemaMigrations();

  std::vector<Migration> edited = {MakeMigration(1, "create_a", "CREATE TABLE a (id bigint);"),
                                   MakeMigration(2, "create_b", "CREATE TABLE b (id int);")};
  auto report = Migrate(dsn(), edited);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().code, ErrorCode::kConflict);
  EXPECT_NE(report.error().message.find("checksum"), std::string::npos) << report.error().message;
  EXPECT_EQ(SchemaMigrations(), before);
  EXPECT_FALSE(TableExists("b"));
}

TEST_F(MigratorPgTest, RefusesTamperedChecksumRecord) {
  ASSERT_TRUE(Migrate(dsn(), BuiltinMigrations()).ok());
  Exec("UPDATE schema_migrations SET checksum = 'tampered' WHERE version = 1");
  auto report = Migrate(dsn(), BuiltinMigrations());
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().code, ErrorCode::kConflict);
}

TEST_F(MigratorPgTest, FailingMigrationRollsBackAndKeepsEarlierOnes) {
  std::vector<Migration> list = {
      MakeMigration(1, "create_t1", "CREATE TABLE t1 (id int);"),
      MakeMigration(2, "broken", "CREATE TABLE t2 (id int); INSERT INTO no_such_table VALUES (1);"),
      MakeMigration(3, "create_t3", "CREATE TABLE t3 (id int);")};
  auto report = Migrate(dsn(), list);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().code, ErrorCode::kInternal);
  EXPECT_NE(report.error().message.find("V0002 (broken)"), std::string::npos) << report.error().message;
  EXPECT_NE(report.error().message.find("no_such_table"), std::string::npos) << report.error().message;
  EXPECT_EQ(report.error().message.find('\n'), std::string::npos) << report.error().message;

  EXPECT_EQ(QueryValue("SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_migrations"), "1");
  EXPECT_TRUE(TableExists("t1"));
  EXPECT_FALSE(TableExists("t2"));  // the half of V0002 that worked was rolled back too
  EXPECT_FALSE(TableExists("t3"));

  // Fixing the migration and running again picks up where it stopped.
  list[1] = MakeMigration(2, "broken", "CREATE TABLE t2 (id int);");
  auto fixed = Migrate(dsn(), list);
  ASSERT_TRUE(fixed.ok()) << fixed.error().message;
  ASSERT_EQ(fixed->applied.size(), 2u);
  EXPECT_EQ(fixed->version_before, 1);
  EXPECT_EQ(fixed->version_after, 3);
  EXPECT_TRUE(TableExists("t2"));
  EXPECT_TRUE(TableExists("t3"));
}

TEST_F(MigratorPgTest, ConcurrentRunsApplyEachMigrationOnce) {
  // Each migration appends a row, so applying one twice would show; the sleeps make the two runs
  // overlap for certain.
  std::vector<Migration> list;
  list.push_back(
      MakeMigration(1, "create_hits",
                    "CREATE TABLE hits (version int NOT NULL); INSERT INTO hits VALUES (1); SELECT pg_sleep(0.2);"));
  for (int v = 2; v <= 4; ++v) {
    list.push_back(MakeMigration(v, "hit_" + std::to_string(v),
                                 "INSERT INTO hits VALUES (" + std::to_string(v) + "); SELECT pg_sleep(0.1);"));
  }

  std::latch start(2);
  Result<MigrationReport> results[2] = {Internal("not run"), Internal("not run")};
  auto run = [&](int i) {
    start.arrive_and_wait();
    results[i] = Migrate(dsn(), list);
  };
  std::thread a(run, 0), b(run, 1);
  a.join();
  b.join();

  std::multiset<int> applied;
  for (auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.error().message;
    for (const auto& m : r->applied) applied.insert(m.version);
  }
  EXPECT_EQ(applied, (std::multiset<int>{1, 2, 3, 4}));
  EXPECT_EQ(QueryValue("SELECT string_agg(version::text, ',' ORDER BY version) FROM hits"), "1,2,3,4");
  EXPECT_EQ(QueryValue("SELECT count(*) FROM schema_migrations"), "4");
}

TEST_F(MigratorPgTest, WaitsForTheMigrationLockAndReleasesIt) {
  pqxx::connection holder(dsn());
  {
    pqxx::nontransaction tx(holder);
    tx.exec_params("SELECT pg_advisory_lock($1)", kMigrationLockKey);
  }
  Result<MigrationReport> result = Internal("not run");
  std::thread migrator([&] { result = Migrate(dsn(), BuiltinMigrations()); });

  // Wait (bounded, the machine may be slow) until Migrate() queues for the lock; while another
  // session holds it, Migrate() must not even create schema_migrations.
  const std::string waiting_sql =
      "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
      "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())";
  std::string waiting;
  for (int i = 0; i < 200 && waiting != "1"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    waiting = QueryValue(waiting_sql);
  }
  EXPECT_EQ(waiting, "1");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(TableExists("schema_migrations"));
  {
    pqxx::nontransaction tx(holder);
    tx.exec_params("SELECT pg_advisory_unlock($1)", kMigrationLockKey);
  }
  migrator.join();
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->applied.size(), BuiltinMigrations().size());

  // Released afterwards: another session can take it at once.
  pqxx::nontransaction tx(holder);
  EXPECT_TRUE(tx.exec_params1("SELECT pg_try_advisory_lock($1)", kMigrationLockKey)[0].as<bool>());
}

TEST_F(MigratorPgTest, ReadOnlyCallsChangeNothing) {
  auto applied = ListAppliedMigrations(dsn());
  ASSERT_TRUE(applied.ok()) << applied.error().message;
  EXPECT_TRUE(applied->empty());
  EXPECT_EQ(*CurrentVersion(dsn()), 0);
  EXPECT_FALSE(TableExists("schema_migrations"));

  ASSERT_TRUE(Migrate(dsn(), BuiltinMigrations()).ok());
  applied = ListAppliedMigrations(dsn());
  ASSERT_TRUE(applied.ok());
  ASSERT_EQ(applied->size(), BuiltinMigrations().size());
  EXPECT_EQ((*applied)[0].checksum, BuiltinMigrations()[0].checksum);
}

TEST_F(MigratorPgTest, MissingDatabaseIsUnavailable) {
  auto report = Migrate(ruru::testing::WithDatabase(dsn(), "ruru_no_such_database"), BuiltinMigrations());
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().code, ErrorCode::kUnavailable) << report.error().message;
}

}  // namespace
}  // namespace ruru::db
