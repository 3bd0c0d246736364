#include "tests/cpesim/fleet.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <future>
#include <limits>
#include <map>
#include <type_traits>
#include <utility>

#include "cwmp/codec.h"
#include "cwmp/session.h"
#include "cwmp/version.h"
#include "tests/cpesim/firmware_image.h"
#include "tests/cpesim/http_client.h"
#include "tests/cpesim/scenarios.h"

namespace ruru::cpesim {
namespace {

using Steady = std::chrono::steady_clock;
using SteadyTime = Steady::time_point;
constexpr SteadyTime kNever = SteadyTime::max();
constexpr size_t kMaxQueuedTransfers = 8;        // beyond: fault 9004
constexpr size_t kMaxMessagesPerSession = 4096;  // a runaway ACS cannot keep a device forever
constexpr size_t kMaxCwmpBody = 4 * 1024 * 1024;
constexpr size_t kMaxDownload = 64 * 1024 * 1024;
constexpr std::string_view kUnknownTime = "0001-01-01T00:00:00Z";

// xsd:dateTime "2026-11-28T03:00:00Z" (optionally with fraction / offset ignored beyond Z) -> time.
std::optional<Clock::TimePoint> ParseTime(std::string_view s) {
  if (s.size() < 19 || s.starts_with("0001-01-01")) return std::nullopt;
  std::tm tm{};
  if (std::sscanf(std::string(s.substr(0, 19)).c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon,
                  &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  const std::time_t t = timegm(&tm);
  if (t == static_cast<std::time_t>(-1)) return std::nullopt;
  return std::chrono::system_clock::from_time_t(t);
}

uint64_t ParseU64(std::string_view s, uint64_t fallback) {
  uint64_t v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size() ? v : fallback;
}

bool IsTrue(std::string_view v) { return v == "true" || v == "1"; }

cwmp::Fault MakeFault(uint32_t code, std::string message) {
  cwmp::Fault f;
  f.faultcode = code == 9002 ? "Server" : "Client";
  f.code = code;
  f.message = message.empty() ? std::string(cwmp::StandardFaultText(code)) : std::move(message);
  return f;
}

bool IsConfigFile(std::string_view type) {
  return type == "3 Vendor Configuration File" || type.starts_with("3 Vendor Configuration File ");
}

bool IsSupportedDownload(std::string_view type) { return type == "1 Firmware Upgrade Image" || IsConfigFile(type); }

}  // namespace

// A queued or running file transfer (Download, ScheduleDownload, Upload).
struct Fleet::Transfer {
  enum class Kind : uint8_t { kDownload, kScheduleDownload, kUpload };
  uint32_t id = 0;
  Kind kind = Kind::kDownload;
  int state = 1;  // 1 not yet started, 2 in progress
  std::string command_key, file_type, url, username, password, target_file_name;
  uint32_t file_size = 0;
  SteadyTime due = kNever;       // when to start
  SteadyTime deadline = kNever;  // end of the last time window (ScheduleDownload)
  bool needs_confirmation = false;
};

// The fields every transfer request shares (Download, ScheduleDownload, Upload).
template <class Request>
Fleet::Transfer TransferOf(Fleet::Transfer::Kind kind, const Request& r) {
  Fleet::Transfer t;
  t.kind = kind;
  t.command_key = r.command_key;
  t.file_type = r.file_type;
  t.url = r.url;
  t.username = r.username;
  t.password = r.password;
  if constexpr (requires { r.file_size; }) {
    t.file_size = r.file_size;
    t.target_file_name = r.target_file_name;
  }
  return t;
}

// One simulated CPE. Kept small: most fields are empty or zero while the device is idle.
struct Fleet::SimDevice {
  SimDevice(asio::io_context& io, uint32_t i, Device d) : index(i), device(std::move(d)), timer(io) {}
  uint32_t index;
  Device device;
  DeviceFaults faults{};
  asio::steady_timer timer;
  std::vector<cwmp::EventStruct> events;          // resent until an InformResponse arrives
  std::vector<std::string> changed;               // value-changed parameters, for the next Inform
  std::vector<cwmp::TransferComplete> completes;  // TransferComplete requests not yet acknowledged
  std::vector<Transfer> transfers;
  std::string reboot_key;
  TlsSessionSlot tls_session;  // --tls-resume
  SteadyTime next_periodic = kNever;
  SteadyTime retry_at = kNever;
  SteadyTime up_at = kNever;  // rebooting: comes back then
  SteadyTime scheduled_inform_at = kNever;
  SteadyTime churn_at = kNever;
  SteadyTime spontaneous_reboot_at = kNever;
  SteadyTime hijack_at = kNever;
  std::string scheduled_inform_key;
  uint32_t retry_count = 0;
  uint32_t rng_counter = 0;
  uint32_t ip_generation = 0;
  uint32_t next_transfer_id = 1;
  uint32_t active_transfers = 0;
  bool started = false;
  bool in_session = false;
  bool queued = false;           // in waiting_
  bool session_wanted = false;   // asked for while a session ran
  bool informed_once = false;
  bool reboot_pending = false;   // after the session: reboot
  bool reset_pending = false;    // after the session: factory reset
  bool factory_reset_boot = false;
  bool bricked = false;
  bool hijacked = false;
};

struct Fleet::SessionOutcome {
  bool ok = false;
  SessionFailure reason = SessionFailure::kProtocol;
  std::string detail;
  std::optional<std::chrono::seconds> retry_after;
};

Fleet::Fleet(asio::io_context& io, FleetConfig config, const Clock& clock)
    : io_(io), config_(std::move(config)), clock_(clock), ramp_timer_(io) {}

Fleet::~Fleet() {
  *alive_ = false;
}

std::string Fleet::SerialFor(size_t index) const {
  char digits[24];  // a size_t has at most 20 digits
  std::snprintf(digits, sizeof digits, "%06zu", index + 1);
  return config_.serial_prefix + digits;
}

std::string Fleet::SerialOf(size_t index) const { return SerialFor(index); }

uint16_t Fleet::connreq_port() const { return connreq_ ? connreq_->port() : 0; }

std::string Fleet::SourceIpFor(size_t index, uint32_t generation) const {
  if (!config_.source_ips) return "127.0.0.1";
  return ToString(config_.source_ips->AddressFor(index + static_cast<size_t>(generation) * config_.devices));
}

Status Fleet::Start() {
  if (!config_.model) return Error{ErrorCode::kInvalidArgument, "no device model"};
  if (config_.devices == 0) return Error{ErrorCode::kInvalidArgument, "--devices must be at least 1"};
  if (config_.shards == 0 || config_.shard >= config_.shards) {
    return Error{ErrorCode::kInvalidArgument, "shard " + std::to_string(config_.shard) + " of " +
                                                  std::to_string(config_.shards) + " does not exist"};
  }
  if (auto url = ParseUrl(config_.acs_url); !url.ok()) {
    return Error{ErrorCode::kInvalidArgument, "--acs-url: " + url.error().message};
  }
  tls_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  tls_->set_verify_mode(asio::ssl::verify_peer);
  boost::system::error_code ec;
  if (!config_.tls_ca_file.empty()) {
    tls_->load_verify_file(config_.tls_ca_file, ec);
    if (ec) return Error{ErrorCode::kInvalidArgument, "--tls-ca " + config_.tls_ca_file + ": " + ec.message()};
  } else {
    tls_->set_default_verify_paths(ec);
  }
  if (config_.tls_client_cert_file.empty() != config_.tls_client_key_file.empty()) {
    return Error{ErrorCode::kInvalidArgument, "--tls-client-cert and --tls-client-key go together"};
  }
  if (!config_.tls_client_cert_file.empty()) {
    tls_->use_certificate_chain_file(config_.tls_client_cert_file, ec);
    if (ec) return Error{ErrorCode::kInvalidArgument, "--tls-client-cert " + config_.tls_client_cert_file + ": " + ec.message()};
    tls_->use_private_key_file(config_.tls_client_key_file, asio::ssl::context::pem, ec);
    if (ec) return Error{ErrorCode::kInvalidArgument, "--tls-client-key " + config_.tls_client_key_file + ": " + ec.message()};
  }
  if (!config_.connreq_listen.empty()) {
    ConnReqServer::Hooks hooks;
    hooks.credentials = [this](std::string_view key) { return ConnReqCredentialsFor(key); };
    hooks.on_request = [this](std::string_view key) { return AcceptConnectionRequest(key); };
    connreq_ = std::make_unique<ConnReqServer>(io_, clock_, std::move(hooks), std::max<size_t>(16, config_.max_inflight / 4));
    if (Status s = connreq_->Listen(config_.connreq_listen); !s.ok()) return s;
    if (config_.connreq_host.empty()) {
      const size_t colon = config_.connreq_listen.rfind(':');
      config_.connreq_host = config_.connreq_listen.substr(0, colon);
    }
  }
  started_at_ = clock_.Now();
  CreateDevices();
  metrics_.SetDevicesTotal(devices_.size());
  RampNext();
  return {};
}

void Fleet::Stop() {
  stopped_ = true;
  ramp_timer_.cancel();
  if (connreq_) connreq_->Stop();
  for (auto& d : devices_) d->timer.cancel();
}

void Fleet::CreateDevices() {
  devices_.reserve((config_.devices + config_.shards - 1 - config_.shard) / config_.shards);
  // Global index i (serial, source address, faults, random draws): the shards together are the
  // same fleet as one.
  for (size_t i = config_.shard; i < config_.devices; i += config_.shards) {
    DeviceIdentity id;
    id.serial = SerialFor(i);
    id.wan_ip = SourceIpFor(i, 0);
    if (connreq_) {
      id.connreq_url = "http://" + config_.connreq_host + ":" + std::to_string(connreq_->port()) + "/" + id.serial;
    }
    char mac[24];
    std::snprintf(mac, sizeof mac, "02:52:55:%02zx:%02zx:%02zx", (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff);
    id.mac = mac;
    id.time_zone = config_.time_zones.empty() ? "UTC0" : config_.time_zones[i % config_.time_zones.size()];
    id.acs_url = config_.acs_url;
    auto d = std::make_unique<SimDevice>(io_, static_cast<uint32_t>(i), Device(config_.model, std::move(id), clock_));
    d->faults = FaultsFor(config_.faults, config_.seed, i);
    SetDefaults(*d);
    devices_.push_back(std::move(d));
  }
}

// The per-device factory defaults the simulator adds to the model: credentials (like a real CPE's
// per-unit label password) and the periodic inform interval. Set as the device's own values; no
// value change is recorded for them.
void Fleet::SetDefaults(SimDevice& d) {
  const ScenarioPaths& paths = PathsFor(config_.model->root());
  Device& dev = d.device;
  const std::string serial = dev.identity().serial;
  (void)dev.Set(paths.acs_username, ExpandPattern(config_.acs_username_format, serial, d.index));
  (void)dev.Set(paths.acs_password, ExpandPattern(config_.acs_password_format, serial, d.index));
  (void)dev.Set(paths.connreq_username, ExpandPattern(config_.connreq_username_format, serial, d.index));
  (void)dev.Set(paths.connreq_password, ExpandPattern(config_.connreq_password_format, serial, d.index));
  if (config_.inform_interval_seconds > 0 &&
      dev.Get(paths.periodic_interval) != std::to_string(config_.inform_interval_seconds)) {
    (void)dev.Set(paths.periodic_interval, std::to_string(config_.inform_interval_seconds));
  }
  if (config_.retry_min_wait_seconds > 0) {
    (void)dev.Set(paths.retry_min_wait, std::to_string(config_.retry_min_wait_seconds));
  }
  (void)dev.TakeValueChanges();
}

void Fleet::RampNext() {
  if (stopped_) return;
  // Start as many devices as the ramp allows so far; a 10 ms tick keeps the pace smooth. The ramp is
  // the fleet's: global devices 0..floor(elapsed * rate) have started, of which this shard holds
  // those with i % shards == shard.
  const double elapsed = std::chrono::duration<double>(clock_.Now() - started_at_).count();
  size_t target = devices_.size();
  if (config_.ramp_per_second > 0) {
    const size_t last = static_cast<size_t>(elapsed * config_.ramp_per_second);  // global, inclusive
    target = last < config_.shard ? 0 : std::min(devices_.size(), (last - config_.shard) / config_.shards + 1);
  }
  for (; ramped_ < target; ++ramped_) {
    SimDevice& d = *devices_[ramped_];
    d.started = true;
    metrics_.DeviceStarted();
    if (d.faults.silent) {
      metrics_.DeviceSilent();
      continue;
    }
    BootDevice(d, /*first_contact=*/true);
  }
  if (ramped_ < devices_.size()) {
    ramp_timer_.expires_after(std::chrono::milliseconds(10));
    ramp_timer_.async_wait([this, alive = alive_](boost::system::error_code ec) {
      if (!ec && *alive) RampNext();
    });
  }
}

void Fleet::AddEvent(SimDevice& d, std::string code, std::string command_key) {
  cwmp::EventCode ev = cwmp::EventCode::FromText(std::move(code));
  // Single events ("0 BOOTSTRAP" ... "6 CONNECTION REQUEST") appear once; "M" events once per key.
  for (const auto& e : d.events) {
    if (e.code == ev && e.command_key == command_key) return;
  }
  d.events.push_back(cwmp::EventStruct{std::move(ev), std::move(command_key)});
}

void Fleet::BootDevice(SimDevice& d, bool first_contact) {
  d.up_at = kNever;
  if (d.bricked) return;
  const SteadyTime now = Steady::now();
  if (first_contact || d.factory_reset_boot) {
    AddEvent(d, "0 BOOTSTRAP");
    d.factory_reset_boot = false;
  }
  AddEvent(d, "1 BOOT");
  if (!d.reboot_key.empty() || d.reboot_pending) AddEvent(d, "M Reboot", d.reboot_key);
  d.reboot_key.clear();
  d.reboot_pending = false;
  d.next_periodic = NextPeriodic(d, now);
  if (d.faults.ip_churn && d.churn_at == kNever) {
    const double mean = std::max<double>(1, config_.faults.ip_churn_mean_s);
    d.churn_at = now + std::chrono::milliseconds(static_cast<int64_t>(mean * 1000 * (0.5 + Random01(d))));
  }
  if (d.faults.infected && d.spontaneous_reboot_at == kNever) {
    const double mean_s = std::max(60.0, config_.faults.infected_reboot_mean_hours * 3600);
    d.spontaneous_reboot_at = now + std::chrono::milliseconds(static_cast<int64_t>(mean_s * 1000 * (0.5 + Random01(d))));
  }
  if (d.faults.hijacked && d.hijack_at == kNever && !d.hijacked) {
    d.hijack_at = now + std::chrono::milliseconds(static_cast<int64_t>(config_.faults.hijack_after_s * 1000));
  }
  if (d.faults.infected && first_contact) {
    (void)ApplyInfection(d.device, config_.faults.infected_dns, 2, Mix(config_.seed, d.index, d.rng_counter++));
    (void)d.device.TakeValueChanges();  // infected before the first contact: nothing to notify
  }
  RequestSession(d);
  Arm(d);
}

double Fleet::Random01(SimDevice& d) { return Uniform01(config_.seed, d.index, d.rng_counter++); }


SteadyTime Fleet::NextPeriodic(SimDevice& d, SteadyTime after) {
  const ScenarioPaths& p = PathsFor(config_.model->root());
  const Device& dev = d.device;
  if (!IsTrue(dev.Get(p.periodic_enable))) return kNever;
  const uint64_t interval = std::max<uint64_t>(1, ParseU64(dev.Get(p.periodic_interval), 3600));
  if (auto pit = ParseTime(dev.Get(p.periodic_time))) {
    // PeriodicInformTime: informs happen at pit + k * interval (TR-069 ManagementServer), no jitter.
    const Clock::TimePoint wall_now = clock_.Now();
    const Clock::TimePoint wall_after = wall_now + std::chrono::duration_cast<Clock::TimePoint::duration>(after - Steady::now());
    const auto span = std::chrono::duration_cast<std::chrono::seconds>(wall_after - *pit).count();
    const int64_t k = span < 0 ? 0 : span / static_cast<int64_t>(interval) + 1;
    const Clock::TimePoint next = *pit + std::chrono::seconds(k * static_cast<int64_t>(interval));
    return after + std::chrono::duration_cast<Steady::duration>(next - wall_after);
  }
  // Free-running: interval with +-5% jitter so that a fleet started together spreads out.
  const double jitter = (Random01(d) - 0.5) * 0.1;
  return after + std::chrono::milliseconds(static_cast<int64_t>(static_cast<double>(interval) * 1000 * (1 + jitter)));
}

void Fleet::Arm(SimDevice& d) {
  if (stopped_) return;
  SteadyTime next = std::min({d.next_periodic, d.retry_at, d.up_at, d.scheduled_inform_at, d.churn_at,
                              d.spontaneous_reboot_at, d.hijack_at});
  for (const Transfer& t : d.transfers) {
    if (t.state == 1) next = std::min(next, t.needs_confirmation ? t.deadline : t.due);
  }
  if (next == kNever || d.bricked) {
    d.timer.cancel();
    return;
  }
  d.timer.expires_at(next);
  d.timer.async_wait([this, &d, alive = alive_](boost::system::error_code ec) {
    if (!ec && *alive && !stopped_) OnWake(d);
  });
}

void Fleet::OnWake(SimDevice& d) {
  const SteadyTime now = Steady::now();
  if (d.bricked) return;
  if (d.up_at <= now) {
    BootDevice(d, /*first_contact=*/false);
    return;  // BootDevice re-arms
  }
  if (d.up_at != kNever) {  // still rebooting: nothing else happens
    Arm(d);
    return;
  }
  if (d.hijack_at <= now) {
    d.hijack_at = kNever;
    d.hijacked = true;
    (void)d.device.Set(PathsFor(config_.model->root()).management_url, kHijackAcsUrl);
    (void)d.device.TakeValueChanges();
    metrics_.DeviceHijacked();
  }
  if (d.churn_at <= now) {
    ChurnIp(d);
    const double mean = std::max<double>(1, config_.faults.ip_churn_mean_s);
    d.churn_at = now + std::chrono::milliseconds(static_cast<int64_t>(mean * 1000 * (0.5 + Random01(d))));
  }
  if (d.spontaneous_reboot_at <= now) {
    d.spontaneous_reboot_at = kNever;  // re-drawn on boot
    if (!d.in_session) {
      GoDown(d);
      return;
    }
  }
  bool want_session = false;
  if (d.scheduled_inform_at <= now) {
    d.scheduled_inform_at = kNever;
    AddEvent(d, "3 SCHEDULED");
    AddEvent(d, "M ScheduleInform", std::exchange(d.scheduled_inform_key, {}));
    want_session = true;
  }
  if (d.next_periodic <= now) {
    AddEvent(d, "2 PERIODIC");
    d.next_periodic = NextPeriodic(d, now);
    want_session = true;
  }
  if (d.retry_at <= now) {
    d.retry_at = kNever;
    want_session = true;
  }
  StartDueTransfers(d);
  if (want_session) RequestSession(d);
  Arm(d);
}

void Fleet::ChurnIp(SimDevice& d) {
  ++d.ip_generation;
  d.device.mutable_identity().wan_ip = SourceIpFor(d.index, d.ip_generation);
  metrics_.IpChanged();
}

// The device goes down now (Reboot, FactoryReset, firmware install, or an infected device's own
// reboot) and boots after the reboot delay.
void Fleet::GoDown(SimDevice& d) {
  if (d.reset_pending) {
    d.reset_pending = false;
    d.device.FactoryReset();
    d.events.clear();
    d.changed.clear();
    d.completes.clear();
    d.transfers.clear();
    d.scheduled_inform_at = kNever;
    d.factory_reset_boot = true;
    SetDefaults(d);
    metrics_.FactoryReset();
  }
  metrics_.Reboot();
  // In-progress transfers die with the reboot; queued ones survive it.
  for (Transfer& t : d.transfers) t.state = 1;
  d.next_periodic = kNever;
  d.retry_at = kNever;
  d.up_at = Steady::now() + config_.reboot_delay;
  Arm(d);
}

void Fleet::RequestSession(SimDevice& d) {
  if (stopped_ || d.bricked || d.hijacked || d.up_at != kNever || !d.started) return;
  if (d.in_session) {
    d.session_wanted = true;
    return;
  }
  if (d.queued) return;
  if (inflight_ >= config_.max_inflight) {
    d.queued = true;
    waiting_.push_back(d.index / static_cast<uint32_t>(config_.shards));  // the position in devices_
    metrics_.SessionQueued();
    return;
  }
  StartSession(d);
}

void Fleet::StartSession(SimDevice& d) {
  ++inflight_;
  metrics_.InflightBegin();
  d.in_session = true;
  d.session_wanted = false;
  asio::co_spawn(io_, RunSession(d), asio::detached);
}

void Fleet::ReleaseSlot() {
  --inflight_;
  metrics_.InflightEnd();
  while (!waiting_.empty() && inflight_ < config_.max_inflight && !stopped_) {
    SimDevice& next = *devices_[waiting_.front()];
    waiting_.pop_front();
    next.queued = false;
    if (next.in_session || next.bricked || next.hijacked || next.up_at != kNever) continue;
    StartSession(next);
  }
}

void Fleet::FinishSession(SimDevice& d, const SessionOutcome& outcome) {
  d.in_session = false;
  const SteadyTime now = Steady::now();
  if (outcome.ok) {
    d.retry_count = 0;
    d.retry_at = kNever;
    if (!d.informed_once) {
      d.informed_once = true;
      ++informed_;
    }
    if (d.reboot_pending || d.reset_pending) {
      ReleaseSlot();
      GoDown(d);
      return;
    }
    if (d.next_periodic == kNever || d.next_periodic < now) d.next_periodic = NextPeriodic(d, now);
  } else if (d.reboot_pending || d.reset_pending) {
    // A CPE that accepted a Reboot or FactoryReset carries it out when the session ends, whether
    // the ACS saw its answer or not.
    ReleaseSlot();
    GoDown(d);
    return;
  } else {
    // TR-069 3.2.1.1: wait CWMPRetryMinimumWaitInterval * (CWMPRetryIntervalMultiplier/1000)^(n-1)
    // .. ^n seconds; a 503's Retry-After is a floor.
    ++d.retry_count;
    const ScenarioPaths& p = PathsFor(config_.model->root());
    const uint32_t m = static_cast<uint32_t>(ParseU64(d.device.Get(p.retry_min_wait), 5));
    const uint32_t k = static_cast<uint32_t>(ParseU64(d.device.Get(p.retry_multiplier), 2000));
    auto delay = cwmp::RetryDelay(d.retry_count, Random01(d), std::max<uint32_t>(1, m), std::max<uint32_t>(1000, k));
    if (outcome.retry_after && *outcome.retry_after > delay) {
      delay = std::chrono::duration_cast<std::chrono::milliseconds>(*outcome.retry_after);
      metrics_.RetryAfterHonoured();
    }
    d.retry_at = now + delay;
  }
  ReleaseSlot();
  StartDueTransfers(d);
  if ((d.session_wanted || (outcome.ok && !d.events.empty())) && d.retry_at == kNever) RequestSession(d);
  Arm(d);
}

namespace {

SessionFailure ClassifyTransportError(const Error& e) {
  const std::string& m = e.message;
  if (m.find("timeout") != std::string::npos || m.find("timed out") != std::string::npos) return SessionFailure::kTimeout;
  if (m.find("TLS") != std::string::npos || m.find("tls") != std::string::npos ||
      m.find("certificate") != std::string::npos || m.find("handshake") != std::string::npos) {
    return SessionFailure::kTls;
  }
  return SessionFailure::kConnect;
}

}  // namespace

std::vector<cwmp::ParameterValueStruct> Fleet::InformParameters(SimDevice& d) {
  std::vector<cwmp::ParameterValueStruct> params = d.device.InformParameters();
  std::vector<std::string> extra;
  auto want = [&](const std::string& name) {
    const bool present = std::any_of(params.begin(), params.end(), [&](const auto& p) { return p.name == name; }) ||
                         std::find(extra.begin(), extra.end(), name) != extra.end();
    if (!present) extra.push_back(name);
  };
  // ManagementServer.InformParameter.{i}: parameters the ACS asked for in every Inform (or only in
  // Informs carrying one of the events of EventList). A name that does not exist is skipped.
  const std::string table = d.device.model().root() + "ManagementServer.InformParameter.";
  cwmp::Body entries = d.device.Handle(cwmp::GetParameterValues{{table}});
  if (const auto* r = std::get_if<cwmp::GetParameterValuesResponse>(&entries); r && !r->parameters.empty()) {
    std::map<std::string, std::map<std::string, std::string>> by_instance;  // "<table>N." -> field -> value
    for (const auto& p : r->parameters) {
      const size_t dot = p.name.rfind('.');
      by_instance[p.name.substr(0, dot + 1)][p.name.substr(dot + 1)] = p.value.text;
    }
    for (auto& [instance, fields] : by_instance) {
      if (!IsTrue(fields["Enable"]) || fields["ParameterName"].empty()) continue;
      const std::string& events = fields["EventList"];
      const bool event_matches = events.empty() || std::any_of(d.events.begin(), d.events.end(), [&](const auto& e) {
        return ("," + events + ",").find("," + e.code.text + ",") != std::string::npos;
      });
      if (!event_matches) continue;
      cwmp::Body got = d.device.Handle(cwmp::GetParameterValues{{fields["ParameterName"]}});
      if (const auto* v = std::get_if<cwmp::GetParameterValuesResponse>(&got)) {
        for (const auto& p : v->parameters) want(p.name);
      }
    }
  }
  // Value-changed parameters go along with their current values (TR-069 3.7.1.5), once each.
  for (const std::string& name : d.changed) want(name);
  if (!extra.empty()) {
    cwmp::Body got = d.device.Handle(cwmp::GetParameterValues{extra});
    if (auto* r = std::get_if<cwmp::GetParameterValuesResponse>(&got)) {
      for (auto& p : r->parameters) params.push_back(std::move(p));
    }
  }
  return params;
}

asio::awaitable<void> Fleet::RunSession(SimDevice& d) {
  auto alive = alive_;
  const SteadyTime t0 = Steady::now();
  SessionOutcome out;
  metrics_.SessionStarted();
  const ScenarioPaths& paths = PathsFor(config_.model->root());
  Device& dev = d.device;

  // Value changes the device made itself since the last Inform (active ones send "4 VALUE CHANGE"
  // at once; passive ones wait for the next Inform but then carry the event too).
  if (ValueChanges vc = dev.TakeValueChanges(); !vc.parameters.empty()) {
    for (auto& name : vc.parameters) {
      if (std::find(d.changed.begin(), d.changed.end(), name) == d.changed.end()) d.changed.push_back(std::move(name));
    }
  }
  if (!d.changed.empty()) AddEvent(d, "4 VALUE CHANGE");

  auto url = ParseUrl(dev.Get(paths.management_url));
  const cwmp::CwmpVersion cpe_max = d.faults.version_quirk == CwmpVersionQuirk::kCwmp10Only ? cwmp::CwmpVersion::k1_0
                                    : d.faults.version_quirk == CwmpVersionQuirk::kCwmp14 ? cwmp::CwmpVersion::k1_4
                                                            : cwmp::CwmpVersion::k1_2;
  const Quirks quirks{d.faults.quirk_no_xml_decl, d.faults.quirk_1999_schema, d.faults.quirk_arraytype_mismatch};
  std::optional<HttpSession> http;
  cwmp::Session session(cwmp::Role::kCpe, clock_, cwmp::SessionConfig{std::chrono::seconds(config_.session_timeout_seconds)});
  uint32_t message_id = static_cast<uint32_t>(Mix(config_.seed, d.index, d.rng_counter++) & 0xffffff);
  cwmp::Namespace ns = cwmp::Namespace::kCwmp10;
  // The per-session fault draws: drop the TCP connection after this many ACS requests, lose the
  // InformResponse.
  const uint64_t draw = d.rng_counter++;
  const bool lose_inform_response = LosesInformResponse(config_.faults, config_.seed, d.index, draw);
  const int drop_after = DropsTcp(config_.faults, config_.seed, d.index, draw) ? static_cast<int>(Random01(d) * 3) : -1;

  // One POST: encode, send, decode. nullopt with `out` filled on failure; an Empty envelope for an
  // empty answer (204 or empty 200).
  auto exchange = [&](const cwmp::Envelope& env) -> asio::awaitable<std::optional<cwmp::Envelope>> {
    HttpRequest req;
    req.method = http::verb::post;
    if (!std::holds_alternative<cwmp::Empty>(env.body)) {
      auto xml = cwmp::Encode(env);
      if (!xml.ok()) {
        out.reason = SessionFailure::kProtocol;
        out.detail = "encode: " + xml.error().message;
        co_return std::nullopt;
      }
      req.body = quirks.any() ? ApplyQuirks(std::move(*xml), quirks) : std::move(*xml);
      req.content_type = "text/xml; charset=\"utf-8\"";
      req.headers.emplace_back("SOAPAction", "");
    }
    metrics_.MessageSent(env.body);  // the empty POST counts as "Empty"
    if (d.faults.slow && config_.faults.slow_delay_ms > 0) {
      // A slow CPE: every message it sends comes late.
      asio::steady_timer wait(io_, std::chrono::milliseconds(config_.faults.slow_delay_ms));
      boost::system::error_code ec;
      co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (!*alive || stopped_) {
        out.reason = SessionFailure::kSimulated;
        out.detail = "stopped";
        co_return std::nullopt;
      }
    }
    auto resp = co_await http->Send(std::move(req));
    if (!resp.ok()) {
      out.reason = ClassifyTransportError(resp.error());
      out.detail = resp.error().message;
      co_return std::nullopt;
    }
    metrics_.HttpStatusReceived(resp->status);
    if (resp->status == 401) {
      out.reason = SessionFailure::kAuth;
      out.detail = "401 from the ACS";
      co_return std::nullopt;
    }
    if (resp->status == 503) {
      out.reason = SessionFailure::kHttpStatus;
      out.detail = "503 from the ACS";
      const std::string ra = resp->Header("Retry-After");
      if (!ra.empty()) {
        const uint64_t secs = ParseU64(ra, 0);
        if (secs > 0) out.retry_after = std::chrono::seconds(std::min<uint64_t>(secs, 86400));
      }
      co_return std::nullopt;
    }
    if (resp->status == 204 || (resp->status == 200 && resp->body.find_first_not_of(" \t\r\n") == std::string::npos)) {
      cwmp::Envelope empty;
      empty.ns = ns;
      empty.body = cwmp::Empty{};
      metrics_.MessageReceived(empty.body);
      co_return empty;
    }
    if (resp->status != 200) {
      out.reason = SessionFailure::kHttpStatus;
      out.detail = "HTTP " + std::to_string(resp->status);
      co_return std::nullopt;
    }
    auto decoded = memo_.Decode(resp->body);
    if (!decoded.ok()) {
      out.reason = SessionFailure::kProtocol;
      out.detail = "decode: " + decoded.error().message;
      co_return std::nullopt;
    }
    metrics_.MessageReceived(decoded->body);
    co_return std::move(*decoded);
  };

  auto finish = [&]() {
    if (http) {
      if (!*alive) http->ForgetResumeSlot();  // the device (and its TLS session slot) is gone
      http->Close();
    }
    if (!*alive) return;
    const auto latency = Steady::now() - t0;
    if (out.ok) {
      metrics_.SessionCompleted(latency);
    } else {
      metrics_.SessionFailed(out.reason);
    }
    FinishSession(d, out);
  };

  if (!url.ok()) {
    out.reason = SessionFailure::kConnect;
    out.detail = "ManagementServer.URL: " + url.error().message;
    finish();
    co_return;
  }
  {
    ClientOptions options;
    if (config_.source_ips) {
      boost::system::error_code ec;
      auto addr = asio::ip::make_address(dev.identity().wan_ip, ec);
      if (!ec) options.source = addr;
    }
    options.tls = url->tls ? tls_.get() : nullptr;
    if (config_.tls_resume) options.resume = &d.tls_session;
    options.timeout = config_.http_timeout;
    options.max_body = kMaxCwmpBody;
    http.emplace(io_.get_executor(), *url, options);
    std::string password = dev.Get(paths.acs_password);
    if (d.faults.wrong_credentials) password += "-wrong";
    http->SetCredentials(dev.Get(paths.acs_username), std::move(password));
  }

  // 1. Inform.
  cwmp::Envelope inform;
  inform.id = std::to_string(++message_id);
  if (cpe_max == cwmp::CwmpVersion::k1_0) {
    inform.ns = cwmp::Namespace::kCwmp10;
  } else {
    cwmp::OfferAsCpe(cpe_max, config_.session_timeout_seconds, &inform);
  }
  ns = inform.ns;
  {
    cwmp::Inform body;
    body.device_id = dev.device_id();
    body.events = d.events;
    body.max_envelopes = 1;
    body.current_time = FormatTime(clock_.Now());
    body.retry_count = d.retry_count;
    body.parameters = InformParameters(d);
    inform.body = std::move(body);
  }
  if (Status s = session.Send(inform); !s.ok()) {
    out.detail = "session: " + s.error().message;
    finish();
    co_return;
  }
  auto reply = co_await exchange(inform);
  if (!*alive) co_return;
  if (!reply) {
    finish();
    co_return;
  }
  if (!std::holds_alternative<cwmp::InformResponse>(reply->body)) {
    out.reason = SessionFailure::kProtocol;
    out.detail = std::string("expected InformResponse, got ") + std::string(cwmp::RpcName(reply->body));
    finish();
    co_return;
  }
  if (Status s = session.Receive(*reply); !s.ok()) {
    out.reason = SessionFailure::kProtocol;
    out.detail = "session: " + s.error().message;
    finish();
    co_return;
  }
  auto version = cwmp::AcceptAsCpe(cpe_max, *reply);
  if (!version.ok()) {
    out.reason = SessionFailure::kProtocol;
    out.detail = "version: " + version.error().message;
    finish();
    co_return;
  }
  session.SetVersion(*version);
  ns = cwmp::NamespaceFor(*version);
  if (lose_inform_response) {
    // As if the InformResponse never arrived: the device keeps its events and retries.
    out.reason = SessionFailure::kSimulated;
    out.detail = "simulated lost InformResponse";
    metrics_.SimulatedFault(SimulatedFault::kLostInformResponse);
    finish();
    co_return;
  }
  // Delivered: drop exactly what this Inform carried. Events raised while the session ran (a
  // transfer finishing, a connection request) were not in it and wait for the next Inform.
  {
    const auto& sent = std::get<cwmp::Inform>(inform.body);
    std::erase_if(d.events, [&](const cwmp::EventStruct& e) {
      return std::find(sent.events.begin(), sent.events.end(), e) != sent.events.end();
    });
    std::erase_if(d.changed, [&](const std::string& name) {
      return std::any_of(sent.parameters.begin(), sent.parameters.end(), [&](const auto& p) { return p.name == name; });
    });
  }

  // 2. The CPE's own requests: TransferComplete for finished transfers.
  while (!d.completes.empty() && !session.hold_requests()) {
    cwmp::Envelope tc;
    tc.ns = ns;
    tc.id = std::to_string(++message_id);
    tc.body = d.completes.front();
    if (Status s = session.Send(tc); !s.ok()) {
      out.detail = "session: " + s.error().message;
      finish();
      co_return;
    }
    reply = co_await exchange(tc);
    if (!*alive) co_return;
    if (!reply) {
      finish();
      co_return;
    }
    if (!std::holds_alternative<cwmp::TransferCompleteResponse>(reply->body) || !session.Receive(*reply).ok()) {
      out.reason = SessionFailure::kProtocol;
      out.detail = std::string("expected TransferCompleteResponse, got ") + std::string(cwmp::RpcName(reply->body));
      finish();
      co_return;
    }
    d.completes.erase(d.completes.begin());
  }

  // 3. Empty POST, then answer the ACS's requests until it sends an empty response.
  cwmp::Envelope next;
  next.ns = ns;
  next.body = cwmp::Empty{};
  int acs_requests = 0;
  for (size_t n = 0;; ++n) {
    if (n >= kMaxMessagesPerSession) {
      out.reason = SessionFailure::kProtocol;
      out.detail = "more than " + std::to_string(kMaxMessagesPerSession) + " messages in one session";
      break;
    }
    if (Status s = session.Send(next); !s.ok()) {
      out.reason = SessionFailure::kProtocol;
      out.detail = "session: " + s.error().message;
      break;
    }
    reply = co_await exchange(next);
    if (!*alive) co_return;
    if (!reply) break;
    if (Status s = session.Receive(*reply); !s.ok()) {
      out.reason = SessionFailure::kProtocol;
      out.detail = "session: " + s.error().message;
      break;
    }
    if (std::holds_alternative<cwmp::Empty>(reply->body)) {
      out.ok = true;
      break;
    }
    if (drop_after >= 0 && acs_requests >= drop_after) {
      out.reason = SessionFailure::kSimulated;
      out.detail = "simulated TCP drop";
      metrics_.SimulatedFault(SimulatedFault::kDropTcp);
      break;
    }
    ++acs_requests;
    const std::string_view rpc = cwmp::RpcName(reply->body);
    cwmp::Body answer = HandleAcsRequest(d, reply->body);
    if (config_.faults.lost_response > 0 && LosesResponse(config_.faults, config_.seed, d.index, d.rng_counter++, rpc)) {
      // Carried out, but the answer never reaches the ACS.
      out.reason = SessionFailure::kSimulated;
      out.detail = "simulated lost " + std::string(rpc) + "Response";
      metrics_.SimulatedFault(SimulatedFault::kLostResponse);
      break;
    }
    next = cwmp::Envelope{};
    next.ns = ns;
    next.id = reply->id;
    next.body = std::move(answer);
  }
  finish();
}

cwmp::Body Fleet::QueueTransfer(SimDevice& d, Transfer t) {
  if (d.transfers.size() >= kMaxQueuedTransfers) return MakeFault(9004, "transfer queue full");
  auto url = ParseUrl(t.url);
  if (!url.ok()) {
    const bool scheme = !t.url.starts_with("http://") && !t.url.starts_with("https://");
    return MakeFault(scheme ? 9013 : 9003, scheme ? "Unsupported protocol for file transfer" : "Invalid URL: " + url.error().message);
  }
  t.id = d.next_transfer_id++;
  d.transfers.push_back(std::move(t));
  return cwmp::Empty{};
}

cwmp::Body Fleet::HandleAcsRequest(SimDevice& d, const cwmp::Body& request) {
  const SteadyTime now = Steady::now();
  return std::visit(
      [&](const auto& r) -> cwmp::Body {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, cwmp::Reboot>) {
          d.reboot_pending = true;
          d.reboot_key = r.command_key;
          return cwmp::RebootResponse{};
        } else if constexpr (std::is_same_v<T, cwmp::FactoryReset>) {
          d.reset_pending = true;
          return cwmp::FactoryResetResponse{};
        } else if constexpr (std::is_same_v<T, cwmp::ScheduleInform>) {
          if (r.delay_seconds == 0) return MakeFault(9003, "DelaySeconds must be greater than 0");
          d.scheduled_inform_at = now + std::chrono::seconds(r.delay_seconds);
          d.scheduled_inform_key = r.command_key;
          return cwmp::ScheduleInformResponse{};
        } else if constexpr (std::is_same_v<T, cwmp::Download>) {
          if (!IsSupportedDownload(r.file_type)) return MakeFault(9003, "unsupported file type: " + r.file_type);
          Transfer t = TransferOf(Transfer::Kind::kDownload, r);
          t.due = now + std::chrono::seconds(r.delay_seconds);
          cwmp::Body q = QueueTransfer(d, std::move(t));
          if (!std::holds_alternative<cwmp::Empty>(q)) return q;
          return cwmp::DownloadResponse{1, std::string(kUnknownTime), std::string(kUnknownTime)};
        } else if constexpr (std::is_same_v<T, cwmp::ScheduleDownload>) {
          if (!IsSupportedDownload(r.file_type)) return MakeFault(9003, "unsupported file type: " + r.file_type);
          if (r.time_windows.empty() || r.time_windows.size() > 2) return MakeFault(9003, "one or two time windows");
          uint32_t last_end = 0;
          for (size_t i = 0; i < r.time_windows.size(); ++i) {
            const auto& w = r.time_windows[i];
            if (w.window_end <= w.window_start || (i > 0 && w.window_start < last_end)) {
              return MakeFault(9003, "time windows must be ordered and not overlap");
            }
            if (!cwmp::IsValidWindowMode(w.window_mode)) return MakeFault(9003, "invalid WindowMode " + w.window_mode);
            last_end = w.window_end;
          }
          const auto& w = r.time_windows.front();
          Transfer t = TransferOf(Transfer::Kind::kScheduleDownload, r);
          t.due = now + std::chrono::seconds(w.window_start);
          t.deadline = now + std::chrono::seconds(last_end);
          // Nobody confirms on a simulated device: such a download fails when its windows end.
          t.needs_confirmation = std::all_of(r.time_windows.begin(), r.time_windows.end(), [](const auto& tw) {
            return tw.window_mode == "4 Confirmation Needed";
          });
          cwmp::Body q = QueueTransfer(d, std::move(t));
          if (!std::holds_alternative<cwmp::Empty>(q)) return q;
          return cwmp::ScheduleDownloadResponse{};
        } else if constexpr (std::is_same_v<T, cwmp::Upload>) {
          const std::string& ft = r.file_type;
          const bool ok = ft == "1 Vendor Configuration File" || ft == "2 Vendor Log File" ||
                          ft.starts_with("3 Vendor Configuration File ") || ft.starts_with("4 Vendor Log File ");
          if (!ok) return MakeFault(9003, "unsupported file type: " + ft);
          Transfer t = TransferOf(Transfer::Kind::kUpload, r);
          t.due = now + std::chrono::seconds(r.delay_seconds);
          cwmp::Body q = QueueTransfer(d, std::move(t));
          if (!std::holds_alternative<cwmp::Empty>(q)) return q;
          return cwmp::UploadResponse{1, std::string(kUnknownTime), std::string(kUnknownTime)};
        } else if constexpr (std::is_same_v<T, cwmp::CancelTransfer>) {
          auto it = std::find_if(d.transfers.begin(), d.transfers.end(),
                                 [&](const Transfer& t) { return t.command_key == r.command_key; });
          if (it == d.transfers.end()) return MakeFault(9003, "no transfer with CommandKey " + r.command_key);
          if (it->state != 1) return MakeFault(9021, "");
          d.transfers.erase(it);
          return cwmp::CancelTransferResponse{};
        } else if constexpr (std::is_same_v<T, cwmp::GetQueuedTransfers>) {
          cwmp::GetQueuedTransfersResponse resp;
          for (const Transfer& t : d.transfers) {
            if (t.kind != Transfer::Kind::kUpload) resp.transfers.push_back({t.command_key, t.state});
          }
          return resp;
        } else if constexpr (std::is_same_v<T, cwmp::GetAllQueuedTransfers>) {
          cwmp::GetAllQueuedTransfersResponse resp;
          for (const Transfer& t : d.transfers) {
            cwmp::AllQueuedTransfer q;
            q.command_key = t.command_key;
            q.state = t.state;
            q.is_download = t.kind != Transfer::Kind::kUpload;
            q.file_type = t.file_type;
            q.file_size = t.file_size;
            q.target_file_name = t.target_file_name;
            resp.transfers.push_back(std::move(q));
          }
          return resp;
        } else {
          // Parameter RPCs, GetRPCMethods; everything else is 9000 from the Device.
          cwmp::Body answer = d.device.Handle(request);
          if constexpr (std::is_same_v<T, cwmp::SetParameterValues>) {
            // PeriodicInform* may have changed: recompute the next periodic inform from now.
            if (std::holds_alternative<cwmp::SetParameterValuesResponse>(answer)) {
              d.next_periodic = NextPeriodic(d, now);
            }
          }
          return answer;
        }
      },
      request);
}

void Fleet::StartDueTransfers(SimDevice& d) {
  if (d.in_session || d.up_at != kNever || d.bricked || stopped_) return;
  const SteadyTime now = Steady::now();
  for (Transfer& t : d.transfers) {
    if (t.state != 1) continue;
    if (t.needs_confirmation) {
      if (t.deadline <= now) CompleteTransfer(d, t.id, 9020, "no confirmation within the time windows", FormatTime(clock_.Now()));
      return;  // the vector may have changed; the next wake-up looks again
    }
    if (t.due > now) continue;
    if (inflight_ >= config_.max_inflight) {
      t.due = now + std::chrono::seconds(1);  // try again when a slot may be free
      continue;
    }
    t.state = 2;
    ++inflight_;
    ++d.active_transfers;
    metrics_.InflightBegin();
    asio::co_spawn(io_, RunTransfer(d, t.id), asio::detached);
  }
}

std::string Fleet::UploadContent(SimDevice& d, bool log) const {
  if (log) {
    const std::string now = FormatTime(clock_.Now());
    return now + " " + d.device.identity().serial + " cpesim: system up, software " + d.device.identity().software_version +
           "\n" + now + " cpesim: WAN address " + d.device.identity().wan_ip + "\n";
  }
  // A vendor configuration file: every parameter as "path=value" (secrets read as empty).
  std::string out = "# " + d.device.model().name() + " configuration of " + d.device.identity().serial + "\n";
  cwmp::Body all = const_cast<Device&>(d.device).Handle(cwmp::GetParameterValues{{d.device.model().root()}});
  if (const auto* r = std::get_if<cwmp::GetParameterValuesResponse>(&all)) {
    for (const auto& p : r->parameters) out += p.name + "=" + p.value.text + "\n";
  }
  return out;
}

asio::awaitable<void> Fleet::RunTransfer(SimDevice& d, uint32_t transfer_id) {
  auto alive = alive_;
  auto it = std::find_if(d.transfers.begin(), d.transfers.end(), [&](const Transfer& t) { return t.id == transfer_id; });
  if (it == d.transfers.end()) co_return;
  const Transfer t = *it;  // a copy: the vector may change while we wait
  const std::string start_time = FormatTime(clock_.Now());
  const bool upload = t.kind == Transfer::Kind::kUpload;
  uint32_t code = 0;
  std::string message;
  std::string install;

  auto done = [&]() {
    if (!*alive) return;
    --d.active_transfers;
    if (upload) {
      metrics_.UploadFinished(code);
    } else {
      metrics_.DownloadFinished(code);
    }
    ReleaseSlot();
    CompleteTransfer(d, transfer_id, code, std::move(message), start_time, std::move(install));
  };

  if (const uint32_t simulated = upload ? 0 : DownloadFaultFor(config_.faults, config_.seed, d.index, d.rng_counter++);
      simulated != 0) {
    code = simulated;
    message = "simulated download failure";
    metrics_.SimulatedFault(SimulatedFault::kDownloadFail);
    done();
    co_return;
  }

  auto url = ParseUrl(t.url);
  if (!url.ok()) {
    code = upload ? 9011 : 9010;
    message = url.error().message;
    done();
    co_return;
  }
  ClientOptions options;
  if (config_.source_ips) {
    boost::system::error_code ec;
    auto addr = asio::ip::make_address(d.device.identity().wan_ip, ec);
    if (!ec) options.source = addr;
  }
  options.tls = url->tls ? tls_.get() : nullptr;
  options.timeout = std::max<std::chrono::milliseconds>(config_.http_timeout, std::chrono::seconds(120));
  options.max_body = kMaxDownload;
  HttpSession http(io_.get_executor(), *url, options);
  if (!t.username.empty()) http.SetCredentials(t.username, t.password);
  HttpRequest req;
  if (upload) {
    req.method = http::verb::put;
    const bool log = t.file_type.starts_with("2 ") || t.file_type.starts_with("4 ");
    req.body = UploadContent(d, log);
    req.content_type = log ? "text/plain" : "text/plain; charset=utf-8";
  } else {
    req.method = http::verb::get;
  }
  auto resp = co_await http.Send(std::move(req));
  http.Close();
  if (!*alive) co_return;
  if (!resp.ok()) {
    const SessionFailure why = ClassifyTransportError(resp.error());
    code = upload ? 9011 : (why == SessionFailure::kTimeout ? 9017 : 9015);
    message = resp.error().message;
  } else if (resp->status == 401 || resp->status == 407) {
    code = 9012;
    message = "file server refused the credentials";
  } else if (resp->status < 200 || resp->status >= 300) {
    code = upload ? 9011 : 9016;
    message = "file server answered HTTP " + std::to_string(resp->status);
  } else if (!upload) {
    if (t.file_size > 0 && resp->body.size() != t.file_size) {
      code = 9018;
      message = "size " + std::to_string(resp->body.size()) + " differs from FileSize " + std::to_string(t.file_size);
    } else if (t.file_type == "1 Firmware Upgrade Image") {
      auto image = VerifyFirmwareImage(resp->body);
      if (!image.ok()) {
        code = 9018;
        message = image.error().message;
      } else if (image->model != d.device.model().device_id().product_class) {
        code = 9018;
        message = "image is for " + image->model + ", not " + d.device.model().device_id().product_class;
      } else {
        install = image->version;
      }
    }
    // Configuration files are accepted as they are (nothing in them is interpreted).
  }
  done();
}

void Fleet::CompleteTransfer(SimDevice& d, uint32_t transfer_id, uint32_t fault_code, std::string message,
                             std::string start_time, std::string install_version) {
  auto it = std::find_if(d.transfers.begin(), d.transfers.end(), [&](const Transfer& t) { return t.id == transfer_id; });
  if (it == d.transfers.end()) return;  // factory reset meanwhile
  const Transfer t = std::move(*it);
  d.transfers.erase(it);
  cwmp::TransferComplete tc;
  tc.command_key = t.command_key;
  tc.fault.code = fault_code;
  if (fault_code != 0) tc.fault.message = message.empty() ? std::string(cwmp::StandardFaultText(fault_code)) : message;
  if (tc.fault.message.size() > 256) tc.fault.message.resize(256);
  tc.start_time = std::move(start_time);
  tc.complete_time = FormatTime(clock_.Now());
  d.completes.push_back(std::move(tc));
  AddEvent(d, "7 TRANSFER COMPLETE");
  const char* m = t.kind == Transfer::Kind::kUpload ? "M Upload"
                  : t.kind == Transfer::Kind::kScheduleDownload ? "M ScheduleDownload"
                                                                 : "M Download";
  AddEvent(d, m, t.command_key);
  if (!install_version.empty()) {
    Device& dev = d.device;
    const std::string old = dev.identity().software_version.empty() ? dev.model().software_version()
                                                                       : dev.identity().software_version;
    if (dev.model().dual_bank() && dev.model().root() == "Device.") {
      // TR-181 dual bank: the new image goes to the inactive bank, which becomes active and boot;
      // the previous image stays in the other bank.
      const std::string active = dev.Get("Device.DeviceInfo.ActiveFirmwareImage");
      const bool first = active.empty() || active.ends_with(".1");
      const std::string old_bank = std::string("Device.DeviceInfo.FirmwareImage.") + (first ? "1" : "2");
      const std::string new_bank = std::string("Device.DeviceInfo.FirmwareImage.") + (first ? "2" : "1");
      (void)dev.Set(old_bank + ".Version", old);
      (void)dev.Set(new_bank + ".Version", install_version);
      (void)dev.Set(new_bank + ".Status", "Active");
      (void)dev.Set(old_bank + ".Status", "Available");
      (void)dev.Set("Device.DeviceInfo.ActiveFirmwareImage", new_bank);
      (void)dev.Set("Device.DeviceInfo.BootFirmwareImage", new_bank);
    }
    dev.mutable_identity().software_version = install_version;
    metrics_.FirmwareInstalled();
    if (d.faults.bricks_on_version && !config_.faults.brick_version.empty() && install_version == config_.faults.brick_version) {
      d.bricked = true;
      metrics_.DeviceBricked();
      d.timer.cancel();
      return;
    }
    GoDown(d);
    return;
  }
  RequestSession(d);
  Arm(d);
}

// ---- Connection requests ------------------------------------------------------------------

Fleet::SimDevice* Fleet::DeviceForKey(std::string_view key) {
  // Keys are serials: prefix + 1-based index, so no lookup table is needed.
  if (!key.starts_with(config_.serial_prefix)) return nullptr;
  const std::string_view digits = key.substr(config_.serial_prefix.size());
  size_t n = 0;
  const auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || p != digits.data() + digits.size() || n == 0 || n > config_.devices) return nullptr;
  SimDevice* d = Find(n - 1);
  if (d == nullptr) return nullptr;
  return SerialFor(n - 1) == key ? d : nullptr;
}

std::optional<ConnReqCredentials> Fleet::ConnReqCredentialsFor(std::string_view key) {
  SimDevice* d = DeviceForKey(key);
  if (!d || !d->started || d->faults.silent || d->bricked) return std::nullopt;
  const ScenarioPaths& p = PathsFor(config_.model->root());
  return ConnReqCredentials{d->device.Get(p.connreq_username), d->device.Get(p.connreq_password)};
}

bool Fleet::AcceptConnectionRequest(std::string_view key) {
  SimDevice* d = DeviceForKey(key);
  metrics_.ConnectionRequestReceived(d != nullptr);
  if (!d || d->up_at != kNever || d->hijacked || stopped_) return false;
  const ScenarioPaths& p = PathsFor(config_.model->root());
  if (!IsTrue(d->device.Get(p.connreq_enable)) && !d->device.Get(p.connreq_enable).empty()) return false;
  AddEvent(*d, "6 CONNECTION REQUEST");
  d->retry_at = kNever;  // a connection request overrides the back-off
  RequestSession(*d);
  return true;
}

Fleet::SimDevice* Fleet::Find(size_t index) const {
  if (index >= config_.devices || index % config_.shards != config_.shard) return nullptr;
  return devices_[index / config_.shards].get();
}

bool Fleet::Holds(size_t index) const { return Find(index) != nullptr; }

void Fleet::Kick(size_t index, const std::string& event_code) {
  SimDevice* found = Find(index);
  if (found == nullptr) return;
  SimDevice& d = *found;
  AddEvent(d, event_code);
  d.retry_at = kNever;
  RequestSession(d);
}

Status Fleet::SetParameter(size_t index, const std::string& path, const std::string& value) {
  SimDevice* found = Find(index);
  if (found == nullptr) return Error{ErrorCode::kNotFound, "no device " + std::to_string(index)};
  SimDevice& d = *found;
  if (Status s = d.device.Set(path, value); !s.ok()) return s;
  ValueChanges vc = d.device.TakeValueChanges();
  for (auto& name : vc.parameters) {
    if (std::find(d.changed.begin(), d.changed.end(), name) == d.changed.end()) d.changed.push_back(std::move(name));
  }
  if (vc.active) RequestSession(d);
  return {};
}

bool Fleet::RunOnIo(const std::function<void()>& fn) {
  if (io_.get_executor().running_in_this_thread()) {
    fn();
    return true;
  }
  auto done = std::make_shared<std::promise<void>>();
  auto fut = done->get_future();
  asio::post(io_, [fn, done] {
    fn();
    done->set_value();
  });
  return fut.wait_for(std::chrono::seconds(30)) == std::future_status::ready;
}

bool Fleet::Inspect(size_t index, const std::function<void(Device&)>& fn) {
  SimDevice* d = Find(index);
  if (d == nullptr) return false;
  return RunOnIo([&] { fn(d->device); });
}

// ---- ShardedFleet -------------------------------------------------------------------------

ShardedFleet::ShardedFleet(FleetConfig config, size_t threads, const Clock& clock) {
  const size_t n = std::max<size_t>(1, threads);
  std::string listen_host = config.connreq_listen;
  uint32_t listen_port = 0;
  if (const size_t colon = config.connreq_listen.rfind(':'); colon != std::string::npos) {
    listen_host = config.connreq_listen.substr(0, colon);
    listen_port = static_cast<uint32_t>(ParseU64(std::string_view(config.connreq_listen).substr(colon + 1), 0));
  }
  for (size_t s = 0; s < n; ++s) {
    auto shard = std::make_unique<Shard>();
    FleetConfig c = config;
    c.shard = s;
    c.shards = n;
    c.max_inflight = config.max_inflight / n + (s < config.max_inflight % n ? 1 : 0);
    if (n > 1 && !config.connreq_listen.empty() && listen_port != 0) {
      c.connreq_listen = listen_host + ":" + std::to_string(listen_port + s);
    }
    shard->fleet = std::make_unique<Fleet>(shard->io, std::move(c), clock);
    if (n > 1) shard->fleet->metrics().ShareInflight(gauge_);
    shards_.push_back(std::move(shard));
  }
}

ShardedFleet::~ShardedFleet() {
  Stop();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

Status ShardedFleet::Start() {
  for (auto& shard : shards_) {
    if (Status s = shard->fleet->Start(); !s.ok()) return s;
  }
  return {};
}

void ShardedFleet::Run() {
  running_ = true;
  for (size_t s = 1; s < shards_.size(); ++s) {
    threads_.emplace_back([shard = shards_[s].get()] { shard->io.run(); });
  }
  shards_.front()->io.run();
  for (auto& t : threads_) t.join();
  threads_.clear();
  running_ = false;
}

void ShardedFleet::Stop() {
  if (stopped_) return;
  stopped_ = true;
  for (auto& shard : shards_) {
    // On the shard's own thread: its devices are its thread's alone.
    asio::post(shard->io, [shard = shard.get()] {
      shard->fleet->Stop();
      shard->work.reset();
      shard->io.stop();
    });
  }
}

void ShardedFleet::OnShard(size_t s, const std::function<void()>& fn) {
  if (!running_) {
    fn();
    return;
  }
  shards_[s]->fleet->RunOnIo(fn);
}

Metrics ShardedFleet::MergedMetrics() {
  Metrics merged;
  for (size_t s = 0; s < shards_.size(); ++s) {
    Metrics copy;
    OnShard(s, [&] { copy = shards_[s]->fleet->metrics(); });
    if (s == 0) {
      merged = std::move(copy);
    } else {
      merged.Merge(copy);
    }
  }
  return merged;
}

size_t ShardedFleet::DevicesInformed() {
  size_t total = 0;
  for (size_t s = 0; s < shards_.size(); ++s) {
    size_t n = 0;
    OnShard(s, [&] { n = shards_[s]->fleet->devices_informed(); });
    total += n;
  }
  return total;
}

std::vector<uint16_t> ShardedFleet::connreq_ports() const {
  std::vector<uint16_t> ports;
  for (const auto& shard : shards_) ports.push_back(shard->fleet->connreq_port());
  return ports;
}

}  // namespace ruru::cpesim
