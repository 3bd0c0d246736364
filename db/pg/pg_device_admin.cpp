// DeviceAdmin on PostgreSQL: the REST API's inventory operations (device search, tags, subscriber
// fields, deletion, faults, API tokens). Every statement is a named constant, prepared once per
// pooled connection; optional filters are NULL-able parameters (docs/inventory.md, "The device
// API's queries").
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <pqxx/pqxx>

#include "db/device_admin.h"
#include "db/inventory_limits.h"
#include "db/pg/array_literal.h"
#include "db/pg/pg_connection.h"
#include "db/pg/pg_device_row.h"
#include "db/pg/pg_error.h"
#include "db/pg/pg_inventory.h"

namespace ruru::db::pg {
namespace {

constexpr int kMaxFindLimit = 1000;
constexpr int kMaxTagsPerDevice = 64;
constexpr size_t kMaxTagBytes = 64;
constexpr size_t kMaxBulkIds = 100000;
constexpr size_t kMaxBulkSerials = 100000;
constexpr size_t kMaxSubscriberRefBytes = 128;
constexpr size_t kMaxSubscriberPhoneBytes = 32;
constexpr size_t kMaxTimeZoneBytes = 64;
constexpr size_t kMaxTokenNameBytes = 64;
constexpr size_t kMaxTokenRoleBytes = 64;
constexpr size_t kMaxTokenPrefixBytes = 64;
constexpr std::chrono::seconds kMaxOnlineGrace{30 * 86400};

// How long after its last Inform a device still counts as present: two periodic inform intervals
// (one day in all when the interval is unknown or 0). The same rule as kDevicesWithIpAt.
#define RURU_ADMIN_PRESENCE(alias) \
  "make_interval(secs => 2 * COALESCE(NULLIF(" alias ".periodic_inform_interval, 0), 43200))"

// The device filter shared by Find and SetTagMatching, over `devices d`. Parameters:
//   $1 q (text)        $2 q as a LIKE prefix pattern, metacharacters escaped
//   $3 serial          $4 oui          $5 product_class          $6 software_version
//   $7 tag             $8 online (boolean)   $9 now (us)          $10 online grace (s)
//   $11 ip             $12 at (us)
// An unset filter is NULL and folds away: the pool plans every execution with its parameter values
// (plan_cache_mode = force_custom_plan), so `$3 IS NULL OR d.serial_number = $3` becomes either
// nothing or `d.serial_number = '...'`, and the remaining clauses pick their indexes.
// ip + at: the semantics of DeviceStore::DevicesWithIpAt (closed intervals in ip_history, the
// current intervals on the devices row until last_inform + presence), as an id array the primary
// key is probed with.
#define RURU_ADMIN_DEVICE_FILTER \
  "($1::text IS NULL OR d.serial_number LIKE $2::text OR d.subscriber_ref LIKE $2::text"                      \
  "   OR d.subscriber_phone = $1 OR d.wan_ip = $1 OR d.peer_ip = $1)"                                          \
  " AND ($3::text IS NULL OR d.serial_number = $3)"                                                            \
  " AND ($4::text IS NULL OR d.oui = $4)"                                                                      \
  " AND ($5::text IS NULL OR d.product_class = $5)"                                                            \
  " AND ($6::text IS NULL OR d.software_version = $6)"                                                         \
  " AND ($7::text IS NULL OR d.tags @> ARRAY[$7::text])"                                                       \
  " AND ($8::boolean IS NULL OR $8 = COALESCE(d.last_inform + " RURU_ADMIN_PRESENCE("d")                      \
  "   + make_interval(secs => $10::bigint) >= " RURU_PG_TS("$9") ", false))"                                    \
  " AND ($11::text IS NULL OR CASE WHEN $12::bigint IS NULL THEN d.wan_ip = $11 OR d.peer_ip = $11"            \
  "   ELSE d.id = ANY(ARRAY("                                                                                  \
  "     SELECT h.device_id FROM ip_history h"                                                                  \
  "     WHERE h.ip = $11 AND h.first_seen <= " RURU_PG_TS("$12") " AND h.last_seen >= " RURU_PG_TS("$12")        \
  "     UNION SELECT w.id FROM devices w"                                                                      \
  "     WHERE w.wan_ip = $11 AND w.wan_ip_since <= " RURU_PG_TS("$12")                                         \
  "       AND " RURU_PG_TS("$12") " <= w.last_inform + " RURU_ADMIN_PRESENCE("w")                              \
  "     UNION SELECT p.id FROM devices p"                                                                      \
  "     WHERE p.peer_ip = $11 AND p.peer_ip_since <= " RURU_PG_TS("$12")                                       \
  "       AND " RURU_PG_TS("$12") " <= p.last_inform + " RURU_ADMIN_PRESENCE("p") "))"                         \
  "   END)"

// Tags stay sorted (bytewise) and unique.
#define RURU_ADMIN_TAGS_WITH(tags, tag) \
  "ARRAY(SELECT DISTINCT t COLLATE \"C\" FROM unnest(" tags " || " tag ") AS u(t) ORDER BY 1)"

struct Statement {
  const char* name;
  const char* sql;
};

constexpr Statement kFind{"ruru_admin_find",
                          "SELECT " RURU_DEVICE_COLUMNS
                          " FROM devices d WHERE d.id > $13 AND " RURU_ADMIN_DEVICE_FILTER " ORDER BY d.id LIMIT $14"};

// The ids matching a query (bulk tagging by query reads them, then tags them in chunks):
// $13 at most this many.
constexpr Statement kIdsMatching{"ruru_admin_ids_matching",
                                 "SELECT d.id FROM devices d WHERE " RURU_ADMIN_DEVICE_FILTER " ORDER BY d.id LIMIT $13"};
// Before a chunked add: how many of the devices already have the most tags (and not this one).
constexpr Statement kCountFull{"ruru_admin_count_full", R"sql(
SELECT count(*) FROM devices d
WHERE d.id = ANY($1::bigint[]) AND NOT d.tags @> ARRAY[$2::text] AND cardinality(d.tags) >= $3)sql"};

// Tagging by ids: $1 bigint[] ids, $2 tag, $3 max tags. Returns how many devices would exceed
// max_tags (then nothing changed), how many changed, and the ids that do not exist ("1,5,9").
constexpr Statement kAddTagIds{"ruru_admin_add_tag_ids", R"sql(
WITH input AS (SELECT DISTINCT unnest($1::bigint[]) AS id),
found AS (SELECT d.id, d.tags FROM devices d JOIN input i ON i.id = d.id),
stats AS (SELECT count(*) FILTER (WHERE NOT f.tags @> ARRAY[$2::text] AND cardinality(f.tags) >= $3) AS n_full
          FROM found f),
changed AS (
  UPDATE devices d SET tags = )sql" RURU_ADMIN_TAGS_WITH("d.tags", "$2::text") R"sql(
  FROM found f, stats s
  WHERE d.id = f.id AND s.n_full = 0 AND NOT d.tags @> ARRAY[$2::text] AND cardinality(d.tags) < $3
  RETURNING 1)
SELECT s.n_full, (SELECT count(*) FROM changed),
       array_to_string(ARRAY(SELECT i.id FROM input i WHERE NOT EXISTS (SELECT 1 FROM found f WHERE f.id = i.id)
                             ORDER BY i.id), ',')
FROM stats s)sql"};
constexpr Statement kRemoveTagIds{"ruru_admin_remove_tag_ids", R"sql(
WITH input AS (SELECT DISTINCT unnest($1::bigint[]) AS id),
found AS (SELECT d.id FROM devices d JOIN input i ON i.id = d.id),
changed AS (
  UPDATE devices d SET tags = array_remove(d.tags, $2::text)
  FROM found f WHERE d.id = f.id AND d.tags @> ARRAY[$2::text]
  RETURNING 1)
SELECT 0::bigint, (SELECT count(*) FROM changed),
       array_to_string(ARRAY(SELECT i.id FROM input i WHERE NOT EXISTS (SELECT 1 FROM found f WHERE f.id = i.id)
                             ORDER BY i.id), ',')
)sql"};

// Serials in input order (first occurrence), each with its devices (NULL: none).
constexpr Statement kIdsBySerial{"ruru_admin_ids_by_serial", R"sql(
WITH input AS (SELECT s, min(n) AS n FROM unnest($1::text[]) WITH ORDINALITY AS t(s, n) GROUP BY s)
SELECT i.s, d.id FROM input i LEFT JOIN devices d ON d.serial_number = i.s ORDER BY i.n, d.id)sql"};

// $2/$4/$6: whether to set the field; "" stores NULL (cleared).
constexpr Statement kUpdateSubscriber{"ruru_admin_update_subscriber", R"sql(
UPDATE devices SET subscriber_ref = CASE WHEN $2::boolean THEN NULLIF($3::text, '') ELSE subscriber_ref END,
                   subscriber_phone = CASE WHEN $4::boolean THEN NULLIF($5::text, '') ELSE subscriber_phone END,
                   time_zone = CASE WHEN $6::boolean THEN NULLIF($7::text, '') ELSE time_zone END
WHERE id = $1)sql"};

// Deleting a device: the devices row first (its deletion cascades to every table with a foreign
// key, and waits for an Inform batch holding the row), then device_parameters, which has no
// foreign key (V0002). The second statement runs with a new snapshot, so it also sees the
// parameters of a batch that committed while the first one waited.
constexpr Statement kDeleteDevice{"ruru_admin_delete_device", "DELETE FROM devices WHERE id = $1"};
constexpr Statement kDeleteParameters{"ruru_admin_delete_parameters",
                                      "DELETE FROM device_parameters WHERE device_id = $1"};

#define RURU_ADMIN_FAULT_COLUMNS "id, device_id, rpc, code, message, detail, " RURU_PG_US("at") ", task_id"
constexpr Statement kListFaults{"ruru_admin_list_faults",
                                "SELECT " RURU_ADMIN_FAULT_COLUMNS
                                " FROM device_faults"
                                " WHERE ($1::bigint IS NULL OR device_id = $1) AND ($2::bigint IS NULL OR task_id = $2)"
                                "   AND ($3::bigint = 0 OR id < $3)"
                                " ORDER BY id DESC LIMIT $4"};
constexpr Statement kGetFault{"ruru_admin_get_fault",
                              "SELECT " RURU_ADMIN_FAULT_COLUMNS " FROM device_faults WHERE id = $1"};
constexpr Statement kDeleteFault{"ruru_admin_delete_fault", "DELETE FROM device_faults WHERE id = $1"};
constexpr Statement kDeleteFaults{"ruru_admin_delete_faults", "DELETE FROM device_faults WHERE device_id = $1"};

#define RURU_ADMIN_TOKEN_COLUMNS                                                                     \
  "id, name, role, prefix, " RURU_PG_US("created_at") ", " RURU_PG_US("expires_at") ", " RURU_PG_US( \
      "revoked_at") ", " RURU_PG_US("last_used_at")
constexpr Statement kCreateToken{"ruru_admin_create_token",
                                 "INSERT INTO api_tokens (name, role, token_sha256, prefix, created_at, expires_at)"
                                 " VALUES ($1, $2, $3, $4, " RURU_PG_TS("$5") ", " RURU_PG_TS("$6") ")"
                                 " ON CONFLICT (name) DO NOTHING RETURNING " RURU_ADMIN_TOKEN_COLUMNS};
constexpr Statement kFindToken{"ruru_admin_find_token",
                               "SELECT " RURU_ADMIN_TOKEN_COLUMNS " FROM api_tokens WHERE token_sha256 = $1"};
constexpr Statement kListTokens{"ruru_admin_list_tokens",
                                "SELECT " RURU_ADMIN_TOKEN_COLUMNS " FROM api_tokens ORDER BY id"};
// The first revocation time is kept.
constexpr Statement kRevokeToken{"ruru_admin_revoke_token",
                                 "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, " RURU_PG_TS("$2") ")"
                                 " WHERE name = $1"};
// Never moves back (concurrent requests of one token touch it in any order).
constexpr Statement kTouchToken{"ruru_admin_touch_token",
                                "UPDATE api_tokens SET last_used_at = GREATEST(last_used_at, " RURU_PG_TS("$2") ")"
                                " WHERE id = $1"};

constexpr Statement kAll[] = {kIdsMatching, kCountFull, kFind,        kAddTagIds,        kRemoveTagIds,
                              kIdsBySerial, kUpdateSubscriber, kDeleteDevice,      kDeleteParameters, kListFaults,
                              kGetFault,    kDeleteFault,      kDeleteFaults,      kCreateToken,      kFindToken,
                              kListTokens,  kRevokeToken,      kTouchToken};



// "1,5,9" -> {1, 5, 9}.
std::vector<int64_t> ParseIdList(std::string_view text) {
  std::vector<int64_t> ids;
  while (!text.empty()) {
    const size_t comma = std::min(text.find(','), text.size());
    int64_t id = 0;
    std::from_chars(text.data(), text.data() + comma, id);
    ids.push_back(id);
    text.remove_prefix(std::min(comma + 1, text.size()));
  }
  return ids;
}

StoredFault ReadFault(const pqxx::row& r) {
  StoredFault f;
  f.id = r[0].as<int64_t>();
  f.fault = FaultRecord{r[1].as<int64_t>(), Text(r[2]), r[3].as<uint32_t>(),
                        Text(r[4]),         Text(r[5]), FromMicros(r[6].as<int64_t>())};
  if (!r[7].is_null()) f.task_id = r[7].as<int64_t>();
  return f;
}

ApiToken ReadToken(const pqxx::row& r) {
  ApiToken t;
  t.id = r[0].as<int64_t>();
  t.name = Text(r[1]);
  t.role = Text(r[2]);
  t.prefix = Text(r[3]);
  t.created_at = FromMicros(r[4].as<int64_t>());
  t.expires_at = Time(r[5]);
  t.revoked_at = Time(r[6]);
  t.last_used_at = Time(r[7]);
  return t;
}

bool IsTagStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
bool IsTagChar(char c) { return IsTagStart(c) || c == '_' || c == '.' || c == ':' || c == '-'; }

// A tag: 1..64 bytes of [A-Za-z0-9_.:-], starting with a letter or a digit.
Status CheckTag(const std::string& tag) {
  if (tag.empty() || tag.size() > kMaxTagBytes) {
    return InvalidArgument(fmt::format("tag: {} bytes, must be 1..{}", tag.size(), kMaxTagBytes));
  }
  if (!std::all_of(tag.begin(), tag.end(), IsTagChar) || !IsTagStart(tag[0])) {
    return InvalidArgument("tag: only letters, digits and _ . : - are allowed, starting with a letter or digit");
  }
  return Status::Ok();
}

bool IsLowerHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// `text` as a LIKE pattern matching the strings that start with it (backslash is LIKE's escape).
std::string LikePrefix(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('%');
  return out;
}

// The parameters $1..$12 of RURU_ADMIN_DEVICE_FILTER; "" is NULL (filter unset).
struct FilterParams {
  std::string q, q_like, serial, oui, product_class, software_version, tag, online;
  int64_t now_us = 0;
  int64_t grace_s = 0;
  std::string ip, at_us;
};

Result<FilterParams> BuildFilter(const DeviceQuery& query, const InventoryLimits& limits) {
  for (const Status& s :
       {CheckText("q", query.q, limits.max_text_bytes), CheckText("serial", query.serial, limits.max_key_bytes),
        CheckText("oui", query.oui, limits.max_key_bytes),
        CheckText("product_class", query.product_class, limits.max_key_bytes),
        CheckText("software_version", query.software_version, limits.max_text_bytes),
        CheckText("ip", query.ip, limits.max_text_bytes)}) {
    if (!s.ok()) return s.error();
  }
  if (!query.tag.empty()) {
    if (Status s = CheckTag(query.tag); !s.ok()) return s.error();
  }
  if (query.online && query.now == TimePoint{}) return InvalidArgument("online: needs now");
  if (query.online_grace.count() < 0 || query.online_grace > kMaxOnlineGrace) {
    return InvalidArgument(fmt::format("online_grace: must be 0..{} s", kMaxOnlineGrace.count()));
  }
  if (query.at && query.ip.empty()) return InvalidArgument("at: needs ip");
  FilterParams p;
  p.q = query.q;
  if (!query.q.empty()) p.q_like = LikePrefix(query.q);
  p.serial = query.serial;
  p.oui = query.oui;
  p.product_class = query.product_class;
  p.software_version = query.software_version;
  p.tag = query.tag;
  if (query.online) p.online = *query.online ? "true" : "false";
  p.now_us = ToMicros(query.now);
  p.grace_s = query.online_grace.count();
  p.ip = query.ip;
  if (query.at) p.at_us = std::to_string(ToMicros(*query.at));
  return p;
}

// Executes a statement whose first twelve parameters are RURU_ADMIN_DEVICE_FILTER's.
template <typename... Extra>
pqxx::result ExecFiltered(pqxx::transaction_base& tx, const char* name, const FilterParams& f, Extra&&... extra) {
  return tx.exec_prepared(name, NullIfEmpty(f.q), NullIfEmpty(f.q_like), NullIfEmpty(f.serial), NullIfEmpty(f.oui),
                          NullIfEmpty(f.product_class), NullIfEmpty(f.software_version), NullIfEmpty(f.tag),
                          NullIfEmpty(f.online), f.now_us, f.grace_s, NullIfEmpty(f.ip), NullIfEmpty(f.at_us),
                          std::forward<Extra>(extra)...);
}

class PgDeviceAdmin final : public DeviceAdmin {
 public:
  explicit PgDeviceAdmin(const PgOptions& options)
      : pool_(options, "ruru-device-admin", [](pqxx::connection& conn) {
          // The filters are NULL-able parameters: a generic plan cannot drop the unset ones and
          // would scan devices in id order for every search (docs/inventory.md).
          PrepareWithCustomPlans(conn, kAll);
        }) {}

  Result<std::vector<Device>> Find(const DeviceQuery& query) override {
    if (query.limit < 1 || query.limit > kMaxFindLimit) {
      return InvalidArgument(fmt::format("limit {} is outside 1..{}", query.limit, kMaxFindLimit));
    }
    Result<FilterParams> filter = BuildFilter(query, limits_);
    if (!filter.ok()) return filter.error();
    std::vector<Device> devices;
    Status s = pool_.Run("searching devices", [&](pqxx::connection& conn) {
      devices.clear();
      pqxx::read_transaction tx(conn);
      for (const pqxx::row& r : ExecFiltered(tx, kFind.name, *filter, query.after_id, query.limit)) {
        devices.push_back(ReadDevice(r));
      }
    });
    if (!s.ok()) return s.error();
    return devices;
  }

  Status SetTag(int64_t device_id, const std::string& tag, bool present) override {
    Result<BulkTagResult> r = SetTagForIds({device_id}, tag, present);
    if (!r.ok()) return r.error();
    if (!r->missing.empty()) return NotFound(fmt::format("device {} not found", device_id));
    return Status::Ok();
  }

  // Bulk tagging works in chunks of kTagChunk devices, each its own transaction: one statement over
  // 100,000 devices takes 15-19 s here (every tag change rewrites the row and all its indexes),
  // past the statement timeout, and it would hold every row lock that long, stalling the Inform
  // batches of those devices. The checks that make the whole call refuse (too many matches, a
  // device with the most tags) run first, so a refused call changes nothing.
  Result<int64_t> SetTagMatching(const DeviceQuery& query, const std::string& tag, bool present,
                                 int64_t max_devices) override {
    if (Status s = CheckTag(tag); !s.ok()) return s.error();
    if (max_devices < 1) return InvalidArgument("max_devices must be positive");
    Result<FilterParams> filter = BuildFilter(query, limits_);
    if (!filter.ok()) return filter.error();
    std::vector<int64_t> ids;
    Status s = pool_.Run("tagging devices", [&](pqxx::connection& conn) {
      ids.clear();
      pqxx::read_transaction tx(conn);
      for (const pqxx::row& r : ExecFiltered(tx, kIdsMatching.name, *filter, max_devices + 1)) {
        ids.push_back(r[0].as<int64_t>());
      }
    });
    if (!s.ok()) return s.error();
    if (static_cast<int64_t>(ids.size()) > max_devices) {
      return InvalidArgument(fmt::format("more than {} devices match: nothing changed", max_devices));
    }
    Result<BulkTagResult> r = TagChunks(ids, tag, present);
    if (!r.ok()) return r.error();
    return r->changed;
  }

  Result<BulkTagResult> SetTagForIds(const std::vector<int64_t>& device_ids, const std::string& tag,
                                     bool present) override {
    if (Status s = CheckTag(tag); !s.ok()) return s.error();
    if (device_ids.size() > kMaxBulkIds) {
      return InvalidArgument(fmt::format("{} device ids, more than {}", device_ids.size(), kMaxBulkIds));
    }
    return TagChunks(device_ids, tag, present);
  }

  Result<SerialLookup> IdsBySerial(const std::vector<std::string>& serials) override {
    if (serials.size() > kMaxBulkSerials) {
      return InvalidArgument(fmt::format("{} serial numbers, more than {}", serials.size(), kMaxBulkSerials));
    }
    SerialLookup result;
    if (serials.empty()) return result;
    ArrayLiteral literal;
    for (const std::string& serial : serials) {
      if (Status s = CheckText("serial", serial, limits_.max_key_bytes); !s.ok()) return s.error();
      literal.Add(serial);
    }
    const std::string serials_literal = literal.Finish();
    Status s = pool_.Run("looking up serial numbers", [&](pqxx::connection& conn) {
      result = SerialLookup{};
      pqxx::read_transaction tx(conn);
      for (const pqxx::row& r : tx.exec_prepared(kIdsBySerial.name, serials_literal)) {
        if (r[1].is_null()) {
          result.missing.push_back(Text(r[0]));
        } else {
          result.ids.push_back(r[1].as<int64_t>());
        }
      }
    });
    if (!s.ok()) return s.error();
    return result;
  }

  Status UpdateSubscriber(int64_t device_id, const SubscriberUpdate& update) override {
    const std::string none;
    for (const Status& s :
         {CheckText("subscriber_ref", update.subscriber_ref.value_or(none), kMaxSubscriberRefBytes),
          CheckText("subscriber_phone", update.subscriber_phone.value_or(none), kMaxSubscriberPhoneBytes),
          CheckText("time_zone", update.time_zone.value_or(none), kMaxTimeZoneBytes)}) {
      if (!s.ok()) return s;
    }
    bool found = false;
    Status s = pool_.Run("updating subscriber fields", [&](pqxx::connection& conn) {
      pqxx::work tx(conn);
      found = tx.exec_prepared0(kUpdateSubscriber.name, device_id, update.subscriber_ref.has_value(),
                                update.subscriber_ref.value_or(none), update.subscriber_phone.has_value(),
                                update.subscriber_phone.value_or(none), update.time_zone.has_value(),
                                update.time_zone.value_or(none))
                  .affected_rows() > 0;
      tx.commit();
    });
    if (!s.ok()) return s;
    if (!found) return NotFound(fmt::format("device {} not found", device_id));
    return Status::Ok();
  }

  Status DeleteDevice(int64_t device_id) override {
    bool found = false;
    Status s = pool_.Run("deleting a device", [&](pqxx::connection& conn) {
      pqxx::work tx(conn);
      found = tx.exec_prepared0(kDeleteDevice.name, device_id).affected_rows() > 0;
      if (!found) return;
      tx.exec_prepared0(kDeleteParameters.name, device_id);
      tx.commit();
    });
    if (!s.ok()) return s;
    if (!found) return NotFound(fmt::format("device {} not found", device_id));
    return Status::Ok();
  }

  Result<std::vector<StoredFault>> ListFaults(const FaultQuery& query) override {
    if (query.limit < 1 || query.limit > kMaxFindLimit) {
      return InvalidArgument(fmt::format("limit {} is outside 1..{}", query.limit, kMaxFindLimit));
    }
    if (query.before_id < 0) return InvalidArgument("before_id must not be negative");
    const std::string device = query.device_id ? std::to_string(*query.device_id) : "";
    const std::string task = query.task_id ? std::to_string(*query.task_id) : "";
    std::vector<StoredFault> faults;
    Status s = pool_.Run("listing faults", [&](pqxx::connection& conn) {
      faults.clear();
      pqxx::read_transaction tx(conn);
      for (const pqxx::row& r :
           tx.exec_prepared(kListFaults.name, NullIfEmpty(device), NullIfEmpty(task), query.before_id, query.limit)) {
        faults.push_back(ReadFault(r));
      }
    });
    if (!s.ok()) return s.error();
    return faults;
  }

  Result<StoredFault> GetFault(int64_t fault_id) override {
    std::optional<StoredFault> fault;
    Status s = pool_.Run("reading a fault", [&](pqxx::connection& conn) {
      pqxx::read_transaction tx(conn);
      pqxx::result r = tx.exec_prepared(kGetFault.name, fault_id);
      if (!r.empty()) fault = ReadFault(r[0]);
    });
    if (!s.ok()) return s.error();
    if (!fault) return NotFound(fmt::format("fault {} not found", fault_id));
    return std::move(*fault);
  }

  Status DeleteFault(int64_t fault_id) override {
    bool found = false;
    Status s = pool_.Run("deleting a fault", [&](pqxx::connection& conn) {
      pqxx::work tx(conn);
      found = tx.exec_prepared0(kDeleteFault.name, fault_id).affected_rows() > 0;
      tx.commit();
    });
    if (!s.ok()) return s;
    if (!found) return NotFound(fmt::format("fault {} not found", fault_id));
    return Status::Ok();
  }

  Result<int64_t> DeleteFaults(int64_t device_id) override {
    int64_t deleted = 0;
    Status s = pool_.Run("deleting faults", [&](pqxx::connection& conn) {
      pqxx::work tx(conn);
      deleted = tx.exec_prepared0(kDeleteFaults.name, device_id).affected_rows();
      tx.commit();
    });
    if (!s.ok()) return s.error();
    return deleted;
  }

  Result<ApiToken> CreateToken(const std::string& name, const std::string& role, const std::string& token_sha256,
                               const std::string& prefix, TimePoint now, std::optional<TimePoint> expires_at) override {
    if (name.empty()) return InvalidArgument("token name: empty");
    if (role.empty()) return InvalidArgument("token role: empty");
    for (const Status& s :
         {CheckText("token name", name, kMaxTokenNameBytes), CheckText("token role", role, kMaxTokenRoleBytes),
          CheckText("token prefix", prefix, kMaxTokenPrefixBytes)}) {
      if (!s.ok()) return s.error();
    }
    if (Status s = CheckTokenHash(token_sha256); !s.ok()) return s.error();
    const std::string expires = expires_at ? std::to_string(ToMicros(*expires_at)) : "";
    std::optional<ApiToken> token;
    Status s = pool_.Run("creating an API token", [&](pqxx::connection& conn) {
      token.reset();
      pqxx::work tx(conn);
      pqxx::result r =
          tx.exec_prepared(kCreateToken.name, name, role, token_sha256, prefix, ToMicros(now), NullIfEmpty(expires));
      if (r.empty()) return;
      token = ReadToken(r[0]);
      tx.commit();
    });
    if (!s.ok()) return s.error();
    if (!token) return Conflict("an API token named '" + name + "' exists");
    return std::move(*token);
  }

  Result<ApiToken> FindToken(const std::string& token_sha256) override {
    if (Status s = CheckTokenHash(token_sha256); !s.ok()) return s.error();
    std::optional<ApiToken> token;
    Status s = pool_.Run("finding an API token", [&](pqxx::connection& conn) {
      pqxx::read_transaction tx(conn);
      pqxx::result r = tx.exec_prepared(kFindToken.name, token_sha256);
      if (!r.empty()) token = ReadToken(r[0]);
    });
    if (!s.ok()) return s.error();
    if (!token) return NotFound("no such API token");
    return std::move(*token);
  }

  Result<std::vector<ApiToken>> ListTokens() override {
    std::vector<ApiToken> tokens;
    Status s = pool_.Run("listing API tokens", [&](pqxx::connection& conn) {
      tokens.clear();
      pqxx::read_transaction tx(conn);
      for (const pqxx::row& r : tx.exec_prepared(kListTokens.name)) tokens.push_back(ReadToken(r));
    });
    if (!s.ok()) return s.error();
    return tokens;
  }

  Status RevokeToken(const std::string& name, TimePoint now) override {
    if (Status s = CheckText("token name", name, kMaxTokenNameBytes); !s.ok()) return s;
    bool found = false;
    Status s = pool_.Run("revoking an API token", [&](pqxx::connection& conn) {
      pqxx::work tx(conn);
      found = tx.exec_prepared0(kRevokeToken.name, name, ToMicros(now)).affected_rows() > 0;
      tx.commit();
    });
    if (!s.ok()) return s;
    if (!found) return NotFound("no API token named '" + name + "'");
    return Status::Ok();
  }

  Status TouchToken(int64_t token_id, TimePoint now) override {
    bool found = false;
    Status s = pool_.Run("touching an API token", [&](pqxx::connection& conn) {
      pqxx::work tx(conn);
      found = tx.exec_prepared0(kTouchToken.name, token_id, ToMicros(now)).affected_rows() > 0;
      tx.commit();
    });
    if (!s.ok()) return s;
    if (!found) return NotFound(fmt::format("API token {} not found", token_id));
    return Status::Ok();
  }

 private:
  static constexpr size_t kTagChunk = 5000;

  Result<BulkTagResult> TagChunks(std::vector<int64_t> ids, const std::string& tag, bool present) {
    BulkTagResult result;
    if (ids.empty()) return result;
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    if (present) {
      ArrayLiteral all;
      for (int64_t id : ids) all.AddInt(id);
      const std::string all_literal = all.Finish();
      int64_t full = 0;
      Status s = pool_.Run("tagging devices", [&](pqxx::connection& conn) {
        pqxx::read_transaction tx(conn);
        full = tx.exec_prepared1(kCountFull.name, all_literal, tag, kMaxTagsPerDevice)[0].as<int64_t>();
      });
      if (!s.ok()) return s.error();
      if (full > 0) {
        return InvalidArgument(ids.size() == 1
                                   ? fmt::format("device {} already has {} tags", ids[0], kMaxTagsPerDevice)
                                   : fmt::format("{} of the devices already have {} tags: nothing changed", full,
                                                 kMaxTagsPerDevice));
      }
    }
    for (size_t first = 0; first < ids.size(); first += kTagChunk) {
      const size_t last = std::min(ids.size(), first + kTagChunk);
      ArrayLiteral chunk;
      for (size_t i = first; i < last; ++i) chunk.AddInt(ids[i]);
      const std::string literal = chunk.Finish();
      int64_t full = 0, changed = 0;
      std::vector<int64_t> missing;
      Status s = pool_.Run("tagging devices", [&](pqxx::connection& conn) {
        pqxx::work tx(conn);
        pqxx::row r = present ? tx.exec_prepared1(kAddTagIds.name, literal, tag, kMaxTagsPerDevice)
                              : tx.exec_prepared1(kRemoveTagIds.name, literal, tag);
        full = r[0].as<int64_t>();
        changed = r[1].as<int64_t>();
        missing = ParseIdList(Text(r[2]));
        tx.commit();
      });
      if (!s.ok()) {
        if (first == 0) return s.error();
        return Error{s.error().code, fmt::format("{} (after {} devices had changed)", s.error().message,
                                                 result.changed)};
      }
      if (full > 0) {  // a device reached the limit since the check
        return InvalidArgument(fmt::format("{} devices reached {} tags meanwhile: stopped after {} devices had changed",
                                           full, kMaxTagsPerDevice, result.changed));
      }
      result.changed += changed;
      result.missing.insert(result.missing.end(), missing.begin(), missing.end());
    }
    return result;
  }

  static Status CheckTokenHash(const std::string& sha256) {
    if (sha256.size() != 64 || !IsLowerHex(sha256)) return InvalidArgument("token hash: not 64 lowercase hex digits");
    return Status::Ok();
  }

  ConnectionPool pool_;
  const InventoryLimits limits_;
};

}  // namespace

std::unique_ptr<DeviceAdmin> OpenDeviceAdmin(const PgOptions& options) {
  return std::make_unique<PgDeviceAdmin>(options);
}

}  // namespace ruru::db::pg
