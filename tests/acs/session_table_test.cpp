// The CWMP endpoint's session table (acs/endpoint/session_table.h) in process and in simulated
// time: one session per device, replacement of abandoned sessions, the max_sessions cap, expiry
// by the sessions' own clock, the per-address connection cap.
#include "acs/endpoint/session_table.h"

#include <gtest/gtest.h>

#include "base/clock.h"

namespace ruru::acs::endpoint {
namespace {

using namespace std::chrono_literals;
using ClaimResult = SessionTable::ClaimResult;

class SessionTableTest : public ::testing::Test {
 protected:
  SessionPtr NewSession(const std::string& id, const std::string& serial, const std::shared_ptr<Conn>& conn) {
    auto s = std::make_shared<AcsSession>(clock_, 30s);
    s->id = id;
    s->key = {"OUI", "PC", serial};
    s->conn = conn;
    return s;
  }
  std::shared_ptr<Conn> NewConn(uint64_t id, const std::string& peer = "10.0.0.1") {
    auto c = std::make_shared<Conn>();
    c->id = id;
    c->peer = peer;
    return c;
  }
  ManualClock clock_;
  SessionTable table_{3};
};

TEST_F(SessionTableTest, ASecondSessionOfADeviceIsRefusedWhileTheFirstOnesConnectionIsAlive) {
  auto c1 = NewConn(1);
  auto c2 = NewConn(2);
  SessionPtr first = NewSession("a", "1", c1);
  ASSERT_EQ(table_.Claim(first).result, ClaimResult::kOk);
  SessionTable::Claimed second = table_.Claim(NewSession("b", "1", c2));
  EXPECT_EQ(second.result, ClaimResult::kDeviceBusy);
  EXPECT_NE(second.refused_why.find("10.0.0.1"), std::string::npos);
  EXPECT_EQ(table_.Find("a"), first);
  EXPECT_EQ(table_.Find("b"), nullptr);
  // The same connection may start over (a CPE that sends a new Inform on it).
  SessionTable::Claimed again = table_.Claim(NewSession("c", "1", c1));
  EXPECT_EQ(again.result, ClaimResult::kOk);
  EXPECT_EQ(again.replaced, first);
  EXPECT_FALSE(table_.Holds(first));
}

TEST_F(SessionTableTest, AnAbandonedOrTimedOutSessionIsReplacedAndDoesNotCountAgainstTheCap) {
  auto c1 = NewConn(1);
  SessionPtr first = NewSession("a", "1", c1);
  ASSERT_EQ(table_.Claim(first).result, ClaimResult::kOk);
  ASSERT_EQ(table_.Claim(NewSession("b", "2", NewConn(2))).result, ClaimResult::kOk);
  auto c3 = NewConn(3);
  ASSERT_EQ(table_.Claim(NewSession("c", "3", c3)).result, ClaimResult::kOk);
  EXPECT_EQ(table_.Claim(NewSession("d", "4", NewConn(4))).result, ClaimResult::kFull);
  c1->open = false;  // device 1's connection dropped: its new session replaces the old one at the cap
  SessionTable::Claimed replaced = table_.Claim(NewSession("e", "1", NewConn(5)));
  EXPECT_EQ(replaced.result, ClaimResult::kOk);
  EXPECT_EQ(replaced.replaced, first);
  EXPECT_EQ(table_.size(), 3u);
  // Device 3's connection is alive but its session timed out (in its clock): replaced as well.
  clock_.Advance(31s);
  SessionTable::Claimed timed_out = table_.Claim(NewSession("f", "3", NewConn(6)));
  EXPECT_EQ(timed_out.result, ClaimResult::kOk);
  EXPECT_EQ(timed_out.replaced->id, "c");
}

TEST_F(SessionTableTest, ExpiredListsIdleTimedOutSessionsAndFinishedOnesWhoseConnectionIsGone) {
  auto c1 = NewConn(1);
  auto c2 = NewConn(2);
  SessionPtr idle = NewSession("a", "1", c1);
  SessionPtr busy = NewSession("b", "2", c2);
  ASSERT_EQ(table_.Claim(idle).result, ClaimResult::kOk);
  ASSERT_EQ(table_.Claim(busy).result, ClaimResult::kOk);
  busy->busy = true;
  EXPECT_TRUE(table_.Expired().empty());
  EXPECT_EQ(table_.Live(), 2u);
  clock_.Advance(30s);
  EXPECT_TRUE(table_.Expired().empty()) << "expired at its timeout, not after it";
  clock_.Advance(1s);
  std::vector<SessionPtr> expired = table_.Expired();
  ASSERT_EQ(expired.size(), 1u) << "a session with a request in progress is never swept";
  EXPECT_EQ(expired[0], idle);
  EXPECT_TRUE(table_.Remove(idle));
  EXPECT_FALSE(table_.Remove(idle)) << "removed twice";
  EXPECT_FALSE(table_.Contains("a"));
  EXPECT_TRUE(table_.Contains("b"));
}

TEST_F(SessionTableTest, ConnectionsPerAddressAreCappedAndCounted) {
  auto a1 = NewConn(1, "192.0.2.1");
  auto a2 = NewConn(2, "192.0.2.1");
  auto a3 = NewConn(3, "192.0.2.1");
  auto b1 = NewConn(4, "192.0.2.2");
  EXPECT_TRUE(table_.AddConnection(a1, 2));
  EXPECT_TRUE(table_.AddConnection(a2, 2));
  EXPECT_FALSE(table_.AddConnection(a3, 2));
  EXPECT_TRUE(table_.AddConnection(b1, 2));
  EXPECT_EQ(table_.Connections().size(), 3u);
  table_.RemoveConnection(*a1);
  EXPECT_TRUE(table_.AddConnection(a3, 2)) << "a closed connection frees its slot";
  EXPECT_TRUE(table_.AddConnection(NewConn(9, "192.0.2.9"), 0)) << "0: no cap";
}

}  // namespace
}  // namespace ruru::acs::endpoint
