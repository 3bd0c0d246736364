// The CWMP endpoint's session logic (acs/endpoint/session_driver.h) in process: HTTP requests
// built here go in, answers come out; in-memory stores (api_fakes.h), a batcher the test commits by
// hand, and a ManualClock, so the durability rule and the session timeout are checked without
// sockets and without waiting.
#include "acs/endpoint/session_driver.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "base/clock.h"
#include "cwmp/codec.h"
#include "tests/acs/api_fakes.h"

namespace ruru::acs::endpoint {
namespace {

using namespace std::chrono_literals;
using Request = SessionDriver::Request;
using Reply = SessionDriver::Reply;

// An InformBatcher whose writes wait until the test commits them (or fails them).
class HeldBatcher final : public db::InformBatcher {
 public:
  void Submit(db::InformWrite write, Callback done) override {
    std::lock_guard lock(mu_);
    writes_.push_back(std::move(write));
    pending_.push_back(std::move(done));
  }
  void Drain() override {}
  Stats GetStats() const override { return {}; }
  // Answers every pending write with `r`; returns how many there were.
  size_t Answer(const Result<db::InformOutcome>& r) {
    std::vector<Callback> now;
    {
      std::lock_guard lock(mu_);
      now.swap(pending_);
    }
    for (auto& done : now) done(r);
    return now.size();
  }
  size_t submitted() const {
    std::lock_guard lock(mu_);
    return writes_.size();
  }

 private:
  mutable std::mutex mu_;
  std::vector<db::InformWrite> writes_;
  std::vector<Callback> pending_;
};

db::InformOutcome Stored(int64_t device_id) {
  db::InformOutcome o;
  o.device_id = device_id;
  o.created = true;
  return o;
}

std::string Xml(cwmp::Body body) {
  cwmp::Envelope env;
  env.ns = cwmp::Namespace::kCwmp12;
  env.id = "1";
  env.body = std::move(body);
  auto xml = cwmp::Encode(env);
  EXPECT_TRUE(xml.ok());
  return xml.ok() ? *xml : "";
}

cwmp::Inform AnInform(const std::string& serial) {
  cwmp::Inform inform;
  inform.device_id = {"Ruru", "00AA00", "Router", serial};
  inform.events.push_back({cwmp::EventCode::FromText("1 BOOT"), ""});
  inform.current_time = "2026-01-01T00:00:00Z";
  return inform;
}

class SessionDriverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.database.dsn = "unused";
    config_.cwmp.onboarding = config::Onboarding::kOpen;
    config_.cwmp.unknown_devices = config::UnknownDevices::kRegister;
    config_.cwmp.allow_basic = true;
    config_.cwmp.session_timeout = 30s;
    auto box = access::SecretBox::Create("k1", std::string(32, 'k'), {});
    ASSERT_TRUE(box.ok());
    secrets_.emplace(std::move(*box));
    CwmpEndpointDeps d;
    d.config = &config_;
    d.devices = &devices_;
    d.batcher = &batcher_;
    d.secrets = &*secrets_;
    d.metrics = &metrics_;
    d.clock = &clock_;
    d.db_pool = &pool_;
    d.nonce_key = std::string(32, 'n');
    driver_ = std::make_unique<SessionDriver>(d);
    conn_ = std::make_shared<Conn>();
    conn_->id = 1;
    conn_->peer = "192.0.2.10";
  }
  void TearDown() override {
    work_.reset();
    if (io_thread_.joinable()) io_thread_.join();
    pool_.join();
  }

  Request Post(std::string body, const std::string& cookie = "") {
    Request req(http::verb::post, "/", 11);
    req.set(http::field::authorization, cwmp::BasicAuthorization("cpe", "any"));
    if (!cookie.empty()) req.set(http::field::cookie, "ruru_session=" + cookie);
    req.body() = std::move(body);
    req.prepare_payload();
    return req;
  }
  // Starts the request on the driver; the io_context runs on a thread of its own.
  std::future<Reply> Start(Request req) {
    if (!io_thread_.joinable()) io_thread_ = std::thread([this] { ioc_.run(); });
    return asio::co_spawn(ioc_, Call(std::move(req)), asio::use_future);
  }
  // A coroutine function, not a lambda: its parameter lives in the frame (ARCHITECTURE.md).
  asio::awaitable<Reply> Call(Request req) { co_return co_await driver_->Handle(req, conn_, current_); }
  static std::string CookieOf(const Reply& r) {
    const std::string v(r.res[http::field::set_cookie]);
    const size_t eq = v.find('='), semi = v.find(';');
    return eq == std::string::npos ? "" : v.substr(eq + 1, semi - eq - 1);
  }
  double Metric(const std::string& line_prefix) {
    const std::string text = metrics_.Render();
    const size_t at = text.find("\n" + line_prefix + " ");
    return at == std::string::npos ? -1 : std::stod(text.substr(at + line_prefix.size() + 2));
  }

  ManualClock clock_{Clock::TimePoint(std::chrono::seconds(1767225600))};
  config::Config config_;
  testing::Inventory inv_;
  testing::FakeDeviceStore devices_{inv_};
  HeldBatcher batcher_;
  metrics::MetricsRegistry metrics_;
  std::optional<access::SecretBox> secrets_;
  asio::thread_pool pool_{1};
  asio::io_context ioc_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{std::in_place, ioc_.get_executor()};
  std::thread io_thread_;
  std::unique_ptr<SessionDriver> driver_;
  std::shared_ptr<Conn> conn_;
  SessionPtr current_;
};

TEST_F(SessionDriverTest, TheInformResponseWaitsForTheBatchThatHoldsTheInformToCommit) {
  std::future<Reply> answer = Start(Post(Xml(AnInform("S1"))));
  for (int i = 0; i < 2000 && batcher_.submitted() == 0; ++i) std::this_thread::sleep_for(1ms);
  ASSERT_EQ(batcher_.submitted(), 1u);
  EXPECT_EQ(answer.wait_for(200ms), std::future_status::timeout) << "answered before the write committed";
  ASSERT_EQ(batcher_.Answer(Stored(7)), 1u);
  ASSERT_EQ(answer.wait_for(5s), std::future_status::ready);
  Reply r = answer.get();
  EXPECT_EQ(r.res.result(), http::status::ok);
  EXPECT_NE(r.res.body().find("InformResponse"), std::string::npos);
  const std::string cookie = CookieOf(r);
  ASSERT_FALSE(cookie.empty());
  EXPECT_EQ(driver_->table().size(), 1u);
  // The empty POST: nothing to do, 204 ends the session.
  Reply end = Start(Post("", cookie)).get();
  EXPECT_EQ(end.res.result(), http::status::no_content);
  EXPECT_EQ(driver_->table().size(), 0u);
  EXPECT_EQ(Metric("ruru_cwmp_sessions_total{outcome=\"completed\"}"), 1);
}

TEST_F(SessionDriverTest, AnInformTheInventoryCannotStoreIsAnswered503AndNotAcknowledged) {
  std::future<Reply> answer = Start(Post(Xml(AnInform("S2"))));
  for (int i = 0; i < 2000 && batcher_.submitted() == 0; ++i) std::this_thread::sleep_for(1ms);
  batcher_.Answer(Unavailable("database down"));
  Reply r = answer.get();
  EXPECT_EQ(r.res.result(), http::status::service_unavailable);
  EXPECT_FALSE(r.res[http::field::retry_after].empty());
  EXPECT_EQ(r.res.body().find("InformResponse"), std::string::npos);
  EXPECT_EQ(driver_->table().size(), 0u);
  EXPECT_EQ(Metric("ruru_cwmp_sessions_total{outcome=\"failed\"}"), 1);
}

TEST_F(SessionDriverTest, ASilentSessionEndsWhenTheClockPassesItsTimeout) {
  std::future<Reply> answer = Start(Post(Xml(AnInform("S3"))));
  for (int i = 0; i < 2000 && batcher_.submitted() == 0; ++i) std::this_thread::sleep_for(1ms);
  batcher_.Answer(Stored(8));
  ASSERT_EQ(answer.get().res.result(), http::status::ok);
  driver_->Sweep();
  EXPECT_EQ(driver_->table().size(), 1u) << "the connection is open and the session young";
  clock_.Advance(30s);
  driver_->Sweep();
  EXPECT_EQ(driver_->table().size(), 1u) << "ended at its timeout, not after it";
  clock_.Advance(1s);
  driver_->Sweep();
  EXPECT_EQ(driver_->table().size(), 0u);
  EXPECT_EQ(Metric("ruru_cwmp_sessions_total{outcome=\"timeout\"}"), 1);
}

TEST_F(SessionDriverTest, ATransferCompleteIsStoredBeforeItIsAcknowledged) {
  std::future<Reply> answer = Start(Post(Xml(AnInform("S4"))));
  for (int i = 0; i < 2000 && batcher_.submitted() == 0; ++i) std::this_thread::sleep_for(1ms);
  batcher_.Answer(Stored(9));
  const std::string cookie = CookieOf(answer.get());
  cwmp::TransferComplete tc;
  tc.command_key = "fw-1";
  tc.start_time = tc.complete_time = "2026-01-01T00:00:00Z";
  {
    std::lock_guard lock(inv_.mu);
    inv_.fail["RecordReport"] = Unavailable("database down");
  }
  Reply refused = Start(Post(Xml(tc), cookie)).get();
  EXPECT_EQ(refused.res.result(), http::status::service_unavailable) << "acknowledged a report it did not store";
  EXPECT_EQ(refused.res.body().find("TransferCompleteResponse"), std::string::npos);
  {
    std::lock_guard lock(inv_.mu);
    inv_.fail.clear();
    EXPECT_TRUE(inv_.reports.empty());
  }
  // The CPE retries in a new session; this time the report is stored, then acknowledged.
  answer = Start(Post(Xml(AnInform("S4"))));
  for (int i = 0; i < 2000 && batcher_.submitted() < 2; ++i) std::this_thread::sleep_for(1ms);
  batcher_.Answer(Stored(9));
  const std::string cookie2 = CookieOf(answer.get());
  Reply ok = Start(Post(Xml(tc), cookie2)).get();
  EXPECT_EQ(ok.res.result(), http::status::ok);
  EXPECT_NE(ok.res.body().find("TransferCompleteResponse"), std::string::npos);
  std::lock_guard lock(inv_.mu);
  ASSERT_EQ(inv_.reports.size(), 1u);
  EXPECT_EQ(inv_.reports[0].rpc, "TransferComplete");
  EXPECT_EQ(inv_.reports[0].command_key, "fw-1");
  EXPECT_EQ(inv_.reports[0].device_id, 9);
}

}  // namespace
}  // namespace ruru::acs::endpoint
