#include "acs/api/auth.h"

#include <spdlog/spdlog.h>

#include "acs/access/api_tokens.h"
#include "acs/net/async_util.h"

namespace ruru::acs::api {
namespace {

// The token of an "Authorization: Bearer <token>" value (scheme case-insensitive), or "".
std::string_view BearerToken(std::string_view value) {
  constexpr std::string_view kScheme = "bearer";
  if (value.size() <= kScheme.size()) return {};
  for (size_t i = 0; i < kScheme.size(); ++i) {
    const char c = value[i] >= 'A' && value[i] <= 'Z' ? static_cast<char>(value[i] - 'A' + 'a') : value[i];
    if (c != kScheme[i]) return {};
  }
  value.remove_prefix(kScheme.size());
  if (value.front() != ' ') return {};
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  return value;
}

}  // namespace

TokenAuthenticator::TokenAuthenticator(db::DeviceAdmin& admin, const Clock& clock, asio::thread_pool& pool,
                                       std::chrono::seconds ttl)
    : admin_(admin), clock_(clock), pool_(pool), ttl_(ttl) {}

size_t TokenAuthenticator::CacheSize() const {
  std::lock_guard lock(mu_);
  return cache_.size();
}

asio::awaitable<AuthResult> TokenAuthenticator::Authenticate(std::string_view authorization) {
  AuthResult result;
  if (authorization.empty()) {
    result.reason = "a bearer token is required (Authorization: Bearer <token>)";
    co_return result;
  }
  const std::string_view token = BearerToken(authorization);
  if (!access::IsWellFormedApiToken(token)) {
    result.reason = "the bearer token is not valid";
    co_return result;
  }
  const std::string sha = access::ApiTokenSha256(token);
  const db::TimePoint now = clock_.Now();
  std::optional<std::optional<db::ApiToken>> cached;  // outer: a fresh cache entry exists
  {
    std::lock_guard lock(mu_);
    auto it = cache_.find(sha);
    if (it != cache_.end() && now >= it->second.fetched && now - it->second.fetched < ttl_) cached = it->second.token;
  }
  if (cached) {
    result = Decide(*cached, now);
    if (result.kind == AuthResult::Kind::kOk) MaybeTouch(result.token, now);
    co_return result;
  }
  db::DeviceAdmin* admin = &admin_;
  auto find = [admin, &sha] { return admin->FindToken(sha); };
  Result<db::ApiToken> found = co_await net::OnPool(pool_, std::move(find));
  std::optional<db::ApiToken> token_row;
  if (found.ok()) {
    token_row = *found;
  } else if (found.error().code != ErrorCode::kNotFound) {
    spdlog::warn("api: token lookup failed: {}", found.error().message);
    result.kind = AuthResult::Kind::kUnavailable;
    result.reason = "the token store is unavailable; retry later";
    co_return result;
  }
  Remember(sha, token_row, now);
  result = Decide(token_row, now);
  if (result.kind == AuthResult::Kind::kOk) MaybeTouch(result.token, now);
  co_return result;
}

AuthResult TokenAuthenticator::Decide(const std::optional<db::ApiToken>& token, db::TimePoint now) {
  AuthResult r;
  r.kind = AuthResult::Kind::kUnauthorized;
  if (!token) {
    r.reason = "the bearer token is not valid";
  } else if (token->revoked_at) {
    r.reason = "the bearer token has been revoked";
  } else if (token->expires_at && *token->expires_at <= now) {
    r.reason = "the bearer token has expired";
  } else {
    r.kind = AuthResult::Kind::kOk;
    r.token = *token;
  }
  return r;
}

void TokenAuthenticator::Remember(const std::string& sha, std::optional<db::ApiToken> token, db::TimePoint now) {
  if (ttl_.count() <= 0) return;
  std::lock_guard lock(mu_);
  if (cache_.size() >= kMaxCacheEntries && cache_.count(sha) == 0) {
    for (auto it = cache_.begin(); it != cache_.end();) {
      if (now - it->second.fetched >= ttl_) {
        it = cache_.erase(it);
      } else {
        ++it;
      }
    }
    if (cache_.size() >= kMaxCacheEntries) cache_.clear();  // a flood of bad tokens: start over
  }
  cache_[sha] = Entry{std::move(token), now};
}

void TokenAuthenticator::MaybeTouch(const db::ApiToken& token, db::TimePoint now) {
  {
    std::lock_guard lock(mu_);
    auto it = last_touch_.find(token.id);
    const db::TimePoint last = it != last_touch_.end() ? it->second : token.last_used_at.value_or(db::TimePoint{});
    if (now >= last && now - last < kTouchInterval) return;
    last_touch_[token.id] = now;
  }
  db::DeviceAdmin* admin = &admin_;
  const int64_t id = token.id;
  asio::post(pool_, [admin, id, now] {
    Status st = admin->TouchToken(id, now);
    if (!st.ok()) spdlog::debug("api: touching token {} failed: {}", id, st.error().message);
  });
}

}  // namespace ruru::acs::api
