// Internal to acs/api: the request context, the reply, the route table and the endpoint
// handlers (device_handlers.cpp, task_handlers.cpp). rest_api.cpp authenticates, matches the
// route, checks the query names and the body, then calls the handler.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "acs/api/mapping.h"
#include "acs/api/rest_api.h"
#include "acs/net/async_util.h"
#include "base/result.h"
#include "base/web.h"

namespace ruru::acs::api {

// What the route table says a request body may be.
enum class BodyKind {
  kNone,        // no body (a non-empty one is refused)
  kJson,        // a JSON object, Content-Type application/json
  kJsonOrList,  // a JSON object, or a serial-number list as text/plain or text/csv
};

// One request, once authenticated and matched.
struct Call {
  const web::Request* request = nullptr;
  std::string path;
  std::map<std::string, std::string> path_params;  // {id}, {tag}: decoded
  std::map<std::string, std::string> query;        // decoded; only names the route accepts
  std::string media_type;                          // of the body ("" when none)
  nlohmann::json body;                             // the parsed JSON body (kJson), else null
  db::ApiToken token;                              // who asks
  std::string reason;                              // X-Ruru-Reason ("" when none)
  std::string audit_action;                        // the action audited when not the route's (a task type's)
  // Replaying an approved call (two-person approval): `token` is the requester's, and the call is
  // not sent for approval again.
  int64_t approval_id = 0;
  std::string approved_by;
};

// The operator's reason for a change (header X-Ruru-Reason): printable, at most kMaxReasonBytes,
// given at most once. Some actions need one for some roles (permissions.h); every change records it.
Result<std::string> ReasonOf(const web::Request& req);

struct Reply {
  web::Status status = web::Status::kOk;
  std::optional<Json> body;  // none: `raw` (an empty body for 204)
  std::string raw;           // a body already serialised as JSON (the OpenAPI document)
  std::vector<std::pair<std::string, std::string>> headers;
  std::string error_code;    // for the request log
  std::string request_id;    // X-Request-Id (made when the reply is sent if empty)
};

Reply JsonReply(Json body, web::Status status = web::Status::kOk);
Reply NoContent();
Reply ErrorReply(web::Status status, std::string_view code, std::string message);
Reply BadRequest(std::string message);  // 400 invalid_argument
// A store or service error: kInvalidArgument 400, kNotFound 404, kConflict 409 with
// `conflict_code`, kUnavailable 503, kInternal 500. Messages of kUnavailable and kInternal (and
// any that look like database text) are replaced by a generic one; the original is logged.
Reply StoreErrorReply(const Error& error, std::string_view conflict_code = "conflict");

// Whether the caller's role may perform `action`: nullopt when it may, else the 403 reply
// ("forbidden", or "reason_required" when only the reason is missing).
std::optional<Reply> Authorize(const Call& call, std::string_view action);

// The dependencies and shared helpers the handlers use.
class ApiCore {
 public:
  explicit ApiCore(ApiDeps deps);
  const ApiDeps& deps() const { return deps_; }
  const config::ApiConfig& config() const { return deps_.config->api; }
  asio::thread_pool& pool() const { return *deps_.pool; }
  db::TimePoint Now() const { return deps_.clock->Now(); }

  // Two-person approval (api.two_person_actions): whether calls of `action` wait for a second person.
  bool NeedsApproval(std::string_view action) const;
  // Runs an approved call as its requester (set by RestApi: route, checks, handler and audit).
  using Replayer = std::function<asio::awaitable<Reply>(const db::Approval& approval, const db::ApiToken& approver)>;
  void SetReplayer(Replayer r) { replay_ = std::move(r); }
  asio::awaitable<Reply> Replay(const db::Approval& approval, const db::ApiToken& approver) const {
    co_return co_await replay_(approval, approver);
  }

 private:
  ApiDeps deps_;
  std::vector<std::string> two_person_;
  Replayer replay_;
};

using Handler = asio::awaitable<Reply> (*)(ApiCore& core, Call& call);

struct Route {
  std::string_view method;                 // "GET", "POST", "PATCH", "DELETE"
  std::string_view pattern;                // "/api/v1/devices/{id}"
  std::string_view action;                 // the permission it needs (permissions.h)
  std::vector<std::string_view> query;     // accepted query parameters
  BodyKind body = BodyKind::kNone;
  bool authenticated = true;
  Handler handler = nullptr;
};
const std::vector<Route>& Routes();

// Query and path helpers (kInvalidArgument with a message for the client).
Result<int64_t> PathId(const Call& call, const char* name = "id");
Result<std::string> PathTag(const Call& call);
Result<std::optional<int64_t>> QueryId(const Call& call, const char* name);
Result<int> QueryLimit(const Call& call);                                  // default 50, 1..1000
Result<std::optional<int64_t>> QueryCursor(const Call& call, char kind);  // keyset id
Result<std::chrono::seconds> QueryWait(const ApiCore& core, const Call& call);  // 0..api.max_wait
// The device filter of GET /devices and of bulk tagging, from decoded name/value pairs.
Result<db::DeviceQuery> DeviceQueryFrom(const ApiCore& core, const std::map<std::string, std::string>& fields);
// A list page: {"items": [...], "next_cursor": cursor of the last item when the page is full}.
Json Page(Json items, int limit, char kind, int64_t last_id);

// Handlers (one per route).
asio::awaitable<Reply> ListDevices(ApiCore& core, Call& call);
asio::awaitable<Reply> GetDevice(ApiCore& core, Call& call);
asio::awaitable<Reply> PatchDevice(ApiCore& core, Call& call);
asio::awaitable<Reply> DeleteDevice(ApiCore& core, Call& call);
asio::awaitable<Reply> GetParameters(ApiCore& core, Call& call);
asio::awaitable<Reply> GetIpHistory(ApiCore& core, Call& call);
asio::awaitable<Reply> AddDeviceTag(ApiCore& core, Call& call);
asio::awaitable<Reply> RemoveDeviceTag(ApiCore& core, Call& call);
asio::awaitable<Reply> BulkAddTag(ApiCore& core, Call& call);
asio::awaitable<Reply> BulkRemoveTag(ApiCore& core, Call& call);
asio::awaitable<Reply> CreateTask(ApiCore& core, Call& call);
asio::awaitable<Reply> ListTasks(ApiCore& core, Call& call);
asio::awaitable<Reply> GetTask(ApiCore& core, Call& call);
asio::awaitable<Reply> CancelTask(ApiCore& core, Call& call);
asio::awaitable<Reply> ListFaults(ApiCore& core, Call& call);
asio::awaitable<Reply> GetFault(ApiCore& core, Call& call);
asio::awaitable<Reply> DeleteFault(ApiCore& core, Call& call);
asio::awaitable<Reply> DeleteFaults(ApiCore& core, Call& call);
asio::awaitable<Reply> GetOpenApi(ApiCore& core, Call& call);
asio::awaitable<Reply> GetMe(ApiCore& core, Call& call);
asio::awaitable<Reply> GetRoles(ApiCore& core, Call& call);
asio::awaitable<Reply> ListTokens(ApiCore& core, Call& call);
asio::awaitable<Reply> CreateToken(ApiCore& core, Call& call);
asio::awaitable<Reply> RevokeToken(ApiCore& core, Call& call);
asio::awaitable<Reply> ListAudit(ApiCore& core, Call& call);
asio::awaitable<Reply> ListApprovals(ApiCore& core, Call& call);
asio::awaitable<Reply> GetApproval(ApiCore& core, Call& call);
asio::awaitable<Reply> ApproveApproval(ApiCore& core, Call& call);
asio::awaitable<Reply> RejectApproval(ApiCore& core, Call& call);
// The JSON of an approval (GET /approvals, the 202 of a call that waits for one).
Json ApprovalJson(const db::Approval& a);

}  // namespace ruru::acs::api
