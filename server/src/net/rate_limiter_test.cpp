#include "net/rate_limiter.hpp"

#include <gtest/gtest.h>

namespace worktrace::net {
namespace {

using std::chrono::milliseconds;

TEST(TokenBucketTest, AllowsABurstThenTheSteadyRate) {
  const SteadyTime start{};
  TokenBucket bucket(10, 3, start);
  EXPECT_TRUE(bucket.take(start));
  EXPECT_TRUE(bucket.take(start));
  EXPECT_TRUE(bucket.take(start));
  EXPECT_FALSE(bucket.take(start));
  EXPECT_FALSE(bucket.take(start + milliseconds(50)));  // half a token
  EXPECT_TRUE(bucket.take(start + milliseconds(100)));  // one token after 1/rate
  EXPECT_FALSE(bucket.take(start + milliseconds(100)));
  EXPECT_FALSE(bucket.full_at(start + milliseconds(200)));
  EXPECT_TRUE(bucket.full_at(start + milliseconds(400)));
}

TEST(RateLimiterTest, LimitsEachClientSeparately) {
  RateLimiter limiter({.rate_per_s = 1, .burst = 2, .max_keys = 1000});
  const SteadyTime now{};
  EXPECT_TRUE(limiter.allow("192.0.2.1", now));
  EXPECT_TRUE(limiter.allow("192.0.2.1", now));
  EXPECT_FALSE(limiter.allow("192.0.2.1", now));
  EXPECT_TRUE(limiter.allow("192.0.2.2", now));  // another client is unaffected
  EXPECT_TRUE(limiter.allow("192.0.2.1", now + std::chrono::seconds(1)));
}

TEST(RateLimiterTest, StaysBoundedUnderAFloodOfAddresses) {
  RateLimiter limiter({.rate_per_s = 1, .burst = 1, .max_keys = 160});
  const SteadyTime now{};
  for (int client_idx = 0; client_idx < 10'000; ++client_idx) {
    (void)limiter.allow("198.51.100." + std::to_string(client_idx), now);
  }
  EXPECT_LE(limiter.size(), 160u);
  // Once the flood's buckets have refilled they are forgotten and new clients are tracked.
  const SteadyTime later = now + std::chrono::seconds(5);
  EXPECT_TRUE(limiter.allow("203.0.113.9", later));
  EXPECT_FALSE(limiter.allow("203.0.113.9", later));
}

}  // namespace
}  // namespace worktrace::net
