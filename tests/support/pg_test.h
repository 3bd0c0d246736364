// PgTest: a gtest fixture for tests that need a real PostgreSQL (files named *_pgtest.cpp, ctest
// label "pg"). See docs/testing.md.
//
// RURU_TEST_PG_DSN names a server and a role allowed to CREATE DATABASE (tests/run.sh starts a
// private cluster and sets it). Unset: every PgTest is skipped, not failed, so a plain `ctest`
// works on a machine without PostgreSQL. Set: SetUp() creates an empty database named
// ruru_t_<pid>_<n> and TearDown() drops it (WITH (FORCE)), so tests may run in parallel processes
// and leave nothing behind.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "db/pg/pg_inventory.h"

namespace ruru::testing {

class PgTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // A libpq keyword/value connection string for this test's database.
  const std::string& dsn() const { return dsn_; }
  const std::string& database_name() const { return db_name_; }

  // Helpers for arranging and checking state; each opens its own connection and fails the test
  // (ADD_FAILURE) on any error. Query() returns rows of text values, NULL as "<null>".
  void Exec(const std::string& sql);
  std::vector<std::vector<std::string>> Query(const std::string& sql);
  std::string QueryValue(const std::string& sql);  // first column of the first row, "" if none

  // Creates the test's database as a copy of `template_name` ("" = empty), for SetUp overrides.
  void CreateDatabase(const std::string& template_name);
  const std::string& admin_dsn() const { return admin_dsn_; }

 private:
  std::string admin_dsn_;
  std::string db_name_;
  std::string dsn_;
};

// A PgTest whose database starts with the schema of db::BuiltinMigrations() applied: a copy
// (CREATE DATABASE ... TEMPLATE) of a template database that the first test of a cluster migrates
// (under an advisory lock, so parallel test processes migrate it once), named after the
// migrations' checksums so a changed migration gets a new template. options_ points at the copy.
class MigratedPgTest : public PgTest {
 protected:
  void SetUp() override;
  db::pg::PgOptions options_;
};

// Returns `dsn` (any libpq form: URI or keyword/value) with its database replaced by `dbname`,
// as a keyword/value string. Empty on a malformed dsn.
std::string WithDatabase(const std::string& dsn, const std::string& dbname);

}  // namespace ruru::testing
