#pragma once

#include <atomic>
#include <cstdint>

namespace worktrace {

// Milliseconds since the Unix epoch: the one timestamp type on the wire and in storage.
using EpochMs = std::int64_t;

// The source of wall-clock time. A seam for tests: services take `const Clock&`.
class Clock {
 public:
  virtual ~Clock() = default;
  [[nodiscard]] virtual EpochMs now_ms() const = 0;
};

// The system's real-time clock. Thread-safe.
class SystemClock final : public Clock {
 public:
  [[nodiscard]] EpochMs now_ms() const override;
};

// A clock that moves only when told. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(EpochMs start_ms) : now_ms_(start_ms) {}
  [[nodiscard]] EpochMs now_ms() const override { return now_ms_.load(); }
  void set(EpochMs now_ms) { now_ms_.store(now_ms); }
  void advance(EpochMs delta_ms) { now_ms_.fetch_add(delta_ms); }

 private:
  std::atomic<EpochMs> now_ms_;
};

}  // namespace worktrace
