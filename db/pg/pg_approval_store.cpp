// ApprovalStore on PostgreSQL (db/approval_store.h; migration V0006). A pending approval past its
// expires_at reads as expired and is stored as such the first time someone tries to decide it.
#include <fmt/format.h>

#include <pqxx/pqxx>

#include "db/approval_store.h"
#include "db/pg/pg_connection.h"
#include "db/pg/pg_error.h"
#include "db/pg/pg_inventory.h"

namespace ruru::db::pg {
namespace {

struct Statement {
  const char* name;
  const char* sql;
};

// $N: now (µs) for the state as read.
#define RURU_APPROVAL_COLUMNS(now)                                                                            \
  "id, action, method, target, content_type, body, requested_by, requested_role, reason, "                    \
  "CASE WHEN state = 'pending' AND expires_at <= " RURU_PG_TS(now) " THEN 'expired' ELSE state END, "         \
  RURU_PG_US("created_at") ", " RURU_PG_US("expires_at") ", decided_by, decided_role, " RURU_PG_US("decided_at") \
  ", decision_note, result_status, result::text, " RURU_PG_US("finished_at")

constexpr Statement kCreate{"ruru_approval_create",
                            "INSERT INTO approvals (action, method, target, content_type, body, requested_by,"
                            " requested_role, reason, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
                            RURU_PG_TS("$9") ", " RURU_PG_TS("$10") ") RETURNING " RURU_APPROVAL_COLUMNS("$9")};
constexpr Statement kGet{"ruru_approval_get",
                         "SELECT " RURU_APPROVAL_COLUMNS("$2") " FROM approvals WHERE id = $1"};
constexpr Statement kList{
    "ruru_approval_list",
    "SELECT " RURU_APPROVAL_COLUMNS("$4") " FROM approvals"
    " WHERE ($1::text IS NULL OR (CASE WHEN state = 'pending' AND expires_at <= " RURU_PG_TS("$4")
    " THEN 'expired' ELSE state END) = $1) AND ($2::bigint = 0 OR id < $2) ORDER BY id DESC LIMIT $3"};
constexpr Statement kDecide{
    "ruru_approval_decide",
    "UPDATE approvals SET state = $2, decided_by = $3, decided_role = $4, decision_note = $5, decided_at = "
    RURU_PG_TS("$6") " WHERE id = $1 AND state = 'pending' AND expires_at > " RURU_PG_TS("$6")
    " RETURNING " RURU_APPROVAL_COLUMNS("$6")};
constexpr Statement kExpire{"ruru_approval_expire",
                            "UPDATE approvals SET state = 'expired' WHERE id = $1 AND state = 'pending' AND expires_at <= "
                            RURU_PG_TS("$2")};
constexpr Statement kFinish{
    "ruru_approval_finish",
    "UPDATE approvals SET state = CASE WHEN $2 BETWEEN 200 AND 299 THEN 'executed' ELSE 'failed' END,"
    " result_status = $2, result = $3::jsonb, finished_at = " RURU_PG_TS("$4")
    " WHERE id = $1 AND state = 'approved' RETURNING " RURU_APPROVAL_COLUMNS("$4")};
constexpr Statement kFailInterrupted{
    "ruru_approval_fail_interrupted",
    "UPDATE approvals SET state = 'failed', result = jsonb_build_object('error', jsonb_build_object("
    " 'code', 'interrupted', 'message', 'acsd stopped after the approval, before its call finished:"
    " check whether the change was made, and ask again')), finished_at = " RURU_PG_TS("$2")
    " WHERE state = 'approved' AND decided_at < " RURU_PG_TS("$1")};
constexpr Statement kAll[] = {kCreate, kGet, kList, kDecide, kExpire, kFinish, kFailInterrupted};

Approval Read(const pqxx::row& r) {
  Approval a;
  a.id = r[0].as<int64_t>();
  a.action = r[1].c_str();
  a.method = r[2].c_str();
  a.target = r[3].c_str();
  a.content_type = r[4].c_str();
  a.body = r[5].c_str();
  a.requested_by = r[6].c_str();
  a.requested_role = r[7].c_str();
  a.reason = r[8].c_str();
  a.state = r[9].c_str();
  a.created_at = FromMicros(r[10].as<int64_t>());
  a.expires_at = FromMicros(r[11].as<int64_t>());
  if (!r[12].is_null()) a.decided_by = r[12].c_str();
  if (!r[13].is_null()) a.decided_role = r[13].c_str();
  if (!r[14].is_null()) a.decided_at = FromMicros(r[14].as<int64_t>());
  a.decision_note = r[15].c_str();
  if (!r[16].is_null()) a.result_status = r[16].as<int>();
  if (!r[17].is_null()) a.result_json = r[17].c_str();
  if (!r[18].is_null()) a.finished_at = FromMicros(r[18].as<int64_t>());
  return a;
}

Status CheckText(std::string_view what, const std::string& value, size_t max) {
  if (value.size() > max) return InvalidArgument(fmt::format("approval {}: longer than {} bytes", what, max));
  if (value.find('\0') != std::string::npos) return InvalidArgument(fmt::format("approval {}: contains NUL", what));
  return Status::Ok();
}

class PgApprovalStore final : public ApprovalStore {
 public:
  explicit PgApprovalStore(const PgOptions& options)
      : pool_(options, "ruru-approvals", [](pqxx::connection& conn) { PrepareWithCustomPlans(conn, kAll); }) {}

  Result<Approval> Create(const NewApproval& in) override {
    for (const auto& [what, value] : {std::pair<std::string_view, const std::string&>{"action", in.action},
                                      {"method", in.method},
                                      {"content type", in.content_type},
                                      {"requester", in.requested_by},
                                      {"role", in.requested_role}}) {
      if (Status s = CheckText(what, value, limits_.max_text_bytes); !s.ok()) return s.error();
    }
    if (Status s = CheckText("target", in.target, limits_.max_target_bytes); !s.ok()) return s.error();
    if (Status s = CheckText("body", in.body, limits_.max_body_bytes); !s.ok()) return s.error();
    if (Status s = CheckText("reason", in.reason, limits_.max_note_bytes); !s.ok()) return s.error();
    if (in.action.empty() || in.method.empty() || in.target.empty() || in.requested_by.empty() || in.reason.empty()) {
      return InvalidArgument("approval: action, method, target, requester and reason are required");
    }
    if (in.expires_at <= in.now) return InvalidArgument("approval: expires_at must be after now");
    Approval out;
    Status s = pool_.Run("creating an approval", [&](pqxx::connection& conn) {
      pqxx::work tx(conn);
      out = Read(tx.exec_prepared(kCreate.name, in.action, in.method, in.target, in.content_type, in.body,
                                  in.requested_by, in.requested_role, in.reason, ToMicros(in.now),
                                  ToMicros(in.expires_at))[0]);
      tx.commit();
    });
    if (!s.ok()) return s.error();
    return out;
  }

  Result<Approval> Get(int64_t id, TimePoint now) override {
    std::optional<Approval> out;
    Status s = pool_.Run("reading an approval", [&](pqxx::connection& conn) {
      out.reset();
      pqxx::read_transaction tx(conn);
      pqxx::result r = tx.exec_prepared(kGet.name, id, ToMicros(now));
      if (!r.empty()) out = Read(r[0]);
    });
    if (!s.ok()) return s.error();
    if (!out) return NotFound(fmt::format("approval {} not found", id));
    return std::move(*out);
  }

  Result<std::vector<Approval>> List(const std::string& state, int64_t before_id, int limit, TimePoint now) override {
    if (limit < 1 || limit > 1000) return InvalidArgument(fmt::format("limit {} is outside 1..1000", limit));
    if (Status st = CheckText("state", state, limits_.max_text_bytes); !st.ok()) return st.error();
    std::vector<Approval> out;
    Status s = pool_.Run("listing approvals", [&](pqxx::connection& conn) {
      out.clear();
      pqxx::read_transaction tx(conn);
      for (const pqxx::row& r : tx.exec_prepared(kList.name, NullIfEmpty(state), before_id, limit, ToMicros(now))) {
        out.push_back(Read(r));
      }
    });
    if (!s.ok()) return s.error();
    return out;
  }

  Result<Approval> Decide(int64_t id, bool approve, const std::string& by, const std::string& role,
                          const std::string& note, TimePoint now) override {
    if (Status st = CheckText("decider", by, limits_.max_text_bytes); !st.ok()) return st.error();
    if (Status st = CheckText("role", role, limits_.max_text_bytes); !st.ok()) return st.error();
    if (Status st = CheckText("note", note, limits_.max_note_bytes); !st.ok()) return st.error();
    if (by.empty()) return InvalidArgument("approval: the decider is required");
    std::optional<Approval> decided, current;
    Status s = pool_.Run("deciding an approval", [&](pqxx::connection& conn) {
      decided.reset();
      current.reset();
      pqxx::work tx(conn);
      pqxx::result now_row = tx.exec_prepared(kGet.name, id, ToMicros(now));
      if (now_row.empty()) return;
      current = Read(now_row[0]);
      if (approve && current->requested_by == by) return;  // refused below, nothing changed
      pqxx::result r = tx.exec_prepared(kDecide.name, id, approve ? "approved" : "rejected", by, role, note,
                                        ToMicros(now));
      if (!r.empty()) {
        decided = Read(r[0]);
      } else {
        tx.exec_prepared(kExpire.name, id, ToMicros(now));  // a pending one past its time is stored as expired
      }
      tx.commit();
    });
    if (!s.ok()) return s.error();
    if (decided) return std::move(*decided);
    if (!current) return NotFound(fmt::format("approval {} not found", id));
    if (approve && current->requested_by == by) {
      return InvalidArgument(fmt::format("approval {}: its requester ({}) cannot approve it: a second person must",
                                         id, by));
    }
    return Conflict(fmt::format("approval {} is {}, not pending", id, current->state));
  }

  Result<Approval> Finish(int64_t id, int status, const std::string& result_json, TimePoint now) override {
    std::string result = result_json.empty() ? "null" : result_json;
    if (result.size() > limits_.max_result_bytes) {
      result = fmt::format(R"({{"truncated": true, "bytes": {}}})", result.size());
    }
    std::optional<Approval> out;
    Status s = pool_.Run("finishing an approval", [&](pqxx::connection& conn) {
      out.reset();
      pqxx::work tx(conn);
      pqxx::result r = tx.exec_prepared(kFinish.name, id, status, result, ToMicros(now));
      if (!r.empty()) out = Read(r[0]);
      tx.commit();
    });
    if (!s.ok()) return s.error();
    if (!out) return Conflict(fmt::format("approval {} is not approved", id));
    return std::move(*out);
  }

  Result<int64_t> FailInterrupted(TimePoint decided_before, TimePoint now) override {
    int64_t failed = 0;
    Status s = pool_.Run("failing interrupted approvals", [&](pqxx::connection& conn) {
      pqxx::work tx(conn);
      failed = tx.exec_prepared0(kFailInterrupted.name, ToMicros(decided_before), ToMicros(now)).affected_rows();
      tx.commit();
    });
    if (!s.ok()) return s.error();
    return failed;
  }

 private:
  ConnectionPool pool_;
  ApprovalLimits limits_;
};

}  // namespace

std::unique_ptr<ApprovalStore> OpenApprovalStore(const PgOptions& options) {
  return std::make_unique<PgApprovalStore>(options);
}

}  // namespace ruru::db::pg
