// Bearer-token authentication of REST API requests (permissions: acs/access/permissions.h).
//
// A token (api_tokens.h) is looked up by its SHA-256 through DeviceAdmin::FindToken, with an
// in-memory cache of api.token_cache_ttl holding hits and misses alike, so a client hammering with
// a bad token costs no query per request and a revoked token stops working within the TTL. Store
// outages are not cached. last_used_at is touched at most once a minute per token, on the pool,
// off the request path.
//
// Threading: thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/asio.h"
#include "base/clock.h"
#include "db/device_admin.h"

namespace ruru::acs::api {

struct AuthResult {
  enum class Kind { kOk, kUnauthorized, kUnavailable };
  Kind kind = Kind::kUnauthorized;
  db::ApiToken token;  // kOk
  std::string reason;  // kUnauthorized / kUnavailable: for the client
};

class TokenAuthenticator {
 public:
  static constexpr size_t kMaxCacheEntries = 10000;
  static constexpr std::chrono::seconds kTouchInterval{60};

  TokenAuthenticator(db::DeviceAdmin& admin, const Clock& clock, asio::thread_pool& pool, std::chrono::seconds ttl);

  // `authorization` is the Authorization header ("" when absent). Blocking lookups run on the
  // pool; the caller resumes on its own executor.
  asio::awaitable<AuthResult> Authenticate(std::string_view authorization);

  size_t CacheSize() const;

 private:
  struct Entry {
    std::optional<db::ApiToken> token;  // nullopt: no such token (negative entry)
    db::TimePoint fetched{};
  };
  AuthResult Decide(const std::optional<db::ApiToken>& token, db::TimePoint now);
  void Remember(const std::string& sha, std::optional<db::ApiToken> token, db::TimePoint now);
  void MaybeTouch(const db::ApiToken& token, db::TimePoint now);

  db::DeviceAdmin& admin_;
  const Clock& clock_;
  asio::thread_pool& pool_;
  const std::chrono::seconds ttl_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> cache_;            // by token SHA-256
  std::unordered_map<int64_t, db::TimePoint> last_touch_;   // by token id
};

}  // namespace ruru::acs::api
