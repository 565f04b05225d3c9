#include "auth/login_throttle.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace worktrace::auth {
namespace {

constexpr EpochMs kStart = 1'700'000'000'000;
constexpr EpochMs kDayMs = 24LL * 60 * 60 * 1000;

// One failed attempt (reserved and never given back); false when it was throttled.
bool fail_once(LoginThrottle& throttle, std::string_view account, std::string_view ip) {
  return throttle.reserve(account, ip) == 0;
}

// A successful sign-in of `account` from `ip`.
void sign_in(LoginThrottle& throttle, std::string_view account, std::string_view ip) {
  ASSERT_EQ(throttle.reserve(account, ip), 0);
  throttle.record_success(account, ip);
}

TEST(LoginThrottleTest, APairWaitsTwoToTheNMinusFiveSecondsCappedAtFiveMinutes) {
  ManualClock clock(kStart);
  LoginThrottle throttle(clock);
  for (int failure = 0; failure < 4; ++failure)
    ASSERT_TRUE(fail_once(throttle, "ann@x", "1.1.1.1"));
  EXPECT_EQ(throttle.wait_s("ann@x", "1.1.1.1"), 0);
  ASSERT_TRUE(fail_once(throttle, "ann@x", "1.1.1.1"));  // the fifth
  EXPECT_EQ(throttle.wait_s("ann@x", "1.1.1.1"), 1);
  EXPECT_EQ(throttle.wait_s("ann@x", "2.2.2.2"), 0);  // another address is not slowed
  EXPECT_EQ(throttle.wait_s("bob@x", "1.1.1.1"), 0);  // nor another account
  clock.advance(1000);
  EXPECT_EQ(throttle.wait_s("ann@x", "1.1.1.1"), 0);
  ASSERT_TRUE(fail_once(throttle, "ann@x", "1.1.1.1"));  // sixth: 2 s
  EXPECT_EQ(throttle.wait_s("ann@x", "1.1.1.1"), 2);
  clock.advance(1500);
  EXPECT_EQ(throttle.wait_s("ann@x", "1.1.1.1"), 1);  // rounded up
}

TEST(LoginThrottleTest, OneAddressGetsGrowingDelaysUpToTheCap) {
  ManualClock clock(kStart);
  LoginThrottle throttle(clock);
  for (int failure = 0; failure < 5; ++failure)
    ASSERT_TRUE(fail_once(throttle, "ann@x", "6.6.6.6"));
  std::int64_t expected = 1;
  for (int round = 0; round < 12; ++round) {
    const std::int64_t wait = throttle.reserve("ann@x", "6.6.6.6");
    ASSERT_EQ(wait, expected) << "round " << round;
    clock.advance(wait * 1000);
    ASSERT_TRUE(fail_once(throttle, "ann@x", "6.6.6.6"));
    expected = std::min<std::int64_t>(expected * 2, LoginThrottle::kPairMaxWaitS);
  }
  EXPECT_EQ(throttle.wait_s("ann@x", "6.6.6.6"), LoginThrottle::kPairMaxWaitS);
}

TEST(LoginThrottleTest, AnAddressWaitsAfterTwentyFailuresCappedAtFifteenMinutes) {
  ManualClock clock(kStart);
  LoginThrottle throttle(clock);
  for (int failure = 0; failure < 20; ++failure) {
    ASSERT_TRUE(fail_once(throttle, "user" + std::to_string(failure) + "@x", "6.6.6.6"));
  }
  EXPECT_EQ(throttle.wait_s("new@x", "6.6.6.6"), 1);
  EXPECT_EQ(throttle.wait_s("new@x", "7.7.7.7"), 0);
  for (int failure = 0; failure < 10; ++failure) {
    clock.advance(LoginThrottle::kIpMaxWaitS * 1000);
    ASSERT_TRUE(fail_once(throttle, "more" + std::to_string(failure) + "@x", "6.6.6.6"));
  }
  EXPECT_EQ(throttle.wait_s("new@x", "6.6.6.6"), LoginThrottle::kIpMaxWaitS);
}

TEST(LoginThrottleTest, AnAttackerRotatingAddressesCannotKeepThePersonOutOfTheirKnownAddress) {
  ManualClock clock(kStart);
  LoginThrottle throttle(clock);
  sign_in(throttle, "ann@x", "10.0.0.1");  // Ann's usual address
  clock.advance(kDayMs);

  // 4 guesses from each of 100 addresses, as fast as allowed: no pair and no address is ever
  // slowed enough to matter, but the account-wide safety net is.
  for (int address = 0; address < 100; ++address) {
    const std::string ip = "203.0.113." + std::to_string(address);
    for (int guess = 0; guess < 4; ++guess) {
      clock.advance(LoginThrottle::kAccountMaxWaitS * 1000);
      ASSERT_TRUE(fail_once(throttle, "ann@x", ip));
    }
  }
  EXPECT_EQ(throttle.wait_s("ann@x", "198.51.100.7"), LoginThrottle::kAccountMaxWaitS);
  EXPECT_EQ(throttle.reserve("ann@x", "203.0.113.0"), LoginThrottle::kAccountMaxWaitS);

  // Ann, from her known address, is not held back, even after a typo.
  EXPECT_EQ(throttle.wait_s("ann@x", "10.0.0.1"), 0);
  ASSERT_TRUE(fail_once(throttle, "ann@x", "10.0.0.1"));
  sign_in(throttle, "ann@x", "10.0.0.1");
  // The attacker still is.
  EXPECT_GT(throttle.wait_s("ann@x", "198.51.100.8"), 0);

  // Unknown and known accounts are counted alike.
  for (int guess = 0; guess < 60; ++guess) {
    clock.advance(LoginThrottle::kAccountMaxWaitS * 1000);
    (void)throttle.reserve("nobody@x", "203.1.0." + std::to_string(guess));
  }
  EXPECT_EQ(throttle.wait_s("nobody@x", "198.51.100.7"), LoginThrottle::kAccountMaxWaitS);
}

TEST(LoginThrottleTest, KnownAddressesExpireAndAreAtMostEightPerAccount) {
  ManualClock clock(kStart);
  LoginThrottle throttle(clock);
  for (int address = 1; address <= 9; ++address) {
    sign_in(throttle, "ann@x", "10.0.0." + std::to_string(address));
    clock.advance(1000);
  }
  for (int guess = 0; guess < 50; ++guess) {
    ASSERT_TRUE(fail_once(throttle, "ann@x", "203.0.0." + std::to_string(guess)));
  }
  EXPECT_GT(throttle.wait_s("ann@x", "10.0.0.1"), 0);  // pushed out by the ninth
  EXPECT_EQ(throttle.wait_s("ann@x", "10.0.0.2"), 0);
  EXPECT_EQ(throttle.wait_s("ann@x", "10.0.0.9"), 0);

  // Thirty days later, an address without a new sign-in is no longer known.
  clock.advance(LoginThrottle::kKnownIpMs);
  for (int guess = 0; guess < 50; ++guess) {
    ASSERT_TRUE(fail_once(throttle, "ann@x", "203.0.1." + std::to_string(guess)));
  }
  EXPECT_GT(throttle.wait_s("ann@x", "10.0.0.9"), 0);
}

TEST(LoginThrottleTest, ReservingCountsBeforeTheCheckSoParallelGuessesCannotAllPass) {
  ManualClock clock(kStart);
  LoginThrottle throttle(clock);
  std::atomic<int> passed{0};
  std::vector<std::thread> guessers;
  for (int guesser = 0; guesser < 16; ++guesser) {
    guessers.emplace_back([&] {
      if (throttle.reserve("ann@x", "6.6.6.6") == 0) ++passed;
    });
  }
  for (auto& guesser : guessers) guesser.join();
  EXPECT_EQ(passed.load(), LoginThrottle::kPairFreeFailures);
  EXPECT_EQ(throttle.reserve("ann@x", "6.6.6.6"), 1);

  // A refund gives the attempt back on every counter.
  LoginThrottle other(clock);
  for (int failure = 0; failure < 5; ++failure) ASSERT_TRUE(fail_once(other, "ann@x", "6.6.6.6"));
  EXPECT_EQ(other.wait_s("ann@x", "6.6.6.6"), 1);
  other.refund("ann@x", "6.6.6.6");
  EXPECT_EQ(other.wait_s("ann@x", "6.6.6.6"), 0);
}

TEST(LoginThrottleTest, SuccessClearsThePairAndCountersDecayAfterADay) {
  ManualClock clock(kStart);
  LoginThrottle throttle(clock);
  for (int failure = 0; failure < 10; ++failure) {
    clock.advance(LoginThrottle::kPairMaxWaitS * 1000);
    ASSERT_TRUE(fail_once(throttle, "ann@x", "1.1.1.1"));
  }
  EXPECT_GT(throttle.wait_s("ann@x", "1.1.1.1"), 0);
  clock.advance(LoginThrottle::kPairMaxWaitS * 1000);
  sign_in(throttle, "ann@x", "1.1.1.1");
  EXPECT_EQ(throttle.wait_s("ann@x", "1.1.1.1"), 0);
  for (int failure = 0; failure < 4; ++failure)
    ASSERT_TRUE(fail_once(throttle, "ann@x", "1.1.1.1"));
  EXPECT_EQ(throttle.wait_s("ann@x", "1.1.1.1"), 0);  // the pair started over

  // The address keeps its ten earlier failures: 6 more of other accounts make 20.
  for (int failure = 0; failure < 6; ++failure) {
    ASSERT_TRUE(fail_once(throttle, "bob" + std::to_string(failure) + "@x", "1.1.1.1"));
  }
  EXPECT_EQ(throttle.wait_s("carl@x", "1.1.1.1"), 1);

  clock.advance(LoginThrottle::kDecayMs);
  EXPECT_EQ(throttle.wait_s("carl@x", "1.1.1.1"), 0);
  for (int failure = 0; failure < 4; ++failure)
    ASSERT_TRUE(fail_once(throttle, "ann@x", "1.1.1.1"));
  EXPECT_EQ(throttle.wait_s("ann@x", "1.1.1.1"), 0);  // counting started over
}

TEST(LoginThrottleTest, StaysWithinItsBound) {
  ManualClock clock(kStart);
  LoginThrottle throttle(clock, /*max_entries=*/100);
  for (int failure = 0; failure < 1000; ++failure) {
    clock.advance(1);
    const std::string account = "user" + std::to_string(failure);
    const std::string ip = "ip" + std::to_string(failure);
    (void)throttle.reserve(account, ip);
    if (failure % 2 == 0) throttle.record_success(account, ip);
  }
  EXPECT_LE(throttle.size(), 400u);
  EXPECT_GT(throttle.size(), 0u);
}

}  // namespace
}  // namespace worktrace::auth
