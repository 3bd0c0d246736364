// What the simulator measures, the JSON report (--report) and the live summary line.
//
// Single-threaded: one Metrics per engine (per shard with --threads), updated from its event loop.
// Updates are cheap (array increments, no string keys): RPCs are counted by their index in
// cwmp::Body, Inform events by cwmp::EventKind, session failures by SessionFailure; codes (HTTP
// status, CPE faults) go to a small flat table. Shards' Metrics are combined with Merge (on copies)
// for the report and the summary line; only the in-flight gauge is shared between threads.
//
// Report keys (stable; counts are integers, times in milliseconds, sizes in bytes):
//   schema                          "ruru-cpesim-report/1"
//   elapsed_s                       seconds since the start of the run
//   devices                         {total, started, bricked, silent, hijacked}
//   sessions                        {started, completed, failed, rate_per_s, inflight, inflight_peak,
//                                    queued, failed_by_reason: {connect, timeout, http_status, protocol,
//                                    tls, auth, simulated}}
//                                   rate_per_s: completed sessions per second over the whole run;
//                                   queued: times a session waited for a --max-inflight slot
//   latency_ms                      of completed sessions, first byte sent to session end:
//                                   {count, min, mean, p50, p90, p99, max,
//                                    buckets: [{le, count}, ...]}  non-empty buckets only; `le` is the
//                                   bucket's upper bound in ms (null for the last, open one)
//   rpc                             {received: {NAME: n}, sent: {NAME: n}}; NAME as in the schema
//                                   ("GetParameterValues", "Fault", "Empty" for an empty body); only
//                                   names seen
//   cpe_faults                      {"9005": n, ...}: SOAP Faults the CPEs sent, by FaultCode
//   http_status                     {"200": n, "204": n, ...}: responses from the ACS
//   http_503                        {seen, retry_after_honoured}
//   informs_by_event                {"0 BOOTSTRAP": n, "1 BOOT": n, ..., "M X_*": n, "X *": n,
//                                    "unknown": n}; only codes seen
//   connection_requests             {received, accepted}
//   transfers                       {downloads_ok, downloads_failed, download_faults: {"9018": n},
//                                    uploads_ok, uploads_failed, firmware_installed}
//   device_events                   {reboots, factory_resets, ip_changes}
//   simulated_faults                {download_fail, drop_tcp, lost_inform_response, lost_response}: --faults events
//   memory                          {rss_bytes, hwm_bytes, baseline_rss_bytes, bytes_per_device}
//                                   bytes_per_device: (rss - baseline) / devices started, 0 before
//                                   any device started; the baseline is the RSS before any device
//                                   existed (SetMemoryBaseline)
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "base/result.h"
#include "cwmp/messages.h"
#include "cwmp/types.h"

namespace ruru::cpesim {

// Why a session failed. Every started session ends completed or failed for exactly one reason.
enum class SessionFailure : uint8_t {
  kConnect,     // TCP connect refused or unreachable
  kTimeout,     // no answer in time (connect, TLS, HTTP)
  kHttpStatus,  // an HTTP status the session cannot go on with (4xx/5xx other than 401 challenges)
  kProtocol,    // a malformed or out-of-order message (decode or session-rule error)
  kTls,         // TLS handshake or certificate verification
  kAuth,        // the ACS refused our credentials
  kSimulated,   // ended on purpose by a --faults event (drop-tcp, lost-inform-response)
};
inline constexpr size_t kSessionFailureKinds = 7;
std::string_view ToString(SessionFailure reason);  // the report key: "connect", "http_status", ...

// Per-event faults of --faults that actually happened (faults.h draws them).
enum class SimulatedFault : uint8_t { kDownloadFail, kDropTcp, kLostInformResponse, kLostResponse };
inline constexpr size_t kSimulatedFaultKinds = 4;
std::string_view ToString(SimulatedFault fault);  // the report key: "download_fail", "drop_tcp", ...

// Counts by a numeric code (HTTP status, fault code). Few distinct codes occur, so a flat table
// with a linear scan beats a map; once kMaxDistinct - 1 codes are known, new ones are counted
// under code 0.
class CodeCounts {
 public:
  static constexpr size_t kMaxDistinct = 64;
  void Add(uint32_t code, uint64_t n = 1);
  // Adds every count of `other` (another shard's table).
  void Merge(const CodeCounts& other);
  uint64_t Get(uint32_t code) const;
  uint64_t Total() const;
  // (code, count), sorted by code.
  std::vector<std::pair<uint32_t, uint64_t>> Sorted() const;

 private:
  std::vector<std::pair<uint32_t, uint64_t>> counts_;
};

// Durations in log-scale buckets, 20 per decade (each about 12% wide) from 100 µs to 10 min, plus
// one below and one above; the exact min, max and sum are kept too. Percentiles interpolate
// linearly inside the bucket they fall in, clamped to [min, max]: the error is at most one bucket
// width (~12%), and well under 2% for smooth distributions.
class LatencyHistogram {
 public:
  static constexpr int64_t kLowestBoundNs = 100'000;           // 100 µs
  static constexpr int64_t kHighestBoundNs = 600'000'000'000;  // 10 min
  static constexpr int kBucketsPerDecade = 20;
  static constexpr size_t kBounds = 137;  // 100 µs * 10^(i/20) for i = 0..135, then 10 min
  static constexpr size_t kBuckets = kBounds + 1;

  // The upper bound of bucket i (exclusive) for i < kBounds; the last bucket has none.
  static int64_t UpperBoundNs(size_t i);

  void Record(std::chrono::nanoseconds d);  // negative durations count as 0
  // Adds another histogram's samples (another shard's): the result is the histogram of both.
  void Merge(const LatencyHistogram& other);
  uint64_t count() const { return count_; }
  std::chrono::nanoseconds min() const { return std::chrono::nanoseconds(count_ ? min_ns_ : 0); }
  std::chrono::nanoseconds max() const { return std::chrono::nanoseconds(max_ns_); }
  std::chrono::nanoseconds mean() const;
  uint64_t bucket(size_t i) const { return buckets_[i]; }
  // q in [0, 1] (clamped): 0 gives min, 1 gives max; 0 when empty.
  std::chrono::nanoseconds Percentile(double q) const;

 private:
  std::array<uint64_t, kBuckets> buckets_{};
  uint64_t count_ = 0;
  int64_t min_ns_ = 0;
  int64_t max_ns_ = 0;
  long double sum_ns_ = 0;
};

// Process memory from /proc/self/status, in bytes.
struct MemoryUsage {
  uint64_t rss_bytes = 0;  // VmRSS: resident now
  uint64_t hwm_bytes = 0;  // VmHWM: peak resident
};
// Parses the text of /proc/<pid>/status ("VmRSS:\t  1234 kB" lines). kInvalidArgument when a line
// is missing or malformed.
Result<MemoryUsage> ParseProcStatus(std::string_view text);
// Reads /proc/self/status. kUnavailable when it cannot be read (not Linux).
Result<MemoryUsage> ReadMemoryUsage();

// Number of alternatives of cwmp::Body (Empty, every RPC, Fault) and of cwmp::EventKind.
inline constexpr size_t kBodyKinds = std::variant_size_v<cwmp::Body>;
inline constexpr size_t kEventKinds = static_cast<size_t>(cwmp::EventKind::kUnknown) + 1;
// The report name of Body alternative `index`: the schema element name, "Empty" for index 0.
std::string_view BodyKindName(size_t index);

// Plain counters, read by the report, the summary line and tests.
struct Counters {
  std::array<uint64_t, kBodyKinds> received{};  // messages from the ACS, by Body index
  std::array<uint64_t, kBodyKinds> sent{};      // messages from the CPEs, by Body index
  std::array<uint64_t, kEventKinds> informs_by_event{};
  CodeCounts cpe_faults;   // SOAP Faults sent by the CPEs, by cwmp FaultCode
  CodeCounts http_status;  // statuses of HTTP responses from the ACS

  uint64_t sessions_started = 0;
  uint64_t sessions_completed = 0;
  uint64_t sessions_queued = 0;  // waits for a --max-inflight slot
  std::array<uint64_t, kSessionFailureKinds> sessions_failed{};
  uint64_t retry_after_honoured = 0;  // waits that followed a 503's Retry-After

  uint64_t connection_requests_received = 0;
  uint64_t connection_requests_accepted = 0;

  uint64_t downloads_ok = 0;
  uint64_t downloads_failed = 0;
  CodeCounts download_faults;  // TransferComplete fault codes of failed downloads
  uint64_t uploads_ok = 0;
  uint64_t uploads_failed = 0;
  uint64_t firmware_installed = 0;

  uint64_t reboots = 0;  // every boot after the first: Reboot, FactoryReset, install, infected
  uint64_t factory_resets = 0;
  uint64_t ip_changes = 0;
  std::array<uint64_t, kSimulatedFaultKinds> simulated_faults{};

  uint64_t inflight = 0;  // sessions + transfers now
  uint64_t inflight_peak = 0;

  uint64_t devices_total = 0;
  uint64_t devices_started = 0;
  uint64_t devices_bricked = 0;
  uint64_t devices_silent = 0;
  uint64_t devices_hijacked = 0;

  uint64_t baseline_rss_bytes = 0;

  uint64_t sessions_failed_total() const;
};

// Sessions + transfers in flight across every shard of one run (--threads): the shards update it
// with relaxed atomics, so the merged report's inflight_peak is the fleet's true peak (the sum of
// the shards' peaks would overstate it).
struct InflightGauge {
  std::atomic<uint64_t> now{0};
  std::atomic<uint64_t> peak{0};
};

class Metrics {
 public:
  // A message that went over the wire. Sent Informs also count their events, sent Faults their code.
  void MessageReceived(const cwmp::Body& body) { ++c_.received[body.index()]; }
  void MessageSent(const cwmp::Body& body);

  // Every SessionStarted is followed by one SessionCompleted or SessionFailed. `latency`: from the
  // first byte sent to the end of the session.
  void SessionStarted() { ++c_.sessions_started; }
  void SessionCompleted(std::chrono::nanoseconds latency);
  void SessionFailed(SessionFailure reason) { ++c_.sessions_failed[static_cast<size_t>(reason)]; }
  void SessionQueued() { ++c_.sessions_queued; }

  void HttpStatusReceived(uint32_t status) { c_.http_status.Add(status); }
  void RetryAfterHonoured() { ++c_.retry_after_honoured; }
  void ConnectionRequestReceived(bool accepted);
  // fault_code 0: success; otherwise the TransferComplete FaultCode.
  void DownloadFinished(uint32_t fault_code);
  void UploadFinished(uint32_t fault_code);
  void FirmwareInstalled() { ++c_.firmware_installed; }

  void Reboot() { ++c_.reboots; }
  void FactoryReset() { ++c_.factory_resets; }
  void IpChanged() { ++c_.ip_changes; }
  void SimulatedFault(cpesim::SimulatedFault fault) { ++c_.simulated_faults[static_cast<size_t>(fault)]; }

  // Around every session and transfer (InflightEnd without a matching InflightBegin is ignored).
  void InflightBegin();
  void InflightEnd();

  void SetDevicesTotal(uint64_t n) { c_.devices_total = n; }
  void DeviceStarted() { ++c_.devices_started; }
  void DeviceBricked() { ++c_.devices_bricked; }
  void DeviceSilent() { ++c_.devices_silent; }
  void DeviceHijacked() { ++c_.devices_hijacked; }
  // The RSS before any device existed, so the report can tell what the devices cost.
  void SetMemoryBaseline(uint64_t rss_bytes) { c_.baseline_rss_bytes = rss_bytes; }

  // Shard mode: InflightBegin/End also update `gauge` (shared by every shard of the run).
  void ShareInflight(std::shared_ptr<InflightGauge> gauge) { gauge_ = std::move(gauge); }
  // Adds another shard's measurements: every count and the histogram are summed, so merging the
  // shards of a fleet gives the report one fleet would have. inflight_peak is the shared gauge's
  // peak when this Metrics has one, else the larger of the two. The memory baseline stays this one's.
  void Merge(const Metrics& other);

  const Counters& counters() const { return c_; }
  const LatencyHistogram& latency() const { return latency_; }

 private:
  Counters c_;
  LatencyHistogram latency_;
  std::shared_ptr<InflightGauge> gauge_;
};

// (rss - baseline) / devices started; 0 before any device started or below the baseline.
uint64_t BytesPerDevice(const Counters& c, const MemoryUsage& memory);

// The --report document (keys at the top of this file).
nlohmann::json Report(const Metrics& metrics, std::chrono::duration<double> elapsed, const MemoryUsage& memory);

// The live summary compares with the previous line: its time and completed sessions.
struct SummaryMark {
  std::chrono::duration<double> elapsed{0};
  uint64_t sessions_completed = 0;
};
// One line, e.g. "t=35s devices=10000/10000 inflight=12 sessions ok=20145 failed=3 rate=650/s
// p50=4.1ms p99=31ms 503=0 rss=180MB (18.4KB/device)". rate: completed sessions per second since
// `*mark`, which is then moved to now. MB and KB are 10^6 and 10^3 bytes.
std::string SummaryLine(const Metrics& metrics, std::chrono::duration<double> elapsed, const MemoryUsage& memory,
                        SummaryMark* mark);
// "850us", "4.1ms", "31ms", "2.5s", "45s", "12min".
std::string FormatDuration(std::chrono::nanoseconds d);

}  // namespace ruru::cpesim
