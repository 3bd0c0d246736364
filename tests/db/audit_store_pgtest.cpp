// The audit log on a real PostgreSQL (db/audit_store.h, migration V0005): what is written comes
// back with every field, filters narrow it, nothing can be changed or deleted row by row, and
// retention drops whole monthly partitions.
#include <gtest/gtest.h>

#include <chrono>
#include <pqxx/pqxx>

#include "db/audit_store.h"
#include "db/migrator.h"
#include "db/pg/pg_inventory.h"
#include "tests/support/pg_test.h"

namespace ruru::db {
namespace {

using namespace std::chrono_literals;

class AuditStorePgTest : public ruru::testing::MigratedPgTest {
 protected:
  void SetUp() override {
    MigratedPgTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    const pg::PgOptions& options = options_;
    audit_ = pg::OpenAuditStore(options);
  }
  void TearDown() override {
    audit_.reset();
    PgTest::TearDown();
  }

  AuditEntry Entry(const std::string& actor, const std::string& action, const std::string& result) {
    AuditEntry e;
    e.at = std::chrono::system_clock::now();
    e.actor = actor;
    e.role = "helpdesk";
    e.action = action;
    e.target = "device:7";
    e.device_id = 7;
    e.params_json = R"({"type": "reboot"})";
    e.reason = "ticket 4711";
    e.result = result;
    e.status = result == "ok" ? 201 : 403;
    e.request_id = "req-1";
    return e;
  }

  std::unique_ptr<AuditStore> audit_;
};

TEST_F(AuditStorePgTest, AppendedEntriesComeBackNewestFirstWithEveryField) {
  auto a = audit_->Append(Entry("desk-1", "tasks.create.reboot", "ok"));
  ASSERT_TRUE(a.ok()) << a.error().message;
  AuditEntry b = Entry("desk-1", "tasks.create.factory_reset", "reason_required");
  b.device_id.reset();
  b.status.reset();
  ASSERT_TRUE(audit_->Append(b).ok());
  auto all = audit_->Find({});
  ASSERT_TRUE(all.ok()) << all.error().message;
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].action, "tasks.create.factory_reset");
  EXPECT_FALSE((*all)[0].device_id.has_value());
  EXPECT_FALSE((*all)[0].status.has_value());
  const AuditEntry& e = (*all)[1];
  EXPECT_EQ(e.id, *a);
  EXPECT_EQ(e.actor, "desk-1");
  EXPECT_EQ(e.role, "helpdesk");
  EXPECT_EQ(e.target, "device:7");
  EXPECT_EQ(e.device_id, 7);
  EXPECT_EQ(e.params_json, R"({"type": "reboot"})");
  EXPECT_EQ(e.reason, "ticket 4711");
  EXPECT_EQ(e.result, "ok");
  EXPECT_EQ(e.status, 201);
  EXPECT_EQ(e.request_id, "req-1");
}

TEST_F(AuditStorePgTest, FiltersNarrowTheLog) {
  ASSERT_TRUE(audit_->Append(Entry("desk-1", "tasks.create.reboot", "ok")).ok());
  ASSERT_TRUE(audit_->Append(Entry("desk-1", "tasks.create.transfer", "forbidden")).ok());
  ASSERT_TRUE(audit_->Append(Entry("ops", "tokens.write", "ok")).ok());
  AuditEntry other = Entry("ops", "devices.delete", "ok");
  other.device_id = 8;
  ASSERT_TRUE(audit_->Append(other).ok());
  auto count = [&](AuditQuery q) {
    auto r = audit_->Find(q);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? r->size() : 0u;
  };
  EXPECT_EQ(count({.actor = "desk-1"}), 2u);
  EXPECT_EQ(count({.action = "tasks.create."}), 2u);  // a prefix ending in '.'
  EXPECT_EQ(count({.action = "tasks.create"}), 0u);   // otherwise exact
  EXPECT_EQ(count({.action = "tokens.write"}), 1u);
  EXPECT_EQ(count({.device_id = 8}), 1u);
  EXPECT_EQ(count({.result = "denied"}), 1u);
  EXPECT_EQ(count({.since = std::chrono::system_clock::now() + 1h}), 0u);
  EXPECT_EQ(count({.until = std::chrono::system_clock::now() + 1h}), 4u);
  auto page = audit_->Find({.limit = 3});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 3u);
  EXPECT_EQ(count({.before_id = page->back().id}), 1u);
  EXPECT_EQ(audit_->Find({.limit = 0}).error().code, ErrorCode::kInvalidArgument);
}

TEST_F(AuditStorePgTest, EntriesCannotBeChangedOrDeleted) {
  ASSERT_TRUE(audit_->Append(Entry("desk-1", "tasks.create.reboot", "ok")).ok());
  for (const char* sql :
       {"UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log", "TRUNCATE audit_log"}) {
    pqxx::connection conn(dsn());
    pqxx::work tx(conn);
    EXPECT_THROW(tx.exec(sql), pqxx::sql_error) << sql;
  }
  EXPECT_EQ(QueryValue("SELECT actor FROM audit_log"), "desk-1");
  EXPECT_EQ(QueryValue("SELECT count(*) FROM audit_log"), "1");
}

TEST_F(AuditStorePgTest, BadEntriesAreRefusedAndLargeParametersCut) {
  AuditEntry no_actor = Entry("", "tasks.create.reboot", "ok");
  EXPECT_EQ(audit_->Append(no_actor).error().code, ErrorCode::kInvalidArgument);
  AuditEntry long_reason = Entry("desk-1", "tasks.create.reboot", "ok");
  long_reason.reason = std::string(501, 'r');
  EXPECT_EQ(audit_->Append(long_reason).error().code, ErrorCode::kInvalidArgument);
  AuditEntry not_object = Entry("desk-1", "tasks.create.reboot", "ok");
  not_object.params_json = "[1]";
  EXPECT_EQ(audit_->Append(not_object).error().code, ErrorCode::kInvalidArgument);
  AuditEntry big = Entry("desk-1", "tags.bulk", "ok");
  big.params_json = R"({"serials": ")" + std::string(20000, 's') + R"("})";
  ASSERT_TRUE(audit_->Append(big).ok());
  EXPECT_EQ(QueryValue("SELECT params->>'truncated' FROM audit_log"), "true");
  EXPECT_EQ(QueryValue("SELECT count(*) FROM audit_log"), "1");
}

TEST_F(AuditStorePgTest, RetentionDropsWholeMonthsAndPartitionsAreMadeAhead) {
  const auto now = std::chrono::system_clock::now();
  AuditEntry old = Entry("ops", "tokens.write", "ok");
  old.at = now;
  ASSERT_TRUE(audit_->Append(old).ok());
  // Two months on, with 30 days of retention: this month's partition ends before the cut.
  auto dropped = audit_->MaintainPartitions(now + 24h * 62, std::chrono::hours(24 * 30));
  ASSERT_TRUE(dropped.ok()) << dropped.error().message;
  EXPECT_GE(*dropped, 1);
  EXPECT_EQ(QueryValue("SELECT count(*) FROM audit_log"), "0");
  // The months of "now + 62 days" and the next exist, so writing then lands in a monthly partition.
  AuditEntry later = Entry("ops", "tokens.write", "ok");
  later.at = now + 24h * 62;
  ASSERT_TRUE(audit_->Append(later).ok());
  EXPECT_EQ(QueryValue("SELECT tableoid::regclass::text LIKE 'audit_log_y%' FROM audit_log"), "t");
  // Idempotent.
  auto again = audit_->MaintainPartitions(now + 24h * 62, std::chrono::hours(24 * 30));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);
  EXPECT_EQ(QueryValue("SELECT count(*) FROM audit_log"), "1");
}

}  // namespace
}  // namespace ruru::db
