#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace worktrace::agent::uplink {

struct BackoffPolicy {
  std::chrono::milliseconds base{1000};
  std::chrono::milliseconds cap{60'000};
  // A connection that lived longer than this ends the run of failures.
  std::chrono::milliseconds reset_after{30'000};
};

// Reconnect delays: exponential backoff with full jitter. The n-th delay after a reset (n from
// 0) is uniform in [0, min(cap, base * 2^n)], so a crowd of agents that lost the server at the
// same moment spreads out instead of returning together. Not thread-safe.
class Backoff {
 public:
  Backoff(BackoffPolicy policy, std::uint64_t seed);

  // The wait before the next attempt; doubles the ceiling for the one after, up to the cap.
  [[nodiscard]] std::chrono::milliseconds next_delay();

  // The upper bound the next call to next_delay() draws from.
  [[nodiscard]] std::chrono::milliseconds ceiling() const;

  // Records that an open connection ended after `lived`: longer than `reset_after` starts
  // the sequence again from `base`.
  void connection_ended(std::chrono::milliseconds lived);

  // Starts the sequence again from `base` (an attempt succeeded).
  void reset() { doublings_ = 0; }

 private:
  BackoffPolicy policy_;
  std::mt19937_64 random_;
  int doublings_ = 0;  // stops growing at the cap
};

}  // namespace worktrace::agent::uplink
