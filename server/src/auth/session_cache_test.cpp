#include "auth/session_cache.hpp"

#include <gtest/gtest.h>

namespace worktrace::auth {
namespace {

TokenHash key(unsigned char first) {
  TokenHash hash{};
  hash[0] = first;
  hash[31] = first;
  return hash;
}

CachedCredential entry(UserId user, EpochMs valid_until) {
  CachedCredential credential;
  credential.actor.user_id = user;
  credential.valid_until = valid_until;
  return credential;
}

TEST(SessionCacheTest, ServesEntriesUntilTheirDeadlineOrTheTtl) {
  SessionCache cache(10, 5'000);
  cache.put(key(1), entry(7, 100'000), 1'000, cache.generation());
  cache.put(key(2), entry(8, 3'000), 1'000, cache.generation());
  ASSERT_TRUE(cache.find(key(1), 5'999));
  EXPECT_EQ(cache.find(key(1), 5'999)->actor.user_id, 7);
  EXPECT_FALSE(cache.find(key(1), 6'000));  // ttl
  EXPECT_TRUE(cache.find(key(2), 2'999));
  EXPECT_FALSE(cache.find(key(2), 3'000));  // its own deadline
  EXPECT_FALSE(cache.find(key(3), 1'000));
}

TEST(SessionCacheTest, InvalidateDropsEverythingAndRefusesLookupsThatStartedBefore) {
  SessionCache cache;
  cache.put(key(1), entry(7, 100'000), 0, cache.generation());
  const auto before = cache.generation();
  cache.invalidate();
  EXPECT_FALSE(cache.find(key(1), 1));
  cache.put(key(2), entry(8, 100'000), 0, before);  // looked up before the change
  EXPECT_FALSE(cache.find(key(2), 1));
  cache.put(key(2), entry(8, 100'000), 0, cache.generation());
  EXPECT_TRUE(cache.find(key(2), 1));
}

TEST(SessionCacheTest, StaysWithinItsCapacity) {
  SessionCache cache(4, 5'000);
  for (unsigned char idx = 0; idx < 50; ++idx) {
    cache.put(key(idx), entry(idx, 100'000), 0, cache.generation());
    EXPECT_LE(cache.size(), 4u);
  }
  EXPECT_TRUE(cache.find(key(49), 1));
}

}  // namespace
}  // namespace worktrace::auth
