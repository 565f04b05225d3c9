#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace worktrace::net {

using SteadyTime = std::chrono::steady_clock::time_point;

// One token bucket: `rate_per_s` tokens a second up to `burst`. Not thread-safe; one per
// connection or guarded by its owner.
class TokenBucket {
 public:
  TokenBucket(double rate_per_s, double burst, SteadyTime now)
      : rate_per_s_(rate_per_s), burst_(burst), tokens_(burst), updated_(now) {}

  // Takes one token; false (and nothing taken) when the bucket is empty.
  [[nodiscard]] bool take(SteadyTime now);
  // True when the bucket has refilled completely by `now` (its state carries no information).
  [[nodiscard]] bool full_at(SteadyTime now) const;

 private:
  void refill(SteadyTime now);

  double rate_per_s_;
  double burst_;
  double tokens_;
  SteadyTime updated_;
};

// Token buckets keyed by client (its IP address). Thread-safe: the keys are spread over
// shards, each with its own mutex. Memory is bounded: a shard past its share of `max_keys`
// first forgets buckets that have refilled; if it is still full, a new client is let through
// without a bucket rather than blocking everyone (failing open under a flood of addresses).
class RateLimiter {
 public:
  struct Policy {
    double rate_per_s = 50;
    double burst = 200;
    std::size_t max_keys = 100'000;
  };

  explicit RateLimiter(Policy policy) : policy_(policy) {}

  // Takes one token from `key`'s bucket; false when the client is over its rate.
  [[nodiscard]] bool allow(std::string_view key, SteadyTime now);

  // Buckets held now (for tests and metrics).
  [[nodiscard]] std::size_t size() const;

 private:
  static constexpr std::size_t kShards = 16;
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, TokenBucket> buckets;  // guarded by mutex
  };

  const Policy policy_;
  std::array<Shard, kShards> shards_;
};

}  // namespace worktrace::net
