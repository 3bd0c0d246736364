// DeviceStore on PostgreSQL: reads of the inventory and the few writes outside the Inform path
// (credentials, faults, reports, retention). Every statement is a named constant, prepared once
// per pooled connection.
#include <fmt/format.h>

#include <pqxx/pqxx>

#include "db/inventory_limits.h"
#include "db/pg/pg_connection.h"
#include "db/pg/pg_device_row.h"
#include "db/pg/pg_error.h"
#include "db/pg/pg_inventory.h"

namespace ruru::db::pg {
namespace {

constexpr int kMaxListLimit = 10000;

struct Statement {
  const char* name;
  const char* sql;
};

constexpr Statement kGetDevice{"ruru_get_device", "SELECT " RURU_DEVICE_COLUMNS " FROM devices d WHERE d.id = $1"};
constexpr Statement kFindDevice{"ruru_find_device",
                                "SELECT " RURU_DEVICE_COLUMNS
                                " FROM devices d WHERE d.oui = $1 AND d.product_class = $2 AND d.serial_number = $3"};
constexpr Statement kListDevices{
    "ruru_list_devices", "SELECT " RURU_DEVICE_COLUMNS " FROM devices d WHERE d.id > $1 ORDER BY d.id LIMIT $2"};
constexpr Statement kCountDevices{"ruru_count_devices", "SELECT count(*) FROM devices"};

constexpr Statement kFindByUsername{"ruru_find_by_username",
                                    "SELECT " RURU_DEVICE_COLUMNS
                                    " FROM device_usernames u JOIN devices d ON d.id = u.device_id"
                                    " WHERE u.username = $1"};

constexpr Statement kLockDevice{"ruru_lock_device",
                                "SELECT cwmp_username, pending_cwmp_username FROM devices WHERE id = $1 FOR UPDATE"};
constexpr Statement kUsernameOwner{"ruru_username_owner", "SELECT device_id FROM device_usernames WHERE username = $1"};
constexpr Statement kSetPending{"ruru_set_pending", R"sql(
UPDATE devices SET pending_cwmp_username = $2, pending_cwmp_ha1_md5 = $3, pending_cwmp_ha1_sha256 = $4,
                   pending_cr_username = $5, pending_cr_password_ciphertext = decode($6, 'hex'), pending_cr_key_id = $7
WHERE id = $1)sql"};
// Keeps only the names the device's row still holds (its active and pending usernames).
constexpr Statement kPruneUsernames{"ruru_prune_usernames", R"sql(
DELETE FROM device_usernames u USING devices d
WHERE u.device_id = $1 AND d.id = u.device_id
  AND u.username IS DISTINCT FROM d.cwmp_username AND u.username IS DISTINCT FROM d.pending_cwmp_username)sql"};
constexpr Statement kAddUsername{"ruru_add_username", R"sql(
INSERT INTO device_usernames (username, device_id) VALUES ($1, $2)
ON CONFLICT (username) DO NOTHING RETURNING device_id)sql"};
constexpr Statement kConfirmPending{"ruru_confirm_pending", R"sql(
UPDATE devices SET cwmp_username = pending_cwmp_username, cwmp_ha1_md5 = pending_cwmp_ha1_md5,
                   cwmp_ha1_sha256 = pending_cwmp_ha1_sha256,
                   cr_username = pending_cr_username, cr_password_ciphertext = pending_cr_password_ciphertext,
                   cr_key_id = pending_cr_key_id,
                   pending_cwmp_username = NULL, pending_cwmp_ha1_md5 = NULL, pending_cwmp_ha1_sha256 = NULL,
                   pending_cr_username = NULL, pending_cr_password_ciphertext = NULL, pending_cr_key_id = NULL
WHERE id = $1 AND pending_cwmp_username IS NOT NULL)sql"};

constexpr Statement kRecentEvents{"ruru_recent_events",
                                  "SELECT device_id, " RURU_PG_US("received_at") ", code, command_key"
                                  " FROM inform_events WHERE device_id = $1"
                                  " ORDER BY received_at DESC, id DESC LIMIT $2"};
// Retention (V0008): whole partitions dropped, then the default partition's old rows in chunks.
// The history maintenance of every node takes this transaction-level advisory lock: one node at a
// time creates, drops or trims partitions.
constexpr int64_t kHistoryMaintenanceLock = 0x7275727568697374;  // "ruruhist"
constexpr Statement kEnsureHistoryPartitions{"ruru_ensure_history_partitions",
                                            "SELECT ruru_ensure_range_partitions('inform_events', 'day', " RURU_PG_TS(
                                                "$1") ", 7) + ruru_ensure_range_partitions('ip_history', 'month', "
                                                      RURU_PG_TS("$1") ", 2)"};
// How many of those partitions are missing (nothing to lock when none).
constexpr Statement kMissingHistoryPartitions{
    "ruru_missing_history_partitions",
    "SELECT (SELECT count(*) FROM generate_series(0, 7) g WHERE to_regclass(ruru_range_partition_name("
    "'inform_events', 'day', " RURU_PG_TS("$1") " + g * interval '1 day')) IS NULL)"
    " + (SELECT count(*) FROM generate_series(0, 2) g WHERE to_regclass(ruru_range_partition_name("
    "'ip_history', 'month', date_trunc('month', " RURU_PG_TS("$1") " AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'"
    " + g * interval '1 month')) IS NULL)"};
constexpr Statement kDropEventPartitions{"ruru_drop_event_partitions",
                                         "SELECT ruru_drop_range_partitions('inform_events', 'day', " RURU_PG_TS("$1") ")"};
constexpr Statement kPruneDefaultEvents{"ruru_prune_default_events", R"sql(
DELETE FROM inform_events_default WHERE ctid = ANY(ARRAY(
  SELECT ctid FROM inform_events_default WHERE received_at < )sql" RURU_PG_TS("$1") R"sql( ORDER BY received_at LIMIT $2)))sql"};
constexpr Statement kDropIpHistoryPartitions{"ruru_drop_ip_history_partitions",
                                             "SELECT ruru_drop_range_partitions('ip_history', 'month', " RURU_PG_TS("$1") ")"};
constexpr Statement kPruneDefaultIpHistory{"ruru_prune_default_ip_history", R"sql(
DELETE FROM ip_history_default WHERE ctid = ANY(ARRAY(
  SELECT ctid FROM ip_history_default WHERE last_seen < )sql" RURU_PG_TS("$1") R"sql( ORDER BY last_seen LIMIT $2)))sql"};

constexpr Statement kSealedNotUnder{"ruru_sealed_not_under", R"sql(
SELECT * FROM (
  SELECT id, false AS pending, cr_key_id AS key_id, encode(cr_password_ciphertext, 'hex') AS c FROM devices
  WHERE id > $2 AND cr_key_id IS NOT NULL AND cr_key_id <> $1
  UNION ALL
  SELECT id, true, pending_cr_key_id, encode(pending_cr_password_ciphertext, 'hex') FROM devices
  WHERE id > $2 AND pending_cr_key_id IS NOT NULL AND pending_cr_key_id <> $1) s
ORDER BY id, pending LIMIT $3)sql"};
constexpr Statement kReplaceSealed{"ruru_replace_sealed", R"sql(
UPDATE devices SET
  cr_password_ciphertext = CASE WHEN $2 THEN cr_password_ciphertext ELSE decode($5, 'hex') END,
  cr_key_id = CASE WHEN $2 THEN cr_key_id ELSE $4 END,
  pending_cr_password_ciphertext = CASE WHEN $2 THEN decode($5, 'hex') ELSE pending_cr_password_ciphertext END,
  pending_cr_key_id = CASE WHEN $2 THEN $4 ELSE pending_cr_key_id END
WHERE id = $1 AND CASE WHEN $2 THEN pending_cr_key_id ELSE cr_key_id END = $3)sql"};

constexpr Statement kParameters{"ruru_parameters", R"sql(
SELECT p.path, dp.value, dp.type, dp.writable FROM device_parameters dp JOIN parameter_paths p ON p.id = dp.path_id
WHERE dp.device_id = $1 AND starts_with(p.path, $2) ORDER BY p.path)sql"};

constexpr Statement kIpHistory{"ruru_ip_history", R"sql(
SELECT device_id, ip, kind, first_us, last_us FROM (
  SELECT device_id, ip, kind, )sql" RURU_PG_US("first_seen") R"sql( AS first_us, )sql" RURU_PG_US(
                                                      "last_seen") R"sql( AS last_us
  FROM ip_history WHERE device_id = $1
  UNION ALL
  SELECT id, wan_ip, 'wan', )sql" RURU_PG_US("COALESCE(wan_ip_since, registered_at)") R"sql(,
         )sql" RURU_PG_US("COALESCE(last_inform, registered_at)") R"sql(
  FROM devices WHERE id = $1 AND wan_ip IS NOT NULL
  UNION ALL
  SELECT id, peer_ip, 'peer', )sql" RURU_PG_US("COALESCE(peer_ip_since, registered_at)") R"sql(,
         )sql" RURU_PG_US("COALESCE(last_inform, registered_at)") R"sql(
  FROM devices WHERE id = $1 AND peer_ip IS NOT NULL
) h ORDER BY last_us DESC, first_us DESC, kind)sql"};

// The current interval of a device ends at its last Inform plus a grace period of two periodic
// inform intervals (one day when unknown): past that the device is presumed gone and its address
// possibly someone else's. Closed intervals end at the last Inform seen with the address.
constexpr Statement kDevicesWithIpAt{"ruru_devices_with_ip_at", R"sql(
WITH at AS (SELECT )sql" RURU_PG_TS("$2") R"sql( AS t)
SELECT h.device_id FROM ip_history h, at WHERE h.ip = $1 AND h.first_seen <= at.t AND h.last_seen >= at.t
UNION
SELECT d.id FROM devices d, at
WHERE d.wan_ip = $1 AND d.wan_ip_since <= at.t
  AND at.t <= d.last_inform + make_interval(secs => 2 * COALESCE(NULLIF(d.periodic_inform_interval, 0), 43200))
UNION
SELECT d.id FROM devices d, at
WHERE d.peer_ip = $1 AND d.peer_ip_since <= at.t
  AND at.t <= d.last_inform + make_interval(secs => 2 * COALESCE(NULLIF(d.periodic_inform_interval, 0), 43200))
ORDER BY 1)sql"};

constexpr Statement kRecordFault{"ruru_record_fault",
                                 "INSERT INTO device_faults (device_id, rpc, code, message, detail, at)"
                                 " VALUES ($1, $2, $3, $4, $5, " RURU_PG_TS("$6") ")"};
constexpr Statement kFaults{"ruru_faults",
                            "SELECT device_id, rpc, code, message, detail, " RURU_PG_US(
                                "at") " FROM device_faults WHERE device_id = $1 ORDER BY at DESC, id DESC LIMIT $2"};
constexpr Statement kRecordReport{"ruru_record_report",
                                  "INSERT INTO cpe_reports (device_id, rpc, command_key, body_json, received_at)"
                                  " VALUES ($1, $2, $3, $4, " RURU_PG_TS("$5") ")"};
constexpr Statement kReports{"ruru_reports", "SELECT device_id, rpc, command_key, body_json, " RURU_PG_US("received_at")
                                             " FROM cpe_reports WHERE device_id = $1"
                                             " ORDER BY received_at DESC, id DESC LIMIT $2"};
constexpr Statement kPing{"ruru_ping", "SELECT 1"};

constexpr Statement kAll[] = {
    kGetDevice,  kFindDevice,      kListDevices, kCountDevices,   kFindByUsername, kLockDevice,  kUsernameOwner,
    kSetPending, kPruneUsernames,  kAddUsername, kConfirmPending, kRecentEvents, kEnsureHistoryPartitions, kMissingHistoryPartitions, kDropEventPartitions, kPruneDefaultEvents, kDropIpHistoryPartitions, kPruneDefaultIpHistory, kSealedNotUnder, kReplaceSealed, kParameters,
    kIpHistory,  kDevicesWithIpAt, kRecordFault, kFaults,         kRecordReport,   kReports,     kPing};


Status CheckLimit(int limit) {
  if (limit <= 0 || limit > kMaxListLimit) {
    return InvalidArgument(fmt::format("limit {} is outside 1..{}", limit, kMaxListLimit));
  }
  return Status::Ok();
}

bool IsForeignKeyViolation() {
  try {
    throw;
  } catch (const pqxx::foreign_key_violation&) {
    return true;
  } catch (...) {
    return false;
  }
}

class PgDeviceStore final : public DeviceStore {
 public:
  explicit PgDeviceStore(const PgOptions& options)
      : pool_(options, "ruru-inventory", [](pqxx::connection& conn) {
          for (const Statement& s : kAll) conn.prepare(s.name, s.sql);
        }) {}

  Result<Device> FindByKey(const DeviceKey& key) override {
    std::optional<Device> device;
    Status s = pool_.Run("finding a device", [&](pqxx::connection& conn) {
      pqxx::read_transaction tx(conn);
      pqxx::result r = tx.exec_prepared(kFindDevice.name, key.oui, key.product_class, key.serial_number);
      if (!r.empty()) device = ReadDevice(r[0]);
    });
    if (!s.ok()) return s.error();
    if (!device)
      return NotFound("device " + key.oui + "-" + key.product_class + "-" + key.serial_number + " not found");
    return std::move(*device);
  }

  Result<Device> Get(int64_t device_id) override {
    std::optional<Device> device;
    Status s = pool_.Run("reading a device", [&](pqxx::connection& conn) {
      pqxx::read_transaction tx(conn);
      pqxx::result r = tx.exec_prepared(kGetDevice.name, device_id);
      if (!r.empty()) device = ReadDevice(r[0]);
    });
    if (!s.ok()) return s.error();
    if (!device) return NotFound(fmt::format("device {} not found", device_id));
    return std::move(*device);
  }

  Result<std::vector<Device>> List(int64_t after_id, int limit) override {
    if (Status s = CheckLimit(limit); !s.ok()) return s.error();
    std::vector<Device> devices;
    Status s = pool_.Run("listing devices", [&](pqxx::connection& conn) {
      devices.clear();
      pqxx::read_transaction tx(conn);
      for (const pqxx::row& r : tx.exec_prepared(kListDevices.name, after_id, limit)) devices.push_back(ReadDevice(r));
    });
    if (!s.ok()) return s.error();
    return devices;
  }

  Result<int64_t> Count() override {
    int64_t count = 0;
    Status s = pool_.Run("counting devices", [&](pqxx::connection& conn) {
      pqxx::read_transaction tx(conn);
      count = tx.exec_prepared1(kCountDevices.name)[0].as<int64_t>();
    });
    if (!s.ok()) return s.error();
    return count;
  }

  Result<DeviceCredentials> FindCredentialsByUsername(const std::string& username) override {
    if (Status s = CheckText("username", username, limits_.max_text_bytes); !s.ok()) return s.error();
    std::optional<Device> device;
    Status s = pool_.Run("finding credentials", [&](pqxx::connection& conn) {
      pqxx::read_transaction tx(conn);
      pqxx::result r = tx.exec_prepared(kFindByUsername.name, username);
      if (!r.empty()) device = ReadDevice(r[0]);
    });
    if (!s.ok()) return s.error();
    if (!device) return NotFound("no device has this username");
    return DeviceCredentials{device->id, device->key, device->active_credential, device->pending_credential};
  }

  Status SetPendingCredentials(int64_t device_id, const CredentialVerifier& cwmp,
                               const ConnectionRequestSecret& connection_request) override {
    if (cwmp.username.empty()) return InvalidArgument("CWMP username: empty");
    if (cwmp.ha1_md5.empty() || cwmp.ha1_sha256.empty()) return InvalidArgument("CWMP verifier: empty HA1");
    for (const Status& s :
         {CheckText("CWMP username", cwmp.username, limits_.max_text_bytes),
          CheckText("HA1 (MD5)", cwmp.ha1_md5, limits_.max_text_bytes),
          CheckText("HA1 (SHA-256)", cwmp.ha1_sha256, limits_.max_text_bytes),
          CheckText("connection-request username", connection_request.username, limits_.max_text_bytes),
          CheckText("connection-request key id", connection_request.key_id, limits_.max_text_bytes)}) {
      if (!s.ok()) return s;
    }
    if (connection_request.password_ciphertext.size() > limits_.max_blob_bytes) {
      return InvalidArgument("connection-request ciphertext: too long");
    }
    const std::string ciphertext_hex = BytesToHex(connection_request.password_ciphertext);
    Status outcome;
    Status s = pool_.Run("setting pending credentials", [&](pqxx::connection& conn) {
      outcome = Status::Ok();
      pqxx::work tx(conn);
      if (tx.exec_prepared(kLockDevice.name, device_id).empty()) {
        outcome = NotFound(fmt::format("device {} not found", device_id));
        return;
      }
      pqxx::result owner = tx.exec_prepared(kUsernameOwner.name, cwmp.username);
      if (!owner.empty() && owner[0][0].as<int64_t>() != device_id) {
        outcome = Conflict("the username belongs to another device");
        return;
      }
      tx.exec_prepared0(kSetPending.name, device_id, cwmp.username, cwmp.ha1_md5, cwmp.ha1_sha256,
                        connection_request.username, ciphertext_hex, connection_request.key_id);
      tx.exec_prepared(kPruneUsernames.name, device_id);
      if (owner.empty()) {
        // A concurrent SetPendingCredentials of another device may have taken the name since the
        // check: then the insert does nothing, and this transaction is abandoned.
        pqxx::result added = tx.exec_prepared(kAddUsername.name, cwmp.username, device_id);
        if (added.empty()) {
          outcome = Conflict("the username belongs to another device");
          return;
        }
      }
      tx.commit();
    });
    if (!s.ok()) return s;
    return outcome;
  }

  Status ConfirmPendingCredentials(int64_t device_id) override {
    Status outcome;
    Status s = pool_.Run("confirming pending credentials", [&](pqxx::connection& conn) {
      outcome = Status::Ok();
      pqxx::work tx(conn);
      if (tx.exec_prepared(kLockDevice.name, device_id).empty()) {
        outcome = NotFound(fmt::format("device {} not found", device_id));
        return;
      }
      if (tx.exec_prepared0(kConfirmPending.name, device_id).affected_rows() == 0) {
        outcome = NotFound(fmt::format("device {} has no pending credentials", device_id));
        return;
      }
      tx.exec_prepared(kPruneUsernames.name, device_id);
      tx.commit();
    });
    if (!s.ok()) return s;
    return outcome;
  }

  Result<std::vector<StoredEvent>> RecentEvents(int64_t device_id, int limit) override {
    if (Status s = CheckLimit(limit); !s.ok()) return s.error();
    std::vector<StoredEvent> events;
    Status s = pool_.Run("reading events", [&](pqxx::connection& conn) {
      events.clear();
      pqxx::read_transaction tx(conn);
      for (const pqxx::row& r : tx.exec_prepared(kRecentEvents.name, device_id, limit)) {
        events.push_back(
            StoredEvent{r[0].as<int64_t>(), FromMicros(r[1].as<int64_t>()), EventRecord{Text(r[2]), Text(r[3])}});
      }
    });
    if (!s.ok()) return s.error();
    return events;
  }

  Result<int> EnsureHistoryPartitions(TimePoint now) override {
    int created = 0;
    Status s = pool_.Run("creating history partitions", [&](pqxx::connection& conn) {
      created = 0;
      {
        pqxx::read_transaction check(conn);
        if (check.exec_prepared1(kMissingHistoryPartitions.name, ToMicros(now))[0].as<int64_t>() == 0) return;
      }
      pqxx::work tx(conn);
      // CREATE TABLE ... PARTITION OF locks `devices` (the foreign key), the parent and the default
      // partition. Taken here in the Inform writer's order (devices, then the parent), one node at
      // a time (advisory lock), and never waiting long: the next hourly run tries again.
      tx.exec0("SET LOCAL lock_timeout = '3s'");
      tx.exec_params("SELECT pg_advisory_xact_lock($1)", kHistoryMaintenanceLock);
      tx.exec0("LOCK TABLE devices IN SHARE ROW EXCLUSIVE MODE");
      created = tx.exec_prepared1(kEnsureHistoryPartitions.name, ToMicros(now))[0].as<int>();
      tx.commit();
    });
    if (!s.ok()) return s.error();
    return created;
  }

  Result<PruneReport> PruneEvents(TimePoint before, int64_t max_rows) override {
    return Prune("pruning events", "inform_events", kDropEventPartitions, kPruneDefaultEvents, before, max_rows);
  }

  Result<PruneReport> PruneIpHistory(TimePoint before, int64_t max_rows) override {
    return Prune("pruning IP history", "ip_history", kDropIpHistoryPartitions, kPruneDefaultIpHistory, before,
                 max_rows);
  }

  Result<std::vector<SealedSecretRow>> SealedNotUnder(const std::string& key_id, int64_t after_id,
                                                      int limit) override {
    if (limit < 1 || limit > 10000) return InvalidArgument("limit: 1..10000");
    std::vector<SealedSecretRow> out;
    Status s = pool_.Run("reading sealed secrets", [&](pqxx::connection& conn) {
      out.clear();
      pqxx::read_transaction tx(conn);
      for (const pqxx::row& r : tx.exec_prepared(kSealedNotUnder.name, key_id, after_id, limit)) {
        out.push_back(SealedSecretRow{r[0].as<int64_t>(), r[1].as<bool>(), Text(r[2]), HexToBytes(Text(r[3]))});
      }
    });
    if (!s.ok()) return s.error();
    return out;
  }

  Result<bool> ReplaceSealed(int64_t device_id, bool pending, const std::string& old_key_id,
                             const std::string& new_key_id, const std::string& ciphertext) override {
    if (Status st = CheckText("key id", new_key_id, limits_.max_text_bytes); !st.ok()) return st.error();
    if (ciphertext.empty() || ciphertext.size() > limits_.max_blob_bytes) return InvalidArgument("ciphertext size");
    bool replaced = false;
    const std::string hex = BytesToHex(ciphertext);
    Status s = pool_.Run("replacing a sealed secret", [&](pqxx::connection& conn) {
      pqxx::work tx(conn);
      replaced = tx.exec_prepared0(kReplaceSealed.name, device_id, pending, old_key_id, new_key_id, hex)
                     .affected_rows() == 1;
      tx.commit();
    });
    if (!s.ok()) return s.error();
    return replaced;
  }

  Result<std::vector<ParameterRecord>> Parameters(int64_t device_id, const std::string& prefix) override {
    if (Status s = CheckText("prefix", prefix, limits_.max_path_bytes); !s.ok()) return s.error();
    std::vector<ParameterRecord> params;
    Status s = pool_.Run("reading parameters", [&](pqxx::connection& conn) {
      params.clear();
      pqxx::read_transaction tx(conn);
      for (const pqxx::row& r : tx.exec_prepared(kParameters.name, device_id, prefix)) {
        ParameterRecord p{Text(r[0]), Text(r[1]), Text(r[2]), std::nullopt};
        if (!r[3].is_null()) p.writable = r[3].as<bool>();
        params.push_back(std::move(p));
      }
    });
    if (!s.ok()) return s.error();
    return params;
  }

  Result<std::vector<IpInterval>> IpHistory(int64_t device_id) override {
    std::vector<IpInterval> history;
    Status s = pool_.Run("reading IP history", [&](pqxx::connection& conn) {
      history.clear();
      pqxx::read_transaction tx(conn);
      for (const pqxx::row& r : tx.exec_prepared(kIpHistory.name, device_id)) {
        history.push_back(IpInterval{r[0].as<int64_t>(), Text(r[1]), Text(r[2]), FromMicros(r[3].as<int64_t>()),
                                     FromMicros(r[4].as<int64_t>())});
      }
    });
    if (!s.ok()) return s.error();
    return history;
  }

  Result<std::vector<int64_t>> DevicesWithIpAt(const std::string& ip, TimePoint at) override {
    if (Status s = CheckText("ip", ip, limits_.max_text_bytes); !s.ok()) return s.error();
    std::vector<int64_t> ids;
    Status s = pool_.Run("looking up an IP", [&](pqxx::connection& conn) {
      ids.clear();
      pqxx::read_transaction tx(conn);
      for (const pqxx::row& r : tx.exec_prepared(kDevicesWithIpAt.name, ip, ToMicros(at))) {
        ids.push_back(r[0].as<int64_t>());
      }
    });
    if (!s.ok()) return s.error();
    return ids;
  }

  Status RecordFault(const FaultRecord& fault) override {
    for (const Status& s : {CheckText("rpc", fault.rpc, limits_.max_text_bytes),
                            CheckText("fault message", fault.message, limits_.max_blob_bytes),
                            CheckText("fault detail", fault.detail, limits_.max_blob_bytes)}) {
      if (!s.ok()) return s;
    }
    return Insert("recording a fault", fault.device_id, [&](pqxx::work& tx) {
      tx.exec_prepared0(kRecordFault.name, fault.device_id, fault.rpc, static_cast<int64_t>(fault.code), fault.message,
                        fault.detail, ToMicros(fault.at));
    });
  }

  Result<std::vector<FaultRecord>> Faults(int64_t device_id, int limit) override {
    if (Status s = CheckLimit(limit); !s.ok()) return s.error();
    std::vector<FaultRecord> faults;
    Status s = pool_.Run("reading faults", [&](pqxx::connection& conn) {
      faults.clear();
      pqxx::read_transaction tx(conn);
      for (const pqxx::row& r : tx.exec_prepared(kFaults.name, device_id, limit)) {
        faults.push_back(FaultRecord{r[0].as<int64_t>(), Text(r[1]), r[2].as<uint32_t>(), Text(r[3]), Text(r[4]),
                                     FromMicros(r[5].as<int64_t>())});
      }
    });
    if (!s.ok()) return s.error();
    return faults;
  }

  Status RecordReport(const CpeReport& report) override {
    for (const Status& s : {CheckText("rpc", report.rpc, limits_.max_text_bytes),
                            CheckText("CommandKey", report.command_key, limits_.max_command_key_bytes),
                            CheckText("report body", report.body_json, limits_.max_blob_bytes)}) {
      if (!s.ok()) return s;
    }
    return Insert("recording a report", report.device_id, [&](pqxx::work& tx) {
      tx.exec_prepared0(kRecordReport.name, report.device_id, report.rpc, report.command_key, report.body_json,
                        ToMicros(report.received_at));
    });
  }

  Result<std::vector<CpeReport>> Reports(int64_t device_id, int limit) override {
    if (Status s = CheckLimit(limit); !s.ok()) return s.error();
    std::vector<CpeReport> reports;
    Status s = pool_.Run("reading reports", [&](pqxx::connection& conn) {
      reports.clear();
      pqxx::read_transaction tx(conn);
      for (const pqxx::row& r : tx.exec_prepared(kReports.name, device_id, limit)) {
        reports.push_back(
            CpeReport{r[0].as<int64_t>(), Text(r[1]), Text(r[2]), Text(r[3]), FromMicros(r[4].as<int64_t>())});
      }
    });
    if (!s.ok()) return s.error();
    return reports;
  }

  Status Ping() override {
    return pool_.Run("ping", [&](pqxx::connection& conn) {
      pqxx::nontransaction tx(conn);
      tx.exec_prepared1(kPing.name);
    });
  }

 private:
  // Whole partitions first, then one chunk of the default partition, in two transactions that
  // each lock the partitioned table before any partition: the order every other writer uses (the
  // Inform's INSERT, a partition's creation). A DELETE on the default partition alone locks that
  // partition and then, to build its constraint, the parent; against a node creating a partition
  // (parent, then default) that deadlocked. Bounded waits (lock_timeout).
  Result<PruneReport> Prune(std::string_view context, const char* parent, const Statement& drop, const Statement& chunk,
                            TimePoint before, int64_t max_rows) {
    if (max_rows <= 0) return InvalidArgument("max_rows must be positive");
    PruneReport report;
    Status s = pool_.Run(context, [&](pqxx::connection& conn) {
      report = {};
      {
        pqxx::work tx(conn);
        tx.exec0("SET LOCAL lock_timeout = '3s'");
        tx.exec_params("SELECT pg_advisory_xact_lock($1)", kHistoryMaintenanceLock);
        report.partitions_dropped = tx.exec_prepared1(drop.name, ToMicros(before))[0].as<int>();
        tx.commit();
      }
      pqxx::work tx(conn);
      tx.exec0("SET LOCAL lock_timeout = '3s'");
      tx.exec_params("SELECT pg_advisory_xact_lock($1)", kHistoryMaintenanceLock);
      tx.exec0(std::string("LOCK TABLE ") + parent + " IN ACCESS SHARE MODE");
      report.rows_deleted = tx.exec_prepared0(chunk.name, ToMicros(before), max_rows).affected_rows();
      tx.commit();
    });
    if (!s.ok()) return s.error();
    return report;
  }

  // An insert that references a device: a missing device is kNotFound, not an integrity error.
  Status Insert(std::string_view context, int64_t device_id, const std::function<void(pqxx::work&)>& fn) {
    bool missing = false;
    Status s = pool_.Run(context, [&](pqxx::connection& conn) {
      missing = false;
      pqxx::work tx(conn);
      try {
        fn(tx);
      } catch (...) {
        if (!IsForeignKeyViolation()) throw;
        missing = true;
        return;
      }
      tx.commit();
    });
    if (missing) return NotFound(fmt::format("device {} not found", device_id));
    return s;
  }

  ConnectionPool pool_;
  const InventoryLimits limits_;
};

}  // namespace

std::unique_ptr<DeviceStore> OpenDeviceStore(const PgOptions& options) {
  return std::make_unique<PgDeviceStore>(options);
}

}  // namespace ruru::db::pg
