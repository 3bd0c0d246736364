// The task engine (docs/tasks.md): the TaskService the REST API uses (create, kick, wait), and
// what the CWMP endpoint calls during a session (claim the device's tasks, settle interrupted ones
// from the Inform, record what each RPC did). It stores decisions made by task_types.h; the
// session itself (which message goes when) stays in cwmp_endpoint.cpp.
//
// Several nodes: a task is held by one session ("<node>/<session>", with a lease); notices from
// other nodes arrive through the TaskListener (OnNotice). A session on this node learns that a task
// was queued for its device mid-session (TakeNewWork), and API waiters learn that a task became
// final wherever it was settled.
//
// Threading: thread-safe. Methods marked "blocking" talk to PostgreSQL: call them from a database
// thread. Kick and WaitFinal never block.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "acs/access/secret_box.h"
#include "acs/config/config.h"
#include "acs/connreq/connection_requester.h"
#include "acs/metrics/metrics.h"
#include "acs/tasks/task_service.h"
#include "acs/tasks/task_types.h"
#include "base/asio.h"
#include "base/clock.h"
#include "db/audit_store.h"
#include "db/inventory.h"
#include "db/task_store.h"

namespace spdlog {
class logger;
}

namespace ruru::acs::tasks {

struct TaskEngineDeps {
  const config::Config* config = nullptr;
  db::DeviceStore* devices = nullptr;
  db::TaskStore* tasks = nullptr;
  connreq::ConnectionRequester* requester = nullptr;  // may be null: Kick answers "unreachable"
  const access::SecretBox* secrets = nullptr;
  metrics::MetricsRegistry* metrics = nullptr;
  const Clock* clock = nullptr;
  asio::io_context* ioc = nullptr;           // timers (waiters, expiry sweep)
  asio::thread_pool* db_pool = nullptr;      // blocking store calls of Kick/WaitFinal/the sweep
  std::string node_id;                       // this node in claims ("host:port")
  db::AuditStore* audit = nullptr;           // the engine's own decisions (expiry) are written here
  // Whether a session of this node is still alive (its claims are not stale). Set before Start.
  std::function<bool(const std::string& session_id)> session_live;
};

class TaskEngine final : public TaskService {
 public:
  explicit TaskEngine(TaskEngineDeps deps);
  ~TaskEngine() override;

  // Starts the expiry sweep (tasks.expiry_interval). Stop ends it and fails pending waiters
  // (done(false)). Idempotent.
  void Start();
  void Stop();

  // ---- TaskService (the API) ------------------------------------------------------------------
  Result<db::CreatedTask> CreateTask(const TaskRequest& request) override;  // blocking
  void Kick(int64_t device_id, std::function<void(KickResult)> done) override;
  void WaitFinal(int64_t task_id, std::chrono::milliseconds timeout, std::function<void(bool)> done) override;

  // A notice from any node (the TaskListener's thread). Never blocks.
  void OnNotice(const db::TaskNotice& notice);

  // ---- Sessions ---------------------------------------------------------------------------------
  const std::string& node_id() const { return node_id_; }
  std::string ClaimOf(const std::string& session_id) const { return node_id_ + "/" + session_id; }
  const TaskLimits& limits() const { return limits_; }

  // Blocking. The Inform of `device_id` committed and its pending work was > 0: settles the
  // device's running tasks from `facts` and claims its due tasks for the session. The returned
  // tasks run in order; one whose phase is kSent is continued with a probe (TaskRunner probe).
  Result<db::SessionWork> BeginSession(int64_t device_id, const std::string& session_id, const InformFacts& facts);
  // Blocking. Claims tasks queued since (TakeNewWork said so).
  Result<std::vector<db::Task>> ClaimMore(int64_t device_id, const std::string& session_id);
  // Blocking. The task's RPC is about to go on the wire (phase sent, one attempt more, lease
  // renewed). kConflict: the session no longer holds the task (cancelled ...): do not send it.
  Result<db::Task> MarkSent(const db::Task& task, const std::string& session_id);
  // Blocking. Records what a runner ended with: parameters into the inventory, then the task's new
  // state (transient faults are retried with back-off while attempts remain). For kRequeue the
  // task is left claimed and `run_again` is set when it may be sent again in this session.
  Result<db::Task> Finish(const db::Task& task, const std::string& session_id, const TaskOutcome& outcome,
                          bool* run_again);
  // Blocking. A TransferComplete / DUStateChangeComplete settles its task (by CommandKey). Returns
  // the task when one matched.
  std::optional<db::Task> SettleReport(int64_t device_id, const cwmp::Body& report);
  // Blocking. The session ended: tasks it claimed but did not send go back to the queue.
  void Release(int64_t device_id, const std::string& session_id);

  // Sessions of this node say which device they serve, to hear about tasks queued mid-session.
  void Watch(int64_t device_id);
  void Unwatch(int64_t device_id);
  bool TakeNewWork(int64_t device_id);  // true once after a task was queued for a watched device

 private:
  struct Waiter;
  db::ReconcileDecision Decide(const db::Task& task, const InformFacts& facts);
  bool Stale(const db::Task& task) const;
  void Poll(const std::shared_ptr<Waiter>& w);
  void ArmSweep();
  void Fire(const std::shared_ptr<Waiter>& w, bool final);
  void ScheduleSweep();
  void AuditExpiry(const db::Task& task);
  void Count(const db::Task& task);
  db::TimePoint Lease() const;

  TaskEngineDeps deps_;
  const std::string node_id_;
  TaskLimits limits_;
  std::shared_ptr<spdlog::logger> log_;
  std::atomic<bool> stopped_{false};
  std::unique_ptr<asio::steady_timer> sweep_timer_;
  Clock::Instant next_sweep_{};  // on the sweep timer's strand only

  std::mutex mu_;  // guards the maps below
  std::unordered_map<int64_t, std::vector<std::shared_ptr<Waiter>>> waiters_;
  std::unordered_map<int64_t, int> watched_;      // device id -> sessions watching
  std::unordered_map<int64_t, bool> new_work_;    // device id -> a task was queued

  metrics::Counter* created_ = nullptr;
  metrics::Counter* sent_ = nullptr;
  metrics::Counter* retried_ = nullptr;
  metrics::Counter* probes_ = nullptr;
  std::mutex metrics_mu_;
  std::unordered_map<std::string, metrics::Counter*> finished_;    // "type|state"
  std::unordered_map<std::string, metrics::Counter*> reconciled_;  // verdict
};

}  // namespace ruru::acs::tasks
