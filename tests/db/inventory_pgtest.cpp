// The PostgreSQL inventory (db/pg/pg_inventory.h) against a real server: each test gets an empty
// database (PgTest) migrated to the current schema.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <future>
#include <mutex>
#include <pqxx/pqxx>
#include <thread>

#include "db/migrator.h"
#include "db/pg/array_literal.h"
#include "db/pg/pg_inventory.h"
#include "tests/support/pg_test.h"

namespace ruru::db {
namespace {

using namespace std::chrono_literals;
using Rows = std::vector<std::vector<std::string>>;
using pg::BatcherOptions;

// 2026-01-01T00:00:00Z: a fixed base time so stored values can be checked exactly.
const TimePoint kT0 = TimePoint(std::chrono::seconds(1767225600));

InformWrite MakeWrite(const std::string& serial, TimePoint at, const std::string& peer = "198.51.100.7") {
  InformWrite w;
  w.key = {"00D09E", "HG8245", serial};
  w.manufacturer = "Acme";
  w.model_name = "HG8245H";
  w.hardware_version = "HW1";
  w.software_version = "SW1";
  w.provisioning_code = "PC1";
  w.data_model = "Device";
  w.connection_request_url = "http://10.0.0.1:7547/cr";
  w.wan_ip = "203.0.113.10";
  w.parameter_key = "pk1";
  w.periodic_inform_interval = 3600;
  w.peer_ip = peer;
  w.events = {{"2 PERIODIC", ""}};
  w.received_at = at;
  w.session_id = "s-" + serial;
  return w;
}

class InventoryPgTest : public ruru::testing::MigratedPgTest {
 protected:
  void SetUp() override {
    MigratedPgTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
  }
  void TearDown() override {
    if (batcher_) batcher_->Drain();
    batcher_.reset();
    store_.reset();
    PgTest::TearDown();
  }

  // A batcher whose batches hold exactly `batch` writes when that many are submitted together
  // (the flush interval is long, a full batch is written at once).
  InformBatcher& Batcher(size_t batch = 1, std::chrono::milliseconds flush = 2ms, int writers = 1) {
    BatcherOptions b;
    b.max_batch = batch;
    b.flush_interval = flush;
    b.writers = writers;
    b.duplicate_window = 60s;
    b.retry_backoff_max = 200ms;
    b.limits = limits_;
    if (batcher_) batcher_->Drain();
    batcher_ = pg::StartInformBatcher(options_, b, SystemClock::Instance());
    return *batcher_;
  }
  DeviceStore& Store() {
    if (!store_) store_ = pg::OpenDeviceStore(options_);
    return *store_;
  }

  // Submits all writes at once and waits for every callback.
  std::vector<Result<InformOutcome>> SubmitAll(InformBatcher& batcher, std::vector<InformWrite> writes) {
    std::vector<std::promise<Result<InformOutcome>>> promises(writes.size());
    std::vector<std::future<Result<InformOutcome>>> futures;
    for (auto& p : promises) futures.push_back(p.get_future());
    for (size_t i = 0; i < writes.size(); ++i) {
      batcher.Submit(std::move(writes[i]),
                     [&promises, i](Result<InformOutcome> r) { promises[i].set_value(std::move(r)); });
    }
    std::vector<Result<InformOutcome>> results;
    for (auto& f : futures) {
      if (f.wait_for(30s) != std::future_status::ready) {
        ADD_FAILURE() << "callback not called within 30 s";
        std::abort();  // the promises would dangle
      }
      results.push_back(f.get());
    }
    return results;
  }
  Result<InformOutcome> SubmitOne(InformBatcher& batcher, InformWrite write) {
    std::vector<InformWrite> writes;
    writes.push_back(std::move(write));
    return std::move(SubmitAll(batcher, std::move(writes))[0]);
  }

  InventoryLimits limits_;
  std::unique_ptr<InformBatcher> batcher_;
  std::unique_ptr<DeviceStore> store_;
};

#define ASSERT_OK(r) ASSERT_TRUE((r).ok()) << (r).error().message

TEST_F(InventoryPgTest, ArrayLiteralRoundTripsThroughPostgres) {
  const std::vector<std::string> nasty = {"",     "NULL",  "null",   "a,b",       "{x}", "\"",      "\\",
                                          "\\\"", " lead", "trail ", "tab\tnl\n", "Ō ☃", "'quote'", "a\\\\b\"\""};
  pg::ArrayLiteral a;
  for (const auto& s : nasty) a.Add(s);
  a.AddNull();
  pqxx::connection conn(dsn());
  pqxx::work tx(conn);
  pqxx::result r =
      tx.exec_params("SELECT v, v IS NULL FROM unnest($1::text[]) WITH ORDINALITY AS t(v, n) ORDER BY n", a.Finish());
  ASSERT_EQ(r.size(), nasty.size() + 1);
  for (size_t i = 0; i < nasty.size(); ++i) {
    EXPECT_EQ(r[i][0].as<std::string>(), nasty[i]) << i;
    EXPECT_FALSE(r[i][1].as<bool>());
  }
  EXPECT_TRUE(r[nasty.size()][1].as<bool>());
}

TEST_F(InventoryPgTest, RegistersDeviceAndStoresFields) {
  InformWrite w = MakeWrite("SN-1", kT0);
  w.parameters = {{"Device.DeviceInfo.UpTime", "42", "unsignedInt"}};
  auto r = SubmitOne(Batcher(), w);
  ASSERT_OK(r);
  EXPECT_TRUE(r->created);
  EXPECT_GT(r->device_id, 0);
  EXPECT_FALSE(r->has_active_credentials);
  EXPECT_FALSE(r->has_pending_credentials);
  EXPECT_FALSE(r->duplicate_suspect);
  EXPECT_EQ(r->pending_work, 0);

  auto d = Store().FindByKey(w.key);
  ASSERT_OK(d);
  EXPECT_EQ(d->id, r->device_id);
  EXPECT_EQ(d->key, w.key);
  EXPECT_EQ(d->manufacturer, "Acme");
  EXPECT_EQ(d->model_name, "HG8245H");
  EXPECT_EQ(d->hardware_version, "HW1");
  EXPECT_EQ(d->software_version, "SW1");
  EXPECT_EQ(d->provisioning_code, "PC1");
  EXPECT_EQ(d->data_model, "Device");
  EXPECT_EQ(d->connection_request_url, "http://10.0.0.1:7547/cr");
  EXPECT_EQ(d->wan_ip, "203.0.113.10");
  EXPECT_EQ(d->peer_ip, "198.51.100.7");
  EXPECT_EQ(d->parameter_key, "pk1");
  EXPECT_EQ(d->periodic_inform_interval, 3600u);
  EXPECT_EQ(d->registered_at, kT0);
  EXPECT_EQ(d->last_inform, kT0);
  EXPECT_FALSE(d->last_boot.has_value());
  EXPECT_FALSE(d->last_bootstrap.has_value());
  EXPECT_FALSE(d->duplicate_suspect_at.has_value());
  EXPECT_EQ(d->inform_count, 1u);
  EXPECT_TRUE(d->tags.empty());

  auto byid = Store().Get(r->device_id);
  ASSERT_OK(byid);
  EXPECT_EQ(byid->key, w.key);
  EXPECT_EQ(Store().Get(r->device_id + 1000).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(Store().FindByKey({"00D09E", "HG8245", "nope"}).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(*Store().Count(), 1);

  auto params = Store().Parameters(r->device_id, "");
  ASSERT_OK(params);
  ASSERT_EQ(params->size(), 1u);
  EXPECT_EQ((*params)[0], (ParameterRecord{"Device.DeviceInfo.UpTime", "42", "unsignedInt"}));

  // The second Inform updates, does not create.
  auto again = SubmitOne(*batcher_, MakeWrite("SN-1", kT0 + 1h));
  ASSERT_OK(again);
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->device_id, r->device_id);
  EXPECT_EQ(QueryValue("SELECT inform_count FROM devices"), "2");
  EXPECT_EQ(QueryValue("SELECT count(*) FROM devices"), "1");
}

TEST_F(InventoryPgTest, OptionalFieldsKeptWhenAbsent) {
  auto& b = Batcher();
  ASSERT_OK(SubmitOne(b, MakeWrite("SN-2", kT0)));
  InformWrite bare;
  bare.key = {"00D09E", "HG8245", "SN-2"};
  bare.received_at = kT0 + 10min;
  auto r = SubmitOne(b, bare);
  ASSERT_OK(r);
  auto d = Store().FindByKey(bare.key);
  ASSERT_OK(d);
  EXPECT_EQ(d->manufacturer, "Acme");
  EXPECT_EQ(d->model_name, "HG8245H");
  EXPECT_EQ(d->software_version, "SW1");
  EXPECT_EQ(d->connection_request_url, "http://10.0.0.1:7547/cr");
  EXPECT_EQ(d->wan_ip, "203.0.113.10");
  EXPECT_EQ(d->peer_ip, "198.51.100.7");
  EXPECT_EQ(d->parameter_key, "pk1");
  EXPECT_EQ(d->periodic_inform_interval, 3600u);
  EXPECT_EQ(d->last_inform, kT0 + 10min);
  EXPECT_EQ(d->registered_at, kT0);
  EXPECT_EQ(d->inform_count, 2u);
  // Reported values replace stored ones.
  InformWrite changed = MakeWrite("SN-2", kT0 + 20min);
  changed.software_version = "SW2";
  changed.periodic_inform_interval = 600;
  ASSERT_OK(SubmitOne(b, changed));
  d = Store().FindByKey(bare.key);
  EXPECT_EQ(d->software_version, "SW2");
  EXPECT_EQ(d->periodic_inform_interval, 600u);
  // No IP change happened: no closed intervals.
  EXPECT_EQ(QueryValue("SELECT count(*) FROM ip_history"), "0");
}

TEST_F(InventoryPgTest, AllowCreateFalseRefusesUnknownDeviceOnly) {
  auto& b = Batcher(1);
  ASSERT_OK(SubmitOne(b, MakeWrite("KNOWN", kT0)));
  auto& batch = Batcher(3, 2s);
  InformWrite unknown = MakeWrite("UNKNOWN", kT0 + 1min);
  unknown.allow_create = false;
  unknown.parameters = {{"Device.X", "1", "int"}};
  InformWrite known = MakeWrite("KNOWN", kT0 + 1min);
  known.allow_create = false;
  auto results = SubmitAll(batch, {unknown, known, MakeWrite("NEW", kT0 + 1min)});
  ASSERT_EQ(results.size(), 3u);
  ASSERT_FALSE(results[0].ok());
  EXPECT_EQ(results[0].error().code, ErrorCode::kNotFound);
  ASSERT_OK(results[1]);
  EXPECT_FALSE(results[1]->created);
  ASSERT_OK(results[2]);
  EXPECT_TRUE(results[2]->created);
  EXPECT_EQ(QueryValue("SELECT count(*) FROM devices WHERE serial_number = 'UNKNOWN'"), "0");
  EXPECT_EQ(QueryValue("SELECT count(*) FROM devices"), "2");
  EXPECT_EQ(QueryValue("SELECT count(*) FROM device_parameters"), "0");
  EXPECT_EQ(QueryValue("SELECT count(*) FROM inform_events"), "3");  // KNOWN twice, NEW once
  EXPECT_EQ(QueryValue("SELECT inform_count FROM devices WHERE serial_number = 'KNOWN'"), "2");
  EXPECT_EQ(batch.GetStats().batches, 1u);
  EXPECT_EQ(batch.GetStats().last_batch_size, 3u);
}

TEST_F(InventoryPgTest, TwoWritesForOneDeviceInOneBatchApplyInOrder) {
  auto& b = Batcher(3, 2s);
  InformWrite first = MakeWrite("TWICE", kT0);
  first.events = {{"0 BOOTSTRAP", ""}, {"1 BOOT", ""}};
  first.software_version = "A";
  first.parameters = {{"Device.P", "first", "string"}, {"Device.Q", "q", "string"}};
  InformWrite second = MakeWrite("TWICE", kT0 + 1s);
  second.software_version = "B";
  second.wan_ip = "203.0.113.99";
  second.events = {{"4 VALUE CHANGE", ""}};
  second.parameters = {{"Device.P", "second", "string"}};
  auto results = SubmitAll(b, {first, MakeWrite("OTHER", kT0), second});
  ASSERT_OK(results[0]);
  ASSERT_OK(results[1]);
  ASSERT_OK(results[2]);
  EXPECT_TRUE(results[0]->created);
  EXPECT_FALSE(results[2]->created);
  EXPECT_EQ(results[0]->device_id, results[2]->device_id);
  EXPECT_EQ(b.GetStats().batches, 1u);

  auto d = Store().Get(results[0]->device_id);
  ASSERT_OK(d);
  EXPECT_EQ(d->software_version, "B");
  EXPECT_EQ(d->wan_ip, "203.0.113.99");
  EXPECT_EQ(d->inform_count, 2u);
  EXPECT_EQ(d->last_inform, kT0 + 1s);
  EXPECT_EQ(d->last_boot, kT0);
  EXPECT_EQ(d->last_bootstrap, kT0);
  auto events = Store().RecentEvents(d->id, 10);
  ASSERT_OK(events);
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ((*events)[0].event.code, "4 VALUE CHANGE");
  EXPECT_EQ((*events)[0].received_at, kT0 + 1s);
  auto params = Store().Parameters(d->id, "Device.");
  ASSERT_OK(params);
  ASSERT_EQ(params->size(), 2u);
  EXPECT_EQ((*params)[0].value, "second");
  EXPECT_EQ((*params)[1].value, "q");
  // The second write changed the WAN address: the first interval is closed.
  Rows h = Query("SELECT ip, kind FROM ip_history");
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0], (std::vector<std::string>{"203.0.113.10", "wan"}));
}

TEST_F(InventoryPgTest, ThousandDevicesFromFiftyThreadsStoredOnce) {
  auto& b = Batcher(200, 5ms, 2);
  constexpr int kThreads = 50;
  constexpr int kDevices = 1000;
  constexpr int kInforms = 3;  // per device
  std::atomic<int> ok{0}, failed{0}, created{0};
  std::atomic<int> outstanding{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < kInforms; ++round) {
        for (int d = t; d < kDevices; d += kThreads) {
          InformWrite w = MakeWrite("C-" + std::to_string(d), kT0 + std::chrono::seconds(round));
          w.parameters = {{"Device.Round", std::to_string(round), "int"}};
          ++outstanding;
          b.Submit(std::move(w), [&](Result<InformOutcome> r) {
            if (r.ok()) {
              ++ok;
              if (r->created) ++created;
            } else {
              ++failed;
            }
            --outstanding;
          });
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  b.Drain();
  EXPECT_EQ(outstanding.load(), 0);
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(ok.load(), kDevices * kInforms);
  EXPECT_EQ(created.load(), kDevices);
  EXPECT_EQ(QueryValue("SELECT count(*) FROM devices"), std::to_string(kDevices));
  EXPECT_EQ(QueryValue("SELECT count(*) FROM devices WHERE inform_count <> 3"), "0");
  EXPECT_EQ(QueryValue("SELECT count(DISTINCT (oui, product_class, serial_number)) FROM devices"),
            std::to_string(kDevices));
  EXPECT_EQ(QueryValue("SELECT count(*) FROM inform_events"), std::to_string(kDevices * kInforms));
  // Each device's writes were applied in submission order: the last round's value is stored.
  EXPECT_EQ(QueryValue("SELECT count(*) FROM device_parameters WHERE value <> '2'"), "0");
  const auto stats = b.GetStats();
  EXPECT_EQ(stats.writes, static_cast<uint64_t>(kDevices * kInforms));
  EXPECT_EQ(stats.failed_batches, 0u);
  EXPECT_EQ(stats.queued, 0u);
  uint64_t bucketed = 0;
  for (uint64_t c : stats.batch_size_buckets) bucketed += c;
  EXPECT_EQ(bucketed, stats.batches);
  EXPECT_EQ(stats.batch_size_buckets.size(), InformBatcher::BatchSizeBounds().size() + 1);
  EXPECT_EQ(stats.commit_latency_buckets.size(), InformBatcher::CommitLatencyBounds().size() + 1);
  EXPECT_GT(stats.commit_seconds_sum, 0);
  // After Drain, Submit is refused at once.
  std::promise<Result<InformOutcome>> p;
  b.Submit(MakeWrite("late", kT0), [&](Result<InformOutcome> r) { p.set_value(std::move(r)); });
  auto late = p.get_future().get();
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, ErrorCode::kUnavailable);
}

// Two nodes (two batchers, two connections) writing the same devices at once, one in the opposite
// order of the other: the first round inserts them (unique-index insertion), the later ones update
// them (row locks). Each batch takes its locks in one order, the identity's, whatever the order of
// arrival, so no batch deadlocks and is split into one write per statement (which the writer does
// after a deadlock: 1 s for the deadlock detector, then a round trip per write).
TEST_F(InventoryPgTest, TwoNodesWritingTheSameDevicesInOppositeOrdersDoNotDeadlock) {
  constexpr int kDevices = 300;
  constexpr int kRounds = 6;
  BatcherOptions o;
  o.max_batch = kDevices;
  o.flush_interval = 2000ms;  // a batch is written when full: all of a round's writes at once
  o.writers = 1;
  o.retry_backoff_max = 200ms;
  o.limits = limits_;
  auto node_a = pg::StartInformBatcher(options_, o, SystemClock::Instance());
  auto node_b = pg::StartInformBatcher(options_, o, SystemClock::Instance());
  std::atomic<int> ok{0}, failed{0};
  for (int round = 0; round < kRounds; ++round) {
    std::atomic<int> outstanding{2 * kDevices};
    auto submit = [&](InformBatcher& b, bool reverse) {
      for (int i = 0; i < kDevices; ++i) {
        const int d = reverse ? kDevices - 1 - i : i;
        InformWrite w = MakeWrite("X-" + std::to_string(d), kT0 + std::chrono::seconds(round));
        w.parameters = {{"Device.Round", std::to_string(round), "int"}};
        b.Submit(std::move(w), [&](Result<InformOutcome> r) {
          (r.ok() ? ok : failed)++;
          --outstanding;
        });
      }
    };
    std::thread a([&] { submit(*node_a, false); });
    std::thread b([&] { submit(*node_b, true); });
    a.join();
    b.join();
    for (int i = 0; i < 3000 && outstanding.load() > 0; ++i) std::this_thread::sleep_for(10ms);
    ASSERT_EQ(outstanding.load(), 0) << "round " << round << " not written within 30 s";
  }
  node_a->Drain();
  node_b->Drain();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(ok.load(), 2 * kDevices * kRounds);
  EXPECT_EQ(QueryValue("SELECT count(*) FROM devices"), std::to_string(kDevices));
  EXPECT_EQ(QueryValue("SELECT count(*) FROM devices WHERE inform_count <> " + std::to_string(2 * kRounds)), "0");
  const auto sa = node_a->GetStats();
  const auto sb = node_b->GetStats();
  EXPECT_EQ(sa.split_batches + sb.split_batches, 0u) << "batches refused as a whole (deadlocks)";
  EXPECT_EQ(sa.failed_batches + sb.failed_batches, 0u);
}

TEST_F(InventoryPgTest, EventsAndBootTimes) {
  auto& b = Batcher();
  InformWrite boot = MakeWrite("EV", kT0);
  boot.events = {{"0 BOOTSTRAP", ""}, {"1 BOOT", ""}, {"M Reboot", "ck-1"}};
  auto r = SubmitOne(b, boot);
  ASSERT_OK(r);
  InformWrite periodic = MakeWrite("EV", kT0 + 1h);
  ASSERT_OK(SubmitOne(b, periodic));
  InformWrite reboot = MakeWrite("EV", kT0 + 2h);
  reboot.events = {{"1 BOOT", ""}};
  ASSERT_OK(SubmitOne(b, reboot));

  auto d = Store().Get(r->device_id);
  ASSERT_OK(d);
  EXPECT_EQ(d->last_bootstrap, kT0);
  EXPECT_EQ(d->last_boot, kT0 + 2h);
  EXPECT_EQ(d->inform_count, 3u);

  auto events = Store().RecentEvents(r->device_id, 100);
  ASSERT_OK(events);
  ASSERT_EQ(events->size(), 5u);
  EXPECT_EQ((*events)[0].event, (EventRecord{"1 BOOT", ""}));
  EXPECT_EQ((*events)[0].received_at, kT0 + 2h);
  EXPECT_EQ((*events)[1].event, (EventRecord{"2 PERIODIC", ""}));
  // Same received_at: newest insert first, i.e. the reverse of the Inform's order.
  EXPECT_EQ((*events)[2].event, (EventRecord{"M Reboot", "ck-1"}));
  EXPECT_EQ((*events)[4].event, (EventRecord{"0 BOOTSTRAP", ""}));
  EXPECT_EQ((*events)[4].device_id, r->device_id);
  auto two = Store().RecentEvents(r->device_id, 2);
  ASSERT_OK(two);
  EXPECT_EQ(two->size(), 2u);
  EXPECT_EQ(Store().RecentEvents(r->device_id, 0).error().code, ErrorCode::kInvalidArgument);
}

TEST_F(InventoryPgTest, IpChangeClosesIntervalAndDevicesWithIpAtFindsIt) {
  auto& b = Batcher();
  // Device A has 203.0.113.10 from T0 to T0+2h, then 203.0.113.20. Device B gets .10 at T0+5h.
  auto a = SubmitOne(b, MakeWrite("A", kT0, "198.51.100.1"));
  ASSERT_OK(a);
  ASSERT_OK(SubmitOne(b, MakeWrite("A", kT0 + 2h, "198.51.100.1")));
  InformWrite moved = MakeWrite("A", kT0 + 3h, "198.51.100.2");
  moved.wan_ip = "203.0.113.20";
  ASSERT_OK(SubmitOne(b, moved));
  InformWrite bw = MakeWrite("B", kT0 + 5h, "198.51.100.3");
  auto bdev = SubmitOne(b, bw);
  ASSERT_OK(bdev);

  auto history = Store().IpHistory(a->device_id);
  ASSERT_OK(history);
  ASSERT_EQ(history->size(), 4u);
  // Current intervals first (last_seen = last Inform), then the closed ones.
  EXPECT_EQ((*history)[0].last_seen, kT0 + 3h);
  EXPECT_EQ((*history)[0].first_seen, kT0 + 3h);
  bool found_closed_wan = false;
  for (const IpInterval& i : *history) {
    if (i.ip == "203.0.113.10") {
      found_closed_wan = true;
      EXPECT_EQ(i.kind, "wan");
      EXPECT_EQ(i.first_seen, kT0);
      EXPECT_EQ(i.last_seen, kT0 + 2h);
      EXPECT_EQ(i.device_id, a->device_id);
    }
  }
  EXPECT_TRUE(found_closed_wan);
  EXPECT_EQ(QueryValue("SELECT count(*) FROM ip_history"), "2");  // wan and peer closed once each

  using Ids = std::vector<int64_t>;
  EXPECT_EQ(*Store().DevicesWithIpAt("203.0.113.10", kT0 + 1h), Ids{a->device_id});
  EXPECT_EQ(*Store().DevicesWithIpAt("198.51.100.1", kT0 + 1h), Ids{a->device_id});
  EXPECT_EQ(*Store().DevicesWithIpAt("203.0.113.10", kT0 + 5h), Ids{bdev->device_id});
  EXPECT_EQ(*Store().DevicesWithIpAt("203.0.113.20", kT0 + 4h), Ids{a->device_id});  // current, after last inform
  EXPECT_EQ(*Store().DevicesWithIpAt("203.0.113.20", kT0 + 1h), Ids{});              // not yet
  EXPECT_EQ(*Store().DevicesWithIpAt("203.0.113.10", kT0 - 1h), Ids{});
  // Two periodic intervals (2 h) after the last Inform the current address is no longer claimed.
  EXPECT_EQ(*Store().DevicesWithIpAt("203.0.113.20", kT0 + 3h + 119min), Ids{a->device_id});
  EXPECT_EQ(*Store().DevicesWithIpAt("203.0.113.20", kT0 + 6h), Ids{});
  EXPECT_EQ(*Store().DevicesWithIpAt("192.0.2.250", kT0), Ids{});

  // "now": a device informing now is found now.
  const TimePoint now = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  InformWrite live = MakeWrite("LIVE", now, "198.51.100.50");
  live.wan_ip = "203.0.113.50";
  auto l = SubmitOne(b, live);
  ASSERT_OK(l);
  EXPECT_EQ(*Store().DevicesWithIpAt("203.0.113.50", std::chrono::system_clock::now()), Ids{l->device_id});
}

TEST_F(InventoryPgTest, DuplicateSuspect) {
  auto& b = Batcher();
  ASSERT_OK(SubmitOne(b, MakeWrite("DUP", kT0, "198.51.100.1")));
  // Same peer: not a duplicate.
  auto same = SubmitOne(b, MakeWrite("DUP", kT0 + 10s, "198.51.100.1"));
  ASSERT_OK(same);
  EXPECT_FALSE(same->duplicate_suspect);
  // Another peer 10 s later, no BOOT: suspect.
  auto other = SubmitOne(b, MakeWrite("DUP", kT0 + 20s, "198.51.100.2"));
  ASSERT_OK(other);
  EXPECT_TRUE(other->duplicate_suspect);
  EXPECT_EQ(other->previous_peer_ip, "198.51.100.1");
  EXPECT_EQ(Store().FindByKey({"00D09E", "HG8245", "DUP"})->duplicate_suspect_at, kT0 + 20s);
  // Another peer, but with BOOT: a device that rebooted and got a new address.
  InformWrite boot = MakeWrite("DUP", kT0 + 30s, "198.51.100.3");
  boot.events = {{"1 BOOT", ""}};
  auto booted = SubmitOne(b, boot);
  ASSERT_OK(booted);
  EXPECT_FALSE(booted->duplicate_suspect);
  EXPECT_TRUE(booted->previous_peer_ip.empty());
  // Another peer after the window (60 s): not a duplicate.
  auto late = SubmitOne(b, MakeWrite("DUP", kT0 + 30s + 61s, "198.51.100.4"));
  ASSERT_OK(late);
  EXPECT_FALSE(late->duplicate_suspect);
  InformWrite bootstrap = MakeWrite("DUP", kT0 + 100s, "198.51.100.5");
  bootstrap.events = {{"0 BOOTSTRAP", ""}};
  auto bs = SubmitOne(b, bootstrap);
  ASSERT_OK(bs);
  EXPECT_FALSE(bs->duplicate_suspect);
  // duplicate_suspect_at kept from the one suspicious Inform.
  EXPECT_EQ(Store().FindByKey({"00D09E", "HG8245", "DUP"})->duplicate_suspect_at, kT0 + 20s);
  // A new device is never a suspect.
  auto fresh = SubmitOne(b, MakeWrite("FRESH", kT0, "198.51.100.9"));
  ASSERT_OK(fresh);
  EXPECT_FALSE(fresh->duplicate_suspect);
}

TEST_F(InventoryPgTest, OnlyChangedParametersAreWritten) {
  auto& b = Batcher();
  InformWrite w = MakeWrite("PARAM", kT0);
  w.parameters = {{"Device.A", "1", "int"}, {"Device.B", "x", "string"}, {"Device.C", "", "string"}};
  auto r = SubmitOne(b, w);
  ASSERT_OK(r);
  const Rows before = Query(
      "SELECT p.path, dp.xmin::text, dp.fetched_at FROM device_parameters dp "
      "JOIN parameter_paths p ON p.id = dp.path_id ORDER BY p.path");
  ASSERT_EQ(before.size(), 3u);

  InformWrite w2 = MakeWrite("PARAM", kT0 + 1h);
  w2.parameters = {
      {"Device.A", "1", "int"}, {"Device.B", "y", "string"}, {"Device.C", "", "string"}, {"Device.D", "new", "string"}};
  ASSERT_OK(SubmitOne(b, w2));
  const Rows after = Query(
      "SELECT p.path, dp.xmin::text, dp.fetched_at FROM device_parameters dp "
      "JOIN parameter_paths p ON p.id = dp.path_id ORDER BY p.path");
  ASSERT_EQ(after.size(), 4u);
  EXPECT_EQ(after[0], before[0]);  // A unchanged: same row version, same time
  EXPECT_NE(after[1][1], before[1][1]);
  EXPECT_NE(after[1][2], before[1][2]);
  EXPECT_EQ(after[2], before[2]);  // C unchanged
  EXPECT_EQ(after[3][0], "Device.D");
  // A type change alone is a change.
  InformWrite w3 = MakeWrite("PARAM", kT0 + 2h);
  w3.parameters = {{"Device.A", "1", "unsignedInt"}};
  ASSERT_OK(SubmitOne(b, w3));
  EXPECT_EQ(QueryValue("SELECT dp.type FROM device_parameters dp JOIN parameter_paths p ON p.id = dp.path_id "
                       "WHERE p.path = 'Device.A'"),
            "unsignedInt");
  EXPECT_EQ(QueryValue("SELECT count(*) FROM parameter_paths"), "4");
  // Parameters(prefix) and values that need escaping.
  InformWrite w4 = MakeWrite("PARAM", kT0 + 3h);
  w4.parameters = {{"Device.WiFi.SSID.1.SSID", "caf\xC3\xA9 \"{,}\" \\ NULL", "string"}};
  ASSERT_OK(SubmitOne(b, w4));
  auto wifi = Store().Parameters(r->device_id, "Device.WiFi.");
  ASSERT_OK(wifi);
  ASSERT_EQ(wifi->size(), 1u);
  EXPECT_EQ((*wifi)[0].value, "caf\xC3\xA9 \"{,}\" \\ NULL");
  EXPECT_EQ(Store().Parameters(r->device_id, "")->size(), 5u);
  EXPECT_EQ(Store().Parameters(r->device_id, "Device.B")->size(), 1u);
  EXPECT_EQ(Store().Parameters(r->device_id, "Nope.")->size(), 0u);
}

TEST_F(InventoryPgTest, CredentialsPendingThenConfirmed) {
  auto r = SubmitOne(Batcher(), MakeWrite("CRED", kT0));
  ASSERT_OK(r);
  const int64_t id = r->device_id;
  EXPECT_EQ(Store().FindCredentialsByUsername("dev-cred").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(Store().ConfirmPendingCredentials(id).error().code, ErrorCode::kNotFound);

  const CredentialVerifier v1{"dev-cred", "md5-1", "sha-1"};
  const ConnectionRequestSecret cr1{"cr-user", std::string("\x00\x01\xFF secret", 10), "key-1"};
  ASSERT_TRUE(Store().SetPendingCredentials(id, v1, cr1).ok());
  auto found = Store().FindCredentialsByUsername("dev-cred");
  ASSERT_OK(found);
  EXPECT_EQ(found->device_id, id);
  EXPECT_EQ(found->key, (DeviceKey{"00D09E", "HG8245", "CRED"}));
  EXPECT_FALSE(found->active.has_value());
  EXPECT_EQ(found->pending, v1);
  auto d = Store().Get(id);
  EXPECT_EQ(d->pending_connection_request, cr1);
  EXPECT_FALSE(d->connection_request.has_value());

  // The Inform reports pending credentials.
  auto informed = SubmitOne(*batcher_, MakeWrite("CRED", kT0 + 1s));
  ASSERT_OK(informed);
  EXPECT_TRUE(informed->has_pending_credentials);
  EXPECT_FALSE(informed->has_active_credentials);

  ASSERT_TRUE(Store().ConfirmPendingCredentials(id).ok());
  found = Store().FindCredentialsByUsername("dev-cred");
  ASSERT_OK(found);
  EXPECT_EQ(found->active, v1);
  EXPECT_FALSE(found->pending.has_value());
  d = Store().Get(id);
  EXPECT_EQ(d->connection_request, cr1);
  EXPECT_FALSE(d->pending_connection_request.has_value());
  informed = SubmitOne(*batcher_, MakeWrite("CRED", kT0 + 2s));
  ASSERT_OK(informed);
  EXPECT_TRUE(informed->has_active_credentials);
  EXPECT_FALSE(informed->has_pending_credentials);

  // Rotation: the active one keeps working while the new one is pending; confirm retires it.
  const CredentialVerifier v2{"dev-cred-2", "md5-2", "sha-2"};
  ASSERT_TRUE(Store().SetPendingCredentials(id, v2, {"cr2", "ct2", "key-2"}).ok());
  EXPECT_EQ(Store().FindCredentialsByUsername("dev-cred")->active, v1);
  EXPECT_EQ(Store().FindCredentialsByUsername("dev-cred-2")->pending, v2);
  // Replacing the pending pair frees the earlier pending name.
  const CredentialVerifier v3{"dev-cred-3", "md5-3", "sha-3"};
  ASSERT_TRUE(Store().SetPendingCredentials(id, v3, {"cr3", "ct3", "key-3"}).ok());
  EXPECT_EQ(Store().FindCredentialsByUsername("dev-cred-2").error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(Store().ConfirmPendingCredentials(id).ok());
  EXPECT_EQ(Store().FindCredentialsByUsername("dev-cred").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(Store().FindCredentialsByUsername("dev-cred-3")->active, v3);
  EXPECT_EQ(QueryValue("SELECT string_agg(username, ',') FROM device_usernames"), "dev-cred-3");
  // Re-sending the active username as pending is allowed.
  const CredentialVerifier v3b{"dev-cred-3", "md5-3b", "sha-3b"};
  ASSERT_TRUE(Store().SetPendingCredentials(id, v3b, {"cr3", "ct3", "key-3"}).ok());
  ASSERT_TRUE(Store().ConfirmPendingCredentials(id).ok());
  EXPECT_EQ(Store().FindCredentialsByUsername("dev-cred-3")->active, v3b);
  EXPECT_EQ(QueryValue("SELECT count(*) FROM device_usernames"), "1");
  // No secret in the stored row except as given: the ciphertext is bytea.
  EXPECT_EQ(QueryValue("SELECT pg_typeof(cr_password_ciphertext)::text FROM devices"), "bytea");
}

TEST_F(InventoryPgTest, CredentialUsernamesAreUnique) {
  auto& b = Batcher();
  auto one = SubmitOne(b, MakeWrite("U1", kT0));
  auto two = SubmitOne(b, MakeWrite("U2", kT0));
  ASSERT_OK(one);
  ASSERT_OK(two);
  ASSERT_TRUE(Store().SetPendingCredentials(one->device_id, {"taken", "m", "s"}, {"c", "x", "k"}).ok());
  Status s = Store().SetPendingCredentials(two->device_id, {"taken", "m2", "s2"}, {"c", "x", "k"});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kConflict);
  // Also against an active username.
  ASSERT_TRUE(Store().ConfirmPendingCredentials(one->device_id).ok());
  s = Store().SetPendingCredentials(two->device_id, {"taken", "m2", "s2"}, {"c", "x", "k"});
  EXPECT_EQ(s.error().code, ErrorCode::kConflict);
  EXPECT_FALSE(Store().Get(two->device_id)->pending_credential.has_value());
  EXPECT_EQ(Store().FindCredentialsByUsername("taken")->device_id, one->device_id);
  // Unknown device, empty or bad input.
  EXPECT_EQ(Store().SetPendingCredentials(999999, {"free", "m", "s"}, {"c", "x", "k"}).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(Store().SetPendingCredentials(two->device_id, {"", "m", "s"}, {"c", "x", "k"}).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(Store().SetPendingCredentials(two->device_id, {"bad\xFF", "m", "s"}, {"c", "x", "k"}).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(Store().FindCredentialsByUsername(std::string("a\0b", 3)).error().code, ErrorCode::kInvalidArgument);
}

TEST_F(InventoryPgTest, BadWriteIsRefusedOrIsolated) {
  // Limits above what PostgreSQL can index (a btree entry holds at most ~2.7 KB), so that a write
  // passes Submit's checks and is refused by the database.
  limits_.max_key_bytes = 8000;
  auto& b = Batcher(4, 2s);
  // Refused by Submit at once: invalid UTF-8, NUL, too long.
  InformWrite utf = MakeWrite("BAD-UTF8", kT0);
  utf.model_name = std::string("\xC3\x28", 2);
  auto refused = SubmitOne(b, utf);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  InformWrite nul = MakeWrite("BAD-NUL", kT0);
  nul.parameters = {{"Device.X", std::string("a\0b", 3), "string"}};
  EXPECT_EQ(SubmitOne(b, nul).error().code, ErrorCode::kInvalidArgument);
  InformWrite longer = MakeWrite(std::string(8001, 'S'), kT0);
  EXPECT_EQ(SubmitOne(b, longer).error().code, ErrorCode::kInvalidArgument);

  // Refused by PostgreSQL (an identity too long for the unique index; incompressible, so TOAST
  // cannot shrink it): the batch is retried write by write, and only the bad one fails.
  std::string serial;
  uint32_t x = 12345;
  for (int i = 0; i < 6000; ++i) {
    x = x * 1103515245u + 12345u;
    serial.push_back(static_cast<char>('!' + (x >> 16) % 90));
  }
  InformWrite far = MakeWrite(serial, kT0);
  far.parameters = {{"Device.Y", "1", "int"}};
  InformWrite good1 = MakeWrite("GOOD-1", kT0);
  good1.parameters = {{"Device.Y", "1", "int"}};
  auto results = SubmitAll(b, {good1, far, MakeWrite("GOOD-2", kT0), MakeWrite("GOOD-3", kT0)});
  ASSERT_OK(results[0]);
  ASSERT_FALSE(results[1].ok());
  EXPECT_NE(results[1].error().code, ErrorCode::kUnavailable) << results[1].error().message;
  EXPECT_EQ(results[1].error().message.find("SELECT"), std::string::npos) << results[1].error().message;
  ASSERT_OK(results[2]);
  ASSERT_OK(results[3]);
  EXPECT_EQ(QueryValue("SELECT string_agg(serial_number, ',' ORDER BY serial_number) FROM devices"),
            "GOOD-1,GOOD-2,GOOD-3");
  EXPECT_EQ(QueryValue("SELECT count(*) FROM inform_events"), "3");
  EXPECT_EQ(QueryValue("SELECT count(*) FROM device_parameters"), "1");
  EXPECT_EQ(b.GetStats().writes, 3u);
}

TEST_F(InventoryPgTest, UnreachableServerFailsFastAndDrains) {
  // Port 1 on localhost: nothing listens, the connection is refused at once.
  options_.dsn = "host=127.0.0.1 port=1 dbname=x user=x password=hunter2";
  auto& b = Batcher(10, 5ms);
  const auto start = std::chrono::steady_clock::now();
  std::vector<InformWrite> writes;
  for (int i = 0; i < 20; ++i) writes.push_back(MakeWrite("U" + std::to_string(i), kT0));
  auto results = SubmitAll(b, writes);
  for (const auto& r : results) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
    EXPECT_EQ(r.error().message.find("hunter2"), std::string::npos) << r.error().message;
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_EQ(b.GetStats().batches, 0u);
  EXPECT_GE(b.GetStats().failed_batches, 1u);
  b.Drain();
  b.Drain();  // idempotent

  auto& store = Store();
  Status ping = store.Ping();
  ASSERT_FALSE(ping.ok());
  EXPECT_EQ(ping.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(ping.error().message.find("hunter2"), std::string::npos) << ping.error().message;
  EXPECT_EQ(store.Count().error().code, ErrorCode::kUnavailable);

  // A malformed connection string is reported without being quoted.
  options_.dsn = "host=x password=hunter2 nonsense";
  store_.reset();
  Status bad = Store().Ping();
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message.find("hunter2"), std::string::npos) << bad.error().message;
}

TEST_F(InventoryPgTest, ReconnectsAfterBackendKilled) {
  auto& b = Batcher(1, 1ms);
  ASSERT_OK(SubmitOne(b, MakeWrite("R", kT0)));
  ASSERT_TRUE(Store().Ping().ok());
  const std::string kill =
      "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() "
      "AND application_name IN ('ruru-inform-writer', 'ruru-inventory')";
  EXPECT_EQ(QueryValue(kill), "2");
  // pg_terminate_backend only signals: wait until both backends are gone, so that this tests a
  // connection the server closed while it was idle. (One that dies during a statement fails that
  // statement; libpqxx 6.4 then leaks the statement's PGresult, ~2 KB, which LeakSanitizer reports.)
  const std::string alive =
      "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
      "AND application_name IN ('ruru-inform-writer', 'ruru-inventory')";
  for (int i = 0; i < 200 && QueryValue(alive) != "0"; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(QueryValue(alive), "0");
  // The next batch finds its idle connection gone, reconnects and succeeds.
  auto r = SubmitOne(b, MakeWrite("R", kT0 + 1s));
  ASSERT_OK(r);
  EXPECT_TRUE(Store().Ping().ok());
  EXPECT_EQ(QueryValue(kill), "2");
  for (int i = 0; i < 200 && QueryValue(alive) != "0"; ++i) std::this_thread::sleep_for(10ms);
  for (int i = 0; i < 5; ++i) ASSERT_OK(SubmitOne(b, MakeWrite("R", kT0 + std::chrono::seconds(2 + i))));
  EXPECT_EQ(*Store().Count(), 1);
  EXPECT_EQ(QueryValue("SELECT inform_count FROM devices"), "7");
}

TEST_F(InventoryPgTest, RecoversWhenServerComesBack) {
  // The writer starts against a database that does not exist yet, then it appears.
  const std::string name = database_name() + "_late";
  options_.dsn = ruru::testing::WithDatabase(dsn(), name);
  BatcherOptions bo;
  bo.max_batch = 1;
  bo.flush_interval = 1ms;
  bo.retry_backoff_max = 100ms;
  auto batcher = pg::StartInformBatcher(options_, bo, SystemClock::Instance());
  auto first = SubmitOne(*batcher, MakeWrite("LATE", kT0));
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.error().code, ErrorCode::kUnavailable);
  {
    pqxx::connection admin(dsn());
    pqxx::nontransaction tx(admin);
    tx.exec0("CREATE DATABASE " + admin.quote_name(name));
  }
  ASSERT_TRUE(Migrate(options_.dsn, BuiltinMigrations()).ok());
  Result<InformOutcome> r = Unavailable("not tried");
  for (int i = 0; i < 50 && !r.ok(); ++i) {
    std::this_thread::sleep_for(50ms);
    r = SubmitOne(*batcher, MakeWrite("LATE", kT0));
  }
  ASSERT_OK(r);
  EXPECT_TRUE(r->created);
  batcher->Drain();
  pqxx::connection admin(dsn());
  pqxx::nontransaction tx(admin);
  tx.exec0("DROP DATABASE " + admin.quote_name(name) + " WITH (FORCE)");
}

TEST_F(InventoryPgTest, QueueLimitRefusesAtOnce) {
  BatcherOptions bo;
  bo.max_queue = 5;
  bo.max_batch = 1000;
  bo.flush_interval = 300ms;  // nothing is written while we fill the queue
  auto batcher = pg::StartInformBatcher(options_, bo, SystemClock::Instance());
  std::atomic<int> unavailable{0}, ok{0};
  for (int i = 0; i < 8; ++i) {
    batcher->Submit(MakeWrite("Q" + std::to_string(i), kT0), [&](Result<InformOutcome> r) {
      if (r.ok()) {
        ++ok;
      } else if (r.error().code == ErrorCode::kUnavailable) {
        ++unavailable;
      }
    });
  }
  EXPECT_EQ(unavailable.load(), 3);  // refused synchronously
  EXPECT_EQ(batcher->GetStats().queued, 5u);
  batcher->Drain();
  EXPECT_EQ(ok.load(), 5);
  EXPECT_EQ(batcher->GetStats().queued, 0u);
}

TEST_F(InventoryPgTest, EventsLandInDailyPartitionsAndRetentionDropsWholeDays) {
  // V0008 made the partitions around the real clock; the fixed test dates get theirs here.
  auto made = Store().EnsureHistoryPartitions(kT0);
  ASSERT_OK(made);
  EXPECT_EQ(*made, 8 + 3);  // 2026-01-01 .. 01-08, and 2026-01 .. 03 for ip_history
  EXPECT_EQ(*Store().EnsureHistoryPartitions(kT0), 0);  // idempotent
  EXPECT_EQ(*Store().EnsureHistoryPartitions(kT0 + 24h), 1);  // one more day ahead (01-09)

  auto& b = Batcher();
  auto r = SubmitOne(b, MakeWrite("PR", kT0 - 240h));  // 2025-12-22: no partition, the default one
  ASSERT_OK(r);
  ASSERT_OK(SubmitOne(b, MakeWrite("PR", kT0 - 239h)));
  ASSERT_OK(SubmitOne(b, MakeWrite("PR", kT0 + 1h)));
  ASSERT_OK(SubmitOne(b, MakeWrite("PR", kT0 + 25h)));
  ASSERT_OK(SubmitOne(b, MakeWrite("PR", kT0 + 50h)));
  EXPECT_EQ(QueryValue("SELECT string_agg(tableoid::regclass::text, ',' ORDER BY received_at) FROM inform_events"),
            "inform_events_default,inform_events_default,inform_events_d20260101,inform_events_d20260102,"
            "inform_events_d20260103");
  EXPECT_EQ(Store().RecentEvents(r->device_id, 10)->size(), 5u);  // across the partitions, newest first
  EXPECT_EQ(Store().RecentEvents(r->device_id, 10)->front().received_at, kT0 + 50h);

  // Before +36h: the day 01-01 ended, 01-02 did not (its event at +25h stays until 01-03).
  auto pruned = Store().PruneEvents(kT0 + 36h, 1);
  ASSERT_OK(pruned);
  EXPECT_EQ(pruned->partitions_dropped, 1);
  EXPECT_EQ(pruned->rows_deleted, 1);  // a chunk of the default partition, the oldest first
  EXPECT_EQ(QueryValue("SELECT to_regclass('inform_events_d20260101') IS NULL"), "t");
  EXPECT_EQ(QueryValue("SELECT count(*) FROM inform_events WHERE received_at = to_timestamp(" +
                       std::to_string(1767225600 - 239 * 3600) + ")"),
            "1");
  pruned = Store().PruneEvents(kT0 + 36h, 100);
  ASSERT_OK(pruned);
  EXPECT_EQ(pruned->partitions_dropped, 0);
  EXPECT_EQ(pruned->rows_deleted, 1);
  auto left = Store().RecentEvents(r->device_id, 10);
  ASSERT_EQ(left->size(), 2u);
  EXPECT_EQ((*left)[0].received_at, kT0 + 50h);
  EXPECT_EQ((*left)[1].received_at, kT0 + 25h);
  pruned = Store().PruneEvents(kT0 + 36h, 100);
  EXPECT_EQ(pruned->partitions_dropped + pruned->rows_deleted, 0);
  EXPECT_EQ(Store().PruneEvents(kT0, 0).error().code, ErrorCode::kInvalidArgument);

  // The partitions V0008 made for the real date are untouched, and the default one never goes.
  EXPECT_EQ(QueryValue("SELECT count(*) FROM pg_inherits WHERE inhparent = 'inform_events'::regclass"
                       " AND inhrelid = 'inform_events_default'::regclass"),
            "1");
  // Deleting the device reaches every partition (the foreign key is on the partitioned table).
  Exec("DELETE FROM devices WHERE id = " + std::to_string(r->device_id));
  EXPECT_EQ(QueryValue("SELECT count(*) FROM inform_events"), "0");
}

// Several nodes run the same hourly maintenance: racing creations and drops of the same partitions
// all succeed, and the result is as if one had run.
TEST_F(InventoryPgTest, NodesMaintainingTheSamePartitionsAtOnceDoNotFail) {
  std::vector<std::thread> nodes;
  std::atomic<int> failures{0};
  std::mutex mu;
  std::string first_error;
  auto check = [&](const auto& r) {
    if (r.ok()) return;
    ++failures;
    std::lock_guard lock(mu);
    if (first_error.empty()) first_error = r.error().message;
  };
  for (int n = 0; n < 4; ++n) {
    nodes.emplace_back([&] {
      auto store = pg::OpenDeviceStore(options_);
      for (int round = 0; round < 5; ++round) {
        check(store->EnsureHistoryPartitions(kT0 + 24h * round));
        check(store->PruneEvents(kT0 + 24h * round, 1000));
        check(store->PruneIpHistory(kT0 + 24h * 31 * round, 1000));
      }
    });
  }
  for (auto& t : nodes) t.join();
  EXPECT_EQ(failures.load(), 0) << first_error;
  // A node still in an earlier round may have re-made a day another had dropped; the next run
  // (here: one more) settles it. Days 01-05 .. 01-12 remain (01-01 .. 01-04 ended by kT0 + 4 days).
  ASSERT_OK(Store().EnsureHistoryPartitions(kT0 + 24h * 4));
  ASSERT_OK(Store().PruneEvents(kT0 + 24h * 4, 1000));
  EXPECT_EQ(QueryValue("SELECT string_agg(c.relname, ',' ORDER BY c.relname) FROM pg_inherits i"
                       " JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'inform_events'::regclass"
                       " AND c.relname LIKE 'inform_events_d2026010%'"),
            "inform_events_d20260105,inform_events_d20260106,inform_events_d20260107,inform_events_d20260108,"
            "inform_events_d20260109");
}

TEST_F(InventoryPgTest, IpHistoryLivesInMonthlyPartitionsAndRetentionDropsWholeMonths) {
  ASSERT_OK(Store().EnsureHistoryPartitions(kT0));  // ip_history 2026-01 .. 03
  auto r = SubmitOne(Batcher(), MakeWrite("IPH", kT0));
  ASSERT_OK(r);
  const std::string dev = std::to_string(r->device_id);
  Exec("DELETE FROM ip_history");
  // Ended 2025-11-15 and 2025-12-15 (default partition), 2026-01-15, 2026-02-15.
  int n = 0;
  for (const char* end : {"2025-11-15", "2025-12-15", "2026-01-15", "2026-02-15"}) {
    Exec("INSERT INTO ip_history (device_id, ip, kind, first_seen, last_seen) VALUES (" + dev + ", '192.0.2." +
         std::to_string(++n) + "', 'wan', '" + end + "T00:00:00Z'::timestamptz - interval '5 days', '" + end +
         "T00:00:00Z')");
  }
  EXPECT_EQ(QueryValue("SELECT string_agg(tableoid::regclass::text, ',' ORDER BY last_seen) FROM ip_history"),
            "ip_history_default,ip_history_default,ip_history_m202601,ip_history_m202602");
  // Who had the address at a time is answered across the partitions.
  using Ids = std::vector<int64_t>;
  const TimePoint jan_13 = kT0 + 12 * 24h;
  EXPECT_EQ(*Store().DevicesWithIpAt("192.0.2.3", jan_13), Ids{r->device_id});
  EXPECT_EQ(Store().IpHistory(r->device_id)->size(), 4u + 2u);  // and the two current addresses

  // Before 2026-02-10: January ended, February did not; the default partition loses what ended
  // before then, oldest first.
  const TimePoint feb_10 = kT0 + (31 + 9) * 24h;
  auto pruned = Store().PruneIpHistory(feb_10, 1);
  ASSERT_OK(pruned);
  EXPECT_EQ(pruned->partitions_dropped, 1);
  EXPECT_EQ(pruned->rows_deleted, 1);
  EXPECT_EQ(QueryValue("SELECT string_agg(ip, ',' ORDER BY ip) FROM ip_history"), "192.0.2.2,192.0.2.4");
  pruned = Store().PruneIpHistory(feb_10, 100);
  ASSERT_OK(pruned);
  EXPECT_EQ(pruned->partitions_dropped, 0);
  EXPECT_EQ(pruned->rows_deleted, 1);
  EXPECT_EQ(QueryValue("SELECT string_agg(ip, ',' ORDER BY ip) FROM ip_history"), "192.0.2.4");
  EXPECT_EQ(QueryValue("SELECT to_regclass('ip_history_m202601') IS NULL"), "t");
  EXPECT_TRUE(Store().DevicesWithIpAt("192.0.2.3", jan_13)->empty());
  EXPECT_EQ(Store().PruneIpHistory(kT0, 0).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(QueryValue("SELECT count(*) FROM devices WHERE id = " + dev), "1");  // the device stays

  // A closed interval whose month has no partition yet but a later month's rows sit in the
  // default partition: that partition cannot be made; it is skipped with a warning, the others are.
  Exec("INSERT INTO ip_history (device_id, ip, kind, first_seen, last_seen) VALUES (" + dev +
       ", '192.0.2.9', 'wan', '2026-05-01T00:00:00Z', '2026-05-02T00:00:00Z')");
  auto made = Store().EnsureHistoryPartitions(kT0 + 90 * 24h);  // 2026-04 .. 06
  ASSERT_OK(made);
  EXPECT_EQ(QueryValue("SELECT to_regclass('ip_history_m202605') IS NULL"), "t");
  EXPECT_EQ(QueryValue("SELECT to_regclass('ip_history_m202604') IS NOT NULL AND"
                       " to_regclass('ip_history_m202606') IS NOT NULL"),
            "t");
  EXPECT_EQ(QueryValue("SELECT tableoid::regclass FROM ip_history WHERE ip = '192.0.2.9'"), "ip_history_default");
}

TEST_F(InventoryPgTest, ListCountFaultsReportsPing) {
  auto& b = Batcher(5, 2s);
  std::vector<InformWrite> writes;
  for (int i = 0; i < 5; ++i) writes.push_back(MakeWrite("L" + std::to_string(i), kT0));
  auto results = SubmitAll(b, writes);
  for (const auto& r : results) ASSERT_OK(r);
  ASSERT_TRUE(Store().Ping().ok());
  EXPECT_EQ(*Store().Count(), 5);
  auto page = Store().List(0, 3);
  ASSERT_OK(page);
  ASSERT_EQ(page->size(), 3u);
  EXPECT_LT((*page)[0].id, (*page)[1].id);
  auto rest = Store().List(page->back().id, 100);
  ASSERT_EQ(rest->size(), 2u);
  EXPECT_EQ(Store().List(0, 0).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(Store().List(0, 10001).error().code, ErrorCode::kInvalidArgument);

  const int64_t id = results[0]->device_id;
  const FaultRecord f1{id, "SetParameterValues", 9007, "Invalid value", R"({"faults":[]})", kT0};
  const FaultRecord f2{id, "TransferComplete", 9010, "Download failed", "", kT0 + 1s};
  ASSERT_TRUE(Store().RecordFault(f1).ok());
  ASSERT_TRUE(Store().RecordFault(f2).ok());
  auto faults = Store().Faults(id, 10);
  ASSERT_OK(faults);
  ASSERT_EQ(faults->size(), 2u);
  EXPECT_EQ((*faults)[0].rpc, "TransferComplete");
  EXPECT_EQ((*faults)[0].code, 9010u);
  EXPECT_EQ((*faults)[0].at, kT0 + 1s);
  EXPECT_EQ((*faults)[1].detail, f1.detail);
  EXPECT_EQ((*faults)[1].message, f1.message);
  EXPECT_EQ(Store().RecordFault({999999, "X", 1, "", "", kT0}).error().code, ErrorCode::kNotFound);

  const CpeReport rep{id, "TransferComplete", "dl-1", R"({"FaultStruct":{"FaultCode":0}})", kT0 + 2s};
  ASSERT_TRUE(Store().RecordReport(rep).ok());
  auto reports = Store().Reports(id, 5);
  ASSERT_OK(reports);
  ASSERT_EQ(reports->size(), 1u);
  EXPECT_EQ((*reports)[0].rpc, rep.rpc);
  EXPECT_EQ((*reports)[0].command_key, "dl-1");
  EXPECT_EQ((*reports)[0].body_json, rep.body_json);
  EXPECT_EQ((*reports)[0].received_at, rep.received_at);
  EXPECT_EQ(Store().RecordReport({999999, "X", "", "{}", kT0}).error().code, ErrorCode::kNotFound);
}

TEST_F(InventoryPgTest, LastInformUpdatesAreHot) {
  auto& b = Batcher();
  for (int i = 0; i < 50; ++i) ASSERT_OK(SubmitOne(b, MakeWrite("HOT", kT0 + std::chrono::minutes(i))));
  // The writer's backend reports its statistics when it exits.
  batcher_->Drain();
  batcher_.reset();
  std::string all = "0";
  for (int i = 0; i < 100 && std::stoi(all) < 49; ++i) {
    std::this_thread::sleep_for(20ms);
    all = QueryValue("SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'devices'");
  }
  const std::string hot = QueryValue("SELECT n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'devices'");
  EXPECT_EQ(all, "49");
  EXPECT_GE(std::stoi(hot) * 10, std::stoi(all) * 9) << hot << "/" << all;
  EXPECT_EQ(QueryValue("SELECT reloptions::text FROM pg_class WHERE relname = 'devices'"), "{fillfactor=70}");
}

// The writer's plans are generic and made on its first batch, on a fresh installation while the
// devices table is still empty, where the planner sees no difference between the indexes that match
// the identity join. A plan that probed a non-selective index (one product class for the whole
// fleet) would read the whole table per written device and keep doing so as the fleet grows
// (measured in acsd_bench: 1.1 s per 400-device batch at 10,000 devices). Whatever the plan, each
// write must stay a handful of index fetches, for the device row and for its parameter rows.
TEST_F(InventoryPgTest, IdentityProbesStaySelectiveAsTheFleetGrowsFromEmpty) {
  auto& b = Batcher(200, 2ms, 1);
  constexpr int kDevices = 4000;
  for (int start = 0; start < kDevices; start += 200) {
    std::vector<InformWrite> writes;
    for (int d = start; d < start + 200; ++d) {
      writes.push_back(MakeWrite("G-" + std::to_string(d), kT0));
      writes.back().parameters = {{"Device.DeviceInfo.UpTime", "1", "unsignedInt"},
                                  {"Device.ManagementServer.ParameterKey", "pk", "string"}};
    }
    for (const auto& r : SubmitAll(b, std::move(writes))) ASSERT_OK(r);
  }
  std::vector<InformWrite> periodic;
  for (int d = 0; d < 200; ++d) {
    periodic.push_back(MakeWrite("G-" + std::to_string(d * 20), kT0 + 1min));
    periodic.back().parameters = {{"Device.DeviceInfo.UpTime", "61", "unsignedInt"},
                                  {"Device.ManagementServer.ParameterKey", "pk", "string"}};
  }
  for (const auto& r : SubmitAll(b, std::move(periodic))) ASSERT_OK(r);
  batcher_->Drain();
  batcher_.reset();  // the writer's backend exits and reports its statistics
  const int64_t writes = kDevices + 200;
  int64_t fetched = 0;
  for (int i = 0; i < 100; ++i) {
    fetched = std::stoll(QueryValue(
        "SELECT COALESCE(idx_tup_fetch, 0) + n_tup_upd FROM pg_stat_user_tables WHERE relname = 'devices'"));
    if (fetched > 0 && QueryValue("SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'devices'") == "200") {
      break;
    }
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(QueryValue("SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'devices'"), "200");
  EXPECT_GT(fetched, 0);
  EXPECT_LT(fetched, writes * 10) << "index fetches on devices for " << writes << " writes";
  // The same for the parameter rows (device_parameters_path is one path for the whole fleet).
  const int64_t param_fetched = std::stoll(QueryValue(
      "SELECT COALESCE(idx_tup_fetch, 0) FROM pg_stat_user_tables WHERE relname = 'device_parameters'"));
  EXPECT_EQ(QueryValue("SELECT count(*) FROM device_parameters"), std::to_string(2 * kDevices));
  EXPECT_GT(param_fetched, 0);
  EXPECT_LT(param_fetched, 2 * writes * 10) << "index fetches on device_parameters for " << 2 * writes << " values";
  EXPECT_EQ(QueryValue("SELECT count(*) FROM device_parameters WHERE value = '61'"), "200");
}

// Throughput of full batches: RURU_INVENTORY_BENCH=1 to run (prints writes/s);
// RURU_INVENTORY_BENCH_WRITERS=n for n writers (default 1).
TEST_F(InventoryPgTest, BatchThroughput) {
  if (std::getenv("RURU_INVENTORY_BENCH") == nullptr) GTEST_SKIP() << "set RURU_INVENTORY_BENCH=1";
  constexpr int kDevices = 20000;
  constexpr size_t kBatch = 1000;
  const char* writers = std::getenv("RURU_INVENTORY_BENCH_WRITERS");
  auto& b = Batcher(kBatch, 50ms, writers != nullptr ? std::atoi(writers) : 1);
  auto run = [&](int pass) {
    std::atomic<int> failed{0};
    std::atomic<int> done{0};
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kDevices; ++i) {
      InformWrite w = MakeWrite("B" + std::to_string(i), kT0 + std::chrono::minutes(pass));
      for (int p = 0; p < 15; ++p) {
        // Pass 0 stores 15 values; later passes change 2 of them (uptime, a counter).
        const bool changes = p < 2;
        w.parameters.push_back({"Device.Bench.P" + std::to_string(p),
                                changes ? std::to_string(pass * 1000 + i) : "constant-" + std::to_string(p), "string"});
      }
      b.Submit(std::move(w), [&](Result<InformOutcome> r) {
        if (!r.ok()) ++failed;
        ++done;
      });
    }
    while (done.load() < kDevices) std::this_thread::sleep_for(1ms);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(failed.load(), 0);
    std::printf("pass %d (%s): %d writes in %.3f s = %.0f writes/s\n", pass, pass == 0 ? "insert" : "update", kDevices,
                s, kDevices / s);
  };
  run(0);
  run(1);
  run(2);
  const auto stats = b.GetStats();
  std::printf("batches %llu, mean commit latency %.1f ms\n", static_cast<unsigned long long>(stats.batches),
              1000 * stats.commit_seconds_sum / static_cast<double>(stats.batches));
}

}  // namespace
}  // namespace ruru::db
