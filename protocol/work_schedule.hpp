#pragma once

#include "core/clock.hpp"
#include "core/result.hpp"

#include <boost/json/value.hpp>

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// An organization's work hours: when the agent records activity. Wire form (inside the
// `config` control message and the org tracking policy):
//   {"time_zone":"Europe/Berlin","days":{"mon":[["09:00","17:30"]],"tue":[...],...}}
// Each day is a list of [from, to) "HH:MM" intervals in the zone's civil time.
namespace worktrace::protocol {

inline constexpr std::size_t kMaxWorkIntervalsPerDay = 8;
inline constexpr std::size_t kMaxTimeZoneBytes = 64;

// Minutes of the civil day, [from_min, to_min): 0 <= from_min < to_min <= 1440.
struct WorkInterval {
  int from_min = 0;
  int to_min = 0;

  bool operator==(const WorkInterval&) const = default;
};

struct WorkSchedule {
  std::string time_zone;  // an IANA name, e.g. "Europe/Berlin", "Asia/Kathmandu", "UTC"
  // days[0] is Monday ... days[6] Sunday; each sorted and non-overlapping. Empty: no work.
  std::array<std::vector<WorkInterval>, 7> days;

  bool operator==(const WorkSchedule&) const = default;
};

// Reads a schedule; `value` is null (nullopt: always track) or an object as above. Unknown
// keys are rejected. Fails with Errc::invalid_argument naming the first bad item under
// `path` (the path of `value` itself, e.g. "$.schedule"):
//   "$.schedule.days.tue[1]: overlaps the interval before it"
//   "$.schedule.time_zone: is not a known time zone"
// Intervals must be listed in order; touching intervals ("12:00" then "12:00") are allowed.
[[nodiscard]] Result<std::optional<WorkSchedule>> parse_work_schedule(
    const boost::json::value& value, std::string_view path);

// The wire form: null for nullopt; otherwise all seven days, empty ones as [].
[[nodiscard]] boost::json::value work_schedule_json(const std::optional<WorkSchedule>& schedule);

// Whether `at` falls inside work hours, in the schedule's zone (DST per the system's tzdata,
// through CCTZ). A nullopt schedule is always work time. A zone that no longer loads counts as
// UTC.
[[nodiscard]] bool is_work_time(const std::optional<WorkSchedule>& schedule, EpochMs at);

// The first instant after `at` where is_work_time changes, looking at most 8 days ahead;
// nullopt when it never changes (no schedule, no interval at all, or every minute of the week
// is work time). Intervals that touch (including "24:00" and the next day's "00:00") are one
// stretch of work: no change between them. DST gaps and repeats are handled: a boundary that
// falls into a skipped hour takes effect at the transition.
[[nodiscard]] std::optional<EpochMs> next_work_change(const std::optional<WorkSchedule>& schedule,
                                                      EpochMs at);

}  // namespace worktrace::protocol
