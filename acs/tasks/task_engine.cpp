#include "acs/tasks/task_engine.h"

#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "acs/tasks/task_secrets.h"
#include "cwmp/json.h"

namespace ruru::acs::tasks {
namespace {

using nlohmann::json;
using Verdict = Reconciliation::Verdict;

std::string Sha256Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 15]);
  }
  return out;
}

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

bool PrintableAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

std::string_view VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kKeep: return "keep";
    case Verdict::kDone: return "done";
    case Verdict::kAwait: return "await";
    case Verdict::kRequeue: return "requeue";
    case Verdict::kProbe: return "probe";
  }
  return "keep";
}

}  // namespace

struct TaskEngine::Waiter {
  Waiter(asio::io_context& ioc, int64_t id, Clock::Instant deadline, std::function<void(bool)> done)
      : task_id(id), deadline(deadline), done(std::move(done)), timer(asio::make_strand(ioc)) {}
  int64_t task_id;
  Clock::Instant deadline;  // the engine's clock (monotonic)
  std::function<void(bool)> done;
  asio::steady_timer timer;
  std::atomic<bool> fired{false};
};

TaskEngine::TaskEngine(TaskEngineDeps deps)
    : deps_(std::move(deps)),
      node_id_(deps_.node_id),
      log_(spdlog::get("tasks") ? spdlog::get("tasks") : spdlog::default_logger()->clone("tasks")) {
  const config::TasksConfig& c = deps_.config->tasks;
  limits_.refresh_batch = c.refresh_batch;
  limits_.max_refresh_parameters = c.max_refresh_parameters;
  metrics::MetricsRegistry& m = *deps_.metrics;
  created_ = &m.GetCounter("ruru_tasks_created_total", "tasks created");
  sent_ = &m.GetCounter("ruru_task_rpcs_sent_total", "task RPCs sent to devices (first RPC of each attempt)");
  retried_ = &m.GetCounter("ruru_tasks_retried_total", "tasks queued again after a transient fault");
  probes_ = &m.GetCounter("ruru_task_probes_total", "interrupted tasks settled by asking the device");
}

TaskEngine::~TaskEngine() { Stop(); }

void TaskEngine::Start() {
  sweep_timer_ = std::make_unique<asio::steady_timer>(asio::make_strand(*deps_.ioc));
  ScheduleSweep();
}

void TaskEngine::Stop() {
  if (stopped_.exchange(true)) return;
  std::vector<std::shared_ptr<Waiter>> all;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, list] : waiters_) all.insert(all.end(), list.begin(), list.end());
  }
  for (auto& w : all) Fire(w, false);
}

db::TimePoint TaskEngine::Lease() const {
  const auto session = deps_.config->cwmp.session_timeout;
  return deps_.clock->Now() + std::max<std::chrono::seconds>(std::chrono::seconds(60), 2 * session);
}

void TaskEngine::Count(const db::Task& t) {
  const std::string key = t.type + "|" + std::string(db::ToString(t.state));
  metrics::Counter* c = nullptr;
  {
    std::lock_guard lock(metrics_mu_);
    metrics::Counter*& slot = finished_[key];
    if (slot == nullptr) {
      slot = &deps_.metrics->GetCounter("ruru_tasks_finished_total", "tasks that became final, by type and state",
                                        {{"type", t.type}, {"state", std::string(db::ToString(t.state))}});
    }
    c = slot;
  }
  c->Inc();
}

// ---- TaskService --------------------------------------------------------------------------------

Result<db::CreatedTask> TaskEngine::CreateTask(const TaskRequest& req) {
  const config::TasksConfig& c = deps_.config->tasks;
  const TaskTypeInfo* info = FindTaskType(req.type);
  auto args = ValidateTaskArgs(req.type, req.args, limits_);
  if (!args) return args.error();
  const auto expires_in = req.expires_in.value_or(c.default_expiry);
  if (expires_in.count() < 1 || expires_in > c.max_expiry) {
    return InvalidArgument("expires_in: must be 1.." + std::to_string(c.max_expiry.count()) + " seconds");
  }
  const int max_attempts = req.max_attempts.value_or(c.default_max_attempts);
  if (max_attempts < 1 || max_attempts > 100) return InvalidArgument("max_attempts: must be 1..100");
  if (req.idempotency_key.size() > 128 || !PrintableAscii(req.idempotency_key)) {
    return InvalidArgument("Idempotency-Key: 1..128 printable ASCII characters");
  }
  if (req.created_by.size() > 128) return InvalidArgument("created_by: too long");
  if (req.device_id <= 0) return NotFound("device " + std::to_string(req.device_id) + " not found");

  json canonical = {{"type", req.type}, {"args", *args}, {"hold_requests", req.hold_requests}};
  if (req.expires_in) canonical["expires_in"] = req.expires_in->count();
  if (req.max_attempts) canonical["max_attempts"] = *req.max_attempts;

  db::NewTask t;
  t.device_id = req.device_id;
  t.type = req.type;
  // Passwords and secret parameter values are stored sealed (acs/tasks/task_secrets.h); the
  // idempotency hash above is over the plain arguments, so a retried request still matches.
  t.args_json = Dump(deps_.secrets != nullptr ? SealTaskSecrets(*args, *deps_.secrets, req.device_id) : *args);
  t.reconcile_key = info->key == KeyKind::kNone ? std::string() : NewReconcileKey();
  t.hold_requests = req.hold_requests;
  t.max_attempts = max_attempts;
  t.now = deps_.clock->Now();
  t.expires_at = t.now + expires_in;
  t.created_by = req.created_by;
  t.idempotency_key = req.idempotency_key;
  t.request_hash = req.idempotency_key.empty() ? std::string() : Sha256Hex(Dump(canonical));
  auto created = deps_.tasks->Create(t);
  if (!created) return created.error();
  if (created->created) {
    created_->Inc();
    log_->info("[device={}] task {} ({}) queued by {}", req.device_id, created->task.id, req.type,
               req.created_by.empty() ? "?" : req.created_by);
    // A session of the device on this node learns of it now, before the caller gets its answer;
    // the NOTIFY of the insert tells the other nodes (and this one again, which is harmless).
    OnNotice({db::TaskNotice::Kind::kQueued, req.device_id, created->task.id});
  }
  return created;
}

void TaskEngine::Kick(int64_t device_id, std::function<void(KickResult)> done) {
  auto start = std::chrono::steady_clock::now();
  asio::post(*deps_.db_pool, [this, device_id, done = std::move(done), start]() mutable {
    auto finish = [done, start](std::string status, std::string detail, int http = 0) {
      KickResult r{std::move(status), std::move(detail), http,
                   std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start)
                       .count()};
      done(std::move(r));
    };
    auto device = deps_.devices->Get(device_id);
    if (!device) {
      if (device.error().code == ErrorCode::kNotFound) return finish("not_found", "no such device");
      return finish("unreachable", "inventory: " + device.error().message);
    }
    if (device->connection_request_url.empty()) {
      return finish("no_url", "the device never reported a ConnectionRequestURL");
    }
    std::vector<db::ConnectionRequestSecret> secrets;
    if (device->connection_request) secrets.push_back(*device->connection_request);
    if (device->pending_connection_request) secrets.push_back(*device->pending_connection_request);
    std::vector<connreq::ConnectionRequestTarget> targets;
    std::string why;
    for (const auto& s : secrets) {
      auto password = deps_.secrets->Open(s.key_id, s.password_ciphertext, "cr:" + std::to_string(device_id));
      if (!password) {
        why = "stored connection-request password cannot be decrypted (key id " + s.key_id + ")";
        continue;
      }
      connreq::ConnectionRequestTarget t;
      t.url = device->connection_request_url;
      t.username = s.username;
      t.password = std::move(*password);
      t.basic = config::UsesBasicAuth(deps_.config->connection_request.basic_auth_models, device->key.oui,
                                      device->key.product_class);
      t.label = device->key.oui + "-" + device->key.product_class + "-" + device->key.serial_number;
      targets.push_back(std::move(t));
    }
    if (targets.empty()) {
      return finish("no_credentials",
                    why.empty() ? "acsd holds no connection-request credentials for this device (it has not "
                                  "bootstrapped with credential rotation on)"
                                : why);
    }
    if (deps_.requester == nullptr) return finish("unreachable", "connection requests are disabled");
    // The confirmed credentials first; when they are refused and new ones are pending (sent but not
    // yet confirmed), the device may already use the new ones.
    auto shared_targets = std::make_shared<std::vector<connreq::ConnectionRequestTarget>>(std::move(targets));
    auto attempt = std::make_shared<std::function<void(size_t)>>();
    *attempt = [this, shared_targets, attempt, finish](size_t i) {
      connreq::ConnectionRequestTarget t = (*shared_targets)[i];
      deps_.requester->Send(std::move(t), [shared_targets, attempt, finish, i](connreq::ConnectionRequestResult r) {
        if (r.outcome == connreq::ConnectionRequestResult::Outcome::kAuthFailed && i + 1 < shared_targets->size()) {
          (*attempt)(i + 1);
          return;
        }
        finish(std::string(ToString(r.outcome)), r.detail, r.http_status);
        *attempt = nullptr;  // breaks the self-reference
      });
    };
    (*attempt)(0);
  });
}

void TaskEngine::WaitFinal(int64_t task_id, std::chrono::milliseconds timeout, std::function<void(bool)> done) {
  auto w = std::make_shared<Waiter>(*deps_.ioc, task_id, deps_.clock->Monotonic() + timeout, std::move(done));
  if (stopped_) {
    Fire(w, false);
    return;
  }
  {
    std::lock_guard lock(mu_);
    waiters_[task_id].push_back(w);
  }
  Poll(w);  // it may be final already
}

// Checks the task in the store (the fallback when a notice was missed), then waits up to 2 s or
// the deadline for a notice.
void TaskEngine::Poll(const std::shared_ptr<Waiter>& w) {
  asio::post(*deps_.db_pool, [this, w] {
    if (w->fired) return;
    auto task = deps_.tasks->Get(w->task_id);
    if (task.ok() && db::IsFinal(task->state)) return Fire(w, true);
    if (!task.ok() && task.error().code == ErrorCode::kNotFound) return Fire(w, true);  // deleted: nothing to wait for
    const Clock& clock = *deps_.clock;
    if (clock.Reached(w->deadline) || stopped_) return Fire(w, false);
    const auto wait = std::min<Clock::Duration>(clock.TimerDelay(w->deadline), std::chrono::seconds(2));
    asio::post(w->timer.get_executor(), [this, w, wait] {
      w->timer.expires_after(wait);
      w->timer.async_wait([this, w](const boost::system::error_code&) {
        if (!w->fired) Poll(w);
      });
    });
  });
}

void TaskEngine::Fire(const std::shared_ptr<Waiter>& w, bool final) {
  if (w->fired.exchange(true)) return;
  {
    std::lock_guard lock(mu_);
    auto it = waiters_.find(w->task_id);
    if (it != waiters_.end()) {
      std::erase(it->second, w);
      if (it->second.empty()) waiters_.erase(it);
    }
  }
  asio::post(w->timer.get_executor(), [w] { w->timer.cancel(); });
  w->done(final);
}

void TaskEngine::OnNotice(const db::TaskNotice& n) {
  if (n.kind == db::TaskNotice::Kind::kQueued) {
    std::lock_guard lock(mu_);
    if (watched_.count(n.device_id) > 0) new_work_[n.device_id] = true;
    return;
  }
  std::vector<std::shared_ptr<Waiter>> ready;
  {
    std::lock_guard lock(mu_);
    auto it = waiters_.find(n.task_id);
    if (it != waiters_.end()) ready = it->second;
  }
  for (auto& w : ready) Fire(w, true);
}

// Sweeps keep a fixed cadence in the engine's clock: every tasks.expiry_interval after the first
// (Start + interval), whenever the previous one finished; a sweep that ends more than an interval
// late starts the cadence again from now rather than running back to back. The real timer re-arms
// until the clock reaches the deadline (at once with the system clock, polling with a manual one).
void TaskEngine::ScheduleSweep() {
  if (stopped_) return;
  const auto interval = deps_.config->tasks.expiry_interval;
  const auto now = deps_.clock->Monotonic();
  if (next_sweep_ == Clock::Instant{}) {
    next_sweep_ = now + interval;  // the first
  } else {
    next_sweep_ += interval;
    if (next_sweep_ + interval <= now) next_sweep_ = now + interval;
  }
  ArmSweep();
}

void TaskEngine::ArmSweep() {
  sweep_timer_->expires_after(deps_.clock->TimerDelay(next_sweep_));
  sweep_timer_->async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    if (!deps_.clock->Reached(next_sweep_)) return ArmSweep();
    asio::post(*deps_.db_pool, [this] {
      for (int round = 0; round < 10 && !stopped_; ++round) {
        auto expired = deps_.tasks->ExpireDue(deps_.clock->Now(), 1000);
        if (!expired) break;
        for (const db::Task& t : *expired) {
          Count(t);
          log_->info("[device={}] task {} ({}) expired", t.device_id, t.id, t.type);
          AuditExpiry(t);
        }
        if (expired->size() < 1000) break;
      }
      asio::post(sweep_timer_->get_executor(), [this] { ScheduleSweep(); });
    });
  });
}

// The server's own decision, in the audit log (docs/security.md): actor acsd:<node>.
void TaskEngine::AuditExpiry(const db::Task& t) {
  if (deps_.audit == nullptr) return;
  db::AuditEntry e;
  e.at = deps_.clock->Now();
  e.actor = "acsd:" + node_id_;
  e.action = "tasks.expire";
  e.target = "task:" + std::to_string(t.id);
  e.device_id = t.device_id;
  e.params_json = json{{"type", t.type}, {"created_by", t.created_by}}.dump(-1, ' ', false, json::error_handler_t::replace);
  e.result = "ok";
  if (auto r = deps_.audit->Append(e); !r.ok()) {
    log_->error("audit entry of task {}'s expiry not written: {}", t.id, r.error().message);
  }
}

// ---- Sessions -----------------------------------------------------------------------------------

bool TaskEngine::Stale(const db::Task& t) const {
  if (t.claimed_by.empty()) return true;
  const size_t slash = t.claimed_by.rfind('/');
  const std::string node = slash == std::string::npos ? t.claimed_by : t.claimed_by.substr(0, slash);
  if (node == node_id_) {
    const std::string session = slash == std::string::npos ? std::string() : t.claimed_by.substr(slash + 1);
    return !(deps_.session_live && deps_.session_live(session));
  }
  return !t.lease_until || *t.lease_until <= deps_.clock->Now();
}

db::ReconcileDecision TaskEngine::Decide(const db::Task& t, const InformFacts& facts) {
  const Reconciliation r = Reconcile(t, facts, Stale(t));
  db::ReconcileDecision d;
  if (r.verdict != Verdict::kKeep) {
    log_->info("[device={}] task {} ({}, {}): {} — {}", t.device_id, t.id, t.type, db::ToString(t.phase),
               VerdictName(r.verdict), r.why);
    metrics::Counter* c = nullptr;
    {
      std::lock_guard lock(metrics_mu_);
      metrics::Counter*& slot = reconciled_[std::string(VerdictName(r.verdict))];
      if (slot == nullptr) {
        slot = &deps_.metrics->GetCounter("ruru_tasks_reconciled_total",
                                          "interrupted tasks settled at the device's next Inform, by verdict",
                                          {{"verdict", std::string(VerdictName(r.verdict))}});
      }
      c = slot;
    }
    c->Inc();
  }
  switch (r.verdict) {
    case Verdict::kKeep:
      break;
    case Verdict::kDone: {
      db::TaskUpdate u;
      u.state = db::TaskState::kDone;
      u.result_json = Dump(r.result);
      u.clear_claim = true;
      d.update = u;
      break;
    }
    case Verdict::kAwait: {
      db::TaskUpdate u;
      u.phase = db::TaskPhase::kAwaiting;
      u.clear_claim = true;
      d.update = u;
      break;
    }
    case Verdict::kRequeue: {
      db::TaskUpdate u;
      if (t.phase != db::TaskPhase::kClaimed && t.attempts >= t.max_attempts) {
        u.state = db::TaskState::kFault;
        u.fault_code = kFaultNotDelivered;
        u.fault_message = "sent " + std::to_string(t.attempts) + " times without a known answer (max_attempts)";
      } else {
        u.state = db::TaskState::kQueued;
      }
      u.clear_claim = true;
      d.update = u;
      break;
    }
    case Verdict::kProbe:
      d.continue_here = true;
      probes_->Inc();
      break;
  }
  return d;
}

Result<db::SessionWork> TaskEngine::BeginSession(int64_t device_id, const std::string& session_id,
                                                 const InformFacts& facts) {
  auto work = deps_.tasks->BeginSession(device_id, ClaimOf(session_id), deps_.clock->Now(), Lease(),
                                        deps_.config->tasks.max_per_session,
                                        [&](const db::Task& t) { return Decide(t, facts); });
  if (!work) return work.error();
  for (const db::Task& t : work->settled) {
    Count(t);
    log_->info("[device={}] task {} ({}) {} (settled from the Inform)", device_id, t.id, t.type,
               db::ToString(t.state));
  }
  return work;
}

Result<std::vector<db::Task>> TaskEngine::ClaimMore(int64_t device_id, const std::string& session_id) {
  return deps_.tasks->ClaimMore(device_id, ClaimOf(session_id), deps_.clock->Now(), Lease(),
                                deps_.config->tasks.max_per_session);
}

Result<db::Task> TaskEngine::MarkSent(const db::Task& task, const std::string& session_id) {
  db::TaskUpdate u;
  u.phase = db::TaskPhase::kSent;
  u.sent = true;
  u.lease_until = Lease();
  auto r = deps_.tasks->Update(task.id, ClaimOf(session_id), u, deps_.clock->Now());
  if (r.ok()) sent_->Inc();
  return r;
}

Result<db::Task> TaskEngine::Finish(const db::Task& task, const std::string& session_id, const TaskOutcome& o,
                                    bool* run_again) {
  *run_again = false;
  const auto now = deps_.clock->Now();
  db::TaskUpdate u;
  using K = TaskOutcome::Kind;
  switch (o.kind) {
    case K::kDone: {
      if (!o.store.empty() || o.replace_prefix) {
        auto stored = deps_.tasks->StoreParameters(task.device_id, o.store, now, o.replace_prefix);
        if (!stored) return stored.error();
      }
      if (o.remove_prefix) {
        auto removed = deps_.tasks->RemoveParameters(task.device_id, *o.remove_prefix);
        if (!removed) return removed.error();
      }
      u.state = db::TaskState::kDone;
      u.result_json = Dump(o.result);
      u.clear_claim = true;
      break;
    }
    case K::kAwaiting:
      u.phase = db::TaskPhase::kAwaiting;
      if (!o.result.empty()) u.result_json = Dump(o.result);
      u.clear_claim = true;
      break;
    case K::kFault: {
      u.fault_code = o.fault_code;
      u.fault_message = o.fault_message;
      u.fault_rpc = o.fault_rpc;
      u.fault_detail_json = o.fault_detail;
      if (!o.result.empty()) u.result_json = Dump(o.result);
      u.clear_claim = true;
      if (IsTransientFault(o.fault_code) && task.attempts < task.max_attempts) {
        u.state = db::TaskState::kQueued;
        u.not_before = now + RetryBackoff(task.attempts, deps_.config->tasks.retry_base, deps_.config->tasks.retry_max);
        retried_->Inc();
        log_->info("[device={}] task {} ({}) fault {} '{}': transient, retried after back-off (attempt {}/{})",
                   task.device_id, task.id, task.type, o.fault_code, o.fault_message, task.attempts,
                   task.max_attempts);
      } else {
        u.state = db::TaskState::kFault;
      }
      break;
    }
    case K::kRequeue:
      if (task.attempts >= task.max_attempts) {
        u.state = db::TaskState::kFault;
        u.fault_code = kFaultNotDelivered;
        u.fault_message = "sent " + std::to_string(task.attempts) + " times, never arrived (max_attempts)";
        u.clear_claim = true;
      } else {
        *run_again = true;  // still ours: the session sends it again now
        return task;
      }
      break;
    case K::kKeep:
      u.clear_claim = true;  // stays "sent" for the next Inform
      break;
  }
  auto r = deps_.tasks->Update(task.id, ClaimOf(session_id), u, now);
  if (!r) return r.error();
  if (db::IsFinal(r->state)) {
    Count(*r);
    if (r->state == db::TaskState::kFault) {
      log_->info("[device={}] task {} ({}) fault {} '{}'", task.device_id, task.id, task.type, o.fault_code,
                 o.fault_message);
    } else {
      log_->info("[device={}] task {} ({}) {}", task.device_id, task.id, task.type, db::ToString(r->state));
    }
  }
  return r;
}

std::optional<db::Task> TaskEngine::SettleReport(int64_t device_id, const cwmp::Body& report) {
  TaskOutcome o;
  std::string key;
  if (const auto* tc = std::get_if<cwmp::TransferComplete>(&report)) {
    o = OutcomeOfTransferComplete(*tc);
    key = tc->command_key;
  } else if (const auto* du = std::get_if<cwmp::DUStateChangeComplete>(&report)) {
    o = OutcomeOfDuStateChangeComplete(*du);
    key = du->command_key;
  } else {
    return std::nullopt;
  }
  if (key.empty()) return std::nullopt;
  const auto types = TypesCompletedBy(cwmp::RpcName(report));
  auto current = deps_.tasks->List(db::TaskFilter{device_id, db::TaskState::kRunning, 0, 100});
  std::optional<db::Task> task;
  if (current) {
    for (const db::Task& t : *current) {
      if (t.reconcile_key == key && std::find(types.begin(), types.end(), t.type) != types.end()) task = t;
    }
  }
  if (!task) return std::nullopt;
  db::TaskUpdate u;
  u.result_json = Dump(o.result);
  u.clear_claim = true;
  if (o.kind == TaskOutcome::Kind::kFault) {
    u.fault_code = o.fault_code;
    u.fault_message = o.fault_message;
    u.fault_rpc = o.fault_rpc;
    u.fault_detail_json = o.fault_detail;
    if (IsTransientFault(o.fault_code) && task->attempts < task->max_attempts) {
      u.state = db::TaskState::kQueued;
      u.not_before = deps_.clock->Now() +
                     RetryBackoff(task->attempts, deps_.config->tasks.retry_base, deps_.config->tasks.retry_max);
      retried_->Inc();
    } else {
      u.state = db::TaskState::kFault;
    }
  } else {
    u.state = db::TaskState::kDone;
  }
  auto settled = deps_.tasks->SettleByKey(device_id, key, types, u, deps_.clock->Now());
  if (!settled) return std::nullopt;
  if (db::IsFinal(settled->state)) Count(*settled);
  log_->info("[device={}] task {} ({}) {} by its {}", device_id, settled->id, settled->type,
             db::ToString(settled->state), cwmp::RpcName(report));
  return *settled;
}

void TaskEngine::Release(int64_t device_id, const std::string& session_id) {
  auto n = deps_.tasks->ReleaseClaims(device_id, ClaimOf(session_id), deps_.clock->Now());
  if (n.ok() && *n > 0) log_->debug("session {}: {} unsent tasks back to the queue", session_id, *n);
}

void TaskEngine::Watch(int64_t device_id) {
  std::lock_guard lock(mu_);
  ++watched_[device_id];
}

void TaskEngine::Unwatch(int64_t device_id) {
  std::lock_guard lock(mu_);
  auto it = watched_.find(device_id);
  if (it == watched_.end()) return;
  if (--it->second <= 0) {
    watched_.erase(it);
    new_work_.erase(device_id);
  }
}

bool TaskEngine::TakeNewWork(int64_t device_id) {
  std::lock_guard lock(mu_);
  auto it = new_work_.find(device_id);
  if (it == new_work_.end() || !it->second) return false;
  new_work_.erase(it);
  return true;
}

}  // namespace ruru::acs::tasks
