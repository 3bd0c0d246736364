// The device inventory: what acsd writes on every Inform and reads to authenticate CPEs.
// Interfaces only; db/pg/ implements them on PostgreSQL (db/pg/pg_inventory.h creates them).
//
// Threading: every store is thread-safe; its methods block (they talk to PostgreSQL), so acsd
// calls them from its database worker threads, never from an I/O thread. InformBatcher::Submit
// never blocks: it queues and returns.
//
// Errors: kUnavailable when PostgreSQL cannot be reached or is overloaded (the caller answers the
// CPE with 503 and nothing was changed); kInvalidArgument for input that breaks a limit (nothing
// changed); kNotFound / kConflict as documented per method; kInternal for bugs.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace ruru::db {

using TimePoint = std::chrono::system_clock::time_point;

// The identity of a CPE: the Inform's DeviceId (never the HTTP username).
struct DeviceKey {
  std::string oui;
  std::string product_class;
  std::string serial_number;
  bool operator==(const DeviceKey&) const = default;
};

// One parameter value as the CPE reported it (Inform ParameterList, later GetParameterValues).
struct ParameterRecord {
  std::string path;  // full path, "Device.DeviceInfo.SoftwareVersion"
  std::string value;
  std::string type;  // xsd local name: "string", "unsignedInt", "boolean", "dateTime", ...
  // From GetParameterNames; nullopt when not known (Inform values). The Inform writer ignores it.
  std::optional<bool> writable = std::nullopt;
  bool operator==(const ParameterRecord&) const = default;
};

// One Inform event.
struct EventRecord {
  std::string code;         // "0 BOOTSTRAP", "1 BOOT", "M Reboot", "X ACME Foo"
  std::string command_key;  // "" when none
  bool operator==(const EventRecord&) const = default;
};

// Everything one accepted Inform changes in the inventory. acsd fills it from the decoded Inform.
// Empty optional fields mean "not reported in this Inform": the stored value is kept.
struct InformWrite {
  DeviceKey key;
  std::string manufacturer;
  std::optional<std::string> model_name;         // DeviceInfo.ModelName
  std::optional<std::string> hardware_version;   // DeviceInfo.HardwareVersion
  std::optional<std::string> software_version;   // DeviceInfo.SoftwareVersion
  std::optional<std::string> provisioning_code;  // DeviceInfo.ProvisioningCode
  std::optional<std::string> data_model;         // "Device" or "InternetGatewayDevice" (root of the paths)
  std::optional<std::string> connection_request_url;  // ManagementServer.ConnectionRequestURL
  std::optional<std::string> wan_ip;             // the WAN address the CPE reports (textual IPv4/IPv6)
  std::optional<std::string> parameter_key;      // ManagementServer.ParameterKey
  std::optional<uint32_t> periodic_inform_interval;  // ManagementServer.PeriodicInformInterval, seconds
  std::string peer_ip;                           // the TCP peer address of the session (textual)
  std::vector<EventRecord> events;
  std::vector<ParameterRecord> parameters;       // the Inform's ParameterList (stored, only changes written)
  TimePoint received_at{};                       // acsd's clock, never the CPE's CurrentTime
  // false: the device must already exist (unknown devices are refused: the result is kNotFound
  // and nothing is written).
  bool allow_create = true;
  std::string session_id;                        // for logs
};

// What the committed write did.
struct InformOutcome {
  int64_t device_id = 0;
  bool created = false;  // the device was registered by this Inform
  // The device has its own CWMP credentials (active) / new ones are waiting for confirmation.
  bool has_active_credentials = false;
  bool has_pending_credentials = false;
  // The previous Inform came from another TCP peer address less than the configured duplicate
  // window ago, and this Inform carries no BOOT/BOOTSTRAP: two live devices may share one
  // DeviceId. The write is still applied.
  bool duplicate_suspect = false;
  std::string previous_peer_ip;  // set when duplicate_suspect
  // Tasks of the device that a session must look at: queued and due (not_before passed), or
  // running (to settle or continue). Read in the same statement as the write (no extra query).
  int64_t pending_work = 0;
};

// Coalesces Informs from many concurrent sessions into few statements (unnest arrays) every
// `flush_interval` or `max_batch` writes, in one transaction per batch. Writes to one device within
// a batch keep their order (the second lands in the next statement round). Only changed
// parameter values are written; last_inform updates are HOT-friendly.
class InformBatcher {
 public:
  using Callback = std::function<void(Result<InformOutcome>)>;
  virtual ~InformBatcher() = default;

  // Queues `write`; `done` is called exactly once from a batcher thread, after the batch holding the
  // write has committed (ok) or failed (error: kUnavailable when PostgreSQL is unreachable, nothing
  // of the write is stored; kNotFound when !allow_create and the device does not exist). Never
  // blocks. When the queue is full (max_queue), `done` is called at once with kUnavailable.
  virtual void Submit(InformWrite write, Callback done) = 0;

  // Stops accepting (Submit then fails with kUnavailable), writes everything queued, calls every
  // callback, and returns. Idempotent.
  virtual void Drain() = 0;

  struct Stats {
    uint64_t batches = 0;           // committed batches
    uint64_t writes = 0;            // committed writes
    uint64_t failed_batches = 0;
    // Batches PostgreSQL refused as a whole (a bad write, a deadlock) and that were then written
    // one write at a time so that only a bad write fails.
    uint64_t split_batches = 0;
    uint64_t queued = 0;            // now waiting
    uint64_t last_batch_size = 0;
    // Sum and count of commit latencies (submit of the batch -> commit), for averages.
    double commit_seconds_sum = 0;
    std::vector<uint64_t> batch_size_buckets;      // counts per bucket of BatchSizeBounds()
    std::vector<uint64_t> commit_latency_buckets;  // counts per bucket of CommitLatencyBounds()
  };
  virtual Stats GetStats() const = 0;
  static const std::vector<double>& BatchSizeBounds();      // upper bounds: 1, 2, 5, 10, 20, 50, ... (+Inf implied)
  static const std::vector<double>& CommitLatencyBounds();  // seconds: 0.001, 0.0025, 0.005, ...
};

// A CWMP credential verifier: never the password itself. HA1 = H(username ":" realm ":" password)
// for MD5 and SHA-256 (lowercase hex), so both Digest and Basic (hash the presented password) can
// be checked; the realm is part of the verifier.
struct CredentialVerifier {
  std::string username;
  std::string ha1_md5;
  std::string ha1_sha256;
  bool operator==(const CredentialVerifier&) const = default;
};

struct DeviceCredentials {
  int64_t device_id = 0;
  DeviceKey key;
  std::optional<CredentialVerifier> active;   // the device's own credential, confirmed
  std::optional<CredentialVerifier> pending;  // sent to the device, not yet confirmed
};

// Connection-request credentials (ACS -> CPE). The password is stored encrypted by acsd (the db
// layer sees only the ciphertext and the id of the key that made it).
struct ConnectionRequestSecret {
  std::string username;
  std::string password_ciphertext;  // opaque bytes
  std::string key_id;               // which configured key encrypted it
  bool operator==(const ConnectionRequestSecret&) const = default;
};

// The stored view of one device.
struct Device {
  int64_t id = 0;
  DeviceKey key;
  std::string manufacturer;
  std::string model_name;
  std::string hardware_version;
  std::string software_version;
  std::string provisioning_code;
  std::string data_model;
  std::string connection_request_url;
  std::string wan_ip;
  std::string peer_ip;
  std::string parameter_key;
  std::optional<uint32_t> periodic_inform_interval;
  std::vector<std::string> tags;
  std::string subscriber_ref;  // customer id
  std::string subscriber_phone;
  std::string time_zone;       // e.g. "Pacific/Auckland" or a POSIX TZ string, as reported or set
  std::optional<TimePoint> registered_at;
  std::optional<TimePoint> last_inform;
  std::optional<TimePoint> last_boot;
  std::optional<TimePoint> last_bootstrap;
  std::optional<TimePoint> duplicate_suspect_at;  // last time a duplicate identity was suspected
  uint64_t inform_count = 0;
  std::optional<CredentialVerifier> active_credential;
  std::optional<CredentialVerifier> pending_credential;
  std::optional<ConnectionRequestSecret> connection_request;          // confirmed
  std::optional<ConnectionRequestSecret> pending_connection_request;  // sent, not yet confirmed
};

// A sealed connection-request password (active or pending) as stored, for key rotation.
struct SealedSecretRow {
  int64_t device_id = 0;
  bool pending = false;
  std::string key_id;
  std::string ciphertext;
};

// What one retention call removed: whole partitions past the age, and old rows of the default
// partition (rows outside every dated partition), at most max_rows of those per call.
struct PruneReport {
  int partitions_dropped = 0;
  int64_t rows_deleted = 0;
};

struct StoredEvent {
  int64_t device_id = 0;
  TimePoint received_at{};
  EventRecord event;
};

struct IpInterval {
  int64_t device_id = 0;
  std::string ip;
  std::string kind;  // "wan" (reported by the CPE) or "peer" (TCP source address)
  TimePoint first_seen{};
  TimePoint last_seen{};
};

// A CPE fault (SOAP Fault answering an ACS request, or a failed TransferComplete).
struct FaultRecord {
  int64_t device_id = 0;
  std::string rpc;      // the ACS request it answered ("SetParameterValues"), or "TransferComplete"
  uint32_t code = 0;    // CWMP fault code
  std::string message;  // the CPE's FaultString
  std::string detail;   // JSON text (e.g. SetParameterValuesFault list), "" when none
  TimePoint at{};
};

// Transfer and other completion reports a CPE sent (TransferComplete, AutonomousTransferComplete,
// RequestDownload, DUStateChangeComplete, Kicked ...): kept until the task engine consumes them.
struct CpeReport {
  int64_t device_id = 0;
  std::string rpc;          // "TransferComplete", ...
  std::string command_key;  // "" when none
  std::string body_json;    // the message as JSON (cwmp/json.h)
  TimePoint received_at{};
};

class DeviceStore {
 public:
  virtual ~DeviceStore() = default;

  // The device with this identity / id. kNotFound when none.
  virtual Result<Device> FindByKey(const DeviceKey& key) = 0;
  virtual Result<Device> Get(int64_t device_id) = 0;
  // Devices ordered by id, after `after_id`, at most `limit` (<= 10,000).
  virtual Result<std::vector<Device>> List(int64_t after_id, int limit) = 0;
  virtual Result<int64_t> Count() = 0;

  // Authentication: the device whose active or pending credential has this username. kNotFound
  // when none. Usernames are unique over active and pending credentials of all devices.
  virtual Result<DeviceCredentials> FindCredentialsByUsername(const std::string& username) = 0;
  // Records new credentials sent to the device (CWMP verifier and connection-request secret) as
  // pending; the active ones keep working until ConfirmPendingCredentials. Replaces an earlier
  // pending pair. kConflict when the username belongs to another device.
  virtual Status SetPendingCredentials(int64_t device_id, const CredentialVerifier& cwmp,
                                       const ConnectionRequestSecret& connection_request) = 0;
  // The device applied the pending credentials: they become the active ones (the old ones stop
  // working). kNotFound when nothing is pending.
  virtual Status ConfirmPendingCredentials(int64_t device_id) = 0;

  // The most recent events of a device, newest first, at most `limit`.
  virtual Result<std::vector<StoredEvent>> RecentEvents(int64_t device_id, int limit) = 0;
  // History is partitioned by time (inform_events daily by received_at, ip_history monthly by
  // last_seen; db/migrations/V0008). Creates the missing partitions for the day / month holding
  // `now` and the ones after it (events 7 days, ip_history 2 months); returns how many it made.
  // Idempotent; waits at most a few seconds for the tables' locks (kUnavailable then, try later).
  virtual Result<int> EnsureHistoryPartitions(TimePoint now) = 0;
  // Retention of events: drops the daily partitions that ended at or before `before` whole, and
  // deletes the default partition's events older than `before`, oldest first, at most `max_rows`
  // per call. An event is thus kept at least until `before` passes it and at most one day longer.
  virtual Result<PruneReport> PruneEvents(TimePoint before, int64_t max_rows) = 0;
  // The same for closed address intervals (ip_history) by the time they ended, with monthly
  // partitions (kept at most a month longer). The current addresses (on the device) stay.
  virtual Result<PruneReport> PruneIpHistory(TimePoint before, int64_t max_rows) = 0;

  // Key rotation of the sealed connection-request passwords (`acsd credentials rekey`): the sealed
  // passwords (active and pending) of devices with id > after_id that are not under `key_id`, by
  // device id, at most `limit`; and the replacement of one, only if it is still under
  // `old_key_id` (false: it changed meanwhile, e.g. acsd rotated the device's credentials).
  virtual Result<std::vector<SealedSecretRow>> SealedNotUnder(const std::string& key_id, int64_t after_id,
                                                              int limit) = 0;
  virtual Result<bool> ReplaceSealed(int64_t device_id, bool pending, const std::string& old_key_id,
                                     const std::string& new_key_id, const std::string& ciphertext) = 0;

  // The stored parameters of a device whose path starts with `prefix` ("" for all), by path.
  virtual Result<std::vector<ParameterRecord>> Parameters(int64_t device_id, const std::string& prefix) = 0;

  // IP history: closed intervals plus the current one, of the device (newest first).
  virtual Result<std::vector<IpInterval>> IpHistory(int64_t device_id) = 0;
  // The devices that had `ip` (wan or peer) at time `at`.
  virtual Result<std::vector<int64_t>> DevicesWithIpAt(const std::string& ip, TimePoint at) = 0;

  virtual Status RecordFault(const FaultRecord& fault) = 0;
  virtual Result<std::vector<FaultRecord>> Faults(int64_t device_id, int limit) = 0;
  virtual Status RecordReport(const CpeReport& report) = 0;
  virtual Result<std::vector<CpeReport>> Reports(int64_t device_id, int limit) = 0;

  // True when a trivial query succeeds (readiness).
  virtual Status Ping() = 0;
};

}  // namespace ruru::db
