#include "capture/screenshot_schedule.hpp"

namespace worktrace::agent::capture {
namespace {

// floor(a / b) for b > 0, also for negative a.
std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t quotient = a / b;
  return (a % b != 0 && a < 0) ? quotient - 1 : quotient;
}

}  // namespace

ScreenshotSchedule::ScreenshotSchedule(std::int64_t interval_s, std::int64_t per_interval,
                                       std::uint64_t seed)
    : interval_ms_(interval_s * 1000), per_interval_(per_interval), random_(seed) {}

ScreenshotSchedule::Part ScreenshotSchedule::part_of(EpochMs at_ms) const {
  const EpochMs interval_start = floor_div(at_ms, interval_ms_) * interval_ms_;
  const std::int64_t offset = at_ms - interval_start;
  // The part k with floor(k * I / n) <= offset < floor((k + 1) * I / n).
  std::int64_t part_idx = (offset * per_interval_) / interval_ms_;
  auto boundary = [&](std::int64_t idx) {
    return interval_start + idx * interval_ms_ / per_interval_;
  };
  while (part_idx + 1 < per_interval_ && boundary(part_idx + 1) <= at_ms) ++part_idx;
  while (part_idx > 0 && boundary(part_idx) > at_ms) --part_idx;
  return {boundary(part_idx), boundary(part_idx + 1)};
}

EpochMs ScreenshotSchedule::moment_of(const Part& part) {
  for (const auto& drawn : drawn_) {
    if (drawn && drawn->part_start == part.start) return drawn->moment;
  }
  std::uniform_int_distribution<std::int64_t> offset(0, part.end - part.start - 1);
  const Drawn drawn{part.start, part.start + offset(random_)};
  drawn_[next_slot_] = drawn;
  next_slot_ = (next_slot_ + 1) % drawn_.size();
  return drawn.moment;
}

EpochMs ScreenshotSchedule::next_after(EpochMs after_ms) {
  Part part = part_of(after_ms);
  for (;;) {
    const EpochMs moment = moment_of(part);
    if (moment > after_ms) return moment;
    part = part_of(part.end);
  }
}

}  // namespace worktrace::agent::capture
