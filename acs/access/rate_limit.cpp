#include "acs/access/rate_limit.h"

#include <algorithm>
#include <cmath>

namespace ruru::acs::access {

TokenRateLimiter::TokenRateLimiter(const Clock& clock, double per_second, double burst)
    : clock_(clock), per_second_(per_second), burst_(std::max(burst, 1.0)) {}

bool TokenRateLimiter::Allow(int64_t token_id, std::chrono::seconds* retry_after) {
  if (per_second_ <= 0) return true;
  const Clock::TimePoint now = clock_.Now();
  std::lock_guard lock(mu_);
  auto it = buckets_.find(token_id);
  if (it == buckets_.end()) {
    if (buckets_.size() >= kMaxTokens) {
      buckets_.erase(lru_.back());
      lru_.pop_back();
    }
    lru_.push_front(token_id);
    it = buckets_.emplace(token_id, Bucket{burst_, now, lru_.begin()}).first;
  } else {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
  }
  Bucket& b = it->second;
  const double elapsed = std::chrono::duration<double>(now - b.refilled).count();
  if (elapsed > 0) {
    b.level = std::min(burst_, b.level + elapsed * per_second_);
    b.refilled = now;
  }
  if (b.level >= 1.0) {
    b.level -= 1.0;
    return true;
  }
  if (retry_after != nullptr) {
    const double wait = (1.0 - b.level) / per_second_;
    *retry_after = std::chrono::seconds(std::max<int64_t>(1, static_cast<int64_t>(std::ceil(wait))));
  }
  return false;
}

size_t TokenRateLimiter::Size() const {
  std::lock_guard lock(mu_);
  return buckets_.size();
}

}  // namespace ruru::acs::access
