// ShardedFleet (--threads) against the scripted test ACS over real sockets: two shards on two
// threads behave as one fleet. Every device completes its sessions, the merged report's counters
// add up (to each other, to the shards' own and to what the ACS saw), and each shard answers the
// connection requests of its own devices on its own port.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "tests/cpesim/fleet.h"
#include "tests/cpesim/model.h"
#include "tests/testacs/testacs.h"
#include "tests/support/test_paths.h"

namespace ruru::cpesim {
namespace {

using namespace std::chrono_literals;
using testacs::ScriptedAcs;

bool Eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 30s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

std::string SerialOf(size_t i) {
  char digits[16];
  std::snprintf(digits, sizeof digits, "S%06zu", i + 1);
  return digits;
}

TEST(ShardedFleet, TwoThreadsEveryDeviceCompletesAndTheReportAddsUp) {
  testacs::Options acs_options;
  acs_options.auth = testacs::AuthMode::kDigest;
  ScriptedAcs acs(acs_options);
  acs.SetCredentialLookup([](const std::string& user) -> std::optional<std::string> { return "pw-" + user; });
  ASSERT_TRUE(acs.Start().ok());

  auto model = LoadModelFile(std::string(RURU_CPESIM_DIR) + "/models/tr181-router.json");
  ASSERT_TRUE(model.ok()) << model.error().message;
  constexpr size_t kDevices = 101;  // odd: the shards differ in size
  constexpr size_t kSessionsEach = 3;
  FleetConfig config;
  config.acs_url = acs.url();
  config.devices = kDevices;
  config.model = *model;
  config.serial_prefix = "S";
  config.inform_interval_seconds = 1;
  config.ramp_per_second = 500;
  config.connreq_listen = "127.0.0.1:0";
  config.source_ips = *ParseCidr("127.4.0.0/16");
  config.max_inflight = 33;  // 17 + 16
  config.http_timeout = 5s;

  ShardedFleet fleet(config, 2);
  ASSERT_EQ(fleet.shards(), 2u);
  Status s = fleet.Start();
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(fleet.shard(0).size(), 51u);
  EXPECT_EQ(fleet.shard(1).size(), 50u);
  EXPECT_TRUE(fleet.shard(1).Holds(1));
  EXPECT_FALSE(fleet.shard(1).Holds(2));
  const auto ports = fleet.connreq_ports();
  ASSERT_EQ(ports.size(), 2u);
  EXPECT_NE(ports[0], 0);
  EXPECT_NE(ports[1], 0);
  EXPECT_NE(ports[0], ports[1]);
  std::thread runner([&] { fleet.Run(); });

  for (size_t i = 0; i < kDevices; ++i) {
    EXPECT_TRUE(acs.WaitForSessions(SerialOf(i), kSessionsEach, 30s))
        << SerialOf(i) << " had " << acs.EndedSessionCount(SerialOf(i)) << " sessions";
  }
  // Device 1 lives in shard 1: its ConnectionRequestURL names shard 1's port, which answers for it.
  std::string connreq_url;
  EXPECT_TRUE(fleet.shard(1).Inspect(
      1, [&](Device& d) { connreq_url = d.Get("Device.ManagementServer.ConnectionRequestURL"); }));
  EXPECT_EQ(connreq_url, "http://127.0.0.1:" + std::to_string(ports[1]) + "/S000002");
  auto accepted = ScriptedAcs::ConnectionRequest(connreq_url, "S000002", "cr-S000002", 5s);
  ASSERT_TRUE(accepted.ok()) << accepted.error().message;
  EXPECT_EQ(*accepted, 200u);
  auto elsewhere = ScriptedAcs::ConnectionRequest("http://127.0.0.1:" + std::to_string(ports[0]) + "/S000002",
                                                  "S000002", "cr-S000002", 5s);
  ASSERT_TRUE(elsewhere.ok()) << elsewhere.error().message;
  EXPECT_EQ(*elsewhere, 404u);  // shard 0 does not know the device

  Metrics live;
  EXPECT_TRUE(fleet.RunOnControl([&] { live = fleet.MergedMetrics(); }));
  EXPECT_GE(live.counters().sessions_completed, kDevices * kSessionsEach);
  EXPECT_TRUE(Eventually([&] {
    size_t informed = 0;
    fleet.RunOnControl([&] { informed = fleet.DevicesInformed(); });
    return informed == kDevices;
  }));
  EXPECT_TRUE(fleet.RunOnControl([&] { fleet.Stop(); }));
  runner.join();
  acs.Stop();

  const Metrics merged = fleet.MergedMetrics();
  const Counters& c = merged.counters();
  const Counters& a = fleet.shard(0).metrics().counters();
  const Counters& b = fleet.shard(1).metrics().counters();
  EXPECT_EQ(c.devices_total, kDevices);
  EXPECT_EQ(c.devices_started, kDevices);
  EXPECT_EQ(a.devices_total, 51u);
  EXPECT_EQ(b.devices_total, 50u);
  EXPECT_GT(a.sessions_completed, 0u);
  EXPECT_GT(b.sessions_completed, 0u);
  EXPECT_EQ(c.sessions_completed, a.sessions_completed + b.sessions_completed);
  EXPECT_EQ(c.sessions_started, a.sessions_started + b.sessions_started);
  EXPECT_EQ(c.sessions_failed_total(), 0u);
  // Sessions cut by Stop are neither completed nor failed: they are the ones still in flight.
  EXPECT_EQ(c.sessions_started, c.sessions_completed + c.sessions_failed_total() + c.inflight);
  EXPECT_EQ(merged.latency().count(), c.sessions_completed);
  EXPECT_EQ(merged.latency().count(),
            fleet.shard(0).metrics().latency().count() + fleet.shard(1).metrics().latency().count());
  EXPECT_LE(c.inflight_peak, config.max_inflight);
  EXPECT_GE(c.inflight_peak, std::max(a.inflight_peak, b.inflight_peak));
  EXPECT_LE(a.inflight_peak, 17u);
  EXPECT_LE(b.inflight_peak, 16u);
  // One Inform per session; every device booted once (BOOTSTRAP + BOOT).
  const size_t inform = cwmp::Body(cwmp::Inform{}).index();
  EXPECT_EQ(c.sent[inform], c.sessions_started);
  EXPECT_EQ(c.sent[inform], a.sent[inform] + b.sent[inform]);
  const auto boot = static_cast<size_t>(cwmp::EventKind::kBoot);
  const auto bootstrap = static_cast<size_t>(cwmp::EventKind::kBootstrap);
  EXPECT_EQ(c.informs_by_event[bootstrap], kDevices);
  EXPECT_EQ(c.informs_by_event[boot], kDevices);
  // The request on the wrong shard's port was a 404 before authentication: not counted, like a
  // request for an unknown device.
  EXPECT_EQ(c.connection_requests_received, 1u);
  EXPECT_EQ(c.connection_requests_accepted, 1u);
  const auto acs_counters = acs.GetCounters();
  // Digest: every session's first POST was challenged (the HTTP client answers the 401 itself).
  EXPECT_GE(acs_counters.auth_challenges, c.sessions_completed);
  EXPECT_GE(acs_counters.sessions_completed, c.sessions_completed);
  EXPECT_EQ(acs_counters.auth_failures, 0u);
}

}  // namespace
}  // namespace ruru::cpesim
