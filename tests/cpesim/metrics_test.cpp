#include "tests/cpesim/metrics.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace ruru::cpesim {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;

// ---- LatencyHistogram --------------------------------------------------------------------------
TEST(LatencyHistogram, Bounds) {
  EXPECT_EQ(LatencyHistogram::UpperBoundNs(0), 100'000);            // 100 µs
  EXPECT_EQ(LatencyHistogram::UpperBoundNs(20), 1'000'000);         // 1 ms
  EXPECT_EQ(LatencyHistogram::UpperBoundNs(80), 1'000'000'000);     // 1 s
  EXPECT_EQ(LatencyHistogram::UpperBoundNs(136), 600'000'000'000);  // 10 min
  for (size_t i = 1; i < LatencyHistogram::kBounds; ++i) {
    ASSERT_GT(LatencyHistogram::UpperBoundNs(i), LatencyHistogram::UpperBoundNs(i - 1));
    // Every bucket is at most ~12.2% wide: the worst case error before interpolation.
    EXPECT_LE(static_cast<double>(LatencyHistogram::UpperBoundNs(i)) / LatencyHistogram::UpperBoundNs(i - 1), 1.123);
  }
}

TEST(LatencyHistogram, EmptyAndSingle) {
  LatencyHistogram h;
  EXPECT_EQ(h.Percentile(0.5), nanoseconds(0));
  EXPECT_EQ(h.mean(), nanoseconds(0));
  EXPECT_EQ(h.min(), nanoseconds(0));
  h.Record(milliseconds(7));
  for (double q : {0.0, 0.01, 0.5, 0.99, 1.0}) EXPECT_EQ(h.Percentile(q), milliseconds(7)) << q;
  EXPECT_EQ(h.min(), milliseconds(7));
  EXPECT_EQ(h.max(), milliseconds(7));
  EXPECT_EQ(h.mean(), milliseconds(7));
}

TEST(LatencyHistogram, OutsideTheBucketRangeAndNegative) {
  LatencyHistogram h;
  h.Record(microseconds(10));
  h.Record(std::chrono::minutes(20));
  h.Record(nanoseconds(-5));
  EXPECT_EQ(h.count(), 3u);
  EXPECT_EQ(h.bucket(0), 2u);                               // below 100 µs
  EXPECT_EQ(h.bucket(LatencyHistogram::kBuckets - 1), 1u);  // 10 min and above
  EXPECT_EQ(h.Percentile(0), nanoseconds(0));
  EXPECT_EQ(h.Percentile(1), std::chrono::minutes(20));
  EXPECT_EQ(h.Percentile(-3), nanoseconds(0));  // clamped
  EXPECT_EQ(h.Percentile(7), std::chrono::minutes(20));
  const auto p50 = h.Percentile(0.5);
  EXPECT_GE(p50, nanoseconds(0));
  EXPECT_LE(p50, microseconds(100));  // somewhere in the bucket below 100 µs
}

// Percentiles of the histogram against the exact ones of the samples.
void ExpectAccurate(const std::vector<double>& samples_ms, double tolerance, const char* name) {
  LatencyHistogram h;
  for (double ms : samples_ms) h.Record(nanoseconds(std::llround(ms * 1e6)));
  std::vector<double> sorted = samples_ms;
  std::sort(sorted.begin(), sorted.end());
  for (double q : {0.1, 0.5, 0.9, 0.99, 0.999}) {
    const double exact = sorted[static_cast<size_t>(std::ceil(q * sorted.size())) - 1];
    const double estimate = static_cast<double>(h.Percentile(q).count()) / 1e6;
    EXPECT_NEAR(estimate / exact, 1.0, tolerance) << name << " q=" << q << " exact=" << exact << " got=" << estimate;
  }
  EXPECT_NEAR(static_cast<double>(h.Percentile(1).count()) / 1e6, sorted.back(), 1e-6) << name;
}

TEST(LatencyHistogram, PercentilesOfKnownDistributions) {
  std::mt19937_64 rng(12345);
  constexpr int kN = 100'000;
  std::vector<double> uniform, exponential, lognormal, bimodal;
  std::uniform_real_distribution<double> u(1.0, 100.0);
  std::exponential_distribution<double> e(1.0 / 20.0);
  std::lognormal_distribution<double> ln(std::log(5.0), 1.0);
  std::bernoulli_distribution slow(0.05);
  for (int i = 0; i < kN; ++i) {
    uniform.push_back(u(rng));
    exponential.push_back(0.2 + e(rng));
    lognormal.push_back(ln(rng));
    bimodal.push_back(slow(rng) ? 2000 + u(rng) : 2 + u(rng) / 100);
  }
  ExpectAccurate(uniform, 0.01, "uniform 1-100 ms");
  ExpectAccurate(exponential, 0.02, "exponential, mean 20 ms");
  ExpectAccurate(lognormal, 0.02, "log-normal, median 5 ms");
  // The first mode ends sharply at 3 ms inside a bucket: that costs up to the bucket's width.
  ExpectAccurate(bimodal, 0.05, "95% 2-3 ms, 5% 2-2.1 s");
}

TEST(LatencyHistogram, MeanIsExact) {
  LatencyHistogram h;
  h.Record(milliseconds(1));
  h.Record(milliseconds(2));
  h.Record(milliseconds(6));
  EXPECT_EQ(h.mean(), milliseconds(3));
}

// ---- CodeCounts --------------------------------------------------------------------------------
TEST(CodeCounts, CountsAndStaysBounded) {
  CodeCounts c;
  c.Add(503);
  c.Add(200);
  c.Add(503);
  EXPECT_EQ(c.Get(503), 2u);
  EXPECT_EQ(c.Get(200), 1u);
  EXPECT_EQ(c.Get(404), 0u);
  EXPECT_EQ(c.Sorted(), (std::vector<std::pair<uint32_t, uint64_t>>{{200, 1}, {503, 2}}));
  for (uint32_t code = 1000; code < 2000; ++code) c.Add(code);
  EXPECT_LE(c.Sorted().size(), CodeCounts::kMaxDistinct);
  EXPECT_EQ(c.Total(), 1003u);
  EXPECT_GT(c.Get(0), 0u);
  EXPECT_EQ(c.Get(503), 2u);
}

// ---- Metrics -----------------------------------------------------------------------------------
cwmp::Inform InformWith(std::initializer_list<cwmp::EventKind> kinds) {
  cwmp::Inform inform;
  for (auto k : kinds) inform.events.push_back({cwmp::EventCode::Of(k), ""});
  return inform;
}

cwmp::Fault FaultWithCode(uint32_t code) {
  cwmp::Fault f;
  f.code = code;
  return f;
}

TEST(Metrics, CountsMessagesEventsAndFaults) {
  Metrics m;
  m.MessageSent(InformWith({cwmp::EventKind::kBootstrap, cwmp::EventKind::kBoot}));
  m.MessageSent(InformWith({cwmp::EventKind::kPeriodic}));
  m.MessageSent(InformWith({cwmp::EventKind::kBoot, cwmp::EventKind::kMReboot}));
  cwmp::Inform odd;
  odd.events.push_back({cwmp::EventCode::FromText("X 5CA3EB Wakeup"), ""});
  odd.events.push_back({cwmp::EventCode::FromText("99 SOMETHING"), ""});
  m.MessageSent(odd);
  m.MessageSent(FaultWithCode(9005));
  m.MessageSent(FaultWithCode(9005));
  m.MessageSent(FaultWithCode(9003));
  m.MessageSent(cwmp::Empty{});
  m.MessageReceived(cwmp::InformResponse{});
  m.MessageReceived(cwmp::GetParameterValues{});
  m.MessageReceived(cwmp::GetParameterValues{});

  const Counters& c = m.counters();
  auto sent = [&](const cwmp::Body& b) { return c.sent[b.index()]; };
  EXPECT_EQ(sent(cwmp::Inform{}), 4u);
  EXPECT_EQ(sent(cwmp::Fault{}), 3u);
  EXPECT_EQ(sent(cwmp::Empty{}), 1u);
  EXPECT_EQ(c.received[cwmp::Body(cwmp::GetParameterValues{}).index()], 2u);
  EXPECT_EQ(c.informs_by_event[static_cast<size_t>(cwmp::EventKind::kBoot)], 2u);
  EXPECT_EQ(c.informs_by_event[static_cast<size_t>(cwmp::EventKind::kBootstrap)], 1u);
  EXPECT_EQ(c.cpe_faults.Get(9005), 2u);
  EXPECT_EQ(c.cpe_faults.Get(9003), 1u);

  const nlohmann::json r = Report(m, seconds(1), {});
  EXPECT_EQ(r["rpc"]["sent"], (nlohmann::json{{"Inform", 4}, {"Fault", 3}, {"Empty", 1}}));
  EXPECT_EQ(r["rpc"]["received"], (nlohmann::json{{"InformResponse", 1}, {"GetParameterValues", 2}}));
  EXPECT_EQ(r["informs_by_event"],
            (nlohmann::json{
                {"0 BOOTSTRAP", 1}, {"1 BOOT", 2}, {"2 PERIODIC", 1}, {"M Reboot", 1}, {"X *", 1}, {"unknown", 1}}));
  EXPECT_EQ(r["cpe_faults"], (nlohmann::json{{"9003", 1}, {"9005", 2}}));
}

TEST(Metrics, BodyKindNamesFollowTheSchema) {
  EXPECT_EQ(BodyKindName(0), "Empty");
  EXPECT_EQ(BodyKindName(cwmp::Body(cwmp::Inform{}).index()), "Inform");
  EXPECT_EQ(BodyKindName(cwmp::Body(cwmp::GetAllQueuedTransfersResponse{}).index()), "GetAllQueuedTransfersResponse");
  EXPECT_EQ(BodyKindName(kBodyKinds - 1), "Fault");
  EXPECT_EQ(BodyKindName(kBodyKinds), "unknown");
}

TEST(Metrics, InflightPeak) {
  Metrics m;
  m.InflightBegin();
  m.InflightBegin();
  m.InflightBegin();
  m.InflightEnd();
  m.InflightBegin();
  m.InflightEnd();
  m.InflightEnd();
  m.InflightEnd();
  m.InflightEnd();  // unmatched: ignored
  EXPECT_EQ(m.counters().inflight, 0u);
  EXPECT_EQ(m.counters().inflight_peak, 3u);
}

// Shards (--threads): the same events spread over two Metrics sharing an in-flight gauge, then
// merged, give exactly the report one Metrics would (the peak too, which a sum would overstate).
TEST(Metrics, MergedShardsReportLikeOneFleet) {
  Metrics one;
  Metrics shard[2];
  auto gauge = std::make_shared<InflightGauge>();
  shard[0].ShareInflight(gauge);
  shard[1].ShareInflight(gauge);
  one.SetMemoryBaseline(1'000'000);
  shard[0].SetMemoryBaseline(1'000'000);
  one.SetDevicesTotal(7);
  shard[0].SetDevicesTotal(4);
  shard[1].SetDevicesTotal(3);
  std::mt19937 rng(7);
  cwmp::Inform inform;
  inform.events.push_back({cwmp::EventCode::FromText("2 PERIODIC"), ""});
  int open[2] = {0, 0};
  for (int i = 0; i < 5000; ++i) {
    const int s = static_cast<int>(rng() % 2);
    auto both = [&](auto fn) {
      fn(one);
      fn(shard[s]);
    };
    switch (rng() % 9) {
      case 0:
        both([](Metrics& m) { m.DeviceStarted(); });
        break;
      case 1:
        both([](Metrics& m) { m.SessionStarted(); });
        break;
      case 2: {
        const auto latency = microseconds(100 + rng() % 100'000);
        both([&](Metrics& m) { m.SessionCompleted(latency); });
        break;
      }
      case 3: {
        const auto why = static_cast<SessionFailure>(rng() % kSessionFailureKinds);
        both([&](Metrics& m) { m.SessionFailed(why); });
        break;
      }
      case 4: {
        const uint32_t status = rng() % 2 ? 200 : 401 + rng() % 3;
        both([&](Metrics& m) { m.HttpStatusReceived(status); });
        break;
      }
      case 5:
        both([&](Metrics& m) { m.MessageSent(inform); });
        break;
      case 6: {
        const uint32_t code = rng() % 3 ? 0 : 9010 + rng() % 10;
        both([&](Metrics& m) { m.DownloadFinished(code); });
        break;
      }
      case 7:
        ++open[s];
        both([](Metrics& m) { m.InflightBegin(); });
        break;
      case 8:
        if (open[s] > 0) {
          --open[s];
          both([](Metrics& m) { m.InflightEnd(); });
        }
        break;
    }
  }
  Metrics merged = shard[0];
  merged.Merge(shard[1]);
  const MemoryUsage memory{50'000'000, 60'000'000};
  const auto expected = Report(one, seconds(10), memory);
  EXPECT_EQ(Report(merged, seconds(10), memory), expected) << expected.dump(1);
  EXPECT_EQ(merged.counters().inflight_peak, one.counters().inflight_peak);
  EXPECT_GT(shard[0].counters().inflight_peak + shard[1].counters().inflight_peak, one.counters().inflight_peak);
}

// A run with a little of everything, for the report and the summary line.
Metrics SampleRun() {
  Metrics m;
  m.SetDevicesTotal(10000);
  m.SetMemoryBaseline(20'000'000);
  for (int i = 0; i < 9000; ++i) m.DeviceStarted();
  m.DeviceSilent();
  m.DeviceBricked();
  m.DeviceHijacked();
  m.DeviceHijacked();
  for (int i = 0; i < 100; ++i) {
    m.SessionStarted();
    m.SessionCompleted(milliseconds(i < 50 ? 4 : 30));
  }
  m.SessionStarted();
  m.SessionFailed(SessionFailure::kTimeout);
  m.SessionStarted();
  m.SessionFailed(SessionFailure::kAuth);
  m.SessionStarted();
  m.SessionFailed(SessionFailure::kAuth);
  m.SessionStarted();
  m.SessionFailed(SessionFailure::kSimulated);
  m.SimulatedFault(SimulatedFault::kLostInformResponse);
  m.SimulatedFault(SimulatedFault::kDownloadFail);
  m.SimulatedFault(SimulatedFault::kDownloadFail);
  m.SessionQueued();
  m.FirmwareInstalled();
  m.Reboot();
  m.Reboot();
  m.FactoryReset();
  m.IpChanged();
  m.HttpStatusReceived(200);
  m.HttpStatusReceived(503);
  m.HttpStatusReceived(503);
  m.RetryAfterHonoured();
  m.ConnectionRequestReceived(true);
  m.ConnectionRequestReceived(false);
  m.DownloadFinished(0);
  m.DownloadFinished(9018);
  m.DownloadFinished(9018);
  m.UploadFinished(0);
  m.UploadFinished(9011);
  for (int i = 0; i < 12; ++i) m.InflightBegin();
  return m;
}

TEST(Report, ShapeAndValues) {
  const Metrics m = SampleRun();
  const MemoryUsage memory{200'000'000, 210'000'000};
  const nlohmann::json r = Report(m, std::chrono::duration<double>(50.0), memory);

  EXPECT_EQ(r["schema"], "ruru-cpesim-report/1");
  EXPECT_EQ(r["elapsed_s"], 50.0);
  EXPECT_EQ(r["devices"],
            (nlohmann::json{{"total", 10000}, {"started", 9000}, {"bricked", 1}, {"silent", 1}, {"hijacked", 2}}));

  const auto& s = r["sessions"];
  EXPECT_EQ(s["started"], 104);
  EXPECT_EQ(s["completed"], 100);
  EXPECT_EQ(s["failed"], 4);
  EXPECT_EQ(s["queued"], 1);
  EXPECT_EQ(s["failed_by_reason"], (nlohmann::json{{"connect", 0},
                                                   {"timeout", 1},
                                                   {"http_status", 0},
                                                   {"protocol", 0},
                                                   {"tls", 0},
                                                   {"auth", 2},
                                                   {"simulated", 1}}));
  EXPECT_EQ(s["rate_per_s"], 2.0);
  EXPECT_EQ(s["inflight"], 12);
  EXPECT_EQ(s["inflight_peak"], 12);

  const auto& l = r["latency_ms"];
  EXPECT_EQ(l["count"], 100);
  EXPECT_EQ(l["min"], 4.0);
  EXPECT_EQ(l["max"], 30.0);
  EXPECT_EQ(l["mean"], 17.0);
  // The 50 samples of 4 ms fill the bucket [4.0, 4.47) as far as the histogram knows.
  EXPECT_NEAR(l["p50"].get<double>(), 4.0, 4 * 0.125);
  EXPECT_NEAR(l["p90"].get<double>(), 30.0, 30 * 0.13);
  EXPECT_NEAR(l["p99"].get<double>(), 30.0, 30 * 0.13);
  ASSERT_TRUE(l["buckets"].is_array());
  ASSERT_EQ(l["buckets"].size(), 2u);
  uint64_t in_buckets = 0;
  for (const auto& b : l["buckets"]) {
    EXPECT_TRUE(b["le"].is_number());
    in_buckets += b["count"].get<uint64_t>();
  }
  EXPECT_EQ(in_buckets, 100u);
  EXPECT_GT(l["buckets"][0]["le"].get<double>(), 4.0);
  EXPECT_LE(l["buckets"][0]["le"].get<double>(), 4.0 * 1.123);

  EXPECT_EQ(r["http_status"], (nlohmann::json{{"200", 1}, {"503", 2}}));
  EXPECT_EQ(r["http_503"], (nlohmann::json{{"seen", 2}, {"retry_after_honoured", 1}}));
  EXPECT_EQ(r["connection_requests"], (nlohmann::json{{"received", 2}, {"accepted", 1}}));
  EXPECT_EQ(r["transfers"], (nlohmann::json{{"downloads_ok", 1},
                                            {"downloads_failed", 2},
                                            {"download_faults", {{"9018", 2}}},
                                            {"uploads_ok", 1},
                                            {"uploads_failed", 1},
                                            {"firmware_installed", 1}}));
  EXPECT_EQ(r["device_events"], (nlohmann::json{{"reboots", 2}, {"factory_resets", 1}, {"ip_changes", 1}}));
  EXPECT_EQ(r["simulated_faults"],
            (nlohmann::json{{"download_fail", 2}, {"drop_tcp", 0}, {"lost_inform_response", 1}, {"lost_response", 0}}));
  EXPECT_EQ(r["memory"], (nlohmann::json{{"rss_bytes", 200'000'000},
                                         {"hwm_bytes", 210'000'000},
                                         {"baseline_rss_bytes", 20'000'000},
                                         {"bytes_per_device", 20'000}}));
  EXPECT_EQ(r["rpc"], (nlohmann::json{{"received", nlohmann::json::object()}, {"sent", nlohmann::json::object()}}));
  EXPECT_TRUE(r["informs_by_event"].is_object());
  EXPECT_TRUE(r["cpe_faults"].is_object());
}

TEST(Report, EmptyRunHasEveryKey) {
  const nlohmann::json r = Report(Metrics{}, std::chrono::duration<double>(0), {});
  for (const char* key :
       {"schema", "elapsed_s", "devices", "sessions", "latency_ms", "rpc", "cpe_faults", "http_status", "http_503",
        "informs_by_event", "connection_requests", "transfers", "device_events", "simulated_faults", "memory"}) {
    EXPECT_TRUE(r.contains(key)) << key;
  }
  EXPECT_EQ(r["sessions"]["rate_per_s"], 0.0);
  EXPECT_EQ(r["latency_ms"]["p99"], 0.0);
  EXPECT_EQ(r["latency_ms"]["buckets"], nlohmann::json::array());
  EXPECT_EQ(r["memory"]["bytes_per_device"], 0);
}

TEST(Report, OpenTopBucketHasNullBound) {
  Metrics m;
  m.SessionStarted();
  m.SessionCompleted(std::chrono::minutes(11));
  const nlohmann::json r = Report(m, seconds(700), {});
  ASSERT_EQ(r["latency_ms"]["buckets"].size(), 1u);
  EXPECT_TRUE(r["latency_ms"]["buckets"][0]["le"].is_null());
  EXPECT_EQ(r["latency_ms"]["max"], 660000.0);
}

// ---- Summary line ------------------------------------------------------------------------------
TEST(SummaryLine, Content) {
  Metrics m = SampleRun();
  SummaryMark mark{std::chrono::duration<double>(30.0), 40};
  const MemoryUsage memory{185'000'000, 190'000'000};
  EXPECT_EQ(SummaryLine(m, std::chrono::duration<double>(35.4), memory, &mark),
            "t=35s devices=9000/10000 inflight=12 sessions ok=100 failed=4 rate=11/s p50=4.5ms p99=30ms 503=2 "
            "rss=185MB (18.3KB/device)");
  EXPECT_EQ(mark.sessions_completed, 100u);
  EXPECT_EQ(mark.elapsed.count(), 35.4);
  // Nothing new since the mark: rate 0.
  const std::string again = SummaryLine(m, std::chrono::duration<double>(40.0), memory, &mark);
  EXPECT_NE(again.find(" rate=0/s "), std::string::npos) << again;
  EXPECT_EQ(again.find('\n'), std::string::npos);
}

TEST(SummaryLine, EmptyRun) {
  SummaryMark mark;
  EXPECT_EQ(SummaryLine(Metrics{}, std::chrono::duration<double>(0), {}, &mark),
            "t=0s devices=0/0 inflight=0 sessions ok=0 failed=0 rate=0/s p50=0us p99=0us 503=0 rss=0.0KB "
            "(0.0KB/device)");
}

TEST(FormatDuration, Units) {
  EXPECT_EQ(FormatDuration(microseconds(850)), "850us");
  EXPECT_EQ(FormatDuration(microseconds(4100)), "4.1ms");
  EXPECT_EQ(FormatDuration(milliseconds(31)), "31ms");
  EXPECT_EQ(FormatDuration(milliseconds(2500)), "2.5s");
  EXPECT_EQ(FormatDuration(seconds(45)), "45s");
  EXPECT_EQ(FormatDuration(std::chrono::minutes(12)), "12min");
  EXPECT_EQ(FormatDuration(nanoseconds(-1)), "0us");
}

// ---- Memory ------------------------------------------------------------------------------------
TEST(ParseProcStatus, ReadsRssAndHwm) {
  const std::string status =
      "Name:\tcpesim\nVmPeak:\t  300000 kB\nVmHWM:\t  190000 kB\nVmRSS:\t  180000 kB\nThreads:\t1\n";
  auto m = ParseProcStatus(status);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->rss_bytes, 180000u * 1024);
  EXPECT_EQ(m->hwm_bytes, 190000u * 1024);
  EXPECT_TRUE(ParseProcStatus("VmRSS:\t1 kB\nVmHWM:\t2 kB").ok());  // first line, no final newline
}

TEST(ParseProcStatus, RefusesMissingOrMalformed) {
  for (const char* bad : {"", "VmRSS:\t 1 kB\n", "VmHWM:\t 1 kB\n", "VmRSS:\t x kB\nVmHWM:\t 1 kB\n",
                          "VmRSS:\t 1 MB\nVmHWM:\t 1 kB\n", "VmRSS:\t -1 kB\nVmHWM:\t 1 kB\n",
                          "VmRSS:\t 99999999999999999999 kB\nVmHWM:\t 1 kB\n", "VmRSS: kB\nVmHWM:\t 1 kB\n"}) {
    EXPECT_FALSE(ParseProcStatus(bad).ok()) << bad;
  }
  EXPECT_FALSE(ParseProcStatus("XVmRSS:\t1 kB\nVmHWM:\t2 kB\n").ok());  // not the VmRSS line
}

TEST(ReadMemoryUsage, ThisProcess) {
  auto m = ReadMemoryUsage();
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_GT(m->rss_bytes, 0u);
  EXPECT_GE(m->hwm_bytes, m->rss_bytes);
}

}  // namespace
}  // namespace ruru::cpesim
