// What the REST API asks of the task engine: create a validated task, kick the device with a
// connection request, and wait until a task is final (whichever node settles it).
//
// Threading: thread-safe. CreateTask blocks (PostgreSQL): call it from a database thread. Kick
// and WaitFinal never block; their callbacks run on an internal thread and must not block.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "base/result.h"
#include "db/task_store.h"

namespace ruru::acs::tasks {

struct TaskRequest {
  int64_t device_id = 0;
  std::string type;                                 // task_types.h: "reboot", "get_parameter_values", ...
  nlohmann::json args = nlohmann::json::object();   // the type's arguments
  std::optional<std::chrono::seconds> expires_in;   // default tasks.default_expiry, at most tasks.max_expiry
  std::optional<int> max_attempts;                  // default tasks.default_max_attempts, 1..100
  bool hold_requests = false;                       // run before the CPE's own requests (HoldRequests)
  std::string created_by;                           // the API token's name
  std::string idempotency_key;                      // "" when none; <= 128 bytes
};

struct KickResult {
  // "ok", "refused_url", "unreachable", "auth_failed", "http_error", "busy" (ConnectionRequestResult),
  // or "no_url" (the device never reported a ConnectionRequestURL), "no_credentials" (acsd holds no
  // connection-request credentials for it), "not_found" (no such device).
  std::string status;
  std::string detail;   // one line for operators
  int http_status = 0;  // the CPE's answer, 0 when none
  int64_t elapsed_ms = 0;
};

class TaskService {
 public:
  virtual ~TaskService() = default;

  // Validates the request (kInvalidArgument naming the field: unknown type, bad args, expiry or
  // attempts out of range, key too long) and stores a queued task. kNotFound: no such device.
  // kConflict: the idempotency key was used for a different request. Blocking.
  virtual Result<db::CreatedTask> CreateTask(const TaskRequest& request) = 0;

  // Sends a connection request to the device with its own credentials. `done` is called once.
  virtual void Kick(int64_t device_id, std::function<void(KickResult)> done) = 0;

  // `done(true)` as soon as the task is final (done, fault, expired, cancelled), `done(false)` when
  // `timeout` passes first. Called once. The caller then reads the task from the store.
  virtual void WaitFinal(int64_t task_id, std::chrono::milliseconds timeout, std::function<void(bool)> done) = 0;
};

}  // namespace ruru::acs::tasks
