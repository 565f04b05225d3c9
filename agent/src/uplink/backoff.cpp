#include "uplink/backoff.hpp"

#include <algorithm>

namespace worktrace::agent::uplink {

Backoff::Backoff(BackoffPolicy policy, std::uint64_t seed) : policy_(policy), random_(seed) {}

std::chrono::milliseconds Backoff::ceiling() const {
  std::int64_t bound = std::max<std::int64_t>(policy_.base.count(), 0);
  const std::int64_t cap = std::max<std::int64_t>(policy_.cap.count(), 0);
  // Doubling stops at the cap, so there is no overflow however long the failures last.
  for (int step = 0; step < doublings_ && bound > 0 && bound < cap; ++step) bound *= 2;
  return std::chrono::milliseconds(std::min(bound, cap));
}

std::chrono::milliseconds Backoff::next_delay() {
  const std::chrono::milliseconds bound = ceiling();
  std::uniform_int_distribution<std::int64_t> spread(0, bound.count());
  if (bound.count() > 0 && bound < policy_.cap) ++doublings_;
  return std::chrono::milliseconds(spread(random_));
}

void Backoff::connection_ended(std::chrono::milliseconds lived) {
  if (lived > policy_.reset_after) doublings_ = 0;
}

}  // namespace worktrace::agent::uplink
