// cpesim: thousands of simulated TR-069 CPEs in one process. See tests/cpesim/README.md.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "base/beast.h"
#include "tests/cpesim/fleet.h"
#include "tests/cpesim/metrics.h"
#include "tests/cpesim/model.h"
#include "tests/cpesim/options.h"

namespace {

using namespace ruru;
using namespace ruru::cpesim;

int Fail(const std::string& message) {
  std::cerr << "cpesim: " << message << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  auto parsed = ParseOptions(argc, argv);
  if (!parsed.ok()) return Fail(parsed.error().message);
  const Options& opt = *parsed;
  if (opt.help) {
    std::cout << *opt.help;
    return 0;
  }

  // 20,000 open files at most here, and not raisable: refuse a --max-inflight that cannot fit.
  uint64_t soft_limit = 0;
  // One connection-request listener per shard.
  if (Status s = CheckOpenFileLimit(opt.max_inflight, opt.threads, &soft_limit); !s.ok()) {
    return Fail(s.error().message);
  }

  std::string model_path = opt.model;
  if (model_path.empty()) model_path = std::string(RURU_CPESIM_DIR) + "/models/tr181-router.json";
  auto model = LoadModelFile(model_path);
  if (!model.ok()) return Fail(model.error().message);

  FleetConfig config;
  config.acs_url = opt.acs_url;
  config.devices = opt.devices;
  config.model = *model;
  config.serial_prefix = opt.serial_prefix;
  config.inform_interval_seconds = opt.inform_interval_s;
  config.ramp_per_second = opt.ramp_per_second;
  config.tls_ca_file = opt.tls_ca;
  config.tls_client_cert_file = opt.tls_client_cert;
  config.tls_client_key_file = opt.tls_client_key;
  config.tls_resume = opt.tls_resume;
  config.connreq_listen = opt.connreq_listen.host + ":" + std::to_string(opt.connreq_listen.port);
  config.source_ips = opt.source_ips;
  config.max_inflight = opt.max_inflight;
  config.reboot_delay = std::chrono::milliseconds(static_cast<int64_t>(opt.reboot_delay_s * 1000));
  config.seed = opt.seed;
  config.faults = opt.faults;
  config.acs_username_format = opt.acs_username_format;
  config.acs_password_format = opt.acs_password_format;
  config.connreq_username_format = opt.connreq_username_format;
  config.connreq_password_format = opt.connreq_password_format;
  if (!opt.time_zones.empty()) config.time_zones = opt.time_zones;

  const auto baseline = ReadMemoryUsage();
  // One shard per thread; shard 0 runs on this thread, with the timers and signals below.
  ShardedFleet fleet(config, opt.threads);
  asio::io_context& io = fleet.control_io();
  if (baseline.ok()) fleet.shard(0).metrics().SetMemoryBaseline(baseline->rss_bytes);
  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0); };
  auto memory = [] {
    auto m = ReadMemoryUsage();
    return m.ok() ? *m : MemoryUsage{};
  };
  SummaryMark mark;
  if (Status s = fleet.Start(); !s.ok()) return Fail(s.error().message);
  std::cerr << "cpesim: " << opt.devices << " devices (" << (*model)->name() << ") -> " << opt.acs_url
            << ", max in flight " << opt.max_inflight << ", open-file limit " << soft_limit;
  if (opt.threads > 1) std::cerr << ", " << opt.threads << " threads";
  if (const auto ports = fleet.connreq_ports(); ports.front() != 0) {
    std::cerr << ", connection requests on port" << (ports.size() > 1 ? "s " : " ");
    for (size_t s = 0; s < ports.size(); ++s) std::cerr << (s ? "," : "") << ports[s];
  }
  std::cerr << "\n";

  bool stopping = false;
  auto stop = [&] {
    if (stopping) return;
    stopping = true;
    fleet.Stop();
  };
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int) {
    if (!ec) stop();
  });
  asio::steady_timer duration(io);
  if (opt.duration_s > 0) {
    duration.expires_after(std::chrono::milliseconds(static_cast<int64_t>(opt.duration_s * 1000)));
    duration.async_wait([&](boost::system::error_code ec) {
      if (!ec) stop();
    });
  }
  asio::steady_timer informed_check(io);
  std::function<void()> check_informed = [&] {
    if (!opt.exit_when_informed) return;
    informed_check.expires_after(std::chrono::milliseconds(200));
    informed_check.async_wait([&](boost::system::error_code ec) {
      if (ec || stopping) return;
      const Metrics m = fleet.MergedMetrics();
      const auto& c = m.counters();
      if (c.devices_started == c.devices_total && fleet.DevicesInformed() + c.devices_silent >= c.devices_total) {
        std::cerr << "cpesim: every device has informed" << std::endl;
        stop();
        return;
      }
      check_informed();
    });
  };
  check_informed();
  asio::steady_timer summary(io);
  std::function<void()> print_summary = [&] {
    if (opt.summary_interval_s <= 0) return;
    summary.expires_after(std::chrono::milliseconds(static_cast<int64_t>(opt.summary_interval_s * 1000)));
    summary.async_wait([&](boost::system::error_code ec) {
      if (ec || stopping) return;
      std::cerr << SummaryLine(fleet.MergedMetrics(), elapsed(), memory(), &mark) << std::endl;
      print_summary();
    });
  };
  print_summary();

  fleet.Run();

  const MemoryUsage final_memory = memory();
  const Metrics metrics = fleet.MergedMetrics();
  std::cerr << SummaryLine(metrics, elapsed(), final_memory, &mark) << std::endl;
  if (!opt.report_path.empty()) {
    std::ofstream out(opt.report_path, std::ios::trunc);
    out << Report(metrics, elapsed(), final_memory).dump(2) << "\n";
    if (!out) return Fail("cannot write the report to " + opt.report_path);
  }
  return 0;
}
