// The simulator engine: a fleet of simulated CPEs on one asio::io_context (one thread), each a
// Device (data model state) plus the TR-069 behaviour around it: events kept until acknowledged,
// periodic informs, sessions over keep-alive HTTP(S) with authentication and cookies, the retry
// back-off, reboots, factory resets, downloads/uploads and the scheduled variants, connection
// requests, and the fault scenarios.
//
// Resources: an idle device holds no socket and no coroutine frame, only its state (about 1-2 KB,
// measured in docs/performance.md) and one timer. Concurrent sessions and transfers are bounded by
// max_inflight (each holds one socket); devices that want a session while the bound is reached wait
// in a FIFO queue.
//
// Threading: everything runs on the io_context's thread. The Inspect/Post helpers let tests and main
// look at or change the fleet from another thread. ShardedFleet (below) runs several Fleets, one per
// thread, as one fleet (--threads).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/beast.h"
#include "base/clock.h"
#include "base/result.h"
#include "tests/cpesim/connreq_server.h"
#include "tests/cpesim/decode_memo.h"
#include "tests/cpesim/device.h"
#include "tests/cpesim/faults.h"
#include "tests/cpesim/metrics.h"
#include "tests/cpesim/model.h"
#include "tests/cpesim/options.h"

namespace ruru::cpesim {

struct FleetConfig {
  std::string acs_url;
  size_t devices = 1;
  std::shared_ptr<const DeviceModel> model;
  std::string serial_prefix = "RURU";
  uint32_t inform_interval_seconds = 300;  // 0: keep the model's PeriodicInformInterval
  double ramp_per_second = 100;            // 0: all at once
  std::string tls_ca_file;                 // CA bundle for https ACS and file servers
  std::string tls_client_cert_file;        // PEM client certificate (+ chain) every device presents; "" = none
  std::string tls_client_key_file;         // its private key
  bool tls_resume = false;                 // each device resumes its previous TLS session (tickets)
  std::string connreq_listen;              // "127.0.0.1:0"; empty: no listener
  std::string connreq_host;                // host in ConnectionRequestURL (default: the listen host)
  std::optional<Ipv4Range> source_ips;     // 127.1.0.0/16; nullopt: the OS chooses the source
  size_t max_inflight = 1000;
  std::chrono::milliseconds reboot_delay{5000};
  uint64_t seed = 1;
  FaultSpec faults;
  std::string acs_username_format = "{serial}";
  std::string acs_password_format = "pw-{serial}";
  std::string connreq_username_format = "{serial}";
  std::string connreq_password_format = "cr-{serial}";
  std::vector<std::string> time_zones = {"NZST-12NZDT,M9.5.0,M4.1.0/3", "CET-1CEST,M3.5.0,M10.5.0/3",
                                         "EST5EDT,M3.2.0,M11.1.0", "UTC0"};
  uint32_t retry_min_wait_seconds = 0;     // CWMPRetryMinimumWaitInterval; 0: the model's (5)
  std::chrono::milliseconds http_timeout{30000};
  uint32_t session_timeout_seconds = 30;
  // Sharding (--threads): this Fleet simulates the devices i < `devices` with i % shards == shard.
  // Every per-device choice (serial, source address, faults, random draws, ramp position) uses the
  // global index i, so the shards together behave as one fleet. max_inflight is this shard's own.
  size_t shard = 0;
  size_t shards = 1;
};

class Fleet {
 public:
  Fleet(asio::io_context& io, FleetConfig config, const Clock& clock = SystemClock::Instance());
  ~Fleet();
  Fleet(const Fleet&) = delete;
  Fleet& operator=(const Fleet&) = delete;

  // Creates the devices, starts the connection-request listener and the ramp. Call on the io thread
  // or before io.run(). Errors: bad URL/CIDR/listen address, listener cannot bind, TLS CA unreadable.
  Status Start();
  // Stops starting sessions, closes the listener, cancels the timers; running sessions are cut.
  void Stop();

  size_t size() const { return devices_.size(); }  // devices of this shard
  // Whether device `index` (global) belongs to this shard.
  bool Holds(size_t index) const;
  const Metrics& metrics() const { return metrics_; }
  Metrics& metrics() { return metrics_; }
  uint16_t connreq_port() const;
  size_t inflight() const { return inflight_; }
  // Devices that have completed at least one session.
  size_t devices_informed() const { return informed_; }
  std::string SerialOf(size_t index) const;

  // Device indexes below are global (0 .. config.devices - 1); a device of another shard is out of
  // range here.
  // Runs fn(device) on the io thread and waits for it (from another thread). Returns false if the
  // index is out of range or the io_context stopped before running it.
  bool Inspect(size_t index, const std::function<void(Device&)>& fn);
  // Runs fn on the io thread and waits.
  bool RunOnIo(const std::function<void()>& fn);

  // Test and operator hooks (io thread): ask a device for a session now with an extra event code,
  // e.g. "6 CONNECTION REQUEST".
  void Kick(size_t index, const std::string& event_code);
  // The device changes one of its own parameters (a user on the LAN side, malware, the line coming
  // up): recorded as a value change when its notification attribute asks for it; an active one
  // starts a session with "4 VALUE CHANGE" at once.
  Status SetParameter(size_t index, const std::string& path, const std::string& value);

  struct Transfer;  // a queued or running file transfer (fleet.cpp)

 private:
  struct SimDevice;
  struct SessionOutcome;
  class SessionRun;

  std::string SerialFor(size_t index) const;
  SimDevice* Find(size_t index) const;  // nullptr: out of range or another shard's
  void CreateDevices();
  void RampNext();
  void BootDevice(SimDevice& d, bool first_contact);
  void AddEvent(SimDevice& d, std::string code, std::string command_key = "");
  void RequestSession(SimDevice& d);
  void StartSession(SimDevice& d);
  void FinishSession(SimDevice& d, const SessionOutcome& outcome);
  void ReleaseSlot();
  void Arm(SimDevice& d);
  void OnWake(SimDevice& d);
  std::chrono::steady_clock::time_point NextPeriodic(SimDevice& d, std::chrono::steady_clock::time_point after);
  void GoDown(SimDevice& d);
  void ChurnIp(SimDevice& d);
  void StartDueTransfers(SimDevice& d);
  asio::awaitable<void> RunSession(SimDevice& d);
  asio::awaitable<void> RunTransfer(SimDevice& d, uint32_t transfer_id);
  // Reports a finished transfer (TransferComplete + events); `install_version` non-empty: a
  // firmware image was verified and is installed, then the device reboots.
  void CompleteTransfer(SimDevice& d, uint32_t transfer_id, uint32_t fault_code, std::string message,
                        std::string start_time, std::string install_version = {});
  std::string UploadContent(SimDevice& d, bool log) const;
  cwmp::Body HandleAcsRequest(SimDevice& d, const cwmp::Body& request);
  cwmp::Body QueueTransfer(SimDevice& d, Transfer t);
  std::vector<cwmp::ParameterValueStruct> InformParameters(SimDevice& d);
  bool AcceptConnectionRequest(std::string_view key);
  std::optional<ConnReqCredentials> ConnReqCredentialsFor(std::string_view key);
  SimDevice* DeviceForKey(std::string_view key);
  double Random01(SimDevice& d);
  void SetDefaults(SimDevice& d);
  std::string SourceIpFor(size_t index, uint32_t generation) const;

  asio::io_context& io_;
  FleetConfig config_;
  const Clock& clock_;
  Metrics metrics_;
  DecodeMemo memo_;  // the ACS's answers, decoded (the repeated InformResponse without gSOAP)
  std::unique_ptr<asio::ssl::context> tls_;
  std::unique_ptr<ConnReqServer> connreq_;
  std::vector<std::unique_ptr<SimDevice>> devices_;
  std::deque<uint32_t> waiting_;  // devices waiting for an in-flight slot
  asio::steady_timer ramp_timer_;
  size_t ramped_ = 0;
  size_t inflight_ = 0;
  size_t informed_ = 0;
  bool stopped_ = false;
  Clock::TimePoint started_at_{};
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// The fleet on N threads (--threads N): N Fleets (shards), each with its own io_context and thread;
// device i lives in shard i % N and keeps its global index, so serials, addresses, faults and random
// draws are those of one fleet. max_inflight is split (the first max_inflight % N shards get one
// more slot); the ramp is the fleet's. MergedMetrics() adds the shards' metrics up (the in-flight
// peak comes from a gauge the shards share), so the report reads like one fleet's.
//
// Connection requests: one listener per shard, because answering the Digest challenge needs the
// device's state, which only its shard's thread may touch. A device's ConnectionRequestURL names its
// shard's port: with --connreq-listen HOST:P (P != 0) shard s listens on P + s; with port 0 each
// shard picks a free port.
//
// Threading: Start and Run on one thread (the control thread, which also runs shard 0's io_context:
// main's timers and signals go on control_io()). Stop, MergedMetrics and DevicesInformed: on the
// control thread, from a handler on control_io() while Run runs, or after Run returned. Shards never
// call each other, so the control thread may wait for one.
class ShardedFleet {
 public:
  // config.max_inflight is the fleet's total; threads >= 1 and <= config.max_inflight.
  ShardedFleet(FleetConfig config, size_t threads, const Clock& clock = SystemClock::Instance());
  ~ShardedFleet();
  ShardedFleet(const ShardedFleet&) = delete;
  ShardedFleet& operator=(const ShardedFleet&) = delete;

  // Starts every shard (Fleet::Start on each; nothing runs until Run). The first error is returned.
  Status Start();
  // Runs shard 0 on the calling thread and every other shard on its own thread; returns once Stop
  // was called and every thread has ended.
  void Run();
  // Stops every shard (Fleet::Stop on its own thread; running sessions are cut) and makes Run
  // return. Idempotent.
  void Stop();

  asio::io_context& control_io() { return shards_.front()->io; }
  // Runs fn on the control thread and waits (from any other thread), like Fleet::RunOnIo.
  bool RunOnControl(const std::function<void()>& fn) { return shards_.front()->fleet->RunOnIo(fn); }

  // Every shard's metrics added up (a copy), and the devices that have completed a session.
  Metrics MergedMetrics();
  size_t DevicesInformed();

  size_t shards() const { return shards_.size(); }
  Fleet& shard(size_t s) { return *shards_[s]->fleet; }
  // The connection-request port of each shard (0: no listener).
  std::vector<uint16_t> connreq_ports() const;

 private:
  struct Shard {
    asio::io_context io{1};
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work{io.get_executor()};
    std::unique_ptr<Fleet> fleet;
  };
  // Runs fn on shard s's thread (directly when not running) and waits.
  void OnShard(size_t s, const std::function<void()>& fn);

  std::vector<std::unique_ptr<Shard>> shards_;
  std::vector<std::thread> threads_;
  std::shared_ptr<InflightGauge> gauge_ = std::make_shared<InflightGauge>();
  bool running_ = false;
  bool stopped_ = false;
};

}  // namespace ruru::cpesim
