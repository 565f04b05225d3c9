#include "net/rate_limiter.hpp"

#include <algorithm>
#include <functional>

namespace worktrace::net {

void TokenBucket::refill(SteadyTime now) {
  if (now <= updated_) return;
  const double elapsed_s = std::chrono::duration<double>(now - updated_).count();
  tokens_ = std::min(burst_, tokens_ + elapsed_s * rate_per_s_);
  updated_ = now;
}

bool TokenBucket::take(SteadyTime now) {
  refill(now);
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

bool TokenBucket::full_at(SteadyTime now) const {
  const double elapsed_s = std::chrono::duration<double>(now - updated_).count();
  return tokens_ + std::max(0.0, elapsed_s) * rate_per_s_ >= burst_;
}

bool RateLimiter::allow(std::string_view key, SteadyTime now) {
  Shard& shard = shards_[std::hash<std::string_view>{}(key) % kShards];
  const std::size_t shard_limit = std::max<std::size_t>(1, policy_.max_keys / kShards);
  std::lock_guard lock(shard.mutex);
  auto found = shard.buckets.find(std::string(key));
  if (found == shard.buckets.end()) {
    if (shard.buckets.size() >= shard_limit) {
      std::erase_if(shard.buckets, [&](const auto& entry) { return entry.second.full_at(now); });
      if (shard.buckets.size() >= shard_limit) return true;
    }
    found =
        shard.buckets.emplace(std::string(key), TokenBucket(policy_.rate_per_s, policy_.burst, now))
            .first;
  }
  return found->second.take(now);
}

std::size_t RateLimiter::size() const {
  std::size_t total = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    total += shard.buckets.size();
  }
  return total;
}

}  // namespace worktrace::net
