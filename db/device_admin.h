// What the REST API reads and changes in the inventory besides tasks: device search, tags,
// subscriber fields, deletion, faults, and API tokens. Interfaces only; db/pg implements them
// (pg_device_admin.cpp).
//
// Threading: thread-safe; every method blocks (PostgreSQL). Errors as in db/inventory.h:
// kInvalidArgument for input that breaks a limit (nothing changed), kNotFound, kConflict,
// kUnavailable.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "db/inventory.h"

namespace ruru::db {

// A device search. Every set field narrows the result (AND). Results are ordered by id.
struct DeviceQuery {
  // Free text a helpdesk types: a prefix of the serial number or the subscriber reference, an exact
  // subscriber phone, or an exact IP address (current WAN or peer address).
  std::string q;
  std::string serial;            // exact serial number
  std::string oui;               // exact
  std::string product_class;     // exact
  std::string software_version;  // exact
  std::string tag;               // the device carries this tag
  // Online: the last Inform is at most 2 x the periodic inform interval (1 day when unknown) +
  // `online_grace` old at `now`.
  std::optional<bool> online;
  TimePoint now{};
  std::chrono::seconds online_grace{120};
  // ip alone: the device's current WAN or peer address is `ip`; ip + at: the device had `ip` (WAN or
  // peer) at time `at` (DeviceStore::DevicesWithIpAt semantics).
  std::string ip;
  std::optional<TimePoint> at;
  int64_t after_id = 0;  // keyset pagination: ids > after_id
  int limit = 50;        // 1..1000 for Find; ignored by the bulk operations
};

struct FaultQuery {
  std::optional<int64_t> device_id;
  std::optional<int64_t> task_id;
  int64_t before_id = 0;  // newest first: ids < before_id (0: from the newest)
  int limit = 50;         // 1..1000
};

struct StoredFault {
  int64_t id = 0;
  FaultRecord fault;
  std::optional<int64_t> task_id;
};

// Subscriber fields of a device; nullopt leaves a field alone, "" clears it.
struct SubscriberUpdate {
  std::optional<std::string> subscriber_ref;    // customer id, <= 128 bytes
  std::optional<std::string> subscriber_phone;  // for notices, E.164 ("+6421..."), validated by the API
  std::optional<std::string> time_zone;         // IANA name or POSIX TZ, <= 64 bytes
};

struct ApiToken {
  int64_t id = 0;
  std::string name;    // unique, 1..64 bytes
  std::string role;    // "admin" (issue 7 adds the others)
  std::string prefix;  // first characters of the token, to tell tokens apart in lists
  TimePoint created_at{};
  std::optional<TimePoint> expires_at;
  std::optional<TimePoint> revoked_at;
  std::optional<TimePoint> last_used_at;
};

class DeviceAdmin {
 public:
  virtual ~DeviceAdmin() = default;

  // Devices matching `query`, at most query.limit (1..1000), ids > query.after_id, by id.
  virtual Result<std::vector<Device>> Find(const DeviceQuery& query) = 0;

  // Adds (present) or removes a tag. Idempotent. kNotFound when the device does not exist;
  // kInvalidArgument when the device already has 64 tags.
  virtual Status SetTag(int64_t device_id, const std::string& tag, bool present) = 0;
  // The same for every device matching `query` (after_id/limit ignored), at most `max_devices`
  // (kInvalidArgument when more match: nothing changed). Returns how many devices changed.
  virtual Result<int64_t> SetTagMatching(const DeviceQuery& query, const std::string& tag, bool present,
                                         int64_t max_devices) = 0;
  // The same for a list of device ids (at most 100,000). Returns how many changed; ids that do not
  // exist are returned in `missing` (the others are still changed).
  struct BulkTagResult {
    int64_t changed = 0;
    std::vector<int64_t> missing;
  };
  virtual Result<BulkTagResult> SetTagForIds(const std::vector<int64_t>& device_ids, const std::string& tag,
                                             bool present) = 0;
  // Device ids by serial number (a serial may exist under several OUIs/product classes: all are
  // returned). Serials not found are in `missing`.
  struct SerialLookup {
    std::vector<int64_t> ids;
    std::vector<std::string> missing;
  };
  virtual Result<SerialLookup> IdsBySerial(const std::vector<std::string>& serials) = 0;

  virtual Status UpdateSubscriber(int64_t device_id, const SubscriberUpdate& update) = 0;

  // Deletes the device and everything about it (events, IP history, faults, reports, parameters,
  // tasks, credentials). kNotFound when it does not exist.
  virtual Status DeleteDevice(int64_t device_id) = 0;

  virtual Result<std::vector<StoredFault>> ListFaults(const FaultQuery& query) = 0;
  virtual Result<StoredFault> GetFault(int64_t fault_id) = 0;
  virtual Status DeleteFault(int64_t fault_id) = 0;               // kNotFound when none
  virtual Result<int64_t> DeleteFaults(int64_t device_id) = 0;    // all of a device; returns how many

  // API tokens. The store never sees a token, only its SHA-256 (lowercase hex).
  virtual Result<ApiToken> CreateToken(const std::string& name, const std::string& role,
                                       const std::string& token_sha256, const std::string& prefix, TimePoint now,
                                       std::optional<TimePoint> expires_at) = 0;  // kConflict: name taken
  // The token with this hash, revoked or expired ones included (the caller decides). kNotFound.
  virtual Result<ApiToken> FindToken(const std::string& token_sha256) = 0;
  virtual Result<std::vector<ApiToken>> ListTokens() = 0;
  virtual Status RevokeToken(const std::string& name, TimePoint now) = 0;  // kNotFound; idempotent
  virtual Status TouchToken(int64_t token_id, TimePoint now) = 0;         // last_used_at := now
};

}  // namespace ruru::db
