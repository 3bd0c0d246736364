// Who may do what: the caller (GET /me), the role and permission table (GET /roles) and API
// tokens (GET/POST /tokens, DELETE /tokens/{name}).
#include "acs/access/api_tokens.h"
#include "acs/access/permissions.h"
#include "acs/api/handlers.h"
#include "acs/api/values.h"

namespace ruru::acs::api {
namespace {

Json RolesOf(access::RoleSet set) {
  Json out = Json::array();
  for (access::Role r : access::AllRoles()) {
    if (set.Contains(r)) out.push_back(std::string(ToString(r)));
  }
  return out;
}

Json TokenJson(const db::ApiToken& t, db::TimePoint now) {
  const bool revoked = t.revoked_at.has_value();
  const bool expired = t.expires_at && *t.expires_at <= now;
  return Json{{"name", t.name},
              {"role", t.role},
              {"prefix", t.prefix},
              {"created_at", FormatTime(t.created_at)},
              {"expires_at", t.expires_at ? Json(FormatTime(*t.expires_at)) : Json(nullptr)},
              {"revoked_at", t.revoked_at ? Json(FormatTime(*t.revoked_at)) : Json(nullptr)},
              {"last_used_at", t.last_used_at ? Json(FormatTime(*t.last_used_at)) : Json(nullptr)},
              {"state", revoked   ? "revoked"
                        : expired ? "expired"
                                  : "active"}};
}

}  // namespace

asio::awaitable<Reply> GetMe(ApiCore& core, Call& call) {
  Json actions = Json::array();
  const std::optional<access::Role> role = access::ParseRole(call.token.role);
  for (const access::Permission& p : access::Permissions()) {
    if (role && p.allowed.Contains(*role)) actions.push_back(std::string(p.action));
  }
  Json me = TokenJson(call.token, core.Now());
  me["actions"] = std::move(actions);
  co_return JsonReply(std::move(me));
}

asio::awaitable<Reply> GetRoles(ApiCore&, Call&) {
  Json roles = Json::array();
  for (access::Role r : access::AllRoles())
    roles.push_back({{"name", std::string(ToString(r))}, {"summary", std::string(access::RoleSummary(r))}});
  Json permissions = Json::array();
  for (const access::Permission& p : access::Permissions()) {
    permissions.push_back({{"action", std::string(p.action)},
                           {"description", std::string(p.description)},
                           {"roles", RolesOf(p.allowed)},
                           {"reason_required", RolesOf(p.reason_required)},
                           {"changes_state", p.changes_state}});
  }
  co_return JsonReply(Json{{"roles", std::move(roles)}, {"permissions", std::move(permissions)}});
}

asio::awaitable<Reply> ListTokens(ApiCore& core, Call&) {
  db::DeviceAdmin* admin = core.deps().admin;
  auto read = [admin] { return admin->ListTokens(); };
  Result<std::vector<db::ApiToken>> tokens = co_await net::OnPool(core.pool(), std::move(read));
  if (!tokens.ok()) co_return StoreErrorReply(tokens.error());
  Json items = Json::array();
  const db::TimePoint now = core.Now();
  for (const db::ApiToken& t : *tokens) items.push_back(TokenJson(t, now));
  co_return JsonReply(Json{{"items", std::move(items)}, {"next_cursor", nullptr}});
}

// {"name", "role", "expires_in": "90d"}: the token is in the answer, once; only its hash is kept.
asio::awaitable<Reply> CreateToken(ApiCore& core, Call& call) {
  std::string name, role;
  std::chrono::seconds lifetime = core.config().token_default_lifetime;
  for (auto it = call.body.begin(); it != call.body.end(); ++it) {
    const std::string& key = it.key();
    if (!it->is_string()) co_return BadRequest(key + ": must be a string");
    const std::string& value = it->get_ref<const std::string&>();
    if (key == "name") {
      name = value;
    } else if (key == "role") {
      role = value;
    } else if (key == "expires_in") {
      auto parsed = access::ParseApiTokenLifetime(value);
      if (!parsed.ok()) co_return BadRequest("expires_in: " + parsed.error().message);
      lifetime = *parsed;
    } else {
      co_return BadRequest("unknown field '" + key.substr(0, 64) + "' (known: name, role, expires_in)");
    }
  }
  if (Status st = access::ValidateApiTokenName(name); !st.ok()) co_return BadRequest("name: " + st.error().message);
  if (Status st = access::ValidateApiTokenRole(role); !st.ok()) co_return BadRequest("role: " + st.error().message);
  if (lifetime > core.config().token_max_lifetime) {
    co_return BadRequest("expires_in: at most " + std::to_string(core.config().token_max_lifetime.count() / 86400) +
                         " days through the API (api.token_max_lifetime)");
  }
  const std::string token = access::GenerateApiToken();
  const db::TimePoint now = core.Now();
  db::DeviceAdmin* admin = core.deps().admin;
  auto create = [admin, name, role, sha = access::ApiTokenSha256(token), prefix = access::ApiTokenPrefix(token), now,
                 lifetime] { return admin->CreateToken(name, role, sha, prefix, now, now + lifetime); };
  Result<db::ApiToken> created = co_await net::OnPool(core.pool(), std::move(create));
  if (!created.ok()) co_return StoreErrorReply(created.error(), "token_name_taken");
  Json body = TokenJson(*created, now);
  body["token"] = token;
  co_return JsonReply(std::move(body), web::Status::kCreated);
}

asio::awaitable<Reply> RevokeToken(ApiCore& core, Call& call) {
  auto it = call.path_params.find("name");
  if (it == call.path_params.end()) co_return StoreErrorReply(Internal("route without {name}"));
  const std::string name = it->second;
  if (Status st = access::ValidateApiTokenName(name); !st.ok()) co_return BadRequest("name: " + st.error().message);
  db::DeviceAdmin* admin = core.deps().admin;
  const db::TimePoint now = core.Now();
  auto revoke = [admin, name, now] { return admin->RevokeToken(name, now); };
  Status st = co_await net::OnPool(core.pool(), std::move(revoke));
  if (!st.ok()) co_return StoreErrorReply(st.error());
  co_return NoContent();
}

// GET /audit?since=&until=&actor=&action=&device=&result=&limit=&cursor= (newest first).
asio::awaitable<Reply> ListAudit(ApiCore& core, Call& call) {
  db::AuditStore* store = core.deps().audit;
  if (store == nullptr) co_return ErrorReply(web::Status::kServiceUnavailable, "unavailable", "no audit log");
  db::AuditQuery q;
  auto limit = QueryLimit(call);
  if (!limit.ok()) co_return BadRequest(limit.error().message);
  q.limit = *limit;
  auto cursor = QueryCursor(call, 'a');
  if (!cursor.ok()) co_return BadRequest(cursor.error().message);
  if (*cursor) q.before_id = **cursor;
  for (const char* name : {"since", "until"}) {
    auto it = call.query.find(name);
    if (it == call.query.end()) continue;
    auto t = ParseTime(it->second);
    if (!t.ok()) co_return BadRequest(std::string(name) + ": " + t.error().message);
    (std::string_view(name) == "since" ? q.since : q.until) = *t;
  }
  for (auto [name, field] : {std::pair<const char*, std::string*>{"actor", &q.actor}, {"action", &q.action}, {"result", &q.result}}) {
    auto it = call.query.find(name);
    if (it == call.query.end()) continue;
    if (it->second.empty() || it->second.size() > 128) co_return BadRequest(std::string(name) + ": 1 to 128 characters");
    *field = it->second;
  }
  auto device = QueryId(call, "device");
  if (!device.ok()) co_return BadRequest(device.error().message);
  q.device_id = *device;
  auto read = [store, q] { return store->Find(q); };
  Result<std::vector<db::AuditEntry>> entries = co_await net::OnPool(core.pool(), std::move(read));
  if (!entries.ok()) co_return StoreErrorReply(entries.error());
  Json items = Json::array();
  for (const db::AuditEntry& e : *entries) {
    Json params = Json::parse(e.params_json, nullptr, false);
    items.push_back({{"id", e.id},
                     {"at", FormatTime(e.at)},
                     {"actor", e.actor},
                     {"role", e.role},
                     {"action", e.action},
                     {"target", e.target},
                     {"device_id", e.device_id ? Json(*e.device_id) : Json(nullptr)},
                     {"params", params.is_discarded() ? Json::object() : params},
                     {"reason", e.reason},
                     {"result", e.result},
                     {"status", e.status ? Json(*e.status) : Json(nullptr)},
                     {"request_id", e.request_id}});
  }
  const int64_t last = entries->empty() ? 0 : entries->back().id;
  co_return JsonReply(Page(std::move(items), q.limit, 'a', last));
}

}  // namespace ruru::acs::api
