// Pure parts of the migrator: the embedded list, checksums, the plan, error translation. No
// database needed (the "unreachable" tests only need a connection attempt to fail fast).
#include "db/migrator.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "db/pg/pg_error.h"
#include "tests/support/test_paths.h"

namespace ruru::db {
namespace {

AppliedMigration Applied(const Migration& m) { return {m.version, m.name, m.checksum, "2024-01-01T00:00:00.000000Z"}; }

std::vector<Migration> ThreeMigrations() {
  return {MakeMigration(1, "one", "CREATE TABLE one (x int);"), MakeMigration(2, "two", "CREATE TABLE two (x int);"),
          MakeMigration(3, "three", "CREATE TABLE three (x int);")};
}

TEST(Sha256Hex, MatchesKnownVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(MakeMigration, ChecksumIsSha256OfSql) {
  Migration m = MakeMigration(7, "seven", "SELECT 7;");
  EXPECT_EQ(m.version, 7);
  EXPECT_EQ(m.name, "seven");
  EXPECT_EQ(m.checksum, Sha256Hex("SELECT 7;"));
}

TEST(BuiltinMigrations, AreAscendingAndNamedLikeTheirFiles) {
  const auto& builtin = BuiltinMigrations();
  ASSERT_FALSE(builtin.empty());
  int previous = 0;
  for (const Migration& m : builtin) {
    EXPECT_GT(m.version, previous);
    previous = m.version;
    EXPECT_TRUE(std::regex_match(m.name, std::regex("[a-z][a-z0-9_]*"))) << m.name;
    EXPECT_EQ(m.checksum, Sha256Hex(m.sql)) << "V" << m.version << " embedded bytes differ from its checksum";
  }
  EXPECT_TRUE(PlanMigrations(builtin, {}).ok());
}

// The embedded copies are byte-identical to db/migrations/*.sql (so acsd needs no files).
TEST(BuiltinMigrations, MatchTheFilesInTheSourceTree) {
  std::map<int, std::pair<std::string, std::string>> files;  // version -> (name, bytes)
  const std::regex pattern("V([0-9]{4})__([a-z][a-z0-9_]*)\\.sql");
  for (const auto& entry : std::filesystem::directory_iterator(RURU_MIGRATIONS_DIR)) {
    const std::string file_name = entry.path().filename().string();
    std::smatch match;
    if (!std::regex_match(file_name, match, pattern)) {
      ADD_FAILURE() << "unexpected file in db/migrations: " << file_name;
      continue;
    }
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    files[std::stoi(match[1].str())] = {match[2].str(), bytes.str()};
  }
  const auto& builtin = BuiltinMigrations();
  ASSERT_EQ(builtin.size(), files.size());
  for (const Migration& m : builtin) {
    ASSERT_EQ(files.count(m.version), 1u) << m.version;
    EXPECT_EQ(m.name, files[m.version].first);
    EXPECT_EQ(m.sql, files[m.version].second);
  }
}

TEST(PlanMigrations, EmptyDatabaseNeedsAll) {
  auto plan = PlanMigrations(ThreeMigrations(), {});
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  ASSERT_EQ(plan->size(), 3u);
  EXPECT_EQ((*plan)[0].version, 1);
  EXPECT_EQ((*plan)[2].version, 3);
}

TEST(PlanMigrations, ReturnsOnlyTheMissingTail) {
  const auto known = ThreeMigrations();
  auto plan = PlanMigrations(known, {Applied(known[0]), Applied(known[1])});
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  ASSERT_EQ(plan->size(), 1u);
  EXPECT_EQ((*plan)[0].version, 3);
}

TEST(PlanMigrations, CurrentSchemaNeedsNothing) {
  const auto known = ThreeMigrations();
  auto plan = PlanMigrations(known, {Applied(known[0]), Applied(known[1]), Applied(known[2])});
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->empty());
}

TEST(PlanMigrations, RefusesUnknownNewerVersion) {
  const auto known = ThreeMigrations();
  AppliedMigration newer{9999, "from_the_future", "abc", ""};
  auto plan = PlanMigrations(known, {Applied(known[0]), newer});
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.error().code, ErrorCode::kConflict);
  EXPECT_NE(plan.error().message.find("V9999"), std::string::npos) << plan.error().message;
  EXPECT_NE(plan.error().message.find("newer acsd"), std::string::npos) << plan.error().message;
}

TEST(PlanMigrations, RefusesEditedMigration) {
  const auto known = ThreeMigrations();
  AppliedMigration edited = Applied(known[0]);
  edited.checksum = Sha256Hex("the file as it was released");
  auto plan = PlanMigrations(known, {edited});
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.error().code, ErrorCode::kConflict);
  EXPECT_NE(plan.error().message.find("V0001 (one)"), std::string::npos) << plan.error().message;
  EXPECT_NE(plan.error().message.find("edited"), std::string::npos) << plan.error().message;
}

TEST(PlanMigrations, RefusesOutOfOrderGap) {
  const auto known = ThreeMigrations();
  auto plan = PlanMigrations(known, {Applied(known[0]), Applied(known[2])});
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.error().code, ErrorCode::kConflict);
  EXPECT_NE(plan.error().message.find("V0002"), std::string::npos) << plan.error().message;
}

TEST(PlanMigrations, RejectsMalformedKnownList) {
  auto descending = ThreeMigrations();
  std::swap(descending[0], descending[1]);
  EXPECT_EQ(PlanMigrations(descending, {}).error().code, ErrorCode::kInvalidArgument);

  auto duplicate = ThreeMigrations();
  duplicate[1].version = 1;
  EXPECT_EQ(PlanMigrations(duplicate, {}).error().code, ErrorCode::kInvalidArgument);

  std::vector<Migration> zero = {MakeMigration(0, "zero", "SELECT 1")};
  EXPECT_EQ(PlanMigrations(zero, {}).error().code, ErrorCode::kInvalidArgument);

  std::vector<Migration> unnamed = {MakeMigration(1, "", "SELECT 1")};
  EXPECT_EQ(PlanMigrations(unnamed, {}).error().code, ErrorCode::kInvalidArgument);
}

TEST(PgErrorCode, FollowsSqlStateClasses) {
  EXPECT_EQ(pg::ErrorCodeForSqlState("08006"), ErrorCode::kUnavailable);  // connection_failure
  EXPECT_EQ(pg::ErrorCodeForSqlState("53300"), ErrorCode::kUnavailable);  // too_many_connections
  EXPECT_EQ(pg::ErrorCodeForSqlState("57014"), ErrorCode::kUnavailable);  // query_canceled
  EXPECT_EQ(pg::ErrorCodeForSqlState("57P01"), ErrorCode::kUnavailable);  // admin_shutdown
  EXPECT_EQ(pg::ErrorCodeForSqlState("55P03"), ErrorCode::kUnavailable);  // lock_not_available
  EXPECT_EQ(pg::ErrorCodeForSqlState("23505"), ErrorCode::kConflict);     // unique_violation
  EXPECT_EQ(pg::ErrorCodeForSqlState("40001"), ErrorCode::kConflict);     // serialization_failure
  EXPECT_EQ(pg::ErrorCodeForSqlState("22P02"), ErrorCode::kInvalidArgument);
  EXPECT_EQ(pg::ErrorCodeForSqlState("42P01"), ErrorCode::kInternal);  // undefined_table
  EXPECT_EQ(pg::ErrorCodeForSqlState("55000"), ErrorCode::kInternal);
  EXPECT_EQ(pg::ErrorCodeForSqlState(""), ErrorCode::kInternal);
}

// No server listens on a socket in a directory that does not exist: fails at once, no network.
TEST(MigrateUnreachable, MissingSocketIsUnavailable) {
  auto report = Migrate("host=/nonexistent/ruru-test port=5432 dbname=ruru connect_timeout=2", BuiltinMigrations());
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(report.error().message.find('\n'), std::string::npos) << report.error().message;

  auto version = CurrentVersion("host=/nonexistent/ruru-test port=5432 dbname=ruru connect_timeout=2");
  ASSERT_FALSE(version.ok());
  EXPECT_EQ(version.error().code, ErrorCode::kUnavailable);
}

TEST(MigrateUnreachable, RefusedTcpPortIsUnavailable) {
  // Port 1 on loopback: nothing listens there, so the kernel refuses at once.
  auto report = Migrate("postgresql://ruru@127.0.0.1:1/ruru?connect_timeout=2", BuiltinMigrations());
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().code, ErrorCode::kUnavailable) << report.error().message;
}

TEST(MigrateUnreachable, MalformedDsnIsAnError) {
  auto report = Migrate("this is = not a connection string", BuiltinMigrations());
  ASSERT_FALSE(report.ok());
}

}  // namespace
}  // namespace ruru::db
