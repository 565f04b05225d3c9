#include "org/signup_limiter.hpp"

#include <algorithm>

namespace worktrace::org {

SignupLimiter::SignupLimiter(const Clock& clock) : clock_(clock) {}

std::int64_t SignupLimiter::acquire(std::string_view address) {
  const EpochMs now = clock_.now_ms();
  std::lock_guard lock(mutex_);
  auto found = attempts_.find(address);
  if (found == attempts_.end()) {
    if (attempts_.size() >= kSignupLimiterAddresses) {
      auto idle = std::min_element(
          attempts_.begin(), attempts_.end(),
          [](const auto& a, const auto& b) { return a.second.back() < b.second.back(); });
      attempts_.erase(idle);
    }
    found = attempts_.emplace(std::string(address), std::deque<EpochMs>()).first;
  }
  auto& times = found->second;
  while (!times.empty() && times.front() <= now - kSignupWindowMs) times.pop_front();
  if (times.size() >= kSignupsPerWindow) {
    const EpochMs wait_ms = times.front() + kSignupWindowMs - now;
    return std::max<std::int64_t>(1, (wait_ms + 999) / 1000);
  }
  times.push_back(now);
  return 0;
}

}  // namespace worktrace::org
