// connreq_bench: connection requests per second through acsd's ConnectionRequester against a real
// connection-request listener (cpesim's; tests/bench/connreq_bench.sh starts cpesim and testacs).
// Device i's URL is http://HOST:(PORT + i % SHARDS)/<PREFIX><i, 6 digits> with cpesim's Digest
// credentials ({serial}, cr-{serial} unless told otherwise), so every request is a full Digest
// round (401 challenge, then the answer) on a fresh TCP connection.
//
// Modes:
//   closed  keeps exactly --max-concurrent requests outstanding (a new one is sent from each
//           callback): the latency is the time on the wire, the rate the steady-state throughput.
//   burst   sends all --requests at once (the queue holds them): the operator's "connection request
//           to 10,000 devices now"; the latency then includes the time spent in the queue.
// Prints one JSON object on stdout.
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "acs/connreq/connection_requester.h"

namespace {

using ruru::acs::connreq::ConnectionRequester;
using ruru::acs::connreq::ConnectionRequestResult;
using ruru::acs::connreq::ConnectionRequestTarget;
using SteadyClock = std::chrono::steady_clock;

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  int shards = 1;
  size_t devices = 1000;
  std::string serial_prefix = "RURU";
  std::string username_format = "{serial}";
  std::string password_format = "cr-{serial}";
  size_t requests = 1000;
  size_t max_concurrent = 50;
  std::string mode = "closed";
  int timeout_s = 10;
  int connect_timeout_s = 5;
};

std::string Expand(const std::string& pattern, const std::string& serial) {
  std::string out = pattern;
  for (size_t at = out.find("{serial}"); at != std::string::npos; at = out.find("{serial}", at + serial.size())) {
    out.replace(at, 8, serial);
  }
  return out;
}

std::string Serial(const Options& o, size_t index) {
  std::string n = std::to_string(index + 1);
  if (n.size() < 6) n.insert(0, 6 - n.size(), '0');
  return o.serial_prefix + n;
}

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

class Run {
 public:
  Run(const Options& o, ConnectionRequester& requester) : o_(o), requester_(requester) {
    latencies_us_.reserve(o.requests);
  }

  void Go() {
    start_ = SteadyClock::now();
    const size_t first = o_.mode == "burst" ? o_.requests : std::min(o_.requests, o_.max_concurrent);
    for (size_t i = 0; i < first; ++i) SendNext();
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return done_ == o_.requests; });
    end_ = SteadyClock::now();
  }

  void Print(double cpu_s) const {
    std::vector<int64_t> sorted = latencies_us_;
    std::sort(sorted.begin(), sorted.end());
    const auto pct = [&](double p) -> double {
      if (sorted.empty()) return 0;
      const size_t i = std::min(sorted.size() - 1, static_cast<size_t>(p * static_cast<double>(sorted.size())));
      return static_cast<double>(sorted[i]) / 1000.0;
    };
    const double seconds = std::chrono::duration<double>(end_ - start_).count();
    std::printf(
        "{\"mode\": \"%s\", \"requests\": %zu, \"max_concurrent\": %zu, \"devices\": %zu, \"seconds\": %.3f, "
        "\"cr_per_s\": %.0f, \"latency_ms\": {\"p50\": %.2f, \"p90\": %.2f, \"p99\": %.2f, \"max\": %.2f}, "
        "\"requester_cpu_s\": %.2f, \"requester_cpu_us_per_cr\": %.0f, \"outcomes\": {",
        o_.mode.c_str(), o_.requests, o_.max_concurrent, o_.devices, seconds,
        static_cast<double>(o_.requests) / seconds, pct(0.5), pct(0.9), pct(0.99), pct(1.0), cpu_s,
        cpu_s * 1e6 / static_cast<double>(o_.requests));
    bool first = true;
    for (const auto& [name, n] : outcomes_) {
      std::printf("%s\"%s\": %zu", first ? "" : ", ", name.c_str(), n);
      first = false;
    }
    std::printf("}");
    if (!first_failure_.empty()) std::printf(", \"first_failure\": \"%s\"", first_failure_.c_str());
    std::printf("}\n");
  }

  bool all_ok() const {
    auto it = outcomes_.find("ok");
    return it != outcomes_.end() && it->second == o_.requests;
  }

 private:
  void SendNext() {
    const size_t n = next_.fetch_add(1);
    if (n >= o_.requests) return;
    const size_t device = n % o_.devices;
    const std::string serial = Serial(o_, device);
    ConnectionRequestTarget t;
    t.url = "http://" + o_.host + ":" + std::to_string(o_.port + static_cast<int>(device % o_.shards)) + "/" + serial;
    t.username = Expand(o_.username_format, serial);
    t.password = Expand(o_.password_format, serial);
    t.label = serial;
    const auto sent = SteadyClock::now();
    requester_.Send(std::move(t), [this, sent](ConnectionRequestResult r) { Done(sent, std::move(r)); });
  }

  void Done(SteadyClock::time_point sent, ConnectionRequestResult r) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - sent).count();
    {
      std::lock_guard lock(mu_);
      latencies_us_.push_back(us);
      ++outcomes_[std::string(ruru::acs::connreq::ToString(r.outcome))];
      if (r.outcome != ConnectionRequestResult::Outcome::kOk && first_failure_.empty()) {
        first_failure_ = r.detail.substr(0, 200);
        std::replace(first_failure_.begin(), first_failure_.end(), '"', '\'');
      }
      ++done_;
    }
    if (o_.mode == "closed") SendNext();
    cv_.notify_all();
  }

  const Options& o_;
  ConnectionRequester& requester_;
  std::atomic<size_t> next_{0};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  size_t done_ = 0;
  std::vector<int64_t> latencies_us_;
  std::map<std::string, size_t> outcomes_;
  std::string first_failure_;
  SteadyClock::time_point start_, end_;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"connreq_bench: connection requests per second against cpesim's listener"};
  Options o;
  app.add_option("--host", o.host, "address of the connection-request listener")->capture_default_str();
  app.add_option("--port", o.port, "its port (shard s listens on PORT + s)")->required();
  app.add_option("--shards", o.shards, "cpesim --threads")->capture_default_str()->check(CLI::Range(1, 64));
  app.add_option("--devices", o.devices, "devices in the fleet (requests go round-robin)")
      ->capture_default_str()
      ->check(CLI::Range(1, 999999));
  app.add_option("--serial-prefix", o.serial_prefix, "cpesim --serial-prefix")->capture_default_str();
  app.add_option("--username-format", o.username_format, "cpesim --connreq-username-format")->capture_default_str();
  app.add_option("--password-format", o.password_format, "cpesim --connreq-password-format")->capture_default_str();
  app.add_option("--requests", o.requests, "connection requests to send")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--max-concurrent", o.max_concurrent, "connection_request.max_concurrent")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--mode", o.mode, "closed or burst (see the source)")
      ->capture_default_str()
      ->check(CLI::IsMember({"closed", "burst"}));
  app.add_option("--timeout", o.timeout_s, "connection_request.timeout, seconds")->capture_default_str();
  app.add_option("--connect-timeout", o.connect_timeout_s, "connection_request.connect_timeout, seconds")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  spdlog::set_level(spdlog::level::warn);  // the requester logs every failure at info
  ruru::acs::config::ConnectionRequestConfig config;
  config.allowed_networks = "127.0.0.0/8";
  config.denied_networks = "";
  config.max_concurrent = o.max_concurrent;
  config.max_queue = o.requests;
  config.timeout = std::chrono::seconds(o.timeout_s);
  config.connect_timeout = std::chrono::seconds(o.connect_timeout_s);
  auto requester = ConnectionRequester::Start(config, nullptr);
  if (!requester.ok()) {
    std::cerr << "connreq_bench: " << requester.error().message << "\n";
    return 2;
  }
  Run run(o, **requester);
  const double cpu0 = CpuSeconds();
  run.Go();
  const double cpu = CpuSeconds() - cpu0;
  (*requester)->Stop();
  run.Print(cpu);
  return run.all_ok() ? 0 : 1;
}
