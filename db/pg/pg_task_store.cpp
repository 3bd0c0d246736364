// TaskStore and TaskListener on PostgreSQL (db/task_store.h, docs/tasks.md). Every statement is a
// named constant prepared once per pooled connection; optional parameters travel as SQL NULL.
// Notices to other nodes go through NOTIFY ruru_tasks inside the transaction that made the change,
// so they are delivered exactly when (and only if) it commits.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <pqxx/pqxx>
#include <thread>

#include "db/inventory_limits.h"
#include "db/pg/array_literal.h"
#include "db/pg/pg_connection.h"
#include "db/pg/pg_error.h"
#include "db/pg/pg_inventory.h"
#include "db/task_store.h"

namespace ruru::db {

namespace pg {
namespace {

constexpr int kMaxListLimit = 1000;
constexpr char kChannel[] = "ruru_tasks";

#define RURU_TASK_COLUMNS                                                                                        \
  "t.id, t.device_id, t.type, t.args::text, t.state, t.phase, t.reconcile_key, t.hold_requests, t.attempts, "   \
  "t.max_attempts, " RURU_PG_US("t.created_at") ", " RURU_PG_US("t.updated_at") ", " RURU_PG_US(              \
      "t.not_before") ", " RURU_PG_US("t.expires_at") ", " RURU_PG_US("t.sent_at") ", " RURU_PG_US(           \
      "t.finished_at") ", t.claimed_by, " RURU_PG_US("t.lease_until") ", t.progress::text, t.result::text, "  \
                       "t.fault_code, t.fault_message, t.created_by, t.idempotency_key, t.request_hash"

struct Statement {
  const char* name;
  const char* sql;
};

constexpr Statement kInsert{"ruru_task_insert", R"sql(
INSERT INTO tasks AS t (device_id, type, args, reconcile_key, hold_requests, max_attempts, created_at, updated_at,
                        expires_at, created_by, idempotency_key, request_hash)
VALUES ($1, $2, $3::jsonb, $4, $5, $6, )sql" RURU_PG_TS("$7") ", " RURU_PG_TS("$7") ", " RURU_PG_TS("$8") R"sql(,
        $9, $10, $11)
ON CONFLICT (created_by, idempotency_key) DO NOTHING
RETURNING )sql" RURU_TASK_COLUMNS};
constexpr Statement kByIdempotencyKey{"ruru_task_by_idem", "SELECT " RURU_TASK_COLUMNS
                                                           " FROM tasks t WHERE t.created_by = $1 AND "
                                                           "t.idempotency_key = $2"};
constexpr Statement kGet{"ruru_task_get", "SELECT " RURU_TASK_COLUMNS " FROM tasks t WHERE t.id = $1"};
// One statement per filter combination, so each uses its index (tasks_device on (device_id, state,
// id), tasks_state, PK).
constexpr Statement kListAll{"ruru_task_list", "SELECT " RURU_TASK_COLUMNS
                                               " FROM tasks t WHERE ($1 = 0 OR t.id < $1) ORDER BY t.id DESC LIMIT $2"};
constexpr Statement kListDevice{"ruru_task_list_device",
                                "SELECT " RURU_TASK_COLUMNS
                                " FROM tasks t WHERE t.device_id = $3 AND ($1 = 0 OR t.id < $1)"
                                " ORDER BY t.id DESC LIMIT $2"};
constexpr Statement kListState{"ruru_task_list_state",
                               "SELECT " RURU_TASK_COLUMNS
                               " FROM tasks t WHERE t.state = $3 AND ($1 = 0 OR t.id < $1)"
                               " ORDER BY t.id DESC LIMIT $2"};
constexpr Statement kListDeviceState{"ruru_task_list_device_state",
                                     "SELECT " RURU_TASK_COLUMNS
                                     " FROM tasks t WHERE t.device_id = $3 AND t.state = $4 AND ($1 = 0 OR t.id < $1)"
                                     " ORDER BY t.id DESC LIMIT $2"};
constexpr Statement kCancel{"ruru_task_cancel", R"sql(
UPDATE tasks AS t SET state = 'cancelled', phase = '', claimed_by = NULL, lease_until = NULL,
       finished_at = )sql" RURU_PG_TS("$2") ", updated_at = " RURU_PG_TS("$2") R"sql(
WHERE t.id = $1 AND (t.state = 'queued' OR (t.state = 'running' AND t.phase = 'awaiting'))
RETURNING )sql" RURU_TASK_COLUMNS};
// Waits for a running task locked by another session (FOR UPDATE, not SKIP LOCKED): the Inform may
// carry the only proof of its outcome ("M Reboot", "1 BOOT"), which a CPE sends once. Skipping the
// row lost that proof when the device's other session (a second node, a duplicate identity) held
// it at that moment, and the task then waited for a report that never came. Every holder of a
// task row lock is a short transaction that locks one device's rows in id order: no deadlock.
// The two last columns: whether the device booted / bootstrapped since the task's RPC was sent,
// from the stored Informs (the current one included): the evidence of a Reboot / FactoryReset even
// when the Inform that carried it was handled without settling the task.
constexpr Statement kRunningOfDevice{
    "ruru_task_running_of_device",
    "SELECT " RURU_TASK_COLUMNS
    ", t.sent_at IS NOT NULL AND EXISTS (SELECT 1 FROM inform_events e WHERE e.device_id = t.device_id"
    "   AND e.received_at > t.sent_at AND e.code = '1 BOOT')"
    ", t.sent_at IS NOT NULL AND EXISTS (SELECT 1 FROM inform_events e WHERE e.device_id = t.device_id"
    "   AND e.received_at > t.sent_at AND e.code = '0 BOOTSTRAP')"
    " FROM tasks t WHERE t.device_id = $1 AND t.state = 'running' ORDER BY t.id FOR UPDATE"};
constexpr Statement kClaim{"ruru_task_claim", R"sql(
UPDATE tasks AS t SET state = 'running', phase = 'claimed', claimed_by = $2,
       lease_until = )sql" RURU_PG_TS("$4") ", updated_at = " RURU_PG_TS("$3") R"sql(
WHERE t.id IN (SELECT q.id FROM tasks q
               WHERE q.device_id = $1 AND q.state = 'queued'
                 AND (q.not_before IS NULL OR q.not_before <= )sql" RURU_PG_TS("$3") R"sql()
                 AND q.expires_at > )sql" RURU_PG_TS("$3") R"sql(
               ORDER BY q.id LIMIT $5 FOR UPDATE SKIP LOCKED)
RETURNING )sql" RURU_TASK_COLUMNS};

// The generic update. $2: the claim that must hold the task (NULL: any). Optional fields come
// with a flag so that "set to NULL" and "leave alone" differ. finished_at is set when the new
// state is final.
constexpr Statement kUpdate{"ruru_task_update", R"sql(
UPDATE tasks AS t SET
  state = COALESCE($3, t.state),
  phase = COALESCE($4, t.phase),
  result = CASE WHEN $5 THEN $6::jsonb ELSE t.result END,
  progress = CASE WHEN $7 THEN $8::jsonb ELSE t.progress END,
  fault_code = CASE WHEN $9 THEN $10::bigint ELSE t.fault_code END,
  fault_message = COALESCE($11, t.fault_message),
  not_before = CASE WHEN $12 THEN )sql" RURU_PG_TS("$13") R"sql( ELSE t.not_before END,
  claimed_by = CASE WHEN $14 THEN NULL WHEN $15::text IS NOT NULL THEN $15 ELSE t.claimed_by END,
  lease_until = CASE WHEN $14 THEN NULL WHEN $16 THEN )sql" RURU_PG_TS("$17") R"sql( ELSE t.lease_until END,
  sent_at = CASE WHEN $18 THEN )sql" RURU_PG_TS("$19") R"sql( ELSE t.sent_at END,
  attempts = t.attempts + CASE WHEN $18 THEN 1 ELSE 0 END,
  finished_at = CASE WHEN COALESCE($3, t.state) IN ('done', 'fault', 'expired', 'cancelled')
                     THEN )sql" RURU_PG_TS("$19") R"sql( ELSE t.finished_at END,
  updated_at = )sql" RURU_PG_TS("$19") R"sql(
WHERE t.id = $1 AND ($2::text IS NULL OR t.claimed_by = $2)
  AND t.state IN ('queued', 'running')
RETURNING )sql" RURU_TASK_COLUMNS};
constexpr Statement kSettleByKey{"ruru_task_settle_by_key", R"sql(
SELECT t.id FROM tasks t
WHERE t.device_id = $1 AND t.state = 'running' AND t.reconcile_key = $2 AND t.type = ANY($3::text[])
ORDER BY t.id DESC LIMIT 1 FOR UPDATE)sql"};
constexpr Statement kRelease{"ruru_task_release", R"sql(
UPDATE tasks AS t SET state = 'queued', phase = '', claimed_by = NULL, lease_until = NULL,
       updated_at = )sql" RURU_PG_TS("$2") R"sql(
WHERE t.device_id = $3 AND t.state IN ('queued', 'running') AND t.claimed_by = $1 AND t.phase = 'claimed'
RETURNING t.device_id, t.id)sql"};
constexpr Statement kExpire{"ruru_task_expire", R"sql(
UPDATE tasks AS t SET state = 'expired', phase = '', claimed_by = NULL, lease_until = NULL,
       finished_at = )sql" RURU_PG_TS("$1") ", updated_at = " RURU_PG_TS("$1") R"sql(
WHERE t.id IN (SELECT e.id FROM tasks e
               WHERE e.state IN ('queued', 'running') AND e.expires_at <= )sql" RURU_PG_TS("$1") R"sql(
                 AND (e.state = 'queued' OR e.phase = 'awaiting' OR e.lease_until IS NULL
                      OR e.lease_until <= )sql" RURU_PG_TS("$1") R"sql()
               ORDER BY e.expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)
RETURNING )sql" RURU_TASK_COLUMNS};
constexpr Statement kNotify{"ruru_task_notify", "SELECT pg_notify('ruru_tasks', $1)"};
constexpr Statement kRecordFault{"ruru_task_record_fault",
                                 "INSERT INTO device_faults (device_id, rpc, code, message, detail, at, task_id)"
                                 " VALUES ($1, $2, $3, $4, $5, " RURU_PG_TS("$6") ", $7)"};

// Parameters: the path dictionary first (as the Inform writer does), then the values; only changed
// rows are written (see pg_inform_sql.h). writable is kept when the input has none.
constexpr Statement kInsertPaths{"ruru_task_insert_paths", R"sql(
INSERT INTO parameter_paths (path)
SELECT p FROM (SELECT DISTINCT p FROM unnest($1::text[]) AS p) AS n
WHERE NOT EXISTS (SELECT 1 FROM parameter_paths pp WHERE pp.path = n.p)
ORDER BY p
ON CONFLICT (path) DO NOTHING)sql"};
constexpr Statement kUpsertParams{"ruru_task_upsert_params", R"sql(
WITH t AS (
  SELECT $1::bigint AS device_id, pp.id AS path_id, i.value, i.type, i.writable
  FROM unnest($2::text[], $3::text[], $4::text[], $5::bool[]) AS i(path, value, type, writable)
  JOIN parameter_paths pp ON pp.path = i.path
)
INSERT INTO device_parameters AS dp (device_id, path_id, value, type, writable, fetched_at)
SELECT t.device_id, t.path_id, t.value, t.type, t.writable, )sql" RURU_PG_TS("$6") R"sql(
FROM t LEFT JOIN device_parameters old ON old.device_id = t.device_id AND old.path_id = t.path_id
WHERE old.device_id IS NULL OR old.value IS DISTINCT FROM t.value OR old.type IS DISTINCT FROM t.type
   OR (t.writable IS NOT NULL AND old.writable IS DISTINCT FROM t.writable)
ORDER BY t.path_id
ON CONFLICT (device_id, path_id) DO UPDATE SET value = EXCLUDED.value, type = EXCLUDED.type,
  writable = COALESCE(EXCLUDED.writable, dp.writable), fetched_at = EXCLUDED.fetched_at)sql"};
constexpr Statement kRemoveMissing{"ruru_task_remove_missing", R"sql(
DELETE FROM device_parameters dp USING parameter_paths pp
WHERE dp.device_id = $1 AND pp.id = dp.path_id AND starts_with(pp.path, $2)
  AND NOT (pp.path = ANY($3::text[])))sql"};
constexpr Statement kRemovePrefix{"ruru_task_remove_prefix", R"sql(
DELETE FROM device_parameters dp USING parameter_paths pp
WHERE dp.device_id = $1 AND pp.id = dp.path_id AND starts_with(pp.path, $2))sql"};
constexpr Statement kDeviceExists{"ruru_task_device_exists", "SELECT 1 FROM devices WHERE id = $1"};

constexpr Statement kAll[] = {kInsert,      kByIdempotencyKey, kGet,          kListAll,       kListDevice,
                              kListState,   kListDeviceState,  kCancel,       kRunningOfDevice, kClaim,
                              kUpdate,      kSettleByKey,      kRelease,      kExpire,        kNotify,
                              kRecordFault, kInsertPaths,      kUpsertParams, kRemoveMissing, kRemovePrefix,
                              kDeviceExists};

std::string Text(const pqxx::field& f) { return f.is_null() ? std::string() : f.as<std::string>(); }
std::optional<TimePoint> Time(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return FromMicros(f.as<int64_t>());
}

Task ReadTask(const pqxx::row& r) {
  Task t;
  t.id = r[0].as<int64_t>();
  t.device_id = r[1].as<int64_t>();
  t.type = Text(r[2]);
  t.args_json = Text(r[3]);
  t.state = ParseTaskState(Text(r[4])).value_or(TaskState::kQueued);
  t.phase = ParseTaskPhase(Text(r[5])).value_or(TaskPhase::kNone);
  t.reconcile_key = Text(r[6]);
  t.hold_requests = r[7].as<bool>();
  t.attempts = r[8].as<int>();
  t.max_attempts = r[9].as<int>();
  t.created_at = FromMicros(r[10].as<int64_t>());
  t.updated_at = FromMicros(r[11].as<int64_t>());
  t.not_before = Time(r[12]);
  t.expires_at = FromMicros(r[13].as<int64_t>());
  t.sent_at = Time(r[14]);
  t.finished_at = Time(r[15]);
  t.claimed_by = Text(r[16]);
  t.lease_until = Time(r[17]);
  t.progress_json = Text(r[18]);
  t.result_json = Text(r[19]);
  if (!r[20].is_null()) t.fault_code = static_cast<uint32_t>(r[20].as<int64_t>());
  t.fault_message = Text(r[21]);
  t.created_by = Text(r[22]);
  t.idempotency_key = Text(r[23]);
  return t;
}

// A NULL-able text parameter: libpqxx sends a null `const char*` as SQL NULL.
const char* Nullable(const std::optional<std::string>& s) { return s ? s->c_str() : nullptr; }

std::string TextArray(const std::vector<std::string>& values) {
  ArrayLiteral a;
  for (const std::string& v : values) a.Add(v);
  return a.Finish();
}

std::string Notice(const char* kind, const Task& t) {
  return fmt::format("{} {} {}", kind, t.device_id, t.id);
}

Status CheckListLimit(int limit) {
  if (limit <= 0 || limit > kMaxListLimit) {
    return InvalidArgument(fmt::format("limit {} is outside 1..{}", limit, kMaxListLimit));
  }
  return Status::Ok();
}

Status CheckUpdate(const TaskUpdate& u, const InventoryLimits& limits) {
  if (u.result_json && u.result_json->size() > limits.max_blob_bytes * 16) return InvalidArgument("result: too long");
  if (u.progress_json && u.progress_json->size() > limits.max_blob_bytes * 16) {
    return InvalidArgument("progress: too long");
  }
  if (u.fault_message) {
    if (Status s = CheckText("fault message", *u.fault_message, limits.max_blob_bytes); !s.ok()) return s;
  }
  if (Status s = CheckText("fault detail", u.fault_detail_json, limits.max_blob_bytes); !s.ok()) return s;
  return Status::Ok();
}

class PgTaskStore final : public TaskStore {
 public:
  explicit PgTaskStore(const PgOptions& options)
      : pool_(options, "ruru-tasks", [](pqxx::connection& conn) {
          // Every statement is planned with its values and the table as it is now. A generic plan
          // made while tasks was small picked tasks_expiry for the claim and kept walking every
          // active task of the fleet for each session (3.8 ms per claim at 10,000 active tasks,
          // acsd_bench TASK_SHARE=0.1); planning costs ~0.1 ms, and only sessions with work pay it.
          PrepareWithCustomPlans(conn, kAll);
        }) {}

  Result<CreatedTask> Create(const NewTask& in) override {
    for (const Status& s : {CheckText("type", in.type, limits_.max_text_bytes),
                            CheckText("args", in.args_json, limits_.max_blob_bytes * 16),
                            CheckText("reconcile key", in.reconcile_key, 32),
                            CheckText("created_by", in.created_by, limits_.max_text_bytes),
                            CheckText("idempotency key", in.idempotency_key, 256),
                            CheckText("request hash", in.request_hash, 256)}) {
      if (!s.ok()) return s.error();
    }
    if (in.max_attempts < 1 || in.max_attempts > 100) return InvalidArgument("max_attempts must be 1..100");
    std::optional<CreatedTask> out;
    bool missing_device = false;
    bool hash_conflict = false;
    Status s = pool_.Run("creating a task", [&](pqxx::connection& conn) {
      out.reset();
      missing_device = hash_conflict = false;
      pqxx::work tx(conn);
      const std::optional<std::string> key =
          in.idempotency_key.empty() ? std::nullopt : std::optional<std::string>(in.idempotency_key);
      pqxx::result r;
      try {
        r = tx.exec_prepared(kInsert.name, in.device_id, in.type, in.args_json, in.reconcile_key, in.hold_requests,
                             in.max_attempts, ToMicros(in.now), ToMicros(in.expires_at), in.created_by,
                             Nullable(key), Nullable(key ? std::optional<std::string>(in.request_hash) : std::nullopt));
      } catch (const pqxx::foreign_key_violation&) {
        missing_device = true;
        return;
      }
      if (r.empty()) {
        // The idempotency key was used before: the same request gets the first task back.
        pqxx::result existing = tx.exec_prepared(kByIdempotencyKey.name, in.created_by, in.idempotency_key);
        if (existing.empty()) throw pqxx::serialization_failure("idempotency key row vanished");
        if (Text(existing[0][24]) != in.request_hash) {
          hash_conflict = true;
          return;
        }
        out = CreatedTask{ReadTask(existing[0]), false};
        tx.commit();
        return;
      }
      out = CreatedTask{ReadTask(r[0]), true};
      tx.exec_prepared(kNotify.name, Notice("queued", out->task));
      tx.commit();
    });
    if (!s.ok()) return s.error();
    if (missing_device) return NotFound(fmt::format("device {} not found", in.device_id));
    if (hash_conflict) return Conflict("the idempotency key was used for a different request");
    return std::move(*out);
  }

  Result<Task> Get(int64_t task_id) override {
    std::optional<Task> task;
    Status s = pool_.Run("reading a task", [&](pqxx::connection& conn) {
      pqxx::read_transaction tx(conn);
      pqxx::result r = tx.exec_prepared(kGet.name, task_id);
      if (!r.empty()) task = ReadTask(r[0]);
    });
    if (!s.ok()) return s.error();
    if (!task) return NotFound(fmt::format("task {} not found", task_id));
    return std::move(*task);
  }

  Result<std::vector<Task>> List(const TaskFilter& f) override {
    if (Status s = CheckListLimit(f.limit); !s.ok()) return s.error();
    std::vector<Task> tasks;
    Status s = pool_.Run("listing tasks", [&](pqxx::connection& conn) {
      tasks.clear();
      pqxx::read_transaction tx(conn);
      pqxx::result r;
      const int64_t before = std::max<int64_t>(0, f.before_id);
      if (f.device_id && f.state) {
        r = tx.exec_prepared(kListDeviceState.name, before, f.limit, *f.device_id, std::string(ToString(*f.state)));
      } else if (f.device_id) {
        r = tx.exec_prepared(kListDevice.name, before, f.limit, *f.device_id);
      } else if (f.state) {
        r = tx.exec_prepared(kListState.name, before, f.limit, std::string(ToString(*f.state)));
      } else {
        r = tx.exec_prepared(kListAll.name, before, f.limit);
      }
      for (const pqxx::row& row : r) tasks.push_back(ReadTask(row));
    });
    if (!s.ok()) return s.error();
    return tasks;
  }

  Result<Task> Cancel(int64_t task_id, TimePoint now) override {
    std::optional<Task> cancelled;
    std::optional<Task> current;
    Status s = pool_.Run("cancelling a task", [&](pqxx::connection& conn) {
      cancelled.reset();
      current.reset();
      pqxx::work tx(conn);
      pqxx::result r = tx.exec_prepared(kCancel.name, task_id, ToMicros(now));
      if (r.empty()) {
        pqxx::result g = tx.exec_prepared(kGet.name, task_id);
        if (!g.empty()) current = ReadTask(g[0]);
        return;
      }
      cancelled = ReadTask(r[0]);
      tx.exec_prepared(kNotify.name, Notice("settled", *cancelled));
      tx.commit();
    });
    if (!s.ok()) return s.error();
    if (cancelled) return std::move(*cancelled);
    if (!current) return NotFound(fmt::format("task {} not found", task_id));
    if (IsFinal(current->state)) {
      return Conflict(fmt::format("task {} is already {}", task_id, ToString(current->state)));
    }
    return Conflict(fmt::format("task {} is {} (its RPC may be on its way to the device): it can no longer be cancelled",
                                task_id, current->phase == TaskPhase::kClaimed ? "about to be sent" : "sent"));
  }

  Result<SessionWork> BeginSession(int64_t device_id, const std::string& claim, TimePoint now, TimePoint lease_until,
                                   int max_tasks, const ReconcileFn& reconcile) override {
    if (Status st = CheckText("claim", claim, limits_.max_text_bytes); !st.ok()) return st.error();
    SessionWork work;
    Status s = pool_.Run("starting a session's tasks", [&](pqxx::connection& conn) {
      work = SessionWork{};
      pqxx::work tx(conn);
      pqxx::result running = tx.exec_prepared(kRunningOfDevice.name, device_id);
      for (const pqxx::row& row : running) {
        Task task = ReadTask(row);
        task.booted_since_sent = row[25].as<bool>();
        task.bootstrapped_since_sent = row[26].as<bool>();
        ReconcileDecision d = reconcile(task);
        if (!d.update && !d.continue_here) continue;
        TaskUpdate u = d.update.value_or(TaskUpdate{});
        if (Status cs = CheckUpdate(u, limits_); !cs.ok()) {
          spdlog::warn("task {}: reconciliation update refused: {}", task.id, cs.error().message);
          continue;
        }
        std::optional<std::string> new_claim;
        if (d.continue_here) {
          new_claim = claim;
          u.lease_until = lease_until;
          u.clear_claim = false;
        }
        pqxx::result updated = ApplyUpdate(tx, task.id, std::nullopt, u, new_claim, now);
        if (updated.empty()) continue;
        Task after = ReadTask(updated[0]);
        RecordFaultIfAsked(tx, after, u, now);
        if (IsFinal(after.state)) {
          tx.exec_prepared(kNotify.name, Notice("settled", after));
          work.settled.push_back(std::move(after));
        } else if (d.continue_here) {
          work.tasks.push_back(std::move(after));
        }
      }
      const int room = max_tasks - static_cast<int>(work.tasks.size());
      if (room > 0) {
        for (const pqxx::row& row :
             tx.exec_prepared(kClaim.name, device_id, claim, ToMicros(now), ToMicros(lease_until), room)) {
          work.tasks.push_back(ReadTask(row));
        }
      }
      tx.commit();
    });
    if (!s.ok()) return s.error();
    // Continued tasks come first (in id order), then the newly claimed ones (in id order).
    std::stable_sort(work.tasks.begin(), work.tasks.end(), [](const Task& a, const Task& b) {
      const bool ca = a.phase != TaskPhase::kClaimed, cb = b.phase != TaskPhase::kClaimed;
      if (ca != cb) return ca;
      return a.id < b.id;
    });
    return work;
  }

  Result<std::vector<Task>> ClaimMore(int64_t device_id, const std::string& claim, TimePoint now,
                                      TimePoint lease_until, int max_tasks) override {
    std::vector<Task> tasks;
    if (max_tasks <= 0) return tasks;
    Status s = pool_.Run("claiming tasks", [&](pqxx::connection& conn) {
      tasks.clear();
      pqxx::work tx(conn);
      for (const pqxx::row& row :
           tx.exec_prepared(kClaim.name, device_id, claim, ToMicros(now), ToMicros(lease_until), max_tasks)) {
        tasks.push_back(ReadTask(row));
      }
      tx.commit();
    });
    if (!s.ok()) return s.error();
    std::sort(tasks.begin(), tasks.end(), [](const Task& a, const Task& b) { return a.id < b.id; });
    return tasks;
  }

  Result<Task> Update(int64_t task_id, const std::string& claim, const TaskUpdate& update, TimePoint now) override {
    if (Status st = CheckUpdate(update, limits_); !st.ok()) return st.error();
    std::optional<Task> task;
    bool exists = false;
    Status s = pool_.Run("updating a task", [&](pqxx::connection& conn) {
      task.reset();
      exists = false;
      pqxx::work tx(conn);
      pqxx::result r = ApplyUpdate(tx, task_id, claim, update, std::nullopt, now);
      if (r.empty()) {
        exists = !tx.exec_prepared(kGet.name, task_id).empty();
        return;
      }
      task = ReadTask(r[0]);
      RecordFaultIfAsked(tx, *task, update, now);
      if (IsFinal(task->state)) tx.exec_prepared(kNotify.name, Notice("settled", *task));
      tx.commit();
    });
    if (!s.ok()) return s.error();
    if (!task) {
      if (!exists) return NotFound(fmt::format("task {} not found", task_id));
      return Conflict(fmt::format("task {} is no longer held by this session", task_id));
    }
    return std::move(*task);
  }

  Result<Task> SettleByKey(int64_t device_id, const std::string& command_key, const std::vector<std::string>& types,
                           const TaskUpdate& update, TimePoint now) override {
    if (command_key.empty()) return NotFound("no CommandKey");
    if (Status st = CheckText("CommandKey", command_key, limits_.max_command_key_bytes); !st.ok()) return st.error();
    if (Status st = CheckUpdate(update, limits_); !st.ok()) return st.error();
    std::optional<Task> task;
    Status s = pool_.Run("settling a task", [&](pqxx::connection& conn) {
      task.reset();
      pqxx::work tx(conn);
      pqxx::result found =
          tx.exec_prepared(kSettleByKey.name, device_id, command_key, TextArray(types));
      if (found.empty()) return;
      pqxx::result r = ApplyUpdate(tx, found[0][0].as<int64_t>(), std::nullopt, update, std::nullopt, now);
      if (r.empty()) return;
      task = ReadTask(r[0]);
      RecordFaultIfAsked(tx, *task, update, now);
      if (IsFinal(task->state)) tx.exec_prepared(kNotify.name, Notice("settled", *task));
      tx.commit();
    });
    if (!s.ok()) return s.error();
    if (!task) return NotFound("no running task of this device has this CommandKey");
    return std::move(*task);
  }

  Result<int64_t> ReleaseClaims(int64_t device_id, const std::string& claim, TimePoint now) override {
    int64_t n = 0;
    Status s = pool_.Run("releasing claims", [&](pqxx::connection& conn) {
      pqxx::work tx(conn);
      pqxx::result released = tx.exec_prepared(kRelease.name, claim, ToMicros(now), device_id);
      n = static_cast<int64_t>(released.size());
      // Queued again: a session of the device (on any node) may take them at once.
      for (const pqxx::row& r : released) {
        tx.exec_prepared(kNotify.name, fmt::format("queued {} {}", r[0].as<int64_t>(), r[1].as<int64_t>()));
      }
      tx.commit();
    });
    if (!s.ok()) return s.error();
    return n;
  }

  Result<std::vector<Task>> ExpireDue(TimePoint now, int max_rows) override {
    if (max_rows <= 0) return InvalidArgument("max_rows must be positive");
    std::vector<Task> expired;
    Status s = pool_.Run("expiring tasks", [&](pqxx::connection& conn) {
      expired.clear();
      pqxx::work tx(conn);
      for (const pqxx::row& row : tx.exec_prepared(kExpire.name, ToMicros(now), max_rows)) {
        expired.push_back(ReadTask(row));
        tx.exec_prepared(kNotify.name, Notice("settled", expired.back()));
      }
      tx.commit();
    });
    if (!s.ok()) return s.error();
    return expired;
  }

  Result<int64_t> StoreParameters(int64_t device_id, const std::vector<ParameterRecord>& params, TimePoint at,
                                  const std::optional<std::string>& replace_prefix) override {
    if (params.size() > kMaxStoredParameters) {
      return InvalidArgument(fmt::format("{} parameters: more than {}", params.size(), kMaxStoredParameters));
    }
    for (const ParameterRecord& p : params) {
      for (const Status& st : {CheckText("parameter path", p.path, limits_.max_path_bytes),
                               CheckText("parameter value", p.value, limits_.max_value_bytes),
                               CheckText("parameter type", p.type, limits_.max_type_bytes)}) {
        if (!st.ok()) return st.error();
      }
    }
    if (replace_prefix) {
      if (Status st = CheckText("prefix", *replace_prefix, limits_.max_path_bytes); !st.ok()) return st.error();
    }
    std::vector<std::string> paths, values, types;
    std::vector<std::optional<bool>> writable;
    paths.reserve(params.size());
    for (const ParameterRecord& p : params) {
      paths.push_back(p.path);
      values.push_back(p.value);
      types.push_back(p.type);
      writable.push_back(p.writable);
    }
    const std::string paths_lit = TextArray(paths), values_lit = TextArray(values), types_lit = TextArray(types),
                      writable_lit = BoolArrayLiteral(writable);
    int64_t removed = 0;
    bool missing = false;
    Status s = pool_.Run("storing parameters", [&](pqxx::connection& conn) {
      removed = 0;
      missing = false;
      pqxx::work tx(conn);
      if (tx.exec_prepared(kDeviceExists.name, device_id).empty()) {
        missing = true;
        return;
      }
      if (!paths.empty()) {
        tx.exec_prepared0(kInsertPaths.name, paths_lit);
        tx.exec_prepared0(kUpsertParams.name, device_id, paths_lit, values_lit, types_lit, writable_lit, ToMicros(at));
      }
      if (replace_prefix) {
        removed = tx.exec_prepared0(kRemoveMissing.name, device_id, *replace_prefix, paths_lit).affected_rows();
      }
      tx.commit();
    });
    if (!s.ok()) return s.error();
    if (missing) return NotFound(fmt::format("device {} not found", device_id));
    return removed;
  }

  Result<int64_t> RemoveParameters(int64_t device_id, const std::string& prefix) override {
    if (Status st = CheckText("prefix", prefix, limits_.max_path_bytes); !st.ok()) return st.error();
    if (prefix.empty()) return InvalidArgument("prefix: empty (would remove every parameter)");
    int64_t removed = 0;
    Status s = pool_.Run("removing parameters", [&](pqxx::connection& conn) {
      pqxx::work tx(conn);
      removed = tx.exec_prepared0(kRemovePrefix.name, device_id, prefix).affected_rows();
      tx.commit();
    });
    if (!s.ok()) return s.error();
    return removed;
  }

 private:
  static constexpr size_t kMaxStoredParameters = 100000;

  static std::string BoolArrayLiteral(const std::vector<std::optional<bool>>& values) {
    ArrayLiteral a;
    for (const std::optional<bool>& v : values) {
      if (v) {
        a.AddBool(*v);
      } else {
        a.AddNull();
      }
    }
    return a.Finish();
  }

  static pqxx::result ApplyUpdate(pqxx::work& tx, int64_t task_id, const std::optional<std::string>& claim,
                                  const TaskUpdate& u, const std::optional<std::string>& new_claim, TimePoint now) {
    const std::optional<std::string> state =
        u.state ? std::optional<std::string>(std::string(ToString(*u.state))) : std::nullopt;
    std::optional<std::string> phase =
        u.phase ? std::optional<std::string>(std::string(ToString(*u.phase))) : std::nullopt;
    if (u.state && !u.phase) phase = *u.state == TaskState::kRunning ? std::nullopt : std::optional<std::string>("");
    const std::string result = u.result_json.value_or("null");
    const std::string progress = u.progress_json.value_or("null");
    const std::optional<std::string> fault_code =
        u.fault_code ? std::optional<std::string>(std::to_string(*u.fault_code)) : std::nullopt;
    return tx.exec_prepared(kUpdate.name, task_id, Nullable(claim), Nullable(state), Nullable(phase),
                            u.result_json.has_value(), u.result_json ? result.c_str() : nullptr,
                            u.progress_json.has_value(), u.progress_json ? progress.c_str() : nullptr,
                            u.fault_code.has_value(), Nullable(fault_code), Nullable(u.fault_message),
                            u.not_before.has_value(), u.not_before ? ToMicros(*u.not_before) : 0, u.clear_claim,
                            Nullable(new_claim), u.lease_until.has_value(),
                            u.lease_until ? ToMicros(*u.lease_until) : 0, u.sent, ToMicros(now));
  }

  static void RecordFaultIfAsked(pqxx::work& tx, const Task& t, const TaskUpdate& u, TimePoint now) {
    if (u.fault_rpc.empty()) return;
    tx.exec_prepared0(kRecordFault.name, t.device_id, u.fault_rpc, static_cast<int64_t>(u.fault_code.value_or(0)),
                      u.fault_message.value_or(""), u.fault_detail_json, ToMicros(now), t.id);
  }

  ConnectionPool pool_;
  const InventoryLimits limits_;
};

// ---- LISTEN ----------------------------------------------------------------------------------

class Receiver final : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection_base& conn, std::function<void(const TaskNotice&)> on_notice)
      : pqxx::notification_receiver(conn, kChannel), on_notice_(std::move(on_notice)) {}
  void operator()(const std::string& payload, int) override {
    // "<queued|settled> <device_id> <task_id>"
    TaskNotice n{TaskNotice::Kind::kQueued};
    char kind[16] = {0};
    long long device = 0, task = 0;
    if (std::sscanf(payload.c_str(), "%15s %lld %lld", kind, &device, &task) != 3) return;
    const std::string k(kind);
    if (k == "queued") {
      n.kind = TaskNotice::Kind::kQueued;
    } else if (k == "settled") {
      n.kind = TaskNotice::Kind::kSettled;
    } else {
      return;
    }
    n.device_id = device;
    n.task_id = task;
    on_notice_(n);
  }

 private:
  std::function<void(const TaskNotice&)> on_notice_;
};

class PgTaskListener final : public TaskListener {
 public:
  PgTaskListener(const PgOptions& options, std::function<void(const TaskNotice&)> on_notice, const Clock& clock)
      : options_(options), on_notice_(std::move(on_notice)), clock_(clock), thread_([this] { Loop(); }) {}
  ~PgTaskListener() override { Stop(); }

  void Stop() override {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  bool Listening() const override { return listening_; }

 private:
  void Loop() {
    auto backoff = std::chrono::milliseconds(200);
    while (!stop_) {
      try {
        Result<std::string> info = BuildConnInfo(options_.dsn, options_.connect_timeout, "ruru-task-listener");
        if (!info.ok()) throw std::runtime_error(info.error().message);
        pqxx::connection conn(*info);
        Receiver receiver(conn, on_notice_);
        conn.get_notifs();  // LISTEN is issued by the receiver's constructor
        listening_ = true;
        backoff = std::chrono::milliseconds(200);
        while (!stop_) {
          conn.await_notification(0, 200000);  // wakes at least every 200 ms to see stop_
          if (!conn.is_open()) throw pqxx::broken_connection("listener connection closed");
        }
      } catch (const std::exception& e) {
        if (listening_) spdlog::warn("task listener lost its connection: {}", e.what());
      }
      listening_ = false;
      {
        std::unique_lock lock(mu_);
        const Clock::Instant retry_at = clock_.Monotonic() + backoff;
        while (!stop_ && !clock_.Reached(retry_at)) clock_.WaitUntil(cv_, lock, retry_at);
      }
      backoff = std::min<std::chrono::milliseconds>(backoff * 2, std::chrono::milliseconds(5000));
    }
  }

  const PgOptions options_;
  std::function<void(const TaskNotice&)> on_notice_;
  const Clock& clock_;  // the reconnect back-off
  std::mutex mu_;       // with cv_: Stop() ends a back-off wait at once
  std::condition_variable cv_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> listening_{false};
  std::thread thread_;
};

}  // namespace

std::unique_ptr<TaskStore> OpenTaskStore(const PgOptions& options) { return std::make_unique<PgTaskStore>(options); }

std::unique_ptr<TaskListener> StartTaskListener(const PgOptions& options,
                                                std::function<void(const TaskNotice&)> on_notice, const Clock& clock) {
  return std::make_unique<PgTaskListener>(options, std::move(on_notice), clock);
}

}  // namespace pg
}  // namespace ruru::db
