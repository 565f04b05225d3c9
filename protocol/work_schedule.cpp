#include "protocol/work_schedule.hpp"

#include "protocol/json_reader.hpp"

#include <cctz/civil_time.h>
#include <cctz/time_zone.h>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <chrono>

namespace worktrace::protocol {
namespace {

constexpr std::array<std::string_view, 7> kDayKeys = {"mon", "tue", "wed", "thu",
                                                      "fri", "sat", "sun"};
constexpr int kMinutesPerDay = 24 * 60;
// How far next_work_change looks: a weekly schedule changes within 7 days if it changes at all;
// one more day covers DST shifts and the civil day the scan starts from.
constexpr int kScanDays = 8;
// Instants beyond year 9999 (or before 1900) are not real activity; they only risk overflow.
constexpr EpochMs kMinEpochMs = -2'208'988'800'000;
constexpr EpochMs kMaxEpochMs = 253'402'300'799'000;

using Seconds = cctz::time_point<cctz::seconds>;

// IANA names only: no absolute paths, no "..", no "localtime" (which would read the host's
// own zone). CCTZ would otherwise open any file the name points to.
bool is_plausible_zone_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxTimeZoneBytes || name.front() == '/') return false;
  if (name == "localtime") return false;
  return std::all_of(name.begin(), name.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '/' || ch == '_' || ch == '-' || ch == '+';
  });
}

std::optional<cctz::time_zone> load_zone(const std::string& name) {
  cctz::time_zone zone;
  if (!is_plausible_zone_name(name) || !cctz::load_time_zone(name, &zone)) return std::nullopt;
  return zone;
}

cctz::time_zone zone_or_utc(const std::string& name) {
  return load_zone(name).value_or(cctz::utc_time_zone());
}

Seconds to_seconds(EpochMs at) {
  std::int64_t seconds = at / 1000;
  if (at % 1000 < 0) --seconds;  // floor, also before 1970
  return Seconds(cctz::seconds(seconds));
}

EpochMs to_epoch_ms(Seconds instant) { return instant.time_since_epoch().count() * 1000; }

int day_index(const cctz::civil_day& day) { return static_cast<int>(cctz::get_weekday(day)); }

bool works_at(const WorkSchedule& schedule, const cctz::time_zone& zone, Seconds instant) {
  const cctz::civil_second civil = cctz::convert(instant, zone);
  const int minute = civil.hour() * 60 + civil.minute();
  const auto& intervals =
      schedule.days[static_cast<std::size_t>(day_index(cctz::civil_day(civil)))];
  return std::any_of(intervals.begin(), intervals.end(), [minute](const WorkInterval& interval) {
    return interval.from_min <= minute && minute < interval.to_min;
  });
}

// "HH:MM" (00:00..23:59, or 24:00) as minutes of the day.
std::optional<int> parse_clock(std::string_view text) {
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  for (const std::size_t digit_idx : {0, 1, 3, 4}) {
    if (text[digit_idx] < '0' || text[digit_idx] > '9') return std::nullopt;
  }
  const int hours = (text[0] - '0') * 10 + (text[1] - '0');
  const int minutes = (text[3] - '0') * 10 + (text[4] - '0');
  if (hours == 24 && minutes == 0) return kMinutesPerDay;
  if (hours > 23 || minutes > 59) return std::nullopt;
  return hours * 60 + minutes;
}

std::string format_clock(int minute_of_day) {
  const int hours = minute_of_day / 60;
  const int minutes = minute_of_day % 60;
  std::string text = "00:00";
  text[0] = static_cast<char>('0' + hours / 10);
  text[1] = static_cast<char>('0' + hours % 10);
  text[3] = static_cast<char>('0' + minutes / 10);
  text[4] = static_cast<char>('0' + minutes % 10);
  return text;
}

Error bad(const std::string& path, std::string_view what) {
  return fail(Errc::invalid_argument, path + ": " + std::string(what));
}

Result<WorkInterval> parse_interval(const boost::json::value& item, const std::string& path) {
  const auto* pair = item.if_array();
  if (pair == nullptr || pair->size() != 2 || !(*pair)[0].is_string() || !(*pair)[1].is_string()) {
    return bad(path, "must be a pair of times [\"HH:MM\",\"HH:MM\"]");
  }
  std::array<int, 2> minutes{};
  for (std::size_t end_idx = 0; end_idx < 2; ++end_idx) {
    const auto parsed = parse_clock((*pair)[end_idx].get_string());
    if (!parsed) {
      return bad(path + "[" + std::to_string(end_idx) + "]",
                 "must be a time \"HH:MM\" from 00:00 to 24:00");
    }
    minutes[end_idx] = *parsed;
  }
  if (minutes[0] >= minutes[1]) return bad(path, "must end after it starts");
  return WorkInterval{minutes[0], minutes[1]};
}

}  // namespace

Result<std::optional<WorkSchedule>> parse_work_schedule(const boost::json::value& value,
                                                        std::string_view path) {
  if (value.is_null()) return std::optional<WorkSchedule>();
  auto reader = ObjectReader::open(value, std::string(path));
  if (!reader) return reader.error();
  if (auto known = reader->reject_unknown({"time_zone", "days"}); !known) return known.error();

  WorkSchedule schedule;
  auto zone = reader->required_string("time_zone", kMaxTimeZoneBytes);
  if (!zone) return zone.error();
  if (!load_zone(*zone)) return bad(reader->path_of("time_zone"), "is not a known time zone");
  schedule.time_zone = std::move(*zone);

  auto days = reader->required_object("days");
  if (!days) return days.error();
  if (auto known = days->reject_unknown({kDayKeys[0], kDayKeys[1], kDayKeys[2], kDayKeys[3],
                                         kDayKeys[4], kDayKeys[5], kDayKeys[6]});
      !known) {
    return known.error();
  }
  for (std::size_t day_idx = 0; day_idx < kDayKeys.size(); ++day_idx) {
    const std::string_view key = kDayKeys[day_idx];
    const auto* found = days->object().if_contains(key);
    if (found == nullptr || found->is_null()) continue;  // a missing day: no work that day
    auto items = days->required_array(key, kMaxWorkIntervalsPerDay);
    if (!items) return items.error();
    auto& intervals = schedule.days[day_idx];
    for (std::size_t item_idx = 0; item_idx < (*items)->size(); ++item_idx) {
      const std::string item_path = days->path_of(key) + "[" + std::to_string(item_idx) + "]";
      auto interval = parse_interval((**items)[item_idx], item_path);
      if (!interval) return interval.error();
      if (!intervals.empty()) {
        const WorkInterval& before = intervals.back();
        if (interval->from_min < before.from_min) {
          return bad(item_path, "must start after the interval before it (list them in order)");
        }
        if (interval->from_min < before.to_min) {
          return bad(item_path, "overlaps the interval before it");
        }
      }
      intervals.push_back(*interval);
    }
  }
  return std::optional<WorkSchedule>(std::move(schedule));
}

boost::json::value work_schedule_json(const std::optional<WorkSchedule>& schedule) {
  if (!schedule) return nullptr;
  boost::json::object days;
  for (std::size_t day_idx = 0; day_idx < kDayKeys.size(); ++day_idx) {
    boost::json::array intervals;
    for (const auto& interval : schedule->days[day_idx]) {
      intervals.emplace_back(
          boost::json::array{format_clock(interval.from_min), format_clock(interval.to_min)});
    }
    days.emplace(kDayKeys[day_idx], std::move(intervals));
  }
  return boost::json::object{{"time_zone", schedule->time_zone}, {"days", std::move(days)}};
}

bool is_work_time(const std::optional<WorkSchedule>& schedule, EpochMs at) {
  if (!schedule) return true;
  return works_at(*schedule, zone_or_utc(schedule->time_zone), to_seconds(at));
}

std::optional<EpochMs> next_work_change(const std::optional<WorkSchedule>& schedule, EpochMs at) {
  if (!schedule || at < kMinEpochMs || at > kMaxEpochMs) return std::nullopt;
  const bool any_interval = std::any_of(schedule->days.begin(), schedule->days.end(),
                                        [](const auto& day) { return !day.empty(); });
  if (!any_interval) return std::nullopt;

  const cctz::time_zone zone = zone_or_utc(schedule->time_zone);
  const Seconds start = to_seconds(at);
  const bool working = works_at(*schedule, zone, start);

  // is_work_time can change only where the civil clock reaches an interval's boundary or
  // where it jumps (a zone transition). Collect every such instant in the window, then take
  // the first one after `at` where the answer really differs (touching intervals, a boundary
  // inside a DST gap or a repeated hour all fall out of that check).
  std::vector<Seconds> candidates;
  const cctz::civil_day first_day = cctz::civil_day(cctz::convert(start, zone)) - 1;
  for (int day_offset = 0; day_offset <= kScanDays + 1; ++day_offset) {
    const cctz::civil_day day = first_day + day_offset;
    for (const auto& interval : schedule->days[static_cast<std::size_t>(day_index(day))]) {
      for (const int minute : {interval.from_min, interval.to_min}) {
        const auto lookup = zone.lookup(cctz::civil_second(day) + minute * 60);
        candidates.insert(candidates.end(), {lookup.pre, lookup.trans, lookup.post});
      }
    }
  }
  const Seconds horizon = start + cctz::seconds(std::int64_t{kScanDays + 1} * 86'400);
  cctz::time_zone::civil_transition transition;
  for (Seconds cursor = start; zone.next_transition(cursor, &transition);) {
    const Seconds instant = zone.lookup(transition.to).trans;
    if (instant > horizon || instant <= cursor) break;
    candidates.push_back(instant);
    cursor = instant;
  }

  std::sort(candidates.begin(), candidates.end());
  for (const Seconds candidate : candidates) {
    if (to_epoch_ms(candidate) <= at) continue;
    if (works_at(*schedule, zone, candidate) != working) return to_epoch_ms(candidate);
  }
  return std::nullopt;
}

}  // namespace worktrace::protocol
