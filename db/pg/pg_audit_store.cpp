// AuditStore on PostgreSQL (db/audit_store.h; migration V0005). The table refuses UPDATE, DELETE
// and TRUNCATE; monthly partitions are created ahead and dropped whole after the retention age
// by the SQL functions of V0005.
#include <fmt/format.h>

#include <pqxx/pqxx>

#include "db/audit_store.h"
#include "db/pg/pg_connection.h"
#include "db/pg/pg_error.h"
#include "db/pg/pg_inventory.h"

namespace ruru::db::pg {
namespace {

struct Statement {
  const char* name;
  const char* sql;
};

#define RURU_AUDIT_COLUMNS \
  "id, " RURU_PG_US("at") ", actor, role, action, target, device_id, params::text, reason, result, status, " \
                          "request_id"
constexpr Statement kAppend{"ruru_audit_append",
                            "INSERT INTO audit_log (at, actor, role, action, target, device_id, params, reason, result,"
                            " status, request_id) VALUES (" RURU_PG_TS("$1") ", $2, $3, $4, $5, $6, $7::jsonb, $8, $9,"
                            " $10, $11) RETURNING id"};
// Unset filters are NULL and fold away (the pool plans each execution with its values).
constexpr Statement kFind{
    "ruru_audit_find",
    "SELECT " RURU_AUDIT_COLUMNS " FROM audit_log"
    " WHERE ($1::bigint IS NULL OR at >= " RURU_PG_TS("$1") ")"
    "   AND ($2::bigint IS NULL OR at < " RURU_PG_TS("$2") ")"
    "   AND ($3::text IS NULL OR actor = $3)"
    "   AND ($4::text IS NULL OR action = $4 OR (right($4, 1) = '.' AND starts_with(action, $4)))"
    "   AND ($5::bigint IS NULL OR device_id = $5)"
    "   AND ($6::text IS NULL OR result = $6 OR ($6 = 'denied' AND result IN ('forbidden', 'reason_required')))"
    "   AND ($7::bigint = 0 OR id < $7)"
    " ORDER BY id DESC LIMIT $8"};
constexpr Statement kEnsure{"ruru_audit_ensure", "SELECT ruru_audit_ensure_partitions(" RURU_PG_TS("$1") ")"};
constexpr Statement kDrop{"ruru_audit_drop", "SELECT ruru_audit_drop_partitions(" RURU_PG_TS("$1") ")"};
constexpr Statement kAll[] = {kAppend, kFind, kEnsure, kDrop};


Status CheckText(std::string_view what, const std::string& value, size_t max) {
  if (value.size() > max) return InvalidArgument(fmt::format("audit {}: longer than {} bytes", what, max));
  if (value.find('\0') != std::string::npos) return InvalidArgument(fmt::format("audit {}: contains NUL", what));
  return Status::Ok();
}

AuditEntry ReadEntry(const pqxx::row& r) {
  AuditEntry e;
  e.id = r[0].as<int64_t>();
  e.at = FromMicros(r[1].as<int64_t>());
  e.actor = r[2].c_str();
  e.role = r[3].c_str();
  e.action = r[4].c_str();
  e.target = r[5].c_str();
  if (!r[6].is_null()) e.device_id = r[6].as<int64_t>();
  e.params_json = r[7].c_str();
  e.reason = r[8].c_str();
  e.result = r[9].c_str();
  if (!r[10].is_null()) e.status = r[10].as<int>();
  e.request_id = r[11].c_str();
  return e;
}

class PgAuditStore final : public AuditStore {
 public:
  explicit PgAuditStore(const PgOptions& options)
      : pool_(options, "ruru-audit", [](pqxx::connection& conn) {
          PrepareWithCustomPlans(conn, kAll);
        }) {}

  Result<int64_t> Append(const AuditEntry& in) override {
    for (const auto& [what, value] : {std::pair<std::string_view, const std::string&>{"actor", in.actor},
                                      {"role", in.role},
                                      {"action", in.action},
                                      {"target", in.target},
                                      {"result", in.result},
                                      {"request id", in.request_id}}) {
      if (Status s = CheckText(what, value, limits_.max_text_bytes); !s.ok()) return s.error();
    }
    if (Status s = CheckText("reason", in.reason, limits_.max_reason_bytes); !s.ok()) return s.error();
    if (in.actor.empty() || in.action.empty() || in.result.empty()) {
      return InvalidArgument("audit entry: actor, action and result are required");
    }
    // Parameters are a JSON object (PostgreSQL checks it); an oversized one is replaced by a note,
    // never refused: the entry itself must be written.
    std::string params = in.params_json.empty() ? "{}" : in.params_json;
    if (params.front() != '{') return InvalidArgument("audit params: not a JSON object");
    if (params.size() > limits_.max_params_bytes) {
      params = fmt::format(R"({{"truncated": true, "bytes": {}}})", params.size());
    }
    int64_t id = 0;
    Status s = pool_.Run("writing the audit log", [&](pqxx::connection& conn) {
      pqxx::work tx(conn);
      const std::string device = in.device_id ? std::to_string(*in.device_id) : "";
      const std::string status = in.status ? std::to_string(*in.status) : "";
      pqxx::result r =
          tx.exec_prepared(kAppend.name, ToMicros(in.at), in.actor, in.role, in.action, in.target, NullIfEmpty(device),
                           params, in.reason, in.result, NullIfEmpty(status), in.request_id);
      id = r[0][0].as<int64_t>();
      tx.commit();
    });
    if (!s.ok()) return s.error();
    return id;
  }

  Result<std::vector<AuditEntry>> Find(const AuditQuery& q) override {
    if (q.limit < 1 || q.limit > 1000) return InvalidArgument(fmt::format("limit {} is outside 1..1000", q.limit));
    for (const auto& [what, value] : {std::pair<std::string_view, const std::string&>{"actor", q.actor},
                                      {"action", q.action},
                                      {"result", q.result}}) {
      if (Status s = CheckText(what, value, limits_.max_text_bytes); !s.ok()) return s.error();
    }
    std::vector<AuditEntry> out;
    Status s = pool_.Run("reading the audit log", [&](pqxx::connection& conn) {
      out.clear();
      pqxx::read_transaction tx(conn);
      const std::string since = q.since ? std::to_string(ToMicros(*q.since)) : "";
      const std::string until = q.until ? std::to_string(ToMicros(*q.until)) : "";
      const std::string device = q.device_id ? std::to_string(*q.device_id) : "";
      for (const pqxx::row& r :
           tx.exec_prepared(kFind.name, NullIfEmpty(since), NullIfEmpty(until), NullIfEmpty(q.actor),
                            NullIfEmpty(q.action), NullIfEmpty(device), NullIfEmpty(q.result), q.before_id, q.limit)) {
        out.push_back(ReadEntry(r));
      }
    });
    if (!s.ok()) return s.error();
    return out;
  }

  Result<int> MaintainPartitions(TimePoint now, std::chrono::hours retention) override {
    int dropped = 0;
    Status s = pool_.Run("maintaining audit partitions", [&](pqxx::connection& conn) {
      pqxx::work tx(conn);
      tx.exec_prepared(kEnsure.name, ToMicros(now));
      dropped = tx.exec_prepared(kDrop.name, ToMicros(now - retention))[0][0].as<int>();
      tx.commit();
    });
    if (!s.ok()) return s.error();
    return dropped;
  }

 private:
  ConnectionPool pool_;
  AuditLimits limits_;
};

}  // namespace

std::unique_ptr<AuditStore> OpenAuditStore(const PgOptions& options) { return std::make_unique<PgAuditStore>(options); }

}  // namespace ruru::db::pg
