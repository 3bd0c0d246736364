// Two-person approvals on a real PostgreSQL (db/approval_store.h, migration V0006): the requester
// can never approve (the store and the table both refuse), the first decision wins when two
// approvers race, an expired approval cannot be decided, Finish records the answer once.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <pqxx/pqxx>
#include <thread>
#include <vector>

#include "db/approval_store.h"
#include "db/migrator.h"
#include "db/pg/pg_inventory.h"
#include "tests/support/pg_test.h"

namespace ruru::db {
namespace {

using namespace std::chrono_literals;

const TimePoint kT0 = TimePoint(std::chrono::seconds(1767225600));  // 2026-01-01T00:00:00Z

class ApprovalStorePgTest : public ruru::testing::MigratedPgTest {
 protected:
  void SetUp() override {
    MigratedPgTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    store_ = pg::OpenApprovalStore(options_);
  }
  void TearDown() override {
    store_.reset();
    PgTest::TearDown();
  }
  Approval Create(const std::string& by = "alice", TimePoint now = kT0) {
    NewApproval n;
    n.action = "tags.bulk";
    n.method = "POST";
    n.target = "/api/v1/tags/quarantine/devices";
    n.content_type = "application/json";
    n.body = R"({"serial_numbers":["S1"]})";
    n.requested_by = by;
    n.requested_role = "security";
    n.reason = "INC-1";
    n.now = now;
    n.expires_at = now + 1h;
    auto a = store_->Create(n);
    EXPECT_TRUE(a.ok()) << (a.ok() ? "" : a.error().message);
    return a.ok() ? *a : Approval{};
  }

  std::unique_ptr<ApprovalStore> store_;
};

TEST_F(ApprovalStorePgTest, CreateStoresTheCallAndTheRequesterCanNeverApprove) {
  const Approval a = Create();
  EXPECT_EQ(a.state, "pending");
  EXPECT_EQ(a.created_at, kT0);
  EXPECT_EQ(a.expires_at, kT0 + 1h);
  auto got = store_->Get(a.id, kT0 + 1s);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->body, R"({"serial_numbers":["S1"]})");
  EXPECT_EQ(got->requested_by, "alice");
  auto self = store_->Decide(a.id, true, "alice", "security", "", kT0 + 1s);
  ASSERT_FALSE(self.ok());
  EXPECT_EQ(self.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->Get(a.id, kT0 + 1s)->state, "pending");
  // The table refuses it too, whatever writes it.
  {
    pqxx::connection conn(dsn());
    pqxx::work tx(conn);
    EXPECT_THROW(tx.exec("UPDATE approvals SET state = 'approved', decided_by = requested_by WHERE id = " +
                         std::to_string(a.id)),
                 pqxx::check_violation);
  }
  // The requester may withdraw (reject) it.
  auto withdrawn = store_->Decide(a.id, false, "alice", "security", "mistake", kT0 + 2s);
  ASSERT_TRUE(withdrawn.ok()) << withdrawn.error().message;
  EXPECT_EQ(withdrawn->state, "rejected");
  EXPECT_EQ(store_->Decide(a.id, true, "bob", "security", "", kT0 + 3s).error().code, ErrorCode::kConflict);
  EXPECT_FALSE(store_->Create(NewApproval{}).ok());  // nothing required given
}

TEST_F(ApprovalStorePgTest, TheFirstOfTwoRacingApproversWinsAndFinishRecordsTheAnswerOnce) {
  const Approval a = Create();
  std::atomic<int> ok{0}, conflict{0};
  std::vector<std::thread> approvers;
  for (int i = 0; i < 8; ++i) {
    approvers.emplace_back([&, i] {
      auto store = pg::OpenApprovalStore(options_);
      auto d = store->Decide(a.id, true, "approver-" + std::to_string(i), "admin", "", kT0 + 1s);
      (d.ok() ? ok : conflict)++;
    });
  }
  for (auto& t : approvers) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(conflict.load(), 7);
  auto finished = store_->Finish(a.id, 200, R"({"changed": 1})", kT0 + 2s);
  ASSERT_TRUE(finished.ok()) << finished.error().message;
  EXPECT_EQ(finished->state, "executed");
  EXPECT_EQ(finished->result_status, 200);
  EXPECT_EQ(finished->result_json, R"({"changed": 1})");
  EXPECT_EQ(store_->Finish(a.id, 200, "{}", kT0 + 3s).error().code, ErrorCode::kConflict);
  // A failed call is recorded as failed.
  const Approval b = Create();
  ASSERT_TRUE(store_->Decide(b.id, true, "bob", "admin", "", kT0 + 1s).ok());
  EXPECT_EQ(store_->Finish(b.id, 409, R"({"error":{}})", kT0 + 2s)->state, "failed");
}

TEST_F(ApprovalStorePgTest, AnExpiredApprovalReadsExpiredAndCannotBeDecided) {
  const Approval a = Create();
  EXPECT_EQ(store_->Get(a.id, kT0 + 2h)->state, "expired");
  auto pending = store_->List("pending", 0, 50, kT0 + 2h);
  ASSERT_TRUE(pending.ok());
  EXPECT_TRUE(pending->empty());
  EXPECT_EQ(store_->List("expired", 0, 50, kT0 + 2h)->size(), 1u);
  auto late = store_->Decide(a.id, true, "bob", "admin", "", kT0 + 2h);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, ErrorCode::kConflict);
  EXPECT_NE(late.error().message.find("expired"), std::string::npos) << late.error().message;
  EXPECT_EQ(QueryValue("SELECT state FROM approvals WHERE id = " + std::to_string(a.id)), "expired");
  EXPECT_EQ(store_->Decide(999999, true, "bob", "admin", "", kT0).error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(store_->List("", 0, 0, kT0).ok());  // limit 1..1000
}

// A node that stopped between an approval and the end of its call: once old enough, the approval is
// failed as interrupted; recent ones (a call may still be running elsewhere) and finished ones stay.
TEST_F(ApprovalStorePgTest, ApprovalsInterruptedBeforeTheirCallFinishedAreFailedWhenOldEnough) {
  const Approval old_one = Create();
  const Approval recent = Create();
  const Approval done = Create();
  const Approval waiting = Create();
  ASSERT_TRUE(store_->Decide(old_one.id, true, "bob", "admin", "", kT0 + 1min).ok());
  ASSERT_TRUE(store_->Decide(recent.id, true, "bob", "admin", "", kT0 + 30min).ok());
  ASSERT_TRUE(store_->Decide(done.id, true, "bob", "admin", "", kT0 + 1min).ok());
  ASSERT_TRUE(store_->Finish(done.id, 200, "{}", kT0 + 2min).ok());
  auto failed = store_->FailInterrupted(kT0 + 20min, kT0 + 35min);
  ASSERT_TRUE(failed.ok()) << failed.error().message;
  EXPECT_EQ(*failed, 1);
  auto a = store_->Get(old_one.id, kT0 + 35min);
  EXPECT_EQ(a->state, "failed");
  EXPECT_FALSE(a->result_status.has_value());
  EXPECT_NE(a->result_json.find("interrupted"), std::string::npos) << a->result_json;
  EXPECT_EQ(store_->Get(recent.id, kT0 + 35min)->state, "approved");
  EXPECT_EQ(store_->Get(done.id, kT0 + 35min)->state, "executed");
  EXPECT_EQ(store_->Get(waiting.id, kT0 + 35min)->state, "pending");
  // The call that finishes late cannot overwrite it.
  EXPECT_EQ(store_->Finish(old_one.id, 200, "{}", kT0 + 36min).error().code, ErrorCode::kConflict);
  EXPECT_EQ(*store_->FailInterrupted(kT0 + 20min, kT0 + 40min), 0);
}

}  // namespace
}  // namespace ruru::db
