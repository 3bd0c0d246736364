// Tasks: operator requests for one device (an ACS RPC, or a small program of RPCs such as a
// refresh), their state and outcome. Interfaces only; db/pg implements them (pg_task_store.cpp).
// What a task type means (its RPCs, how its outcome is settled) is decided in acs/tasks
// (task_types.h); this layer stores, claims and settles rows, and says so to other nodes.
//
// States (docs/tasks.md): queued -> running -> done | fault | expired | cancelled. A running task
// has a phase: "claimed" (held by a session, nothing sent), "sent" (the RPC went on the wire, no
// answer known) or "awaiting" (accepted by the CPE, waiting for its effect). Several acsd nodes
// share one database: a task is claimed by one session at a time (FOR UPDATE SKIP LOCKED), and a
// node only updates the tasks it holds.
//
// Threading: thread-safe; every method blocks (PostgreSQL). Errors as in db/inventory.h.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "db/inventory.h"

namespace ruru::db {

enum class TaskState { kQueued, kRunning, kDone, kFault, kExpired, kCancelled };
std::string_view ToString(TaskState state);          // "queued", "running", ...
std::optional<TaskState> ParseTaskState(std::string_view text);
inline bool IsFinal(TaskState s) { return s != TaskState::kQueued && s != TaskState::kRunning; }

enum class TaskPhase { kNone, kClaimed, kSent, kAwaiting };
std::string_view ToString(TaskPhase phase);          // "", "claimed", "sent", "awaiting"
std::optional<TaskPhase> ParseTaskPhase(std::string_view text);

struct Task {
  int64_t id = 0;
  int64_t device_id = 0;
  std::string type;            // "reboot", "get_parameter_values", ... (acs/tasks/task_types.h)
  std::string args_json;       // validated arguments, JSON object text
  TaskState state = TaskState::kQueued;
  TaskPhase phase = TaskPhase::kNone;
  std::string reconcile_key;   // the CommandKey or ParameterKey this task sends ("" when its RPC has none)
  bool hold_requests = false;  // run before the CPE's own requests (HoldRequests)
  int attempts = 0;            // RPCs sent so far (a resend after a known failure counts)
  int max_attempts = 3;
  TimePoint created_at{};
  TimePoint updated_at{};
  std::optional<TimePoint> not_before;  // back-off: not claimed before this
  TimePoint expires_at{};
  std::optional<TimePoint> sent_at;     // last time its RPC went on the wire
  std::optional<TimePoint> finished_at;
  std::string claimed_by;               // "<node>/<session>" while running
  std::optional<TimePoint> lease_until; // the claim is presumed dead after this
  std::string progress_json;            // multi-step programs: where they are ("" when none)
  std::string result_json;              // outcome, JSON text ("" when none)
  std::optional<uint32_t> fault_code;   // CWMP fault code, or a Ruru code (docs/tasks.md)
  std::string fault_message;
  std::string created_by;               // token name
  std::string idempotency_key;
  // Only in the tasks handed to reconciliation (TaskStore::BeginSession): whether the inventory
  // holds an Inform with "1 BOOT" / "0 BOOTSTRAP" received after sent_at (the current one included).
  bool booted_since_sent = false;
  bool bootstrapped_since_sent = false;
};

struct NewTask {
  int64_t device_id = 0;
  std::string type;
  std::string args_json = "{}";
  std::string reconcile_key;
  bool hold_requests = false;
  int max_attempts = 3;
  TimePoint now{};
  TimePoint expires_at{};
  std::string created_by;
  // With a key, creating the same request again returns the first task (created = false). The
  // same key with a different request_hash is kConflict. Keys are scoped by created_by.
  std::string idempotency_key;
  std::string request_hash;
};

struct CreatedTask {
  Task task;
  bool created = true;  // false: the idempotency key was used before; `task` is that task
};

struct TaskFilter {
  std::optional<int64_t> device_id;
  std::optional<TaskState> state;
  int64_t before_id = 0;  // keyset pagination, newest first: ids < before_id (0: from the newest)
  int limit = 50;         // 1..1000
};

// A change to one task. Unset fields are left as they are.
struct TaskUpdate {
  std::optional<TaskState> state;
  std::optional<TaskPhase> phase;     // set together with state (kNone for anything but running)
  std::optional<std::string> result_json;
  std::optional<std::string> progress_json;
  std::optional<uint32_t> fault_code;
  std::optional<std::string> fault_message;
  std::optional<TimePoint> not_before;
  std::optional<TimePoint> lease_until;
  bool clear_claim = false;           // claimed_by/lease_until := NULL (back to queued, or final)
  bool sent = false;                  // sent_at := now, attempts += 1
  // Also record a device fault (device_faults, linked to the task) with this RPC name.
  std::string fault_rpc;
  std::string fault_detail_json;
};

// The device's running tasks, one at a time, at the start of a session: the caller decides what
// to do with each (acs/tasks/task_types.h Reconcile) from the Inform it just stored.
struct ReconcileDecision {
  // nullopt: leave the task as it is (another live session holds it, or it keeps waiting).
  std::optional<TaskUpdate> update;
  // true: the task continues in this session (claimed by it, e.g. to probe GetQueuedTransfers or
  // resend after a known non-delivery); the update should then set state running / phase claimed.
  bool continue_here = false;
};
using ReconcileFn = std::function<ReconcileDecision(const Task&)>;

struct SessionWork {
  std::vector<Task> tasks;          // claimed by this session, in order (continued ones first)
  std::vector<Task> settled;        // tasks the reconciliation made final (after the update)
};

// Notifications between nodes (PostgreSQL LISTEN/NOTIFY on channel "ruru_tasks"): a task was
// queued for a device, or a task became final.
struct TaskNotice {
  enum class Kind { kQueued, kSettled };
  Kind kind;
  int64_t device_id = 0;
  int64_t task_id = 0;
};

class TaskStore {
 public:
  virtual ~TaskStore() = default;

  // Stores a queued task and notifies (kQueued). kNotFound when the device does not exist;
  // kConflict when the idempotency key was used for a different request.
  virtual Result<CreatedTask> Create(const NewTask& task) = 0;
  virtual Result<Task> Get(int64_t task_id) = 0;
  virtual Result<std::vector<Task>> List(const TaskFilter& filter) = 0;
  // queued -> cancelled, or running/awaiting -> cancelled (stop waiting for the effect); a task
  // whose RPC may be on the wire now (claimed, sent) or a final one is kConflict. Notifies.
  virtual Result<Task> Cancel(int64_t task_id, TimePoint now) = 0;

  // At the start of a session of `device_id` (after its Inform committed): each running task is
  // passed to `reconcile` and updated as it decides (final ones are notified); then up to
  // `max_tasks` runnable queued tasks (not_before passed, not expired) are claimed for `claim`
  // ("<node>/<session>") with lease `lease_until`. One transaction; tasks another transaction holds
  // are skipped (FOR UPDATE SKIP LOCKED), so two nodes never claim one task.
  virtual Result<SessionWork> BeginSession(int64_t device_id, const std::string& claim, TimePoint now,
                                           TimePoint lease_until, int max_tasks, const ReconcileFn& reconcile) = 0;
  // Claims more runnable queued tasks for a session already going (new work arrived mid-session).
  virtual Result<std::vector<Task>> ClaimMore(int64_t device_id, const std::string& claim, TimePoint now,
                                              TimePoint lease_until, int max_tasks) = 0;

  // Applies `update` to a task this session holds. kConflict (nothing changed) when `claim` no
  // longer holds it (cancelled, or reconciled by another node after the lease ran out). Returns
  // the task after the update; a final one is notified.
  virtual Result<Task> Update(int64_t task_id, const std::string& claim, const TaskUpdate& update, TimePoint now) = 0;

  // The running task of `device_id` whose reconcile_key is `command_key` and whose type is one
  // of `types` (whoever holds it), updated: a TransferComplete / DUStateChangeComplete settles its
  // task. kNotFound when none.
  virtual Result<Task> SettleByKey(int64_t device_id, const std::string& command_key,
                                   const std::vector<std::string>& types, const TaskUpdate& update, TimePoint now) = 0;

  // The session of `device_id` ended: its tasks still "claimed" (nothing sent) go back to queued
  // (and are notified as queued). Tasks sent or awaiting keep their state for the next Inform. Returns how many were
  // given back.
  virtual Result<int64_t> ReleaseClaims(int64_t device_id, const std::string& claim, TimePoint now) = 0;

  // queued or running tasks past expires_at become expired (a running "sent"/"claimed" task only
  // once its lease ran out), at most `max_rows`. Returns the expired tasks (notified).
  virtual Result<std::vector<Task>> ExpireDue(TimePoint now, int max_rows) = 0;

  // Parameter values a task read from the device (GetParameterValues, refresh, AddObject), with
  // the writable flag when known (ParameterRecord::writable; nullopt keeps the stored flag). With
  // `replace_prefix` set, the stored parameters under it that are not in `params` are deleted
  // (removed instances) in the same transaction; returns how many were deleted.
  virtual Result<int64_t> StoreParameters(int64_t device_id, const std::vector<ParameterRecord>& params, TimePoint at,
                                 const std::optional<std::string>& replace_prefix) = 0;
  // Deletes the stored parameters whose path starts with `prefix` (DeleteObject). Returns how many.
  virtual Result<int64_t> RemoveParameters(int64_t device_id, const std::string& prefix) = 0;
};

// Receives TaskNotices from every node (this one included). Owns a dedicated connection on its own
// thread, reconnecting after a failure (notices sent while disconnected are lost: callers poll as
// a fallback). The callback runs on the listener thread and must not block.
class TaskListener {
 public:
  virtual ~TaskListener() = default;
  virtual void Stop() = 0;
  // True while LISTEN is established (for readiness and tests).
  virtual bool Listening() const = 0;
};

}  // namespace ruru::db
