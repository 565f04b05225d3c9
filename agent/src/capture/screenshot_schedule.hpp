#pragma once

#include "core/clock.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <random>

namespace worktrace::agent::capture {

// When scheduled screenshots are due. Time is cut into intervals of `interval_s` aligned to the
// Unix epoch (interval i covers [i * interval, (i + 1) * interval)), so a restart of the agent
// does not shift them; each interval is cut into `per_interval` equal parts (part k of an
// interval starts at floor(k * interval / per_interval) ms into it), and each part has one
// moment drawn uniformly at random within it. A part's moment is drawn once and kept, so asking
// again within a part gives the same answer. Not thread-safe.
class ScreenshotSchedule {
 public:
  // Preconditions: interval_s >= 1, 1 <= per_interval <= interval_s * 1000. `seed` feeds the
  // random moments (tests pass a fixed one; the agent a random one).
  ScreenshotSchedule(std::int64_t interval_s, std::int64_t per_interval, std::uint64_t seed);

  // The first moment strictly after `after_ms`.
  [[nodiscard]] EpochMs next_after(EpochMs after_ms);

  // The part that contains `at_ms`: [start, end).
  struct Part {
    EpochMs start = 0;
    EpochMs end = 0;
  };
  [[nodiscard]] Part part_of(EpochMs at_ms) const;

  [[nodiscard]] std::int64_t interval_s() const { return interval_ms_ / 1000; }
  [[nodiscard]] std::int64_t per_interval() const { return per_interval_; }

 private:
  // The moment of the part that starts at `part.start`, drawn on first use.
  [[nodiscard]] EpochMs moment_of(const Part& part);

  std::int64_t interval_ms_;
  std::int64_t per_interval_;
  std::mt19937_64 random_;
  // The two parts drawn last (next_after looks at a part and the one after it), so a part's
  // moment never changes while the clock is within it or the part before.
  struct Drawn {
    EpochMs part_start = 0;
    EpochMs moment = 0;
  };
  std::array<std::optional<Drawn>, 2> drawn_{};
  std::size_t next_slot_ = 0;
};

}  // namespace worktrace::agent::capture
