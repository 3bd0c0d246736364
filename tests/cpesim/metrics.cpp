#include "tests/cpesim/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <system_error>

namespace ruru::cpesim {
namespace {

using std::chrono::nanoseconds;

// ---- Names -------------------------------------------------------------------------------------
template <size_t... I>
constexpr std::array<std::string_view, kBodyKinds> BodyKindNames(std::index_sequence<I...>) {
  return {cwmp::RpcNameOf<std::variant_alternative_t<I, cwmp::Body>>::value...};
}
constexpr auto kBodyKindNames = BodyKindNames(std::make_index_sequence<kBodyKinds>());
static_assert(kBodyKindNames[0].empty(), "Body alternative 0 is Empty");

std::string EventKindName(size_t kind) {
  switch (static_cast<cwmp::EventKind>(kind)) {
    case cwmp::EventKind::kMVendor:
      return "M X_*";
    case cwmp::EventKind::kVendor:
      return "X *";
    case cwmp::EventKind::kUnknown:
      return "unknown";
    default:
      return std::string(cwmp::StandardEventText(static_cast<cwmp::EventKind>(kind)));
  }
}

// ---- Histogram bounds --------------------------------------------------------------------------
const std::array<int64_t, LatencyHistogram::kBounds>& Bounds() {
  static const auto bounds = [] {
    std::array<int64_t, LatencyHistogram::kBounds> b{};
    for (size_t i = 0; i + 1 < b.size(); ++i) {
      b[i] = std::llround(static_cast<double>(LatencyHistogram::kLowestBoundNs) *
                          std::pow(10.0, static_cast<double>(i) / LatencyHistogram::kBucketsPerDecade));
    }
    b.back() = LatencyHistogram::kHighestBoundNs;
    return b;
  }();
  return bounds;
}

// ---- Formatting --------------------------------------------------------------------------------
double Round3(double v) { return std::round(v * 1000.0) / 1000.0; }
double Ms(nanoseconds d) { return Round3(static_cast<double>(d.count()) / 1e6); }

// One decimal below 10, none from there on: "4.1", "31".
std::string Short(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, v < 9.95 ? "%.1f" : "%.0f", v);
  return buf;
}

// "185MB", "2.1GB"; per device always "18.3KB", so runs compare at a glance.
std::string FormatBytes(double bytes, bool per_device) {
  if (per_device) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1fKB", bytes / 1e3);
    return buf;
  }
  if (bytes < 1e6) return Short(bytes / 1e3) + "KB";
  if (bytes < 1e9) return Short(bytes / 1e6) + "MB";
  return Short(bytes / 1e9) + "GB";
}

nlohmann::json CodesJson(const CodeCounts& counts) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [code, n] : counts.Sorted()) j[std::to_string(code)] = n;
  return j;
}

}  // namespace

std::string_view ToString(SessionFailure reason) {
  switch (reason) {
    case SessionFailure::kConnect:
      return "connect";
    case SessionFailure::kTimeout:
      return "timeout";
    case SessionFailure::kHttpStatus:
      return "http_status";
    case SessionFailure::kProtocol:
      return "protocol";
    case SessionFailure::kTls:
      return "tls";
    case SessionFailure::kAuth:
      return "auth";
    case SessionFailure::kSimulated:
      return "simulated";
  }
  return "unknown";
}

std::string_view ToString(SimulatedFault fault) {
  switch (fault) {
    case SimulatedFault::kDownloadFail:
      return "download_fail";
    case SimulatedFault::kDropTcp:
      return "drop_tcp";
    case SimulatedFault::kLostInformResponse:
      return "lost_inform_response";
    case SimulatedFault::kLostResponse:
      return "lost_response";
  }
  return "unknown";
}

std::string_view BodyKindName(size_t index) {
  if (index >= kBodyKinds) return "unknown";
  return index == 0 ? "Empty" : kBodyKindNames[index];
}

// ---- CodeCounts --------------------------------------------------------------------------------
void CodeCounts::Add(uint32_t code, uint64_t n) {
  for (auto& [c, count] : counts_) {
    if (c == code) {
      count += n;
      return;
    }
  }
  // Bound the table (a hostile peer could send every code): the last slot is code 0, "other".
  if (counts_.size() + 1 >= kMaxDistinct && code != 0) {
    Add(0, n);
    return;
  }
  counts_.emplace_back(code, n);
}

void CodeCounts::Merge(const CodeCounts& other) {
  for (const auto& [code, n] : other.counts_) Add(code, n);
}

uint64_t CodeCounts::Get(uint32_t code) const {
  for (const auto& [c, n] : counts_) {
    if (c == code) return n;
  }
  return 0;
}

uint64_t CodeCounts::Total() const {
  uint64_t total = 0;
  for (const auto& entry : counts_) total += entry.second;
  return total;
}

std::vector<std::pair<uint32_t, uint64_t>> CodeCounts::Sorted() const {
  auto sorted = counts_;
  std::sort(sorted.begin(), sorted.end());
  return sorted;
}

// ---- LatencyHistogram --------------------------------------------------------------------------
int64_t LatencyHistogram::UpperBoundNs(size_t i) { return i < kBounds ? Bounds()[i] : INT64_MAX; }

void LatencyHistogram::Record(nanoseconds d) {
  const int64_t ns = std::max<int64_t>(d.count(), 0);
  const auto& b = Bounds();
  const size_t index = static_cast<size_t>(std::upper_bound(b.begin(), b.end(), ns) - b.begin());
  ++buckets_[index];
  if (count_ == 0 || ns < min_ns_) min_ns_ = ns;
  if (count_ == 0 || ns > max_ns_) max_ns_ = ns;
  ++count_;
  sum_ns_ += ns;
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  if (other.count_ == 0) return;
  for (size_t i = 0; i < kBuckets; ++i) buckets_[i] += other.buckets_[i];
  min_ns_ = count_ == 0 ? other.min_ns_ : std::min(min_ns_, other.min_ns_);
  max_ns_ = count_ == 0 ? other.max_ns_ : std::max(max_ns_, other.max_ns_);
  count_ += other.count_;
  sum_ns_ += other.sum_ns_;
}

nanoseconds LatencyHistogram::mean() const {
  return nanoseconds(count_ ? static_cast<int64_t>(std::llround(sum_ns_ / count_)) : 0);
}

nanoseconds LatencyHistogram::Percentile(double q) const {
  if (count_ == 0) return nanoseconds(0);
  q = std::clamp(q, 0.0, 1.0);
  if (q == 0) return min();
  const double target = q * static_cast<double>(count_);
  double before = 0;
  for (size_t i = 0; i < kBuckets; ++i) {
    if (buckets_[i] == 0) continue;
    const double in_bucket = static_cast<double>(buckets_[i]);
    if (before + in_bucket >= target) {
      // Spread the bucket's samples evenly over the part of it the samples can occupy.
      const double lo = static_cast<double>(std::max(i == 0 ? 0 : Bounds()[i - 1], min_ns_));
      const double hi = static_cast<double>(std::min(UpperBoundNs(i), max_ns_));
      const double fraction = (target - before) / in_bucket;
      const double v = hi > lo ? lo + fraction * (hi - lo) : lo;
      return nanoseconds(std::clamp<int64_t>(std::llround(v), min_ns_, max_ns_));
    }
    before += in_bucket;
  }
  return max();  // rounding left target a hair above the total
}

// ---- Memory ------------------------------------------------------------------------------------
Result<MemoryUsage> ParseProcStatus(std::string_view text) {
  constexpr size_t kMaxStatusBytes = 1 << 20;
  if (text.size() > kMaxStatusBytes) return InvalidArgument("/proc status text too large");
  // "VmRSS:\t  123456 kB" -> bytes (the kernel's "kB" is KiB).
  auto value = [](std::string_view name, std::string_view line) -> Result<uint64_t> {
    std::string_view rest = line.substr(name.size() + 1);
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
    uint64_t kb = 0;
    const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), kb);
    if (ec != std::errc() || end == rest.data() || std::string_view(end, rest.data() + rest.size()) != " kB" ||
        kb > (UINT64_MAX >> 10)) {
      return InvalidArgument(std::string(name) + " malformed in /proc status");
    }
    return kb << 10;
  };
  std::optional<uint64_t> rss, hwm;
  while (!text.empty()) {
    const size_t eol = text.find('\n');
    const std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    for (auto [name, out] : {std::pair{std::string_view("VmRSS"), &rss}, std::pair{std::string_view("VmHWM"), &hwm}}) {
      if (line.starts_with(name) && line.size() > name.size() && line[name.size()] == ':') {
        auto v = value(name, line);
        if (!v) return v.error();
        *out = *v;
      }
    }
  }
  if (!rss || !hwm) return InvalidArgument(std::string(!rss ? "VmRSS" : "VmHWM") + " missing in /proc status");
  return MemoryUsage{*rss, *hwm};
}

Result<MemoryUsage> ReadMemoryUsage() {
  std::ifstream in("/proc/self/status");
  if (!in) return Unavailable("cannot read /proc/self/status");
  std::ostringstream text;
  text << in.rdbuf();
  return ParseProcStatus(text.str());
}

// ---- Metrics -----------------------------------------------------------------------------------
uint64_t Counters::sessions_failed_total() const {
  uint64_t total = 0;
  for (uint64_t n : sessions_failed) total += n;
  return total;
}

void Metrics::MessageSent(const cwmp::Body& body) {
  ++c_.sent[body.index()];
  if (const auto* inform = std::get_if<cwmp::Inform>(&body)) {
    for (const auto& event : inform->events) {
      const auto kind = static_cast<size_t>(event.code.kind);
      ++c_.informs_by_event[kind < kEventKinds ? kind : kEventKinds - 1];
    }
  } else if (const auto* fault = std::get_if<cwmp::Fault>(&body)) {
    c_.cpe_faults.Add(fault->code);
  }
}

void Metrics::SessionCompleted(nanoseconds latency) {
  ++c_.sessions_completed;
  latency_.Record(latency);
}

void Metrics::ConnectionRequestReceived(bool accepted) {
  ++c_.connection_requests_received;
  if (accepted) ++c_.connection_requests_accepted;
}

void Metrics::DownloadFinished(uint32_t fault_code) {
  if (fault_code == 0) {
    ++c_.downloads_ok;
  } else {
    ++c_.downloads_failed;
    c_.download_faults.Add(fault_code);
  }
}

void Metrics::UploadFinished(uint32_t fault_code) { ++(fault_code == 0 ? c_.uploads_ok : c_.uploads_failed); }

void Metrics::InflightBegin() {
  c_.inflight_peak = std::max(c_.inflight_peak, ++c_.inflight);
  if (gauge_) {
    const uint64_t now = gauge_->now.fetch_add(1, std::memory_order_relaxed) + 1;
    uint64_t peak = gauge_->peak.load(std::memory_order_relaxed);
    while (now > peak && !gauge_->peak.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
    }
  }
}

void Metrics::InflightEnd() {
  if (c_.inflight == 0) return;
  --c_.inflight;
  if (gauge_) gauge_->now.fetch_sub(1, std::memory_order_relaxed);
}

void Metrics::Merge(const Metrics& other) {
  Counters& a = c_;
  const Counters& b = other.c_;
  for (size_t i = 0; i < kBodyKinds; ++i) {
    a.received[i] += b.received[i];
    a.sent[i] += b.sent[i];
  }
  for (size_t i = 0; i < kEventKinds; ++i) a.informs_by_event[i] += b.informs_by_event[i];
  a.cpe_faults.Merge(b.cpe_faults);
  a.http_status.Merge(b.http_status);
  a.sessions_started += b.sessions_started;
  a.sessions_completed += b.sessions_completed;
  a.sessions_queued += b.sessions_queued;
  for (size_t i = 0; i < kSessionFailureKinds; ++i) a.sessions_failed[i] += b.sessions_failed[i];
  a.retry_after_honoured += b.retry_after_honoured;
  a.connection_requests_received += b.connection_requests_received;
  a.connection_requests_accepted += b.connection_requests_accepted;
  a.downloads_ok += b.downloads_ok;
  a.downloads_failed += b.downloads_failed;
  a.download_faults.Merge(b.download_faults);
  a.uploads_ok += b.uploads_ok;
  a.uploads_failed += b.uploads_failed;
  a.firmware_installed += b.firmware_installed;
  a.reboots += b.reboots;
  a.factory_resets += b.factory_resets;
  a.ip_changes += b.ip_changes;
  for (size_t i = 0; i < kSimulatedFaultKinds; ++i) a.simulated_faults[i] += b.simulated_faults[i];
  a.inflight += b.inflight;
  a.inflight_peak = gauge_ ? gauge_->peak.load(std::memory_order_relaxed) : std::max(a.inflight_peak, b.inflight_peak);
  a.devices_total += b.devices_total;
  a.devices_started += b.devices_started;
  a.devices_bricked += b.devices_bricked;
  a.devices_silent += b.devices_silent;
  a.devices_hijacked += b.devices_hijacked;
  latency_.Merge(other.latency_);
}

uint64_t BytesPerDevice(const Counters& c, const MemoryUsage& memory) {
  if (c.devices_started == 0 || memory.rss_bytes < c.baseline_rss_bytes) return 0;
  return (memory.rss_bytes - c.baseline_rss_bytes) / c.devices_started;
}

// ---- Report ------------------------------------------------------------------------------------
nlohmann::json Report(const Metrics& metrics, std::chrono::duration<double> elapsed, const MemoryUsage& memory) {
  using nlohmann::json;
  const Counters& c = metrics.counters();
  const LatencyHistogram& h = metrics.latency();
  const double seconds = elapsed.count();

  json failed_by_reason = json::object();
  for (size_t i = 0; i < kSessionFailureKinds; ++i) {
    failed_by_reason[std::string(ToString(static_cast<SessionFailure>(i)))] = c.sessions_failed[i];
  }

  json simulated = json::object();
  for (size_t i = 0; i < kSimulatedFaultKinds; ++i) {
    simulated[std::string(ToString(static_cast<SimulatedFault>(i)))] = c.simulated_faults[i];
  }

  json buckets = json::array();
  for (size_t i = 0; i < LatencyHistogram::kBuckets; ++i) {
    if (h.bucket(i) == 0) continue;
    json le = i < LatencyHistogram::kBounds ? json(Ms(nanoseconds(LatencyHistogram::UpperBoundNs(i)))) : json();
    buckets.push_back({{"le", le}, {"count", h.bucket(i)}});
  }

  json received = json::object(), sent = json::object();
  for (size_t i = 0; i < kBodyKinds; ++i) {
    if (c.received[i] > 0) received[std::string(BodyKindName(i))] = c.received[i];
    if (c.sent[i] > 0) sent[std::string(BodyKindName(i))] = c.sent[i];
  }
  json events = json::object();
  for (size_t i = 0; i < kEventKinds; ++i) {
    if (c.informs_by_event[i] > 0) events[EventKindName(i)] = c.informs_by_event[i];
  }

  return json{
      {"schema", "ruru-cpesim-report/1"},
      {"elapsed_s", Round3(seconds)},
      {"devices",
       {{"total", c.devices_total},
        {"started", c.devices_started},
        {"bricked", c.devices_bricked},
        {"silent", c.devices_silent},
        {"hijacked", c.devices_hijacked}}},
      {"sessions",
       {{"started", c.sessions_started},
        {"completed", c.sessions_completed},
        {"failed", c.sessions_failed_total()},
        {"failed_by_reason", failed_by_reason},
        {"queued", c.sessions_queued},
        {"rate_per_s", seconds > 0 ? Round3(static_cast<double>(c.sessions_completed) / seconds) : 0.0},
        {"inflight", c.inflight},
        {"inflight_peak", c.inflight_peak}}},
      {"latency_ms",
       {{"count", h.count()},
        {"min", Ms(h.min())},
        {"mean", Ms(h.mean())},
        {"p50", Ms(h.Percentile(0.50))},
        {"p90", Ms(h.Percentile(0.90))},
        {"p99", Ms(h.Percentile(0.99))},
        {"max", Ms(h.max())},
        {"buckets", buckets}}},
      {"rpc", {{"received", received}, {"sent", sent}}},
      {"cpe_faults", CodesJson(c.cpe_faults)},
      {"http_status", CodesJson(c.http_status)},
      {"http_503", {{"seen", c.http_status.Get(503)}, {"retry_after_honoured", c.retry_after_honoured}}},
      {"informs_by_event", events},
      {"connection_requests",
       {{"received", c.connection_requests_received}, {"accepted", c.connection_requests_accepted}}},
      {"transfers",
       {{"downloads_ok", c.downloads_ok},
        {"downloads_failed", c.downloads_failed},
        {"download_faults", CodesJson(c.download_faults)},
        {"uploads_ok", c.uploads_ok},
        {"uploads_failed", c.uploads_failed},
        {"firmware_installed", c.firmware_installed}}},
      {"device_events", {{"reboots", c.reboots}, {"factory_resets", c.factory_resets}, {"ip_changes", c.ip_changes}}},
      {"simulated_faults", simulated},
      {"memory",
       {{"rss_bytes", memory.rss_bytes},
        {"hwm_bytes", memory.hwm_bytes},
        {"baseline_rss_bytes", c.baseline_rss_bytes},
        {"bytes_per_device", BytesPerDevice(c, memory)}}},
  };
}

// ---- Summary line ------------------------------------------------------------------------------
std::string FormatDuration(nanoseconds d) {
  const double ns = static_cast<double>(std::max<int64_t>(d.count(), 0));
  if (ns < 1e6) return std::to_string(std::llround(ns / 1e3)) + "us";
  if (ns < 1e9) return Short(ns / 1e6) + "ms";
  if (ns < 60e9) return Short(ns / 1e9) + "s";
  return Short(ns / 60e9) + "min";
}

std::string SummaryLine(const Metrics& metrics, std::chrono::duration<double> elapsed, const MemoryUsage& memory,
                        SummaryMark* mark) {
  const Counters& c = metrics.counters();
  const LatencyHistogram& h = metrics.latency();
  double rate = 0;
  if (mark != nullptr) {
    const double dt = (elapsed - mark->elapsed).count();
    if (dt > 0 && c.sessions_completed >= mark->sessions_completed) {
      rate = static_cast<double>(c.sessions_completed - mark->sessions_completed) / dt;
    }
    *mark = {elapsed, c.sessions_completed};
  }
  std::string line = "t=" + std::to_string(static_cast<int64_t>(std::max(elapsed.count(), 0.0))) + "s";
  line += " devices=" + std::to_string(c.devices_started) + "/" + std::to_string(c.devices_total);
  line += " inflight=" + std::to_string(c.inflight);
  line +=
      " sessions ok=" + std::to_string(c.sessions_completed) + " failed=" + std::to_string(c.sessions_failed_total());
  line += " rate=" + std::to_string(std::llround(rate)) + "/s";
  line += " p50=" + FormatDuration(h.Percentile(0.50)) + " p99=" + FormatDuration(h.Percentile(0.99));
  line += " 503=" + std::to_string(c.http_status.Get(503));
  line += " rss=" + FormatBytes(static_cast<double>(memory.rss_bytes), false);
  line += " (" + FormatBytes(static_cast<double>(BytesPerDevice(c, memory)), true) + "/device)";
  return line;
}

}  // namespace ruru::cpesim
