#include "auth/login_throttle.hpp"

#include <gtest/gtest.h>

#include <string>

namespace worktrace::auth {
namespace {

constexpr EpochMs kStart = 1'700'000'000'000;

TEST(LoginThrottleTest, AnAccountWaitsTwoToTheNMinusFiveSecondsCappedAtFiveMinutes) {
  ManualClock clock(kStart);
  LoginThrottle throttle(clock);
  for (int failure = 0; failure < 4; ++failure) throttle.record_failure("ann@x", "1.1.1.1");
  EXPECT_EQ(throttle.wait_s("ann@x", "1.1.1.1"), 0);
  throttle.record_failure("ann@x", "1.1.1.1");  // the fifth
  EXPECT_EQ(throttle.wait_s("ann@x", "1.1.1.1"), 1);
  EXPECT_EQ(throttle.wait_s("ann@x", "2.2.2.2"), 1);  // whatever the address
  EXPECT_EQ(throttle.wait_s("bob@x", "1.1.1.1"), 0);  // other accounts are not slowed
  clock.advance(1000);
  EXPECT_EQ(throttle.wait_s("ann@x", "1.1.1.1"), 0);
  throttle.record_failure("ann@x", "1.1.1.1");  // sixth: 2 s
  EXPECT_EQ(throttle.wait_s("ann@x", "1.1.1.1"), 2);
  clock.advance(1500);
  EXPECT_EQ(throttle.wait_s("ann@x", "1.1.1.1"), 1);  // rounded up
  for (int failure = 0; failure < 20; ++failure) throttle.record_failure("ann@x", "3.3.3.3");
  EXPECT_EQ(throttle.wait_s("ann@x", "9.9.9.9"), LoginThrottle::kAccountMaxWaitS);
}

TEST(LoginThrottleTest, AnAddressWaitsAfterTwentyFailuresCappedAtFifteenMinutes) {
  ManualClock clock(kStart);
  LoginThrottle throttle(clock);
  for (int failure = 0; failure < 20; ++failure) {
    throttle.record_failure("user" + std::to_string(failure) + "@x", "6.6.6.6");
  }
  EXPECT_EQ(throttle.wait_s("new@x", "6.6.6.6"), 1);
  EXPECT_EQ(throttle.wait_s("new@x", "7.7.7.7"), 0);
  for (int failure = 0; failure < 20; ++failure) {
    throttle.record_failure("more" + std::to_string(failure) + "@x", "6.6.6.6");
  }
  EXPECT_EQ(throttle.wait_s("new@x", "6.6.6.6"), LoginThrottle::kIpMaxWaitS);
}

TEST(LoginThrottleTest, SuccessClearsTheAccountAndCountersDecayAfterADay) {
  ManualClock clock(kStart);
  LoginThrottle throttle(clock);
  for (int failure = 0; failure < 25; ++failure) throttle.record_failure("ann@x", "1.1.1.1");
  EXPECT_GT(throttle.wait_s("ann@x", "5.5.5.5"), 0);
  throttle.record_success("ann@x");
  EXPECT_EQ(throttle.wait_s("ann@x", "5.5.5.5"), 0);
  EXPECT_GT(throttle.wait_s("ann@x", "1.1.1.1"), 0);  // the address keeps its count

  clock.advance(LoginThrottle::kDecayMs);
  EXPECT_EQ(throttle.wait_s("ann@x", "1.1.1.1"), 0);
  throttle.record_failure("ann@x", "1.1.1.1");  // counting starts over
  EXPECT_EQ(throttle.wait_s("ann@x", "1.1.1.1"), 0);
}

TEST(LoginThrottleTest, StaysWithinItsBound) {
  ManualClock clock(kStart);
  LoginThrottle throttle(clock, /*max_entries=*/100);
  for (int failure = 0; failure < 1000; ++failure) {
    clock.advance(1);
    throttle.record_failure("user" + std::to_string(failure), "ip" + std::to_string(failure));
  }
  EXPECT_LE(throttle.size(), 200u);
  EXPECT_GT(throttle.size(), 0u);
}

}  // namespace
}  // namespace worktrace::auth
