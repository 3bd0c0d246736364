// Two-person approval (docs/security.md "Two-person approval"): GET /approvals, GET
// /approvals/{id}, POST /approvals/{id}/approve and /reject. The pending calls themselves are made
// by rest_api.cpp (a call of an action in api.two_person_actions answers 202 with its approval).
#include <algorithm>

#include "acs/access/permissions.h"
#include "acs/api/handlers.h"
#include "acs/api/values.h"
#include "acs/tasks/task_secrets.h"

namespace ruru::acs::api {

ApiCore::ApiCore(ApiDeps deps) : deps_(deps) {
  if (auto actions = config::TwoPersonActions(deps_.config->api); actions.ok()) two_person_ = std::move(*actions);
}

bool ApiCore::NeedsApproval(std::string_view action) const {
  return std::find(two_person_.begin(), two_person_.end(), action) != two_person_.end();
}

Json ApprovalJson(const db::Approval& a) {
  Json body = nullptr;
  if (!a.body.empty()) {
    body = Json::parse(a.body, nullptr, false);
    if (body.is_discarded()) {
      body = a.body;  // a serial-number list
    } else {
      body = tasks::RedactSecrets(body);  // a password in it (sealed at rest) is not shown to approvers
    }
  }
  Json result = nullptr;
  if (!a.result_json.empty()) {
    result = Json::parse(a.result_json, nullptr, false);
    if (result.is_discarded()) result = nullptr;
  }
  auto time_or_null = [](const std::optional<db::TimePoint>& t) { return t ? Json(FormatTime(*t)) : Json(nullptr); };
  auto text_or_null = [](const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); };
  return Json{{"id", a.id},
              {"action", a.action},
              {"method", a.method},
              {"target", a.target},
              {"body", body},
              {"requested_by", a.requested_by},
              {"requested_role", a.requested_role},
              {"reason", a.reason},
              {"state", a.state},
              {"created_at", FormatTime(a.created_at)},
              {"expires_at", FormatTime(a.expires_at)},
              {"decided_by", text_or_null(a.decided_by)},
              {"decided_role", text_or_null(a.decided_role)},
              {"decided_at", time_or_null(a.decided_at)},
              {"decision_note", a.decision_note},
              {"result_status", a.result_status ? Json(*a.result_status) : Json(nullptr)},
              {"result", result},
              {"finished_at", time_or_null(a.finished_at)}};
}

namespace {

Reply NoStore() { return ErrorReply(web::Status::kServiceUnavailable, "unavailable", "no approval store"); }

constexpr const char* kStates[] = {"pending", "approved", "rejected", "expired", "executed", "failed"};

}  // namespace

// GET /approvals?state=&limit=&cursor= (newest first).
asio::awaitable<Reply> ListApprovals(ApiCore& core, Call& call) {
  db::ApprovalStore* store = core.deps().approvals;
  if (store == nullptr) co_return NoStore();
  auto limit = QueryLimit(call);
  if (!limit.ok()) co_return BadRequest(limit.error().message);
  auto cursor = QueryCursor(call, 'p');
  if (!cursor.ok()) co_return BadRequest(cursor.error().message);
  std::string state;
  if (auto it = call.query.find("state"); it != call.query.end()) {
    state = it->second;
    if (std::none_of(std::begin(kStates), std::end(kStates), [&](const char* s) { return state == s; })) {
      co_return BadRequest("state: one of pending, approved, rejected, expired, executed, failed");
    }
  }
  const int64_t before = cursor->value_or(0);
  const int n = *limit;
  const db::TimePoint now = core.Now();
  auto read = [store, state, before, n, now] { return store->List(state, before, n, now); };
  auto list = co_await net::OnPool(core.pool(), std::move(read));
  if (!list.ok()) co_return StoreErrorReply(list.error());
  Json items = Json::array();
  for (const db::Approval& a : *list) items.push_back(ApprovalJson(a));
  const int64_t last = list->empty() ? 0 : list->back().id;
  co_return JsonReply(Page(std::move(items), n, 'p', last));
}

namespace {

// The approval the path names ({id}); its errors map like a store's (StoreErrorReply).
asio::awaitable<Result<db::Approval>> ReadApproval(ApiCore& core, const Call& call) {
  auto id = PathId(call);
  if (!id.ok()) co_return id.error();
  db::ApprovalStore* store = core.deps().approvals;
  const int64_t approval_id = *id;
  const db::TimePoint now = core.Now();
  auto read = [store, approval_id, now] { return store->Get(approval_id, now); };
  co_return co_await net::OnPool(core.pool(), std::move(read));
}

}  // namespace

asio::awaitable<Reply> GetApproval(ApiCore& core, Call& call) {
  if (core.deps().approvals == nullptr) co_return NoStore();
  auto a = co_await ReadApproval(core, call);
  if (!a.ok()) co_return StoreErrorReply(a.error());
  co_return JsonReply(ApprovalJson(*a));
}

namespace {

// Approve (replay as the requester, record the answer) or reject.
asio::awaitable<Reply> Decide(ApiCore& core, Call& call, bool approve) {
  db::ApprovalStore* store = core.deps().approvals;
  if (store == nullptr) co_return NoStore();
  auto current = co_await ReadApproval(core, call);
  if (!current.ok()) co_return StoreErrorReply(current.error());
  const int64_t approval_id = current->id;
  const db::TimePoint now = core.Now();
  if (approve) {
    if (current->requested_by == call.token.name) {
      co_return ErrorReply(web::Status::kForbidden, "same_person",
                           "you asked for this change: a second person must approve it");
    }
    // Approving is doing: the approver's own role must allow the action.
    if (auto refused = Authorize(call, current->action)) {
      if (refused->error_code != "forbidden") co_return std::move(*refused);  // reason_required
      refused->body = Json{{"error",
                            {{"code", "forbidden"},
                             {"message", "role " + call.token.role + " may not " + current->action +
                                             " itself, so it may not approve it"}}}};
      co_return std::move(*refused);
    }
    // The call runs as the requester's: their token must still be valid (not revoked, not expired).
    if (db::DeviceAdmin* admin = core.deps().admin; admin != nullptr) {
      auto list = [admin] { return admin->ListTokens(); };
      auto tokens = co_await net::OnPool(core.pool(), std::move(list));
      if (!tokens.ok()) co_return StoreErrorReply(tokens.error());
      const std::string& requester = current->requested_by;
      const bool valid = std::any_of(tokens->begin(), tokens->end(), [&](const db::ApiToken& t) {
        return t.name == requester && !t.revoked_at && (!t.expires_at || *t.expires_at > now);
      });
      if (!valid) {
        co_return ErrorReply(web::Status::kConflict, "requester_revoked",
                             "the token of " + requester +
                                 ", who asked for this change, is revoked or expired: it cannot run as theirs "
                                 "(reject it, and ask again with a valid token)");
      }
    }
  }
  const std::string by = call.token.name, role = call.token.role, note = call.reason;
  auto decide = [store, approval_id, approve, by, role, note, now] {
    return store->Decide(approval_id, approve, by, role, note, now);
  };
  auto decided = co_await net::OnPool(core.pool(), std::move(decide));
  if (!decided.ok()) {
    if (decided.error().code == ErrorCode::kInvalidArgument) {
      co_return ErrorReply(web::Status::kForbidden, "same_person", decided.error().message);
    }
    co_return StoreErrorReply(decided.error(), "not_pending");
  }
  if (!approve) co_return JsonReply(Json{{"approval", ApprovalJson(*decided)}});
  // Approved: the call runs now, as the requester, through the same route, checks and audit.
  Reply result = co_await core.Replay(*decided, call.token);
  Json result_body = result.body ? *result.body : Json(nullptr);
  const int status = static_cast<int>(result.status);
  const std::string result_text = result_body.dump(-1, ' ', false, Json::error_handler_t::replace);
  const db::TimePoint finished_at = core.Now();
  auto finish = [store, approval_id, status, result_text, finished_at] {
    return store->Finish(approval_id, status, result_text, finished_at);
  };
  auto finished = co_await net::OnPool(core.pool(), std::move(finish));
  if (!finished.ok()) co_return StoreErrorReply(finished.error());
  co_return JsonReply(Json{{"approval", ApprovalJson(*finished)}});
}

}  // namespace

asio::awaitable<Reply> ApproveApproval(ApiCore& core, Call& call) { co_return co_await Decide(core, call, true); }
asio::awaitable<Reply> RejectApproval(ApiCore& core, Call& call) { co_return co_await Decide(core, call, false); }

}  // namespace ruru::acs::api
