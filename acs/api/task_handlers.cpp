// Tasks (create, kick, wait, list, cancel), faults and the OpenAPI document.
#include <mutex>

#include "acs/api/handlers.h"
#include "acs/api/values.h"
#include "acs/tasks/task_types.h"

namespace ruru::acs::api {
namespace {

// What happened while the API waited after creating a task.
struct KickAndWait {
  std::optional<tasks::KickResult> kick;
  bool final = false;
};

// Starts TaskService::Kick and/or WaitFinal and calls `done` once both answered.
struct KickAndWaitStart {
  tasks::TaskService* service;
  int64_t device_id;
  int64_t task_id;
  bool kick;
  std::chrono::milliseconds wait;

  template <class Done>
  void operator()(Done done) const {
    struct Join {
      std::mutex mu;
      int pending = 0;
      KickAndWait out;
    };
    auto join = std::make_shared<Join>();
    join->pending = (kick ? 1 : 0) + (wait.count() > 0 ? 1 : 0);
    if (join->pending == 0) {
      done(KickAndWait{});
      return;
    }
    // The last of the two callbacks (on the service's thread) completes the wait.
    auto finish_one = [join, done](auto&& store) mutable {
      bool last;
      {
        std::lock_guard lock(join->mu);
        store(join->out);
        last = --join->pending == 0;
      }
      if (last) done(std::move(join->out));
    };
    if (kick) {
      service->Kick(device_id, [finish_one](tasks::KickResult r) mutable {
        finish_one([&r](KickAndWait& out) { out.kick = std::move(r); });
      });
    }
    if (wait.count() > 0) {
      service->WaitFinal(task_id, wait, [finish_one](bool final) mutable {
        finish_one([final](KickAndWait& out) { out.final = final; });
      });
    }
  }
};

struct WaitStart {
  tasks::TaskService* service;
  int64_t task_id;
  std::chrono::milliseconds wait;
  template <class Done>
  void operator()(Done done) const {
    service->WaitFinal(task_id, wait, [done](bool final) mutable { done(final); });
  }
};

// Idempotency-Key: 1..128 printable ASCII characters.
Result<std::string> IdempotencyKey(const web::Request& req) {
  const size_t n = req.headers.Count("Idempotency-Key");
  if (n == 0) return std::string();
  if (n > 1) return InvalidArgument("Idempotency-Key: given more than once");
  const std::string_view value = req.headers.Get("Idempotency-Key");
  if (value.empty() || value.size() > 128) return InvalidArgument("Idempotency-Key: 1 to 128 printable ASCII characters");
  for (char c : value) {
    if (c < 0x20 || c > 0x7e) return InvalidArgument("Idempotency-Key: 1 to 128 printable ASCII characters");
  }
  return std::string(value.data(), value.size());
}

Result<tasks::TaskRequest> TaskRequestFrom(const nlohmann::json& body) {
  tasks::TaskRequest req;
  bool has_type = false;
  for (auto it = body.begin(); it != body.end(); ++it) {
    const std::string& key = it.key();
    const nlohmann::json& v = *it;
    if (key == "type") {
      if (!v.is_string()) return InvalidArgument("type: must be a string");
      if (Status st = CheckText(v.get_ref<const std::string&>(), 64, "type"); !st.ok()) return st.error();
      req.type = v.get<std::string>();
      has_type = true;
    } else if (key == "args") {
      if (!v.is_object()) return InvalidArgument("args: must be an object");
      req.args = v;
    } else if (key == "expires_in") {
      if (!v.is_number_integer() || v.get<int64_t>() < 1 || v.get<int64_t>() > int64_t{3650} * 86400 ||
          (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t{3650} * 86400)) {
        return InvalidArgument("expires_in: whole seconds, at least 1 (at most tasks.max_expiry)");
      }
      req.expires_in = std::chrono::seconds(v.get<int64_t>());
    } else if (key == "max_attempts") {
      if (!v.is_number_integer() || v.get<int64_t>() < 1 || v.get<int64_t>() > 100 ||
          (v.is_number_unsigned() && v.get<uint64_t>() > 100)) {
        return InvalidArgument("max_attempts: an integer from 1 to 100");
      }
      req.max_attempts = static_cast<int>(v.get<int64_t>());
    } else if (key == "hold_requests") {
      if (!v.is_boolean()) return InvalidArgument("hold_requests: must be true or false");
      req.hold_requests = v.get<bool>();
    } else {
      return InvalidArgument("unknown key '" + key.substr(0, 32) +
                             "' (expected type, args, expires_in, max_attempts, hold_requests)");
    }
  }
  if (!has_type) return InvalidArgument("type: required");
  return req;
}

Reply TaskReply(const db::Task& task, web::Status status) {
  Reply r = JsonReply(TaskJson(task), status);
  r.headers.emplace_back("Location", "/api/v1/tasks/" + std::to_string(task.id));
  return r;
}

asio::awaitable<Result<db::Task>> ReadTask(ApiCore& core, int64_t task_id) {
  db::TaskStore* tasks = core.deps().tasks;
  auto read = [tasks, task_id] { return tasks->Get(task_id); };
  co_return co_await net::OnPool(core.pool(), std::move(read));
}

}  // namespace

asio::awaitable<Reply> CreateTask(ApiCore& core, Call& call) {
  auto id = PathId(call);
  if (!id.ok()) co_return BadRequest(id.error().message);
  auto wait = QueryWait(core, call);
  if (!wait.ok()) co_return BadRequest(wait.error().message);
  bool connection_request = false;
  if (auto it = call.query.find("connection_request"); it != call.query.end()) {
    auto b = ParseBool(it->second, "connection_request");
    if (!b.ok()) co_return BadRequest(b.error().message);
    connection_request = *b;
  }
  auto key = IdempotencyKey(*call.request);
  if (!key.ok()) co_return BadRequest(key.error().message);
  auto request = TaskRequestFrom(call.body);
  if (!request.ok()) co_return BadRequest(request.error().message);
  // The route lets a role create some tasks; this type needs its own permission. An unknown type
  // is the task service's 400.
  if (const tasks::TaskTypeInfo* type = tasks::FindTaskType(request->type); type != nullptr) {
    call.audit_action = std::string(type->action);
    if (auto refused = Authorize(call, type->action)) co_return std::move(*refused);
  }
  request->device_id = *id;
  request->created_by = call.token.name;
  request->idempotency_key = std::move(*key);

  tasks::TaskService* service = core.deps().task_service;
  const tasks::TaskRequest& req = *request;
  auto create = [service, &req] { return service->CreateTask(req); };
  Result<db::CreatedTask> created = co_await net::OnPool(core.pool(), std::move(create));
  if (!created.ok()) co_return StoreErrorReply(created.error(), "idempotency_conflict");
  db::Task task = std::move(created->task);

  std::optional<tasks::KickResult> kick;
  if (!db::IsFinal(task.state) && (connection_request || wait->count() > 0)) {
    KickAndWaitStart start{service, task.device_id, task.id, connection_request,
                           std::chrono::duration_cast<std::chrono::milliseconds>(*wait)};
    std::optional<KickAndWait> waited = co_await net::AsyncCallback<KickAndWait>(std::move(start));
    kick = std::move(waited->kick);
    if (wait->count() > 0) {
      Result<db::Task> again = co_await ReadTask(core, task.id);
      if (!again.ok()) co_return StoreErrorReply(again.error());
      task = std::move(*again);
    }
  }
  const web::Status status = db::IsFinal(task.state)                  ? web::Status::kOk
                             : created->created && wait->count() == 0 ? web::Status::kCreated
                                                                      : web::Status::kAccepted;
  Reply r = TaskReply(task, status);
  (*r.body)["connection_request"] = kick ? KickJson(*kick) : Json(nullptr);
  co_return r;
}

asio::awaitable<Reply> ListTasks(ApiCore& core, Call& call) {
  db::TaskFilter filter;
  auto device = QueryId(call, "device");
  if (!device.ok()) co_return BadRequest(device.error().message);
  filter.device_id = *device;
  if (auto it = call.query.find("state"); it != call.query.end()) {
    filter.state = db::ParseTaskState(it->second);
    if (!filter.state) {
      co_return BadRequest("state: one of queued, running, done, fault, expired, cancelled");
    }
  }
  auto limit = QueryLimit(call);
  if (!limit.ok()) co_return BadRequest(limit.error().message);
  auto cursor = QueryCursor(call, 't');
  if (!cursor.ok()) co_return BadRequest(cursor.error().message);
  filter.limit = *limit;
  filter.before_id = cursor->value_or(0);
  db::TaskStore* tasks = core.deps().tasks;
  const db::TaskFilter& f = filter;
  auto list = [tasks, &f] { return tasks->List(f); };
  Result<std::vector<db::Task>> found = co_await net::OnPool(core.pool(), std::move(list));
  if (!found.ok()) co_return StoreErrorReply(found.error());
  Json items = Json::array();
  for (const db::Task& t : *found) items.push_back(TaskJson(t));
  co_return JsonReply(Page(std::move(items), *limit, 't', found->empty() ? 0 : found->back().id));
}

asio::awaitable<Reply> GetTask(ApiCore& core, Call& call) {
  auto id = PathId(call);
  if (!id.ok()) co_return BadRequest(id.error().message);
  auto wait = QueryWait(core, call);
  if (!wait.ok()) co_return BadRequest(wait.error().message);
  Result<db::Task> task = co_await ReadTask(core, *id);
  if (!task.ok()) co_return StoreErrorReply(task.error());
  if (!db::IsFinal(task->state) && wait->count() > 0) {
    WaitStart start{core.deps().task_service, *id, std::chrono::duration_cast<std::chrono::milliseconds>(*wait)};
    (void)co_await net::AsyncCallback<bool>(std::move(start));
    task = co_await ReadTask(core, *id);
    if (!task.ok()) co_return StoreErrorReply(task.error());
  }
  co_return TaskReply(*task, web::Status::kOk);
}

asio::awaitable<Reply> CancelTask(ApiCore& core, Call& call) {
  auto id = PathId(call);
  if (!id.ok()) co_return BadRequest(id.error().message);
  db::TaskStore* tasks = core.deps().tasks;
  const int64_t task_id = *id;
  const db::TimePoint now = core.Now();
  auto cancel = [tasks, task_id, now] { return tasks->Cancel(task_id, now); };
  Result<db::Task> task = co_await net::OnPool(core.pool(), std::move(cancel));
  if (!task.ok()) co_return StoreErrorReply(task.error(), "task_not_cancellable");
  co_return JsonReply(TaskJson(*task));
}

asio::awaitable<Reply> ListFaults(ApiCore& core, Call& call) {
  db::FaultQuery query;
  auto device = QueryId(call, "device");
  if (!device.ok()) co_return BadRequest(device.error().message);
  auto task = QueryId(call, "task");
  if (!task.ok()) co_return BadRequest(task.error().message);
  auto limit = QueryLimit(call);
  if (!limit.ok()) co_return BadRequest(limit.error().message);
  auto cursor = QueryCursor(call, 'f');
  if (!cursor.ok()) co_return BadRequest(cursor.error().message);
  query.device_id = *device;
  query.task_id = *task;
  query.limit = *limit;
  query.before_id = cursor->value_or(0);
  db::DeviceAdmin* admin = core.deps().admin;
  const db::FaultQuery& q = query;
  auto list = [admin, &q] { return admin->ListFaults(q); };
  Result<std::vector<db::StoredFault>> found = co_await net::OnPool(core.pool(), std::move(list));
  if (!found.ok()) co_return StoreErrorReply(found.error());
  Json items = Json::array();
  for (const db::StoredFault& f : *found) items.push_back(FaultJson(f));
  co_return JsonReply(Page(std::move(items), *limit, 'f', found->empty() ? 0 : found->back().id));
}

asio::awaitable<Reply> GetFault(ApiCore& core, Call& call) {
  auto id = PathId(call);
  if (!id.ok()) co_return BadRequest(id.error().message);
  db::DeviceAdmin* admin = core.deps().admin;
  const int64_t fault_id = *id;
  auto read = [admin, fault_id] { return admin->GetFault(fault_id); };
  Result<db::StoredFault> fault = co_await net::OnPool(core.pool(), std::move(read));
  if (!fault.ok()) co_return StoreErrorReply(fault.error());
  co_return JsonReply(FaultJson(*fault));
}

asio::awaitable<Reply> DeleteFault(ApiCore& core, Call& call) {
  auto id = PathId(call);
  if (!id.ok()) co_return BadRequest(id.error().message);
  db::DeviceAdmin* admin = core.deps().admin;
  const int64_t fault_id = *id;
  auto remove = [admin, fault_id] { return admin->DeleteFault(fault_id); };
  Status st = co_await net::OnPool(core.pool(), std::move(remove));
  if (!st.ok()) co_return StoreErrorReply(st.error());
  co_return NoContent();
}

asio::awaitable<Reply> DeleteFaults(ApiCore& core, Call& call) {
  auto device = QueryId(call, "device");
  if (!device.ok()) co_return BadRequest(device.error().message);
  if (!*device) co_return BadRequest("device: required (the faults of which device)");
  db::DeviceAdmin* admin = core.deps().admin;
  const int64_t device_id = **device;
  auto remove = [admin, device_id] { return admin->DeleteFaults(device_id); };
  Result<int64_t> n = co_await net::OnPool(core.pool(), std::move(remove));
  if (!n.ok()) co_return StoreErrorReply(n.error());
  co_return JsonReply(Json{{"deleted", *n}});
}

asio::awaitable<Reply> GetOpenApi(ApiCore& /*core*/, Call& /*call*/) {
  Reply r;
  r.raw = std::string(OpenApiDocument());
  co_return r;
}

}  // namespace ruru::acs::api
