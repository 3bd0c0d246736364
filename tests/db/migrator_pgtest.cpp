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

// V0008 turns inform_events and ip_history into partitioned tables during a rolling upgrade: the
// rows stay, and an older acsd still connected keeps working with statements it prepared before.
TEST_F(MigratorPgTest, PartitioningMigrationKeepsRowsAndStatementsPreparedBeforeIt) {
  std::vector<Migration> upto7;
  for (const Migration& m : BuiltinMigrations()) {
    if (m.version <= 7) upto7.push_back(m);
  }
  ASSERT_EQ(upto7.size(), 7u);
  ASSERT_TRUE(Migrate(dsn(), upto7).ok());
  Exec("INSERT INTO devices (oui, product_class, serial_number, registered_at) VALUES ('001122', 'PC', 'S1', now())");
  // A month of events, one ahead by three days (a node's clock off), and address history.
  Exec("INSERT INTO inform_events (device_id, received_at, code)"
       " SELECT 1, now() - g * interval '10 minutes', '2 PERIODIC' FROM generate_series(1, 4000) g");
  Exec("INSERT INTO inform_events (device_id, received_at, code) VALUES (1, now() + interval '3 days', 'AHEAD')");
  Exec("INSERT INTO ip_history (device_id, ip, kind, first_seen, last_seen)"
       " SELECT 1, '10.0.0.' || g, 'wan', now() - g * interval '1 day' - interval '1 hour', now() - g * interval '1 day'"
       " FROM generate_series(1, 200) g");
  const std::string max_id = QueryValue("SELECT max(id) FROM inform_events");

  // The older node: its statements prepared before the migration, executed after it.
  pqxx::connection old_node(dsn());
  old_node.prepare("old_event", "INSERT INTO inform_events (device_id, received_at, code, command_key)"
                                " VALUES ($1, now(), 'OLD', '') RETURNING id, tableoid::regclass::text");
  old_node.prepare("old_prune", "DELETE FROM inform_events WHERE id IN (SELECT id FROM inform_events"
                                " WHERE received_at < now() - interval '20 days' ORDER BY received_at LIMIT 10)");
  old_node.prepare("old_ip", "SELECT count(*) FROM ip_history WHERE device_id = $1");
  {
    pqxx::work tx(old_node);
    tx.exec_prepared("old_event", 1);  // used once before, so it is planned and cached
    tx.exec_prepared("old_ip", 1);
    tx.commit();
  }

  auto report = Migrate(dsn(), BuiltinMigrations());
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(QueryValue("SELECT relkind FROM pg_class WHERE relname = 'inform_events'"), "p");
  EXPECT_EQ(QueryValue("SELECT relkind FROM pg_class WHERE relname = 'ip_history'"), "p");
  EXPECT_EQ(QueryValue("SELECT count(*) FROM inform_events"), "4002");
  EXPECT_EQ(QueryValue("SELECT tableoid::regclass FROM inform_events WHERE code = 'AHEAD'"), "inform_events_default");
  // The old table is the first partition, named after the day it ends.
  EXPECT_EQ(QueryValue("SELECT count(*) FROM inform_events WHERE tableoid = ('inform_events_d' ||"
                       " to_char(now() AT TIME ZONE 'UTC', 'YYYYMMDD'))::regclass"),
            "4001");
  EXPECT_EQ(QueryValue("SELECT count(*) FROM ip_history WHERE tableoid = ('ip_history_m' ||"
                       " to_char(now() AT TIME ZONE 'UTC', 'YYYYMM'))::regclass"),
            "200");

  {
    pqxx::work tx(old_node);
    pqxx::row r = tx.exec_prepared1("old_event", 1);
    EXPECT_GT(r[0].as<int64_t>(), std::stoll(max_id));  // the one sequence goes on: no duplicate id
    EXPECT_EQ(r[1].as<std::string>().rfind("inform_events_d", 0), 0u) << r[1].as<std::string>();
    EXPECT_EQ(tx.exec_prepared0("old_prune").affected_rows(), 10u);
    EXPECT_EQ(tx.exec_prepared1("old_ip", 1)[0].as<int>(), 200);
    tx.commit();
  }
  EXPECT_EQ(QueryValue("SELECT count(*) FROM inform_events"), "3993");  // 4002 + 1 - 10
  EXPECT_EQ(QueryValue("SELECT count(DISTINCT id) FROM inform_events"), "3993");
  // Nothing older than V0008 is left behind under another name.
  EXPECT_FALSE(TableExists("inform_events_before_v8"));
  EXPECT_FALSE(TableExists("ip_history_before_v8"));
  // Dropping the old table's partition keeps the sequence (owned by the partitioned table).
  Exec("SELECT ruru_drop_range_partitions('inform_events', 'day', now() + interval '2 days')");
  EXPECT_EQ(QueryValue("SELECT count(*) FROM inform_events"), "1");  // the one ahead, in the default partition
  EXPECT_TRUE(TableExists("inform_events_id_seq"));
  Exec("INSERT INTO inform_events (device_id, received_at, code) VALUES (1, now(), 'NEW')");
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
