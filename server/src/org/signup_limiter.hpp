#pragma once

#include "core/clock.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace worktrace::org {

// Sign-up attempts allowed per client address and window, and the most addresses remembered.
inline constexpr std::size_t kSignupsPerWindow = 5;
inline constexpr EpochMs kSignupWindowMs = 60LL * 60 * 1000;
inline constexpr std::size_t kSignupLimiterAddresses = 10'000;

// Counts sign-up attempts per client address in a sliding window, in memory. Bounded: when
// kSignupLimiterAddresses are remembered, the address idle longest is forgotten. Thread-safe.
class SignupLimiter {
 public:
  // `clock` must outlive this limiter.
  explicit SignupLimiter(const Clock& clock);

  // 0 and counts the attempt when `address` may try now; otherwise the seconds (>= 1) until
  // it may, without counting.
  [[nodiscard]] std::int64_t acquire(std::string_view address);

 private:
  const Clock& clock_;
  // Guarded by mutex_: attempt times per address, oldest first, at most kSignupsPerWindow.
  std::mutex mutex_;
  std::map<std::string, std::deque<EpochMs>, std::less<>> attempts_;
};

}  // namespace worktrace::org
