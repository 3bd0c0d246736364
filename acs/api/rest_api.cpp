#include "acs/api/rest_api.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <chrono>
#include <map>
#include <mutex>
#include <random>

#include "acs/access/permissions.h"
#include "acs/access/rate_limit.h"
#include "acs/api/auth.h"
#include "acs/api/handlers.h"
#include "acs/api/values.h"
#include "acs/tasks/task_secrets.h"
#include "acs/tasks/task_types.h"

namespace ruru::acs::api {
namespace {

// What an approval's sealed secrets are bound to.
constexpr std::string_view kApprovalSecretContext = "approval-body";

using Request = web::Request;
using Response = web::Response;

constexpr int kMaxJsonDepth = 32;
constexpr size_t kMaxMessageBytes = 1000;  // store messages passed on to clients are cut here
constexpr char kJsonType[] = "application/json";

std::shared_ptr<spdlog::logger> Logger() {
  static std::shared_ptr<spdlog::logger> log =
      spdlog::get("api") ? spdlog::get("api") : spdlog::default_logger()->clone("api");
  return log;
}

std::string RequestId() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
  return buf;
}

// What is logged of a request target: the path and the names of the query parameters (values may
// carry personal data such as phone numbers).
std::string LoggedTarget(std::string_view target) {
  const size_t q = target.find('?');
  std::string out(target.substr(0, std::min<size_t>(q, 256)));
  if (q == std::string_view::npos) return out;
  std::string_view query = target.substr(q + 1);
  char sep = '?';
  int n = 0;
  while (!query.empty() && n++ < 16) {
    const size_t amp = query.find('&');
    const std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const std::string_view name = part.substr(0, std::min<size_t>(part.find('='), 32));
    out += sep;
    for (char c : name) out.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c);
    out += '=';
    sep = '&';
  }
  return out;
}

std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.empty() || path[0] != '/') return out;
  path.remove_prefix(1);
  while (true) {
    const size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

// Whether `path` fits `pattern`; captures decoded {name} segments. A bad escape in a captured
// segment is reported through `error`.
bool MatchPattern(std::string_view pattern, std::string_view path, std::map<std::string, std::string>& params,
                  std::optional<Error>& error) {
  const auto want = Split(pattern);
  const auto got = Split(path);
  if (want.size() != got.size()) return false;
  std::map<std::string, std::string> captured;
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i].size() > 2 && want[i].front() == '{' && want[i].back() == '}') {
      if (got[i].empty()) return false;
      auto decoded = PercentDecode(got[i], false);
      if (!decoded.ok()) {
        error = decoded.error();
      } else {
        captured[std::string(want[i].substr(1, want[i].size() - 2))] = std::move(*decoded);
      }
    } else if (want[i] != got[i]) {
      return false;
    }
  }
  params = std::move(captured);
  return true;
}

struct RouteMatch {
  const Route* route = nullptr;               // the route of this method
  std::string allow;                          // methods of the path when no route has this method
  std::map<std::string, std::string> params;
  std::optional<Error> error;                 // a bad escape in a path segment
  std::string_view label = "other";           // the route template for metrics
};

RouteMatch FindRoute(std::string_view method, std::string_view path) {
  RouteMatch m;
  for (const Route& r : Routes()) {
    std::map<std::string, std::string> params;
    std::optional<Error> error;
    if (!MatchPattern(r.pattern, path, params, error)) continue;
    m.label = r.pattern;
    if (r.method == method) {
      m.route = &r;
      m.params = std::move(params);
      m.error = std::move(error);
      return m;
    }
    if (!m.allow.empty()) m.allow += ", ";
    m.allow += std::string(r.method);
  }
  return m;
}

}  // namespace

// ---- replies ---------------------------------------------------------------------------------

Reply JsonReply(Json body, web::Status status) {
  Reply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Reply NoContent() {
  Reply r;
  r.status = web::Status::kNoContent;
  return r;
}

Reply ErrorReply(web::Status status, std::string_view code, std::string message) {
  Reply r;
  r.status = status;
  r.error_code = std::string(code);
  r.body = Json{{"error", {{"code", code}, {"message", std::move(message)}}}};
  return r;
}

Result<std::string> ReasonOf(const web::Request& req) {
  const size_t n = req.headers.Count("X-Ruru-Reason");
  if (n == 0) return std::string();
  if (n > 1) return InvalidArgument("X-Ruru-Reason: given more than once");
  const std::string_view value = req.headers.Get("X-Ruru-Reason");
  if (value.size() > access::kMaxReasonBytes) {
    return InvalidArgument("X-Ruru-Reason: at most " + std::to_string(access::kMaxReasonBytes) + " bytes");
  }
  for (unsigned char c : value) {
    if (c < 0x20 || c == 0x7f) return InvalidArgument("X-Ruru-Reason: control characters are not allowed");
  }
  std::string reason(value.data(), value.size());
  while (!reason.empty() && reason.back() == ' ') reason.pop_back();
  size_t start = 0;
  while (start < reason.size() && reason[start] == ' ') ++start;
  return reason.substr(start);
}

std::optional<Reply> Authorize(const Call& call, std::string_view action) {
  const std::optional<access::Role> role = access::ParseRole(call.token.role);
  if (!role) {
    return ErrorReply(web::Status::kForbidden, "forbidden",
                      "the token's role '" + call.token.role.substr(0, 32) + "' is not a known role");
  }
  switch (Check(*role, action, !call.reason.empty()).kind) {
    case access::Decision::Kind::kAllowed:
      return std::nullopt;
    case access::Decision::Kind::kReasonRequired:
      return ErrorReply(web::Status::kForbidden, "reason_required",
                        "role " + std::string(ToString(*role)) + " must give a reason for " + std::string(action) +
                            " (header X-Ruru-Reason)");
    case access::Decision::Kind::kUnknownAction:
      spdlog::error("api: action '{}' is not in the permission table; refused", action);
      break;
    case access::Decision::Kind::kDenied:
      break;
  }
  return ErrorReply(web::Status::kForbidden, "forbidden",
                    "role " + std::string(ToString(*role)) + " may not do " + std::string(action));
}

Reply BadRequest(std::string message) {
  return ErrorReply(web::Status::kBadRequest, "invalid_argument", std::move(message));
}

Reply StoreErrorReply(const Error& error, std::string_view conflict_code) {
  // Store messages are meant for operators, but a database error may quote SQL: pass on only
  // messages that do not look like it.
  const auto safe = [&](const char* fallback) {
    const std::string& m = error.message;
    if (m.empty() || m.find("SQLSTATE") != std::string::npos || m.find("ERROR:") != std::string::npos ||
        m.find('\n') != std::string::npos || !IsValidUtf8(m)) {
      if (!m.empty()) Logger()->info("store error ({}): {}", ToString(error.code), m);
      return std::string(fallback);
    }
    if (m.size() <= kMaxMessageBytes) return m;
    size_t cut = kMaxMessageBytes;
    while (cut > 0 && (static_cast<unsigned char>(m[cut]) & 0xc0) == 0x80) --cut;  // not inside a UTF-8 sequence
    return m.substr(0, cut) + "...";
  };
  switch (error.code) {
    case ErrorCode::kInvalidArgument:
      return ErrorReply(web::Status::kBadRequest, "invalid_argument", safe("the request breaks a limit"));
    case ErrorCode::kNotFound:
      return ErrorReply(web::Status::kNotFound, "not_found", safe("not found"));
    case ErrorCode::kConflict:
      return ErrorReply(web::Status::kConflict, conflict_code, safe("conflict with the current state"));
    case ErrorCode::kUnavailable: {
      Logger()->warn("store unavailable: {}", error.message);
      Reply r =
          ErrorReply(web::Status::kServiceUnavailable, "unavailable", "the inventory is unavailable; retry later");
      r.headers.emplace_back("Retry-After", "5");
      return r;
    }
    case ErrorCode::kInternal:
      break;
  }
  Logger()->error("store error: {}", error.message);
  return ErrorReply(web::Status::kInternalServerError, "internal", "internal error");
}

// ---- audit helpers -----------------------------------------------------------------------------

// Values of keys that name secrets are never written to the audit log (acs/tasks/task_secrets.h).
Json Redacted(const Json& value) { return tasks::RedactSecrets(value); }

// What was asked: the query and the body (secrets redacted; a text list is counted, not copied).
Json AuditParams(const Route& route, const Call& call) {
  Json params = Json::object();
  for (const auto& [name, value] : call.query) params["query"][name] = value;
  if (call.body.is_object() && !call.body.empty()) {
    params["body"] = Redacted(call.body);
  } else if (route.body == BodyKind::kJsonOrList && call.request != nullptr && !call.request->body.empty()) {
    params["list_bytes"] = call.request->body.size();
  }
  for (const auto& [name, value] : call.path_params) {
    if (name == "tag") params["tag"] = value;
  }
  if (call.approval_id != 0) params["approval"] = {{"id", call.approval_id}, {"approved_by", call.approved_by}};
  return params;
}

// "device:42", "task:7", "fault:3", "token:desk-1", "tag:fibre".
void AuditTarget(const Route& route, const Call& call, db::AuditEntry* e) {
  const std::string_view pattern = route.pattern;
  auto param = [&](const char* name) -> std::string {
    auto it = call.path_params.find(name);
    return it == call.path_params.end() ? std::string() : it->second;
  };
  const std::string id = param("id");
  if (pattern.find("/devices/{id}") != std::string_view::npos && !id.empty()) {
    e->target = "device:" + id;
    int64_t n = 0;
    if (std::from_chars(id.data(), id.data() + id.size(), n).ec == std::errc() && n > 0) e->device_id = n;
  } else if (pattern.find("/tasks/{id}") != std::string_view::npos) {
    e->target = "task:" + id;
  } else if (pattern.find("/approvals/{id}") != std::string_view::npos) {
    e->target = "approval:" + id;
  } else if (pattern.find("/faults/{id}") != std::string_view::npos) {
    e->target = "fault:" + id;
  } else if (pattern.find("{name}") != std::string_view::npos) {
    e->target = "token:" + param("name");
  } else if (pattern.find("/tags/{tag}") != std::string_view::npos) {
    e->target = "tag:" + param("tag");
  } else if (pattern == "/api/v1/faults" && call.query.count("device")) {
    e->target = "device:" + call.query.at("device");
  } else if (pattern == "/api/v1/tokens" && call.body.is_object() && call.body.contains("name") &&
             call.body["name"].is_string()) {
    e->target = "token:" + call.body["name"].get<std::string>();
  }
}

// ---- the API ---------------------------------------------------------------------------------

struct RestApi::Impl {
  explicit Impl(ApiDeps d)
      : core(d),
        auth(*d.admin, *d.clock, *d.pool, d.config->api.token_cache_ttl),
        limiter(*d.clock, static_cast<double>(d.config->api.rate_limit_per_second),
                static_cast<double>(d.config->api.rate_limit_burst)),
        metrics(*d.metrics) {
    for (const Route& r : Routes()) Histogram(r.pattern);
    Histogram("other");
    core.SetReplayer([this](const db::Approval& a, const db::ApiToken& approver) { return Replay(a, approver); });
  }

  ApiCore core;
  TokenAuthenticator auth;
  access::TokenRateLimiter limiter;
  metrics::MetricsRegistry& metrics;
  std::mutex mu;  // guards the metric caches
  std::map<std::pair<std::string, unsigned>, metrics::Counter*> counters;
  std::map<std::string, metrics::Histogram*> histograms;

  metrics::Histogram* Histogram(std::string_view route) {
    std::lock_guard lock(mu);
    auto& h = histograms[std::string(route)];
    if (h == nullptr) {
      h = &metrics.GetHistogram("ruru_api_request_seconds", "REST API request latency by route",
                                {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300},
                                {{"route", std::string(route)}});
    }
    return h;
  }

  void Count(std::string_view route, unsigned status, double seconds) {
    metrics::Counter* c;
    {
      std::lock_guard lock(mu);
      auto& slot = counters[{std::string(route), status}];
      if (slot == nullptr) {
        slot = &metrics.GetCounter("ruru_api_requests_total", "REST API requests by route and status",
                                   {{"route", std::string(route)}, {"status", std::to_string(status)}});
      }
      c = slot;
    }
    c->Inc();
    Histogram(route)->Observe(seconds);
  }

  Response Finish(const Request& req, Reply reply, std::string_view route, const std::string& token_name,
                  std::chrono::steady_clock::time_point started) {
    const std::string id = reply.request_id.empty() ? RequestId() : reply.request_id;
    Response res;
    res.status = reply.status;
    res.headers.Set("X-Request-Id", id);
    res.headers.Set("Cache-Control", "no-store");
    for (auto& [name, value] : reply.headers) res.headers.Set(name, value);
    if (reply.body) {
      res.headers.Set("Content-Type", kJsonType);
      res.body = reply.body->dump(-1, ' ', false, Json::error_handler_t::replace);
      res.body += '\n';
    } else if (!reply.raw.empty()) {
      res.headers.Set("Content-Type", kJsonType);
      res.body = std::move(reply.raw);
    }
    if (reply.status == web::Status::kUnauthorized) res.headers.Set("WWW-Authenticate", "Bearer realm=\"ruru\"");
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const unsigned status = static_cast<unsigned>(reply.status);
    Count(route, status, seconds);
    Logger()->info("{} {} {} {:.1f} ms token={} id={}{}{}", req.method, LoggedTarget(req.target), status,
                   seconds * 1000, token_name.empty() ? "-" : token_name, id,
                   reply.error_code.empty() ? "" : " error=", reply.error_code);
    return res;
  }

  // Checks the query names and the body against the route, fills `call`. An error reply, or none.
  std::optional<Reply> Prepare(const Request& req, const Route& route, std::string_view query_text, Call& call) {
    auto query = ParseQuery(query_text);
    if (!query.ok()) return BadRequest(query.error().message);
    for (const auto& [name, value] : *query) {
      bool known = false;
      for (auto q : route.query) known = known || q == name;
      if (!known) {
        std::string shown = name.substr(0, 32);
        return BadRequest("unknown query parameter '" + shown + "'");
      }
    }
    call.query = std::move(*query);

    const std::string& body = req.body;
    if (route.body == BodyKind::kNone) {
      if (!body.empty()) return BadRequest("this endpoint takes no request body");
      return std::nullopt;
    }
    if (body.empty()) {
      return BadRequest(route.body == BodyKind::kJson ? "a JSON object is required as the request body"
                                                      : "a JSON object or a serial-number list is required as the body");
    }
    call.media_type = MediaType(req.headers.Get("Content-Type"));
    if (route.body == BodyKind::kJsonOrList && (call.media_type == "text/plain" || call.media_type == "text/csv")) {
      return std::nullopt;
    }
    if (call.media_type != kJsonType) {
      return ErrorReply(web::Status::kUnsupportedMediaType, "unsupported_media_type",
                        route.body == BodyKind::kJson ? "the body must be application/json"
                                                      : "the body must be application/json, text/plain or text/csv");
    }
    if (JsonDepth(body, kMaxJsonDepth) > kMaxJsonDepth) {
      return BadRequest("JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    }
    call.body = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (call.body.is_discarded()) return BadRequest("the body is not valid JSON");
    if (!call.body.is_object()) return BadRequest("the body must be a JSON object");
    return std::nullopt;
  }

  asio::awaitable<Reply> Dispatch(const Request& req, std::string_view& label, std::string& token_name) {
    const std::string_view path = req.Path();
    const std::string_view query = req.Query();

    RouteMatch match = FindRoute(req.method, path);
    label = match.label;
    Call call;
    call.request = &req;
    call.path = std::string(path);
    if (match.route == nullptr || match.route->authenticated) {
      if (req.headers.Count("Authorization") > 1) {
        co_return ErrorReply(web::Status::kUnauthorized, "unauthorized", "more than one Authorization header");
      }
      const std::string_view authorization = req.headers.Get("Authorization");
      AuthResult who = co_await auth.Authenticate(authorization);
      if (who.kind == AuthResult::Kind::kUnavailable) {
        Reply r = ErrorReply(web::Status::kServiceUnavailable, "unavailable", who.reason);
        r.headers.emplace_back("Retry-After", "5");
        co_return r;
      }
      if (who.kind != AuthResult::Kind::kOk)
        co_return ErrorReply(web::Status::kUnauthorized, "unauthorized", who.reason);
      call.token = std::move(who.token);
      token_name = call.token.name;
      std::chrono::seconds retry_after{0};
      if (!limiter.Allow(call.token.id, &retry_after)) {
        Reply r = ErrorReply(web::Status::kTooManyRequests, "rate_limited",
                             "too many requests for this token: at most " +
                                 std::to_string(core.config().rate_limit_per_second) + " per second (burst " +
                                 std::to_string(core.config().rate_limit_burst) + ")");
        r.headers.emplace_back("Retry-After", std::to_string(retry_after.count()));
        co_return r;
      }
    }
    if (match.route == nullptr) {
      if (!match.allow.empty()) {
        Reply r = ErrorReply(web::Status::kMethodNotAllowed, "method_not_allowed",
                             "allowed methods for this path: " + match.allow);
        r.headers.emplace_back("Allow", match.allow);
        co_return r;
      }
      co_return ErrorReply(web::Status::kNotFound, "not_found", "no such endpoint");
    }
    const Route& route = *match.route;
    Reply reply = co_await Run(req, route, match, query, call);
    // Every call of a state-changing action is audited once authenticated, whatever its result.
    const access::Permission* permission = access::FindPermission(route.action);
    if (route.authenticated && call.token.id != 0 && permission != nullptr && permission->changes_state) {
      reply.request_id = RequestId();
      co_await Audit(route, call, reply);
    }
    co_return reply;
  }

  asio::awaitable<Reply> Run(const Request& req, const Route& route, RouteMatch& match, std::string_view query,
                             Call& call) {
    auto reason = ReasonOf(req);
    if (!reason.ok()) co_return BadRequest(reason.error().message);
    call.reason = std::move(*reason);
    if (route.authenticated) {
      if (auto refused = Authorize(call, route.action)) co_return std::move(*refused);
    }
    if (match.error) co_return BadRequest(match.error->message);
    call.path_params = std::move(match.params);
    if (auto refused = Prepare(req, route, query, call)) co_return std::move(*refused);
    if (route.authenticated && call.approval_id == 0) {
      const std::string action = EffectiveAction(route, call);
      if (core.NeedsApproval(action)) co_return co_await RequestApproval(req, action, call);
    }
    co_return co_await route.handler(core, call);
  }

  // The action a call performs: the route's, or for a task creation the task type's own.
  static std::string EffectiveAction(const Route& route, const Call& call) {
    if (route.action == "tasks.create" && call.body.is_object() && call.body.contains("type") &&
        call.body["type"].is_string()) {
      if (const tasks::TaskTypeInfo* t = tasks::FindTaskType(call.body["type"].get<std::string>()))
        return std::string(t->action);
    }
    return std::string(route.action);
  }

  // A call of an action in api.two_person_actions: stored as a pending approval, answered 202. It
  // runs when another user approves it (ApproveApproval -> Replay).
  asio::awaitable<Reply> RequestApproval(const Request& req, const std::string& action, Call& call) {
    db::ApprovalStore* store = core.deps().approvals;
    if (store == nullptr) co_return ErrorReply(web::Status::kServiceUnavailable, "unavailable", "no approval store");
    if (call.reason.empty()) {
      co_return ErrorReply(
          web::Status::kForbidden, "reason_required",
          action + " needs a second person's approval, and they need your reason (header X-Ruru-Reason)");
    }
    db::NewApproval n;
    n.action = action;
    n.method = req.method;
    n.target = req.target;
    n.content_type = std::string(req.headers.Get("Content-Type"));
    n.body = req.body;
    // Secrets in the body (a Download's password) are stored sealed until the call runs.
    if (const access::SecretBox* box = core.deps().secrets; box != nullptr && call.body.is_object()) {
      nlohmann::json sealed = tasks::SealSecrets(call.body, *box, kApprovalSecretContext);
      if (sealed != call.body) n.body = sealed.dump();
    }
    n.requested_by = call.token.name;
    n.requested_role = call.token.role;
    n.reason = call.reason;
    n.now = core.Now();
    n.expires_at = n.now + core.config().approval_ttl;
    auto create = [store, n] { return store->Create(n); };
    auto created = co_await net::OnPool(core.pool(), std::move(create));
    if (!created.ok()) co_return StoreErrorReply(created.error());
    Logger()->info("approval {}: {} {} by {} waits for a second person ({})", created->id, n.method,
                   LoggedTarget(n.target), n.requested_by, action);
    Reply r = JsonReply(Json{{"approval", ApprovalJson(*created)}}, web::Status::kAccepted);
    r.error_code = "approval_pending";  // the audit entry's result: nothing was done yet
    r.headers.emplace_back("Location", "/api/v1/approvals/" + std::to_string(created->id));
    co_return r;
  }

  // Runs an approved call as its requester: the same route, checks and handler, and its own audit
  // entry (actor: the requester; params.approval: the approval and who approved it).
  asio::awaitable<Reply> Replay(const db::Approval& a, const db::ApiToken& approver) {
    Request req;
    req.method = a.method;
    req.target = a.target;
    if (!a.content_type.empty()) req.headers.Set("Content-Type", a.content_type);
    req.headers.Set("X-Ruru-Reason", a.reason);
    req.body = a.body;
    if (const access::SecretBox* box = core.deps().secrets;
        box != nullptr && a.body.find("\"$sealed\"") != std::string::npos) {
      Json body = Json::parse(a.body, nullptr, false);
      if (!body.is_discarded()) {
        auto opened = tasks::OpenSecrets(body, *box, kApprovalSecretContext);
        if (!opened) co_return ErrorReply(web::Status::kConflict, "sealed_secret", opened.error().message);
        req.body = opened->dump();
      }
    }
    const std::string_view path = req.Path();
    const std::string_view query = req.Query();
    RouteMatch match = FindRoute(req.method, path);
    if (match.route == nullptr) co_return ErrorReply(web::Status::kNotFound, "not_found", "no such endpoint");
    Call call;
    call.request = &req;
    call.path = std::string(path);
    call.token.id = -1;  // the requester, as recorded (not looked up again)
    call.token.name = a.requested_by;
    call.token.role = a.requested_role;
    call.approval_id = a.id;
    call.approved_by = approver.name;
    const Route& route = *match.route;
    Reply reply = co_await Run(req, route, match, query, call);
    const access::Permission* permission = access::FindPermission(route.action);
    if (permission != nullptr && permission->changes_state) {
      reply.request_id = RequestId();
      co_await Audit(route, call, reply);
    }
    co_return reply;
  }

  // One audit entry for the call (docs/security.md). A failure to write it is logged and counted,
  // and the answer still goes out: the change, if any, has been made.
  asio::awaitable<void> Audit(const Route& route, const Call& call, const Reply& reply) {
    db::AuditStore* store = core.deps().audit;
    if (store == nullptr) co_return;
    db::AuditEntry e;
    e.at = core.Now();
    e.actor = call.token.name;
    e.role = call.token.role;
    e.action = call.audit_action.empty() ? std::string(route.action) : call.audit_action;
    e.reason = call.reason;
    e.result = reply.error_code.empty() ? "ok" : reply.error_code;
    e.status = static_cast<int>(reply.status);
    e.request_id = reply.request_id;
    AuditTarget(route, call, &e);
    e.params_json = AuditParams(route, call).dump(-1, ' ', false, Json::error_handler_t::replace);
    auto append = [store, e] { return store->Append(e); };
    Result<int64_t> written = co_await net::OnPool(core.pool(), std::move(append));
    if (!written.ok()) {
      Logger()->error("audit entry of {} {} by {} not written: {}", e.action, e.target, e.actor,
                      written.error().message);
      AuditFailures().Inc();
    }
  }

  metrics::Counter& AuditFailures() {
    return metrics.GetCounter("ruru_audit_write_failures_total", "audit entries that could not be written", {});
  }
};

RestApi::RestApi(ApiDeps deps) : impl_(std::make_unique<Impl>(deps)) {}
RestApi::~RestApi() = default;

bool RestApi::Serves(std::string_view path) const { return path == "/api" || path.rfind("/api/", 0) == 0; }

size_t RestApi::MaxBodyBytes() const { return impl_->core.config().max_body_bytes; }

web::Response RestApi::TooLarge(const web::Request& header) {
  const auto started = std::chrono::steady_clock::now();
  const RouteMatch match = FindRoute(header.method, header.Path());
  Reply r =
      ErrorReply(web::Status::kPayloadTooLarge, "payload_too_large",
                 "the request body is larger than " + std::to_string(MaxBodyBytes()) + " bytes (api.max_body_bytes)");
  return impl_->Finish(header, std::move(r), match.label, "", started);
}

asio::awaitable<web::Response> RestApi::Handle(web::Request request) {
  const auto started = std::chrono::steady_clock::now();
  std::string_view label = "other";
  std::string token_name;
  Reply reply;
  bool failed = false;
  try {
    reply = co_await impl_->Dispatch(request, label, token_name);
  } catch (const std::exception& e) {
    Logger()->error("{} {}: internal error: {}", request.method, LoggedTarget(request.target), e.what());
    failed = true;
  }
  if (failed) reply = ErrorReply(web::Status::kInternalServerError, "internal", "internal error");
  co_return impl_->Finish(request, std::move(reply), label, token_name, started);
}

// ---- helpers shared by the handlers ------------------------------------------------------------

Result<int64_t> PathId(const Call& call, const char* name) {
  auto it = call.path_params.find(name);
  if (it == call.path_params.end()) return Internal("route without {id}");
  return ParsePositiveId(it->second, "id");
}

Result<std::string> PathTag(const Call& call) {
  auto it = call.path_params.find("tag");
  if (it == call.path_params.end()) return Internal("route without {tag}");
  if (!IsValidTag(it->second)) {
    return InvalidArgument("tag: 1 to 64 of A-Z a-z 0-9 _ . : - starting with a letter or digit");
  }
  return it->second;
}

Result<std::optional<int64_t>> QueryId(const Call& call, const char* name) {
  auto it = call.query.find(name);
  if (it == call.query.end()) return std::optional<int64_t>();
  auto id = ParsePositiveId(it->second, name);
  if (!id.ok()) return id.error();
  return std::optional<int64_t>(*id);
}

Result<int> QueryLimit(const Call& call) {
  auto it = call.query.find("limit");
  if (it == call.query.end()) return 50;
  auto n = ParseInteger(it->second, 1, 1000, "limit");
  if (!n.ok()) return n.error();
  return static_cast<int>(*n);
}

Result<std::optional<int64_t>> QueryCursor(const Call& call, char kind) {
  auto it = call.query.find("cursor");
  if (it == call.query.end()) return std::optional<int64_t>();
  auto id = DecodeCursor(kind, it->second);
  if (!id.ok()) return id.error();
  return std::optional<int64_t>(*id);
}

Result<std::chrono::seconds> QueryWait(const ApiCore& core, const Call& call) {
  auto it = call.query.find("wait");
  if (it == call.query.end()) return std::chrono::seconds(0);
  auto n = ParseInteger(it->second, 0, core.config().max_wait.count(), "wait (seconds, at most api.max_wait)");
  if (!n.ok()) return n.error();
  return std::chrono::seconds(*n);
}

Json Page(Json items, int limit, char kind, int64_t last_id) {
  const bool full = static_cast<int>(items.size()) >= limit && last_id > 0;
  return Json{{"items", std::move(items)}, {"next_cursor", full ? Json(EncodeCursor(kind, last_id)) : Json(nullptr)}};
}

}  // namespace ruru::acs::api
