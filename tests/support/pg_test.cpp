#include "tests/support/pg_test.h"

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <pqxx/pqxx>

namespace ruru::testing {
namespace {

std::string Quote(const char* value) {
  std::string out = "'";
  for (const char* p = value; *p; ++p) {
    if (*p == '\'' || *p == '\\') out.push_back('\\');
    out.push_back(*p);
  }
  return out + "'";
}

}  // namespace

std::string WithDatabase(const std::string& dsn, const std::string& dbname) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(dsn.c_str(), &error);
  if (options == nullptr) {
    PQfreemem(error);
    return "";
  }
  std::string out;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr || std::string(o->keyword) == "dbname") continue;
    out += std::string(o->keyword) + "=" + Quote(o->val) + " ";
  }
  PQconninfoFree(options);
  return out + "dbname=" + Quote(dbname.c_str());
}

void PgTest::SetUp() {
  const char* admin = std::getenv("RURU_TEST_PG_DSN");
  if (admin == nullptr || *admin == '\0') {
    GTEST_SKIP() << "RURU_TEST_PG_DSN not set: PostgreSQL test skipped (run ./tests/run.sh)";
  }
  admin_dsn_ = admin;
  // The pid keeps parallel test processes apart; the counter keeps tests within one process apart.
  static std::atomic<int> counter{0};
  const std::string name = "ruru_t_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
  dsn_ = WithDatabase(admin_dsn_, name);
  ASSERT_FALSE(dsn_.empty()) << "RURU_TEST_PG_DSN is not a valid libpq connection string";
  try {
    pqxx::connection conn(admin_dsn_);
    pqxx::nontransaction tx(conn);
    // A leftover from a crashed run with a recycled pid would make CREATE fail.
    tx.exec0("DROP DATABASE IF EXISTS " + tx.quote_name(name) + " WITH (FORCE)");
    tx.exec0("CREATE DATABASE " + tx.quote_name(name));
  } catch (const std::exception& e) {
    FAIL() << "creating test database " << name << ": " << e.what();
  }
  db_name_ = name;
}

void PgTest::TearDown() {
  if (db_name_.empty()) return;
  try {
    pqxx::connection conn(admin_dsn_);
    pqxx::nontransaction tx(conn);
    tx.exec0("DROP DATABASE IF EXISTS " + tx.quote_name(db_name_) + " WITH (FORCE)");
  } catch (const std::exception& e) {
    ADD_FAILURE() << "dropping test database " << db_name_ << ": " << e.what();
  }
  db_name_.clear();
}

void PgTest::Exec(const std::string& sql) {
  try {
    pqxx::connection conn(dsn_);
    pqxx::work tx(conn);
    tx.exec(sql);
    tx.commit();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "Exec(" << sql << "): " << e.what();
  }
}

std::vector<std::vector<std::string>> PgTest::Query(const std::string& sql) {
  std::vector<std::vector<std::string>> rows;
  try {
    pqxx::connection conn(dsn_);
    pqxx::read_transaction tx(conn);
    for (const pqxx::row& row : tx.exec(sql)) {
      std::vector<std::string>& out = rows.emplace_back();
      for (const pqxx::field& field : row) out.push_back(field.is_null() ? "<null>" : field.c_str());
    }
  } catch (const std::exception& e) {
    ADD_FAILURE() << "Query(" << sql << "): " << e.what();
  }
  return rows;
}

std::string PgTest::QueryValue(const std::string& sql) {
  auto rows = Query(sql);
  return rows.empty() || rows[0].empty() ? "" : rows[0][0];
}

}  // namespace ruru::testing
