// DeviceAdmin on PostgreSQL (db/device_admin.h, db/pg/pg_device_admin.cpp) against a real server:
// each test gets an empty database (PgTest) migrated to the current schema; devices are created
// through the real InformBatcher.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <future>
#include <map>
#include <pqxx/pqxx>
#include <thread>

#include "db/migrator.h"
#include "db/pg/pg_inventory.h"
#include "tests/support/pg_test.h"

namespace ruru::db {
namespace {

using namespace std::chrono_literals;
using Ids = std::vector<int64_t>;
using Rows = std::vector<std::vector<std::string>>;

// 2026-01-01T00:00:00Z.
const TimePoint kT0 = TimePoint(std::chrono::seconds(1767225600));

InformWrite MakeWrite(const std::string& serial, TimePoint at) {
  InformWrite w;
  w.key = {"00D09E", "HG8245", serial};
  w.manufacturer = "Acme";
  w.software_version = "SW1";
  w.wan_ip = "203.0.113.10";
  w.periodic_inform_interval = 3600;
  w.peer_ip = "198.51.100.7";
  w.events = {{"2 PERIODIC", ""}};
  w.received_at = at;
  return w;
}

Ids IdsOf(const std::vector<Device>& devices) {
  Ids ids;
  for (const Device& d : devices) ids.push_back(d.id);
  return ids;
}

#define ASSERT_OK(r) ASSERT_TRUE((r).ok()) << (r).error().message
// The result failed with `code`.
template <typename R>
::testing::AssertionResult HasCode(const R& r, ErrorCode code) {
  if (r.ok()) return ::testing::AssertionFailure() << "ok, expected " << ToString(code);
  if (r.error().code != code) {
    return ::testing::AssertionFailure() << ToString(r.error().code) << " (" << r.error().message << "), expected "
                                         << ToString(code);
  }
  return ::testing::AssertionSuccess();
}
#define EXPECT_CODE(r, c) EXPECT_TRUE(HasCode((r), ErrorCode::c))

class DeviceAdminPgTest : public ruru::testing::MigratedPgTest {
 protected:
  void SetUp() override {
    MigratedPgTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
  }
  void TearDown() override {
    if (batcher_) batcher_->Drain();
    batcher_.reset();
    store_.reset();
    admin_.reset();
    PgTest::TearDown();
  }

  DeviceAdmin& Admin() {
    if (!admin_) admin_ = pg::OpenDeviceAdmin(options_);
    return *admin_;
  }
  DeviceStore& Store() {
    if (!store_) store_ = pg::OpenDeviceStore(options_);
    return *store_;
  }

  // Writes `writes` in order, one batch each, and returns the device ids.
  Ids Inform(std::vector<InformWrite> writes) {
    if (!batcher_) {
      pg::BatcherOptions b;
      b.max_batch = 1;
      b.flush_interval = 1ms;
      batcher_ = pg::StartInformBatcher(options_, b, SystemClock::Instance());
    }
    Ids ids;
    for (InformWrite& w : writes) {
      std::promise<Result<InformOutcome>> done;
      auto future = done.get_future();
      batcher_->Submit(std::move(w), [&done](Result<InformOutcome> r) { done.set_value(std::move(r)); });
      if (future.wait_for(30s) != std::future_status::ready) {
        ADD_FAILURE() << "Inform not written within 30 s";
        std::abort();  // the promise would dangle
      }
      Result<InformOutcome> r = future.get();
      if (!r.ok()) {
        ADD_FAILURE() << r.error().message;
        ids.push_back(0);
      } else {
        ids.push_back(r->device_id);
      }
    }
    return ids;
  }
  int64_t InformOne(InformWrite w) {
    std::vector<InformWrite> writes;
    writes.push_back(std::move(w));
    return Inform(std::move(writes))[0];
  }

  Ids FindIds(const DeviceQuery& q) {
    auto r = Admin().Find(q);
    if (!r.ok()) {
      ADD_FAILURE() << r.error().message;
      return {};
    }
    return IdsOf(*r);
  }

  std::string Count(const std::string& table, const std::string& column, int64_t id) {
    return QueryValue("SELECT count(*) FROM " + table + " WHERE " + column + " = " + std::to_string(id));
  }

  std::unique_ptr<InformBatcher> batcher_;
  std::unique_ptr<DeviceStore> store_;
  std::unique_ptr<DeviceAdmin> admin_;
};

// A small fleet with every searchable field set differently.
struct Fleet {
  int64_t a = 0, b = 0, c = 0, d = 0;
};

class DeviceAdminFindTest : public DeviceAdminPgTest {
 protected:
  void SetUp() override {
    DeviceAdminPgTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    InformWrite a = MakeWrite("SN-A1", kT0);
    a.wan_ip = "203.0.113.1";
    a.peer_ip = "198.51.100.1";
    InformWrite b = MakeWrite("SN-B2", kT0);
    b.software_version = "SW2";
    b.wan_ip = "203.0.113.2";
    b.peer_ip = "198.51.100.2";
    InformWrite c = MakeWrite("SN-A10", kT0);
    c.key.oui = "001122";
    c.key.product_class = "Router";
    c.wan_ip = "203.0.113.3";
    c.peer_ip = "198.51.100.3";
    InformWrite d = MakeWrite("ZZ-9", kT0);
    d.key.oui = "001122";
    d.software_version = "SW2";
    d.wan_ip = "198.51.100.1";  // a's peer address is d's WAN address
    d.peer_ip = "198.51.100.4";
    Ids ids = Inform({a, b, c, d});
    fleet_ = {ids[0], ids[1], ids[2], ids[3]};
    ASSERT_TRUE(Admin().UpdateSubscriber(fleet_.a, {"CUST-100", "+6421000001", std::nullopt}).ok());
    ASSERT_TRUE(Admin().UpdateSubscriber(fleet_.b, {"CUST-1000", "+6421000002", std::nullopt}).ok());
    ASSERT_TRUE(Admin().UpdateSubscriber(fleet_.d, {"SN-X", std::nullopt, std::nullopt}).ok());
    ASSERT_TRUE(Admin().SetTag(fleet_.a, "vip", true).ok());
    ASSERT_TRUE(Admin().SetTag(fleet_.c, "vip", true).ok());
    ASSERT_TRUE(Admin().SetTag(fleet_.c, "lab", true).ok());
  }
  Fleet fleet_;
};

TEST_F(DeviceAdminFindTest, EveryFilterAlone) {
  const Fleet& f = fleet_;
  EXPECT_EQ(FindIds({}), (Ids{f.a, f.b, f.c, f.d}));

  DeviceQuery q;
  q.serial = "SN-A1";  // exact, not a prefix
  EXPECT_EQ(FindIds(q), (Ids{f.a}));
  q = {};
  q.serial = "SN-A";
  EXPECT_EQ(FindIds(q), Ids{});
  q = {};
  q.oui = "001122";
  EXPECT_EQ(FindIds(q), (Ids{f.c, f.d}));
  q = {};
  q.product_class = "HG8245";
  EXPECT_EQ(FindIds(q), (Ids{f.a, f.b, f.d}));
  q = {};
  q.software_version = "SW2";
  EXPECT_EQ(FindIds(q), (Ids{f.b, f.d}));
  q = {};
  q.tag = "vip";
  EXPECT_EQ(FindIds(q), (Ids{f.a, f.c}));
  q.tag = "lab";
  EXPECT_EQ(FindIds(q), (Ids{f.c}));
  q.tag = "none";
  EXPECT_EQ(FindIds(q), Ids{});

  // q: serial prefix, subscriber_ref prefix, exact phone, exact WAN or peer address.
  q = {};
  q.q = "SN-A1";
  EXPECT_EQ(FindIds(q), (Ids{f.a, f.c}));  // SN-A1 and SN-A10
  q.q = "SN-";
  EXPECT_EQ(FindIds(q), (Ids{f.a, f.b, f.c, f.d}));  // d by its subscriber_ref "SN-X"
  q.q = "CUST-100";
  EXPECT_EQ(FindIds(q), (Ids{f.a, f.b}));
  q.q = "CUST-1000";
  EXPECT_EQ(FindIds(q), (Ids{f.b}));
  q.q = "+6421000002";
  EXPECT_EQ(FindIds(q), (Ids{f.b}));
  q.q = "+642100000";  // the phone is exact, not a prefix
  EXPECT_EQ(FindIds(q), Ids{});
  q.q = "203.0.113.3";  // WAN
  EXPECT_EQ(FindIds(q), (Ids{f.c}));
  q.q = "198.51.100.1";  // a's peer and d's WAN
  EXPECT_EQ(FindIds(q), (Ids{f.a, f.d}));
  q.q = "203.0.113.";  // addresses are exact
  EXPECT_EQ(FindIds(q), Ids{});
  q.q = "sn-a1";  // case-sensitive
  EXPECT_EQ(FindIds(q), Ids{});

  // ip alone: the current WAN or peer address.
  q = {};
  q.ip = "198.51.100.1";
  EXPECT_EQ(FindIds(q), (Ids{f.a, f.d}));
  q.ip = "203.0.113.2";
  EXPECT_EQ(FindIds(q), (Ids{f.b}));
  q.ip = "198.51.100.4";
  EXPECT_EQ(FindIds(q), (Ids{f.d}));
  q.ip = "192.0.2.1";
  EXPECT_EQ(FindIds(q), Ids{});
}

TEST_F(DeviceAdminFindTest, FiltersCombineWithAnd) {
  const Fleet& f = fleet_;
  DeviceQuery q;
  q.oui = "001122";
  q.software_version = "SW2";
  EXPECT_EQ(FindIds(q), (Ids{f.d}));
  q = {};
  q.tag = "vip";
  q.product_class = "HG8245";
  EXPECT_EQ(FindIds(q), (Ids{f.a}));
  q.q = "SN-A";
  EXPECT_EQ(FindIds(q), (Ids{f.a}));
  q.oui = "001122";
  EXPECT_EQ(FindIds(q), Ids{});
  q = {};
  q.q = "SN-";
  q.ip = "198.51.100.1";
  q.software_version = "SW1";
  EXPECT_EQ(FindIds(q), (Ids{f.a}));
  q = {};
  q.serial = "SN-A10";
  q.oui = "001122";
  q.product_class = "Router";
  q.software_version = "SW1";
  q.tag = "lab";
  q.q = "SN-A1";
  q.ip = "203.0.113.3";
  q.online = true;
  q.now = kT0 + 1h;
  EXPECT_EQ(FindIds(q), (Ids{f.c}));
  q.online = false;
  EXPECT_EQ(FindIds(q), Ids{});
  q.online = true;
  q.at = kT0 + 10min;
  EXPECT_EQ(FindIds(q), (Ids{f.c}));
  q.at = kT0 - 10min;
  EXPECT_EQ(FindIds(q), Ids{});
}

TEST_F(DeviceAdminFindTest, FindReturnsFullDevices) {
  DeviceQuery q;
  q.serial = "SN-A10";
  auto r = Admin().Find(q);
  ASSERT_OK(r);
  ASSERT_EQ(r->size(), 1u);
  const Device& d = (*r)[0];
  auto stored = Store().Get(fleet_.c);
  ASSERT_OK(stored);
  EXPECT_EQ(d.key, (DeviceKey{"001122", "Router", "SN-A10"}));
  EXPECT_EQ(d.key, stored->key);
  EXPECT_EQ(d.tags, (std::vector<std::string>{"lab", "vip"}));
  EXPECT_EQ(d.tags, stored->tags);
  EXPECT_EQ(d.wan_ip, "203.0.113.3");
  EXPECT_EQ(d.peer_ip, "198.51.100.3");
  EXPECT_EQ(d.software_version, "SW1");
  EXPECT_EQ(d.manufacturer, "Acme");
  EXPECT_EQ(d.periodic_inform_interval, 3600u);
  EXPECT_EQ(d.last_inform, kT0);
  EXPECT_EQ(d.registered_at, kT0);
  EXPECT_EQ(d.inform_count, 1u);
  q = {};
  q.q = "CUST-1000";
  r = Admin().Find(q);
  ASSERT_OK(r);
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].subscriber_ref, "CUST-1000");
  EXPECT_EQ((*r)[0].subscriber_phone, "+6421000002");
}

TEST_F(DeviceAdminPgTest, QueryEscapesLikeMetacharacters) {
  const std::vector<std::string> serials = {"AB%C", "AB_D", "ABxD", "ABCD", "A\\B", "A\\\\B", "%Z", "_Y"};
  std::vector<InformWrite> writes;
  for (const auto& s : serials) writes.push_back(MakeWrite(s, kT0));
  const Ids ids = Inform(writes);
  std::map<std::string, int64_t> id;
  for (size_t i = 0; i < serials.size(); ++i) id[serials[i]] = ids[i];
  auto find = [&](const std::string& text) {
    DeviceQuery q;
    q.q = text;
    return FindIds(q);
  };
  EXPECT_EQ(find("AB%"), (Ids{id["AB%C"]}));  // not "any serial starting with AB"
  EXPECT_EQ(find("AB_"), (Ids{id["AB_D"]}));  // not "AB + any character"
  EXPECT_EQ(find("AB"), (Ids{id["AB%C"], id["AB_D"], id["ABxD"], id["ABCD"]}));
  EXPECT_EQ(find("A\\"), (Ids{id["A\\B"], id["A\\\\B"]}));
  EXPECT_EQ(find("A\\B"), (Ids{id["A\\B"]}));
  EXPECT_EQ(find("A\\\\"), (Ids{id["A\\\\B"]}));
  EXPECT_EQ(find("%"), (Ids{id["%Z"]}));
  EXPECT_EQ(find("_"), (Ids{id["_Y"]}));
  EXPECT_EQ(find("%%"), Ids{});
  // The same for the subscriber reference.
  ASSERT_TRUE(Admin().UpdateSubscriber(id["ABCD"], {"R_1", std::nullopt, std::nullopt}).ok());
  ASSERT_TRUE(Admin().UpdateSubscriber(id["ABxD"], {"RX1", std::nullopt, std::nullopt}).ok());
  EXPECT_EQ(find("R_"), (Ids{id["ABCD"]}));
  EXPECT_EQ(find("R"), (Ids{id["ABxD"], id["ABCD"]}));
}

TEST_F(DeviceAdminPgTest, PaginationWithoutGapsOrRepeats) {
  std::vector<InformWrite> writes;
  for (int i = 0; i < 23; ++i) {
    InformWrite w = MakeWrite("P-" + std::to_string(i), kT0);
    w.software_version = i % 3 == 0 ? "EVERY-THIRD" : "OTHER";
    writes.push_back(w);
  }
  const Ids all = Inform(writes);
  Ids third;
  for (size_t i = 0; i < all.size(); i += 3) third.push_back(all[i]);

  for (const bool filtered : {false, true}) {
    DeviceQuery q;
    q.limit = filtered ? 3 : 5;
    if (filtered) q.software_version = "EVERY-THIRD";
    Ids seen;
    int pages = 0;
    for (;;) {
      auto page = Admin().Find(q);
      ASSERT_OK(page);
      ASSERT_LE(page->size(), static_cast<size_t>(q.limit));
      ++pages;
      if (page->empty()) break;
      for (const Device& d : *page) seen.push_back(d.id);
      q.after_id = page->back().id;
    }
    EXPECT_EQ(seen, filtered ? third : all);  // ordered by id: no gap, no repeat
    EXPECT_EQ(pages, filtered ? 4 : 6);       // 8 = 3+3+2 then empty; 23 = 5*4+3 then empty
  }
  DeviceQuery q;
  q.after_id = all[20];
  EXPECT_EQ(FindIds(q), (Ids{all[21], all[22]}));  // exclusive
  q.limit = 1000;
  q.after_id = 0;
  EXPECT_EQ(FindIds(q), all);
}

TEST_F(DeviceAdminPgTest, OnlineAtNow) {
  InformWrite hourly = MakeWrite("HOURLY", kT0);  // 3600 s
  InformWrite zero = MakeWrite("ZERO", kT0);
  zero.periodic_inform_interval = 0;
  InformWrite unknown = MakeWrite("UNKNOWN", kT0);
  unknown.periodic_inform_interval.reset();
  InformWrite later = MakeWrite("LATER", kT0 + 1h);
  const Ids ids = Inform({hourly, zero, unknown, later});
  ASSERT_EQ(QueryValue("SELECT count(*) FROM devices WHERE periodic_inform_interval IS NULL"), "1");
  auto at = [&](TimePoint now, bool online, std::chrono::seconds grace = 120s) {
    DeviceQuery q;
    q.online = online;
    q.now = now;
    q.online_grace = grace;
    return FindIds(q);
  };
  const int64_t h = ids[0], z = ids[1], u = ids[2], l = ids[3];
  EXPECT_EQ(at(kT0 + 1h, true), (Ids{h, z, u, l}));
  EXPECT_EQ(at(kT0 + 1h, false), Ids{});
  // Hourly: 2 x 3600 s + 120 s, inclusive.
  EXPECT_EQ(at(kT0 + 2h + 120s, true), (Ids{h, z, u, l}));
  EXPECT_EQ(at(kT0 + 2h + 121s, true), (Ids{z, u, l}));
  EXPECT_EQ(at(kT0 + 2h + 121s, false), (Ids{h}));
  EXPECT_EQ(at(kT0 + 2h + 121s, true, 0s), (Ids{z, u, l}));
  EXPECT_EQ(at(kT0 + 2h + 10s, false, 0s), (Ids{h}));
  EXPECT_EQ(at(kT0 + 2h + 10s, true, 10s), (Ids{h, z, u, l}));
  // Unknown or 0 interval: one day + grace.
  EXPECT_EQ(at(kT0 + 3h + 121s, true), (Ids{z, u}));
  EXPECT_EQ(at(kT0 + 24h + 120s, true), (Ids{z, u}));
  EXPECT_EQ(at(kT0 + 24h + 121s, true), Ids{});
  EXPECT_EQ(at(kT0 + 24h + 121s, false), (Ids{h, z, u, l}));
  EXPECT_EQ(at(kT0 + 24h + 1h, true, 1h), (Ids{z, u}));
  // Combined with another filter.
  DeviceQuery q;
  q.online = false;
  q.now = kT0 + 3h;
  q.q = "ZERO";
  EXPECT_EQ(FindIds(q), Ids{});
  q.q = "HOURLY";
  EXPECT_EQ(FindIds(q), (Ids{h}));
}

TEST_F(DeviceAdminPgTest, IpAloneAndIpAtTime) {
  // A has WAN 203.0.113.10 from T0 to T0+2h, then .20 from T0+3h; B gets .10 at T0+5h and keeps it.
  InformWrite a0 = MakeWrite("A", kT0);
  a0.peer_ip = "198.51.100.1";
  InformWrite a1 = a0;
  a1.received_at = kT0 + 2h;
  InformWrite a2 = MakeWrite("A", kT0 + 3h);
  a2.wan_ip = "203.0.113.20";
  a2.peer_ip = "198.51.100.2";
  InformWrite b0 = MakeWrite("B", kT0 + 5h);
  b0.peer_ip = "198.51.100.3";
  const Ids ids = Inform({a0, a1, a2, b0});
  const int64_t a = ids[0], b = ids[3];
  ASSERT_EQ(QueryValue("SELECT count(*) FROM ip_history"), "2");

  auto find = [&](const std::string& ip, std::optional<TimePoint> at) {
    DeviceQuery q;
    q.ip = ip;
    q.at = at;
    return FindIds(q);
  };
  // Current addresses only.
  EXPECT_EQ(find("203.0.113.10", std::nullopt), (Ids{b}));
  EXPECT_EQ(find("203.0.113.20", std::nullopt), (Ids{a}));
  EXPECT_EQ(find("198.51.100.1", std::nullopt), Ids{});  // a's old peer address
  EXPECT_EQ(find("198.51.100.3", std::nullopt), (Ids{b}));
  // At a time: the address moved from a to b.
  EXPECT_EQ(find("203.0.113.10", kT0), (Ids{a}));
  EXPECT_EQ(find("203.0.113.10", kT0 + 1h), (Ids{a}));
  EXPECT_EQ(find("203.0.113.10", kT0 + 2h), (Ids{a}));
  EXPECT_EQ(find("203.0.113.10", kT0 + 150min), Ids{});  // between a's last Inform with it and b
  EXPECT_EQ(find("203.0.113.10", kT0 + 5h), (Ids{b}));
  EXPECT_EQ(find("203.0.113.10", kT0 + 6h), (Ids{b}));
  EXPECT_EQ(find("203.0.113.10", kT0 + 7h), (Ids{b}));
  EXPECT_EQ(find("203.0.113.10", kT0 + 7h + 1s), Ids{});  // b silent for two intervals
  EXPECT_EQ(find("203.0.113.10", kT0 - 1s), Ids{});
  EXPECT_EQ(find("198.51.100.1", kT0 + 1h), (Ids{a}));  // a closed peer interval
  EXPECT_EQ(find("203.0.113.20", kT0 + 4h), (Ids{a}));
  EXPECT_EQ(find("203.0.113.20", kT0 + 1h), Ids{});
  // Exactly what DeviceStore::DevicesWithIpAt says, at every hour.
  for (int hour = -1; hour < 9; ++hour) {
    const TimePoint t = kT0 + std::chrono::hours(hour);
    for (const std::string ip : {"203.0.113.10", "203.0.113.20", "198.51.100.1", "198.51.100.2", "198.51.100.3"}) {
      auto expected = Store().DevicesWithIpAt(ip, t);
      ASSERT_OK(expected);
      EXPECT_EQ(find(ip, t), *expected) << ip << " at +" << hour << "h";
    }
  }
  // Combined with other filters.
  DeviceQuery q;
  q.ip = "203.0.113.10";
  q.at = kT0 + 1h;
  q.serial = "B";
  EXPECT_EQ(FindIds(q), Ids{});
  q.serial = "A";
  EXPECT_EQ(FindIds(q), (Ids{a}));
  q.after_id = a;
  EXPECT_EQ(FindIds(q), Ids{});
}

TEST_F(DeviceAdminPgTest, FindRefusesBadQueries) {
  DeviceQuery q;
  q.limit = 0;
  EXPECT_CODE(Admin().Find(q), kInvalidArgument);
  q.limit = 1001;
  EXPECT_CODE(Admin().Find(q), kInvalidArgument);
  q.limit = -5;
  EXPECT_CODE(Admin().Find(q), kInvalidArgument);
  q.limit = 1000;
  EXPECT_TRUE(Admin().Find(q).ok());
  q.limit = 1;
  EXPECT_TRUE(Admin().Find(q).ok());

  auto refused = [&](auto change) {
    DeviceQuery bad;
    change(bad);
    auto r = Admin().Find(bad);
    return !r.ok() && r.error().code == ErrorCode::kInvalidArgument;
  };
  EXPECT_TRUE(refused([](DeviceQuery& b) { b.q = std::string(1025, 'x'); }));
  EXPECT_TRUE(refused([](DeviceQuery& b) { b.serial = std::string(257, 'x'); }));
  EXPECT_TRUE(refused([](DeviceQuery& b) { b.serial = std::string("a\0b", 3); }));
  EXPECT_TRUE(refused([](DeviceQuery& b) { b.oui = "\xff"; }));
  EXPECT_TRUE(refused([](DeviceQuery& b) { b.product_class = std::string(257, 'x'); }));
  EXPECT_TRUE(refused([](DeviceQuery& b) { b.software_version = std::string(1025, 'x'); }));
  EXPECT_TRUE(refused([](DeviceQuery& b) { b.ip = std::string(1025, '1'); }));
  EXPECT_TRUE(refused([](DeviceQuery& b) { b.tag = "bad tag"; }));
  EXPECT_TRUE(refused([](DeviceQuery& b) { b.at = kT0; }));       // at without ip
  EXPECT_TRUE(refused([](DeviceQuery& b) { b.online = true; }));  // online without now
  EXPECT_TRUE(refused([](DeviceQuery& b) {
    b.online = true;
    b.now = kT0;
    b.online_grace = -1s;
  }));
  EXPECT_FALSE(refused([](DeviceQuery& b) { b.q = std::string(1024, 'x'); }));
  EXPECT_FALSE(refused([](DeviceQuery& b) {
    b.ip = "1.2.3.4";
    b.at = kT0;
  }));
}

TEST_F(DeviceAdminPgTest, TagsAddRemoveAndLimits) {
  const int64_t id = InformOne(MakeWrite("T", kT0));
  auto tags = [&] { return Store().Get(id)->tags; };
  using Tags = std::vector<std::string>;
  ASSERT_TRUE(Admin().SetTag(id, "zeta", true).ok());
  ASSERT_TRUE(Admin().SetTag(id, "Alpha", true).ok());
  ASSERT_TRUE(Admin().SetTag(id, "beta:1", true).ok());
  ASSERT_TRUE(Admin().SetTag(id, "zeta", true).ok());    // twice: idempotent
  EXPECT_EQ(tags(), (Tags{"Alpha", "beta:1", "zeta"}));  // sorted bytewise, unique
  ASSERT_TRUE(Admin().SetTag(id, "beta:1", false).ok());
  ASSERT_TRUE(Admin().SetTag(id, "beta:1", false).ok());  // absent: not an error
  ASSERT_TRUE(Admin().SetTag(id, "never", false).ok());
  EXPECT_EQ(tags(), (Tags{"Alpha", "zeta"}));
  EXPECT_CODE(Admin().SetTag(id + 1000, "x", true), kNotFound);
  EXPECT_CODE(Admin().SetTag(id + 1000, "x", false), kNotFound);

  for (const std::string& bad : std::vector<std::string>{"", "-lead", "_lead", ".x", ":x", "sp ace", "semi;colon",
                                                         "quo\"te", "ü", std::string(65, 'a'), "comma,x", "brace{"}) {
    EXPECT_CODE(Admin().SetTag(id, bad, true), kInvalidArgument) << bad;
  }
  EXPECT_TRUE(Admin().SetTag(id, std::string(64, 'a'), true).ok());
  EXPECT_TRUE(Admin().SetTag(id, "0-9_a.b:c-D", true).ok());
  EXPECT_EQ(tags().size(), 4u);

  // Up to 64 tags; the 65th is refused, an existing one is still fine.
  for (int i = 0; tags().size() < 64; ++i) ASSERT_TRUE(Admin().SetTag(id, "t" + std::to_string(i), true).ok());
  const Tags full = tags();
  ASSERT_EQ(full.size(), 64u);
  EXPECT_TRUE(std::is_sorted(full.begin(), full.end()));
  EXPECT_CODE(Admin().SetTag(id, "one-too-many", true), kInvalidArgument);
  EXPECT_TRUE(Admin().SetTag(id, "zeta", true).ok());
  EXPECT_EQ(tags(), full);
  ASSERT_TRUE(Admin().SetTag(id, "zeta", false).ok());
  EXPECT_TRUE(Admin().SetTag(id, "one-too-many", true).ok());
  EXPECT_EQ(tags().size(), 64u);
}

TEST_F(DeviceAdminPgTest, BulkTagByQuery) {
  std::vector<InformWrite> writes;
  for (int i = 0; i < 10; ++i) {
    InformWrite w = MakeWrite("Q-" + std::to_string(i), kT0);
    w.software_version = i < 6 ? "OLD" : "NEW";
    writes.push_back(w);
  }
  const Ids ids = Inform(writes);
  DeviceQuery old;
  old.software_version = "OLD";
  old.limit = 1;      // ignored
  old.after_id = 99;  // ignored
  // More than max_devices match: refused, nothing changed.
  EXPECT_CODE(Admin().SetTagMatching(old, "upgrade", true, 5), kInvalidArgument);
  EXPECT_EQ(QueryValue("SELECT count(*) FROM devices WHERE tags <> '{}'"), "0");
  auto changed = Admin().SetTagMatching(old, "upgrade", true, 6);
  ASSERT_OK(changed);
  EXPECT_EQ(*changed, 6);
  DeviceQuery tagged;
  tagged.tag = "upgrade";
  EXPECT_EQ(FindIds(tagged), Ids(ids.begin(), ids.begin() + 6));
  // Again: nothing new.
  changed = Admin().SetTagMatching(old, "upgrade", true, 6);
  ASSERT_OK(changed);
  EXPECT_EQ(*changed, 0);
  // Everything, then remove from part.
  changed = Admin().SetTagMatching({}, "upgrade", true, 100);
  ASSERT_OK(changed);
  EXPECT_EQ(*changed, 4);
  DeviceQuery fresh;
  fresh.software_version = "NEW";
  EXPECT_CODE(Admin().SetTagMatching(fresh, "upgrade", false, 3), kInvalidArgument);
  EXPECT_EQ(FindIds(tagged).size(), 10u);
  changed = Admin().SetTagMatching(fresh, "upgrade", false, 4);
  ASSERT_OK(changed);
  EXPECT_EQ(*changed, 4);
  EXPECT_EQ(FindIds(tagged), Ids(ids.begin(), ids.begin() + 6));
  // Nothing matches: zero.
  DeviceQuery none;
  none.serial = "nope";
  changed = Admin().SetTagMatching(none, "upgrade", true, 1);
  ASSERT_OK(changed);
  EXPECT_EQ(*changed, 0);
  // A device at 64 tags refuses the whole operation.
  for (int i = 0; i < 63; ++i) ASSERT_TRUE(Admin().SetTag(ids[0], "f" + std::to_string(i), true).ok());
  EXPECT_CODE(Admin().SetTagMatching(old, "another", true, 100), kInvalidArgument);
  EXPECT_EQ(QueryValue("SELECT count(*) FROM devices WHERE 'another' = ANY(tags)"), "0");
  // Bad input.
  EXPECT_CODE(Admin().SetTagMatching(old, "bad tag", true, 100), kInvalidArgument);
  EXPECT_CODE(Admin().SetTagMatching(old, "ok", true, 0), kInvalidArgument);
  DeviceQuery bad;
  bad.at = kT0;
  EXPECT_CODE(Admin().SetTagMatching(bad, "ok", true, 100), kInvalidArgument);
  EXPECT_EQ(QueryValue("SELECT count(*) FROM devices WHERE 'ok' = ANY(tags)"), "0");
}

TEST_F(DeviceAdminPgTest, BulkTagByIds) {
  std::vector<InformWrite> writes;
  for (int i = 0; i < 5; ++i) writes.push_back(MakeWrite("I-" + std::to_string(i), kT0));
  const Ids ids = Inform(writes);
  const int64_t gone1 = ids.back() + 100, gone2 = ids.back() + 7;
  auto r = Admin().SetTagForIds({ids[3], gone1, ids[1], ids[1], gone2, ids[0]}, "batch", true);
  ASSERT_OK(r);
  EXPECT_EQ(r->changed, 3);
  EXPECT_EQ(r->missing, (Ids{gone2, gone1}));
  DeviceQuery q;
  q.tag = "batch";
  EXPECT_EQ(FindIds(q), (Ids{ids[0], ids[1], ids[3]}));
  r = Admin().SetTagForIds({ids[0], ids[2]}, "batch", true);
  ASSERT_OK(r);
  EXPECT_EQ(r->changed, 1);
  EXPECT_TRUE(r->missing.empty());
  r = Admin().SetTagForIds({ids[0], ids[4], gone1}, "batch", false);
  ASSERT_OK(r);
  EXPECT_EQ(r->changed, 1);
  EXPECT_EQ(r->missing, (Ids{gone1}));
  EXPECT_EQ(FindIds(q), (Ids{ids[1], ids[2], ids[3]}));
  r = Admin().SetTagForIds({}, "batch", true);
  ASSERT_OK(r);
  EXPECT_EQ(r->changed, 0);

  // 100,000 ids in one statement; one more is refused.
  Ids many;
  for (int64_t i = 1; i <= 100000; ++i) many.push_back(i);
  r = Admin().SetTagForIds(many, "many", true);
  ASSERT_OK(r);
  EXPECT_EQ(r->changed, 5);
  EXPECT_EQ(r->missing.size(), 100000u - 5);
  r = Admin().SetTagForIds(many, "many", false);
  ASSERT_OK(r);
  EXPECT_EQ(r->changed, 5);
  many.push_back(100001);
  EXPECT_CODE(Admin().SetTagForIds(many, "many", false), kInvalidArgument);
  EXPECT_EQ(QueryValue("SELECT count(*) FROM devices WHERE 'many' = ANY(tags)"), "0");

  // One full device: nothing changed on any.
  for (int i = 0; i < 64; ++i) ASSERT_TRUE(Admin().SetTag(ids[4], "f" + std::to_string(i), true).ok());
  EXPECT_CODE(Admin().SetTagForIds({ids[0], ids[4]}, "more", true), kInvalidArgument);
  EXPECT_EQ(QueryValue("SELECT count(*) FROM devices WHERE 'more' = ANY(tags)"), "0");
  EXPECT_CODE(Admin().SetTagForIds({ids[0]}, "-bad", true), kInvalidArgument);
}

// Bulk tagging works in chunks of 5,000 devices (each its own transaction); every device is still
// changed exactly once, and a refusal found before the first chunk changes nothing.
TEST_F(DeviceAdminPgTest, BulkTagInChunksOver12000Devices) {
  Exec(R"sql(
INSERT INTO devices (oui, product_class, serial_number, registered_at, tags)
SELECT '00D09E', 'CHUNK', 'CH' || lpad(i::text, 6, '0'), now(), '{}'
FROM generate_series(1, 12000) AS i)sql");
  const Ids all = [&] {
    Ids out;
    for (const auto& row : Query("SELECT id FROM devices WHERE product_class = 'CHUNK' ORDER BY id")) {
      out.push_back(std::stoll(row[0]));
    }
    return out;
  }();
  ASSERT_EQ(all.size(), 12000u);
  auto r = Admin().SetTagForIds(all, "wave1", true);
  ASSERT_OK(r);
  EXPECT_EQ(r->changed, 12000);
  EXPECT_EQ(QueryValue("SELECT count(*) FROM devices WHERE tags = '{wave1}'"), "12000");
  DeviceQuery q;
  q.product_class = "CHUNK";
  auto n = Admin().SetTagMatching(q, "wave2", true, 12000);
  ASSERT_OK(n);
  EXPECT_EQ(*n, 12000);
  EXPECT_FALSE(Admin().SetTagMatching(q, "wave3", true, 11999).ok());
  EXPECT_EQ(QueryValue("SELECT count(*) FROM devices WHERE 'wave3' = ANY(tags)"), "0");
  // One device in the last chunk is full: nothing changes anywhere.
  Exec("UPDATE devices SET tags = ARRAY(SELECT 't' || g FROM generate_series(1, 64) g) WHERE id = " +
       std::to_string(all.back()));
  auto refused = Admin().SetTagForIds(all, "wave4", true);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(QueryValue("SELECT count(*) FROM devices WHERE 'wave4' = ANY(tags)"), "0");
  auto removed = Admin().SetTagMatching(q, "wave1", false, 12000);
  ASSERT_OK(removed);
  EXPECT_EQ(*removed, 11999);  // the full device lost wave1 when it got 64 other tags
}

TEST_F(DeviceAdminPgTest, IdsBySerial) {
  InformWrite a = MakeWrite("S-1", kT0);
  InformWrite b = MakeWrite("S-1", kT0);
  b.key.oui = "001122";  // the same serial under another OUI
  InformWrite c = MakeWrite("S-2", kT0);
  InformWrite d = MakeWrite("S-3%", kT0);
  const Ids ids = Inform({a, b, c, d});
  auto r = Admin().IdsBySerial({"S-2", "nope", "S-1", "S-2", "S-", "S-3%", "S-3x", ""});
  ASSERT_OK(r);
  EXPECT_EQ(r->ids, (Ids{ids[2], ids[0], ids[1], ids[3]}));  // in input order, each once
  EXPECT_EQ(r->missing, (std::vector<std::string>{"nope", "S-", "S-3x", ""}));
  r = Admin().IdsBySerial({});
  ASSERT_OK(r);
  EXPECT_TRUE(r->ids.empty());
  EXPECT_TRUE(r->missing.empty());
  EXPECT_CODE(Admin().IdsBySerial({"ok", std::string(257, 'x')}), kInvalidArgument);
  EXPECT_CODE(Admin().IdsBySerial({std::string("a\0", 2)}), kInvalidArgument);
  std::vector<std::string> many;
  for (int i = 0; i < 100000; ++i) many.push_back("M-" + std::to_string(i));
  many[77] = "S-2";
  r = Admin().IdsBySerial(many);
  ASSERT_OK(r);
  EXPECT_EQ(r->ids, (Ids{ids[2]}));
  EXPECT_EQ(r->missing.size(), 99999u);
  many.push_back("one-more");
  EXPECT_CODE(Admin().IdsBySerial(many), kInvalidArgument);
}

TEST_F(DeviceAdminPgTest, SubscriberUpdateAndClear) {
  const int64_t id = InformOne(MakeWrite("SUB", kT0));
  ASSERT_TRUE(Admin().UpdateSubscriber(id, {"C-1", "+6421555", "Pacific/Auckland"}).ok());
  auto d = Store().Get(id);
  EXPECT_EQ(d->subscriber_ref, "C-1");
  EXPECT_EQ(d->subscriber_phone, "+6421555");
  EXPECT_EQ(d->time_zone, "Pacific/Auckland");
  // nullopt leaves a field alone.
  ASSERT_TRUE(Admin().UpdateSubscriber(id, {std::nullopt, "+6421666", std::nullopt}).ok());
  d = Store().Get(id);
  EXPECT_EQ(d->subscriber_ref, "C-1");
  EXPECT_EQ(d->subscriber_phone, "+6421666");
  EXPECT_EQ(d->time_zone, "Pacific/Auckland");
  ASSERT_TRUE(Admin().UpdateSubscriber(id, {}).ok());
  EXPECT_EQ(Store().Get(id)->subscriber_ref, "C-1");
  // "" clears (NULL, so the partial indexes stay small).
  ASSERT_TRUE(Admin().UpdateSubscriber(id, {"", std::nullopt, ""}).ok());
  d = Store().Get(id);
  EXPECT_EQ(d->subscriber_ref, "");
  EXPECT_EQ(d->subscriber_phone, "+6421666");
  EXPECT_EQ(d->time_zone, "");
  EXPECT_EQ(QueryValue("SELECT subscriber_ref IS NULL AND time_zone IS NULL FROM devices"), "t");
  DeviceQuery q;
  q.q = "C-1";
  EXPECT_EQ(FindIds(q), Ids{});
  q.q = "+6421666";
  EXPECT_EQ(FindIds(q), (Ids{id}));

  EXPECT_CODE(Admin().UpdateSubscriber(id + 1, {"X", std::nullopt, std::nullopt}), kNotFound);
  EXPECT_CODE(Admin().UpdateSubscriber(id + 1, {}), kNotFound);
  EXPECT_CODE(Admin().UpdateSubscriber(id, {std::string(129, 'r'), std::nullopt, std::nullopt}), kInvalidArgument);
  EXPECT_CODE(Admin().UpdateSubscriber(id, {std::nullopt, std::string(33, '1'), std::nullopt}), kInvalidArgument);
  EXPECT_CODE(Admin().UpdateSubscriber(id, {std::nullopt, std::nullopt, std::string(65, 'z')}), kInvalidArgument);
  EXPECT_CODE(Admin().UpdateSubscriber(id, {"\xc3", std::nullopt, std::nullopt}), kInvalidArgument);
  EXPECT_TRUE(Admin().UpdateSubscriber(id, {std::string(128, 'r'), std::nullopt, std::nullopt}).ok());
  EXPECT_EQ(Store().Get(id)->subscriber_ref, std::string(128, 'r'));
  EXPECT_EQ(Store().Get(id)->subscriber_phone, "+6421666");
}

TEST_F(DeviceAdminPgTest, DeleteDeviceRemovesEveryRowAboutIt) {
  // Two devices with rows in every table; one is deleted, the other must be untouched.
  Ids ids;
  for (const std::string serial : {"DEL", "KEEP"}) {
    InformWrite w = MakeWrite(serial, kT0);
    w.parameters = {{"Device.A", "1", "int", std::nullopt}, {"Device.B." + serial, "x", "string", std::nullopt}};
    InformWrite moved = MakeWrite(serial, kT0 + 1h);
    moved.wan_ip = "203.0.113.99";  // closes an ip_history interval
    ids.push_back(Inform({w, moved})[0]);
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    const int64_t id = ids[i];
    const std::string n = std::to_string(i);
    ASSERT_TRUE(Store().SetPendingCredentials(id, {"user" + n, "md5" + n, "sha" + n}, {"cr" + n, "ct", "k1"}).ok());
    ASSERT_TRUE(Store().RecordFault({id, "SetParameterValues", 9007, "bad", "", kT0}).ok());
    ASSERT_TRUE(Store().RecordReport({id, "TransferComplete", "ck", "{}", kT0}).ok());
    Exec("INSERT INTO tasks (device_id, type, created_at, updated_at, expires_at) VALUES (" + std::to_string(id) +
         ", 'reboot', now(), now(), now() + interval '1 day')");
    Exec("UPDATE device_faults SET task_id = (SELECT max(id) FROM tasks WHERE device_id = " + std::to_string(id) +
         ") WHERE device_id = " + std::to_string(id));
  }
  const std::vector<std::pair<std::string, std::string>> tables = {{"devices", "id"},
                                                                   {"device_usernames", "device_id"},
                                                                   {"inform_events", "device_id"},
                                                                   {"ip_history", "device_id"},
                                                                   {"device_faults", "device_id"},
                                                                   {"cpe_reports", "device_id"},
                                                                   {"device_parameters", "device_id"},
                                                                   {"tasks", "device_id"}};
  std::vector<std::string> keep_before;
  for (const auto& [table, column] : tables) {
    EXPECT_NE(Count(table, column, ids[0]), "0") << table;  // the test would prove nothing otherwise
    keep_before.push_back(Count(table, column, ids[1]));
  }
  ASSERT_TRUE(Admin().DeleteDevice(ids[0]).ok());
  for (size_t i = 0; i < tables.size(); ++i) {
    EXPECT_EQ(Count(tables[i].first, tables[i].second, ids[0]), "0") << tables[i].first;
    EXPECT_EQ(Count(tables[i].first, tables[i].second, ids[1]), keep_before[i]) << tables[i].first;
  }
  // Every table that references devices was checked (a new one must be added to the list); a
  // partitioned table's key counts once, not with its partitions' copies.
  EXPECT_EQ(QueryValue("SELECT string_agg(conrelid::regclass::text, ',' ORDER BY conrelid::regclass::text)"
                       " FROM pg_constraint WHERE contype = 'f' AND confrelid = 'devices'::regclass"
                       " AND conparentid = 0"),
            "cpe_reports,device_faults,device_usernames,inform_events,ip_history,tasks");
  EXPECT_CODE(Admin().DeleteDevice(ids[0]), kNotFound);
  EXPECT_CODE(Store().Get(ids[0]), kNotFound);
  EXPECT_TRUE(Store().Get(ids[1]).ok());
  // The username is free again; the device can come back (as a new device).
  EXPECT_CODE(Store().FindCredentialsByUsername("user0"), kNotFound);
  EXPECT_TRUE(Store().FindCredentialsByUsername("user1").ok());
  const int64_t again = InformOne(MakeWrite("DEL", kT0 + 2h));
  EXPECT_NE(again, ids[0]);
  EXPECT_EQ(Count("device_parameters", "device_id", again), "0");
}

TEST_F(DeviceAdminPgTest, FaultsListPagesFiltersAndDeletes) {
  const Ids ids = Inform({MakeWrite("F1", kT0), MakeWrite("F2", kT0)});
  const int64_t d1 = ids[0], d2 = ids[1];
  for (int i = 0; i < 7; ++i) {
    const int64_t dev = i % 2 == 0 ? d1 : d2;
    const std::string detail = i == 0 ? R"({"faults":[{"path":"Device.X","code":9007}]})" : "";
    ASSERT_TRUE(Store()
                    .RecordFault({dev, "SetParameterValues", static_cast<uint32_t>(9000 + i), "m" + std::to_string(i),
                                  detail, kT0 + std::chrono::seconds(i)})
                    .ok());
  }
  Exec("INSERT INTO tasks (device_id, type, created_at, updated_at, expires_at) VALUES (" + std::to_string(d1) +
       ", 'set', now(), now(), now() + interval '1 day')");
  const std::string task = QueryValue("SELECT max(id) FROM tasks");
  const int64_t task_id = std::stoll(task);
  Exec("UPDATE device_faults SET task_id = " + task + " WHERE code IN (9002, 9004)");
  const Rows all_rows = Query("SELECT id FROM device_faults ORDER BY id DESC");
  Ids all;
  for (const auto& row : all_rows) all.push_back(std::stoll(row[0]));
  ASSERT_EQ(all.size(), 7u);
  auto list = [&](const FaultQuery& q) {
    Ids out;
    auto r = Admin().ListFaults(q);
    if (!r.ok()) {
      ADD_FAILURE() << r.error().message;
      return out;
    }
    for (const StoredFault& f : *r) out.push_back(f.id);
    return out;
  };

  EXPECT_EQ(list({}), all);  // newest first
  // Pages of 3 by before_id.
  FaultQuery q;
  q.limit = 3;
  Ids paged;
  for (int pages = 0; pages < 10; ++pages) {
    Ids page = list(q);
    if (page.empty()) break;
    paged.insert(paged.end(), page.begin(), page.end());
    q.before_id = page.back();
  }
  EXPECT_EQ(paged, all);
  // Filters.
  q = {};
  q.device_id = d2;
  EXPECT_EQ(list(q), (Ids{all[1], all[3], all[5]}));  // codes 9005, 9003, 9001
  q.device_id = d1;
  q.task_id = task_id;
  EXPECT_EQ(list(q), (Ids{all[2], all[4]}));  // 9004, 9002
  q.device_id.reset();
  EXPECT_EQ(list(q), (Ids{all[2], all[4]}));
  q.before_id = all[2];
  EXPECT_EQ(list(q), (Ids{all[4]}));
  q = {};
  q.task_id = task_id + 1;
  EXPECT_EQ(list(q), Ids{});
  q = {};
  q.limit = 0;
  EXPECT_CODE(Admin().ListFaults(q), kInvalidArgument);
  q.limit = 1001;
  EXPECT_CODE(Admin().ListFaults(q), kInvalidArgument);
  q.limit = 10;
  q.before_id = -1;
  EXPECT_CODE(Admin().ListFaults(q), kInvalidArgument);

  // Get: every field.
  auto f = Admin().GetFault(all[6]);
  ASSERT_OK(f);
  EXPECT_EQ(f->id, all[6]);
  EXPECT_EQ(f->fault.device_id, d1);
  EXPECT_EQ(f->fault.rpc, "SetParameterValues");
  EXPECT_EQ(f->fault.code, 9000u);
  EXPECT_EQ(f->fault.message, "m0");
  EXPECT_EQ(f->fault.detail, R"({"faults":[{"path":"Device.X","code":9007}]})");
  EXPECT_EQ(f->fault.at, kT0);
  EXPECT_FALSE(f->task_id.has_value());
  f = Admin().GetFault(all[2]);
  ASSERT_OK(f);
  EXPECT_EQ(f->task_id, task_id);
  EXPECT_EQ(f->fault.detail, "");
  EXPECT_CODE(Admin().GetFault(all[0] + 1), kNotFound);

  // Delete one, then all of a device.
  ASSERT_TRUE(Admin().DeleteFault(all[0]).ok());
  EXPECT_CODE(Admin().DeleteFault(all[0]), kNotFound);
  EXPECT_CODE(Admin().GetFault(all[0]), kNotFound);
  auto n = Admin().DeleteFaults(d2);
  ASSERT_OK(n);
  EXPECT_EQ(*n, 3);
  n = Admin().DeleteFaults(d2);
  ASSERT_OK(n);
  EXPECT_EQ(*n, 0);
  EXPECT_EQ(list({}), (Ids{all[2], all[4], all[6]}));
}

TEST_F(DeviceAdminPgTest, ApiTokens) {
  const std::string hash1(64, 'a'), hash2 = std::string(63, 'b') + "0", hash3(64, 'c');
  auto t1 = Admin().CreateToken("ops", "admin", hash1, "rr_abc", kT0, std::nullopt);
  ASSERT_OK(t1);
  EXPECT_GT(t1->id, 0);
  EXPECT_EQ(t1->name, "ops");
  EXPECT_EQ(t1->role, "admin");
  EXPECT_EQ(t1->prefix, "rr_abc");
  EXPECT_EQ(t1->created_at, kT0);
  EXPECT_FALSE(t1->expires_at.has_value());
  EXPECT_FALSE(t1->revoked_at.has_value());
  EXPECT_FALSE(t1->last_used_at.has_value());
  auto t2 = Admin().CreateToken("ci", "admin", hash2, "rr_def", kT0 + 1s, kT0 + 24h);
  ASSERT_OK(t2);
  EXPECT_EQ(t2->expires_at, kT0 + 24h);

  // The name is unique; so is the hash.
  EXPECT_CODE(Admin().CreateToken("ops", "admin", hash3, "rr_x", kT0, std::nullopt), kConflict);
  EXPECT_CODE(Admin().CreateToken("other", "admin", hash1, "rr_x", kT0, std::nullopt), kConflict);
  EXPECT_EQ(QueryValue("SELECT count(*) FROM api_tokens"), "2");
  // Input checks.
  EXPECT_CODE(Admin().CreateToken("", "admin", hash3, "p", kT0, std::nullopt), kInvalidArgument);
  EXPECT_CODE(Admin().CreateToken(std::string(65, 'n'), "admin", hash3, "p", kT0, std::nullopt), kInvalidArgument);
  EXPECT_CODE(Admin().CreateToken("x", "", hash3, "p", kT0, std::nullopt), kInvalidArgument);
  EXPECT_CODE(Admin().CreateToken("x", "admin", std::string(64, 'A'), "p", kT0, std::nullopt), kInvalidArgument);
  EXPECT_CODE(Admin().CreateToken("x", "admin", std::string(63, 'a'), "p", kT0, std::nullopt), kInvalidArgument);
  EXPECT_CODE(Admin().FindToken("not-a-hash"), kInvalidArgument);

  auto found = Admin().FindToken(hash2);
  ASSERT_OK(found);
  EXPECT_EQ(found->id, t2->id);
  EXPECT_EQ(found->name, "ci");
  EXPECT_EQ(found->created_at, kT0 + 1s);
  EXPECT_EQ(found->expires_at, kT0 + 24h);
  EXPECT_CODE(Admin().FindToken(hash3), kNotFound);
  // Only the hash is stored.
  EXPECT_EQ(QueryValue("SELECT token_sha256 FROM api_tokens WHERE name = 'ops'"), hash1);

  // Touch: last_used_at, never backwards.
  ASSERT_TRUE(Admin().TouchToken(t1->id, kT0 + 10s).ok());
  EXPECT_EQ(Admin().FindToken(hash1)->last_used_at, kT0 + 10s);
  ASSERT_TRUE(Admin().TouchToken(t1->id, kT0 + 5s).ok());
  EXPECT_EQ(Admin().FindToken(hash1)->last_used_at, kT0 + 10s);
  ASSERT_TRUE(Admin().TouchToken(t1->id, kT0 + 20s).ok());
  EXPECT_EQ(Admin().FindToken(hash1)->last_used_at, kT0 + 20s);
  EXPECT_FALSE(Admin().FindToken(hash2)->last_used_at.has_value());
  EXPECT_CODE(Admin().TouchToken(t2->id + 100, kT0), kNotFound);

  // Revoke: idempotent, keeps the first time; a revoked token is still found (the caller decides).
  ASSERT_TRUE(Admin().RevokeToken("ops", kT0 + 1min).ok());
  ASSERT_TRUE(Admin().RevokeToken("ops", kT0 + 2min).ok());
  found = Admin().FindToken(hash1);
  ASSERT_OK(found);
  EXPECT_EQ(found->revoked_at, kT0 + 1min);
  EXPECT_FALSE(Admin().FindToken(hash2)->revoked_at.has_value());
  EXPECT_CODE(Admin().RevokeToken("nobody", kT0), kNotFound);

  auto list = Admin().ListTokens();
  ASSERT_OK(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "ops");
  EXPECT_EQ((*list)[0].revoked_at, kT0 + 1min);
  EXPECT_EQ((*list)[0].last_used_at, kT0 + 20s);
  EXPECT_EQ((*list)[1].name, "ci");
  EXPECT_EQ((*list)[1].prefix, "rr_def");
}

TEST_F(DeviceAdminPgTest, ParametersReadTheWritableFlag) {
  InformWrite w = MakeWrite("W", kT0);
  w.parameters = {{"Device.A", "1", "int", std::nullopt},
                  {"Device.B", "2", "int", std::nullopt},
                  {"Device.C", "3", "int", std::nullopt}};
  const int64_t id = InformOne(w);
  Exec(
      "UPDATE device_parameters SET writable = true WHERE path_id = (SELECT id FROM parameter_paths"
      " WHERE path = 'Device.A')");
  Exec(
      "UPDATE device_parameters SET writable = false WHERE path_id = (SELECT id FROM parameter_paths"
      " WHERE path = 'Device.B')");
  auto params = Store().Parameters(id, "");
  ASSERT_OK(params);
  ASSERT_EQ(params->size(), 3u);
  EXPECT_EQ((*params)[0].writable, std::optional<bool>(true));
  EXPECT_EQ((*params)[1].writable, std::optional<bool>(false));
  EXPECT_EQ((*params)[2].writable, std::nullopt);
  EXPECT_EQ((*params)[2], (ParameterRecord{"Device.C", "3", "int", std::nullopt}));
}

// The common single-filter searches use their index on a realistic table: 100,000 devices, and no
// search reads the table sequentially or walks the whole primary key (docs/inventory.md, "The
// device API's queries"). Checked with the server's statistics counters, which see the plans the
// store's own connections ran.
TEST_F(DeviceAdminPgTest, SearchesUseTheirIndexesOn100000Devices) {
  {
    pqxx::connection conn(dsn());
    pqxx::nontransaction tx(conn);
    tx.exec0(R"sql(
INSERT INTO devices (oui, product_class, serial_number, software_version, wan_ip, wan_ip_since, peer_ip,
                     peer_ip_since, periodic_inform_interval, tags, subscriber_ref, subscriber_phone,
                     registered_at, last_inform)
SELECT CASE WHEN i % 5000 = 7 THEN 'RARE01' WHEN i % 4 = 0 THEN '00259E' ELSE '00D09E' END,
       CASE WHEN i % 5000 = 11 THEN 'RARE-PC' ELSE 'PC' || (i % 20) END,
       'SN' || lpad(i::text, 9, '0'),
       CASE WHEN i % 5000 = 13 THEN 'SW-RARE' ELSE 'SW' || (i % 30) END,
       '10.' || (i / 65536) || '.' || (i / 256 % 256) || '.' || (i % 256), now() - interval '30 days',
       CASE WHEN i % 5 = 0 THEN '100.64.' || (i / 250 % 256) || '.' || (i / 50 % 5)
            ELSE '10.' || (i / 65536) || '.' || (i / 256 % 256) || '.' || (i % 256) END, now() - interval '30 days',
       3600,
       CASE WHEN i % 1000 = 0 THEN '{rare,vip}'::text[] WHEN i % 3 = 0 THEN '{fibre}' ELSE '{}' END,
       CASE WHEN i % 5 <> 0 THEN 'CUST' || lpad(i::text, 7, '0') END,
       CASE WHEN i % 2 = 0 THEN '+6421' || lpad(i::text, 7, '0') END,
       now() - interval '60 days', now() - interval '10 minutes'
FROM generate_series(1, 100000) AS i)sql");
    tx.exec0(R"sql(
INSERT INTO ip_history (device_id, ip, kind, first_seen, last_seen)
SELECT i, '172.16.' || (i / 256 % 256) || '.' || (i % 256), 'wan', now() - interval '60 days', now() - interval '30 days'
FROM generate_series(1, 100000, 100) AS i)sql");
    tx.exec0("VACUUM ANALYZE devices");  // also empties the GIN pending list
    tx.exec0("VACUUM ANALYZE ip_history");
  }
  // Counters per relation; the populating backend's are flushed when it exits. ip_history is
  // partitioned (V0008): its partitions' counters are summed, an index partition's under its
  // parent index's name; the partitions without rows (made ahead) are left out, as a scan of an
  // empty table costs nothing and the planner may pick one.
  auto counters = [&] {
    std::map<std::string, int64_t> c;
    for (const auto& row :
         Query("SELECT COALESCE(i.inhparent::regclass::text, s.indexrelname::text), sum(s.idx_scan)"
               " FROM pg_stat_user_indexes s LEFT JOIN pg_inherits i ON i.inhrelid = s.indexrelid"
               " WHERE s.relid = 'devices'::regclass OR s.relid IN (SELECT relid FROM pg_partition_tree('ip_history'))"
               " GROUP BY 1")) {
      c[row[0]] = std::stoll(row[1]);
    }
    for (const auto& row :
         Query("SELECT CASE WHEN relid = 'devices'::regclass THEN 'devices' ELSE 'ip_history' END,"
               " sum(seq_scan), sum(COALESCE(idx_tup_fetch, 0)), sum(n_tup_ins) FROM pg_stat_user_tables"
               " WHERE relid = 'devices'::regclass"
               "    OR (relid IN (SELECT relid FROM pg_partition_tree('ip_history')) AND n_tup_ins > 0)"
               " GROUP BY 1")) {
      c[row[0] + ".seq_scan"] = std::stoll(row[1]);
      c[row[0] + ".idx_tup_fetch"] = std::stoll(row[2]);
      c[row[0] + ".n_tup_ins"] = std::stoll(row[3]);
    }
    return c;
  };
  std::map<std::string, int64_t> before = counters();
  for (int i = 0; i < 100 && before["devices.n_tup_ins"] < 100000; ++i) {
    std::this_thread::sleep_for(50ms);
    before = counters();
  }
  ASSERT_EQ(before["devices.n_tup_ins"], 100000);

  auto find = [&](auto set) {
    DeviceQuery q;
    set(q);
    auto r = Admin().Find(q);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? r->size() : 0;
  };
  EXPECT_EQ(find([](DeviceQuery& q) { q.serial = "SN000012345"; }), 1u);
  EXPECT_EQ(find([](DeviceQuery& q) { q.q = "SN00001234"; }), 10u);
  EXPECT_EQ(find([](DeviceQuery& q) { q.q = "CUST001234"; }), 8u);
  EXPECT_EQ(find([](DeviceQuery& q) { q.q = "+64210012346"; }), 1u);
  EXPECT_EQ(find([](DeviceQuery& q) { q.q = "10.0.48.57"; }), 1u);
  EXPECT_EQ(find([](DeviceQuery& q) { q.oui = "RARE01"; }), 20u);
  EXPECT_EQ(find([](DeviceQuery& q) { q.product_class = "RARE-PC"; }), 20u);
  EXPECT_EQ(find([](DeviceQuery& q) { q.software_version = "SW-RARE"; }), 20u);
  EXPECT_EQ(find([](DeviceQuery& q) { q.tag = "rare"; }), 50u);       // 100 match, one page
  EXPECT_EQ(find([](DeviceQuery& q) { q.ip = "100.64.3.1"; }), 20u);  // a CGNAT peer address
  EXPECT_EQ(find([](DeviceQuery& q) { q.ip = "10.0.48.57"; }), 1u);
  EXPECT_EQ(find([](DeviceQuery& q) {
              q.ip = "172.16.0.101";
              q.at = std::chrono::system_clock::now() - 24h * 45;
            }),
            1u);
  // The common ones that match many: the primary key in id order, stopping at the page.
  EXPECT_EQ(find([](DeviceQuery& q) { q.oui = "00D09E"; }), 50u);
  EXPECT_EQ(find([](DeviceQuery& q) { q.tag = "fibre"; }), 50u);
  EXPECT_EQ(find([](DeviceQuery& q) { q.q = "SN0"; }), 50u);
  admin_.reset();  // its backends exit and flush their statistics

  const std::vector<std::string> indexes = {"devices_serial",
                                            "devices_subscriber_ref",
                                            "devices_subscriber_phone",
                                            "devices_identity",
                                            "devices_product_class",
                                            "devices_software_version",
                                            "devices_tags",
                                            "devices_wan_ip",
                                            "devices_peer_ip",
                                            "ip_history_ip",
                                            "devices_pkey"};
  std::map<std::string, int64_t> after;
  auto all_used = [&] {
    for (const auto& index : indexes) {
      if (after[index] <= before[index]) return false;
    }
    return true;
  };
  for (int i = 0; i < 200 && !all_used(); ++i) {
    std::this_thread::sleep_for(50ms);
    after = counters();
  }
  for (const auto& index : indexes) EXPECT_GT(after[index], before[index]) << index << " not used";
  EXPECT_EQ(after["devices.seq_scan"], before["devices.seq_scan"]);
  EXPECT_EQ(after["ip_history.seq_scan"], before["ip_history.seq_scan"]);
  // What all the searches together fetched through indexes: a few hundred rows, not 100,000.
  EXPECT_LT(after["devices.idx_tup_fetch"] - before["devices.idx_tup_fetch"], 3000);
}

}  // namespace
}  // namespace ruru::db
