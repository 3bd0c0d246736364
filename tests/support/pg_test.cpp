#include "tests/support/pg_test.h"

#include <libpq-fe.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <pqxx/pqxx>
#include <stdexcept>

#include "base/hex.h"
#include "db/migrator.h"

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

void PgTest::SetUp() { CreateDatabase(""); }

void PgTest::CreateDatabase(const std::string& template_name) {
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
    tx.exec0("CREATE DATABASE " + tx.quote_name(name) +
             (template_name.empty() ? std::string() : " TEMPLATE " + tx.quote_name(template_name)));
  } catch (const std::exception& e) {
    FAIL() << "creating test database " << name << ": " << e.what();
  }
  db_name_ = name;
}

namespace {

// "ruru_tmpl_" + the first 16 hex digits of SHA-256 over the builtin migrations' checksums.
std::string TemplateName() {
  std::string all;
  for (const db::Migration& m : db::BuiltinMigrations()) all += m.checksum + "\n";
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(all.data(), all.size(), digest, &size, EVP_sha256(), nullptr);
  return "ruru_tmpl_" + BytesToHex(std::string_view(reinterpret_cast<const char*>(digest), 8));
}

// Makes the template database once per cluster: under an advisory lock, a template that is not
// marked IS_TEMPLATE (a run died while migrating it) is dropped and made again.
std::string EnsureTemplate(const std::string& admin_dsn) {
  static std::mutex mu;
  static std::string ready;
  std::lock_guard lock(mu);
  if (!ready.empty()) return ready;
  const std::string name = TemplateName();
  pqxx::connection conn(admin_dsn);
  pqxx::nontransaction tx(conn);
  tx.exec("SELECT pg_advisory_lock(8247624141271295859)");
  struct Unlock {
    pqxx::nontransaction& tx;
    ~Unlock() {
      try {
        tx.exec("SELECT pg_advisory_unlock(8247624141271295859)");
      } catch (...) {
      }
    }
  } unlock{tx};
  const pqxx::result r = tx.exec_params("SELECT datistemplate FROM pg_database WHERE datname = $1", name);
  if (r.empty() || !r[0][0].as<bool>()) {
    tx.exec0("DROP DATABASE IF EXISTS " + tx.quote_name(name) + " WITH (FORCE)");
    tx.exec0("CREATE DATABASE " + tx.quote_name(name));
    auto migrated = db::Migrate(WithDatabase(admin_dsn, name), db::BuiltinMigrations());
    if (!migrated.ok()) throw std::runtime_error("migrating the template database: " + migrated.error().message);
    tx.exec0("ALTER DATABASE " + tx.quote_name(name) + " WITH IS_TEMPLATE true ALLOW_CONNECTIONS false");
  }
  ready = name;
  return ready;
}

}  // namespace

void MigratedPgTest::SetUp() {
  const char* admin = std::getenv("RURU_TEST_PG_DSN");
  if (admin == nullptr || *admin == '\0') {
    GTEST_SKIP() << "RURU_TEST_PG_DSN not set: PostgreSQL test skipped (run ./tests/run.sh)";
  }
  std::string template_name;
  try {
    template_name = EnsureTemplate(admin);
  } catch (const std::exception& e) {
    FAIL() << e.what();
  }
  CreateDatabase(template_name);
  options_.dsn = dsn();
  options_.connect_timeout = std::chrono::milliseconds(2000);
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
