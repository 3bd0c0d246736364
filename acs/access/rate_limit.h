// Per-token request rate limits of the REST API: a token bucket per token (api.rate_limit_per_second
// refilled continuously, api.rate_limit_burst deep). A request that finds the bucket empty is
// answered 429 rate_limited with Retry-After; it is not queued. Counted per node: N nodes behind a
// balancer allow up to N times the rate.
//
// Threading: thread-safe. Memory: one small entry per token seen, at most kMaxTokens (the least
// recently used is forgotten, which only refills it).
#pragma once

#include <chrono>
#include <cstdint>
#include <list>
#include <mutex>
#include <unordered_map>

#include "base/clock.h"

namespace ruru::acs::access {

class TokenRateLimiter {
 public:
  static constexpr size_t kMaxTokens = 10000;

  // per_second 0 disables the limit.
  TokenRateLimiter(const Clock& clock, double per_second, double burst);

  // Takes one request from the token's bucket. When it is empty: false, and `retry_after` is how
  // long until one is available (at least 1 s, as Retry-After counts whole seconds).
  bool Allow(int64_t token_id, std::chrono::seconds* retry_after);

  size_t Size() const;

 private:
  struct Bucket {
    double level = 0;
    Clock::TimePoint refilled{};
    std::list<int64_t>::iterator lru;
  };
  const Clock& clock_;
  const double per_second_;
  const double burst_;
  mutable std::mutex mu_;
  std::unordered_map<int64_t, Bucket> buckets_;
  std::list<int64_t> lru_;  // most recent first
};

}  // namespace ruru::acs::access
