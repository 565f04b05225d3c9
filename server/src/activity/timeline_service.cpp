#include "activity/timeline_service.hpp"

#include "activity/person_view.hpp"
#include "api/params.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace worktrace::activity {
namespace {

// Far beyond any real timestamp, small enough that range arithmetic cannot overflow.
constexpr std::int64_t kMaxQueryMs = std::int64_t{1} << 53;

Result<std::optional<EpochMs>> query_ms(const api::Request& request, std::string_view key) {
  const auto found = request.query.find(key);
  if (found == request.query.end() || found->second.empty()) return std::optional<EpochMs>();
  const auto value = api::parse_int(found->second, 0, kMaxQueryMs);
  if (!value) {
    return fail(Errc::invalid_argument,
                std::string(key) + ": must be a time in epoch milliseconds");
  }
  return std::optional<EpochMs>(*value);
}

// Top `kTopListSize` entries of `totals` by time descending, then by key.
template <class Key>
std::vector<std::pair<Key, std::int64_t>> top(const std::map<Key, std::int64_t>& totals) {
  std::vector<std::pair<Key, std::int64_t>> entries(totals.begin(), totals.end());
  const auto by_time = [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  };
  const std::size_t count = std::min(kTopListSize, entries.size());
  std::partial_sort(entries.begin(), entries.begin() + static_cast<std::ptrdiff_t>(count),
                    entries.end(), by_time);
  entries.resize(count);
  return entries;
}

std::int64_t activity_pct(std::int64_t active_ms) {
  const std::int64_t pct = (active_ms * 100 + kSlotMs / 2) / kSlotMs;
  return std::clamp<std::int64_t>(pct, 0, 100);  // several devices of a person can overlap
}

}  // namespace

Result<TimeRange> read_range(const api::Request& request, EpochMs now) {
  auto from = query_ms(request, "from");
  if (!from) return from.error();
  auto to = query_ms(request, "to");
  if (!to) return to.error();
  TimeRange range;
  if (*from && *to) {
    range = {**from, **to};
  } else if (*from) {
    range = {**from, **from + kDefaultRangeMs};
  } else if (*to) {
    range = {std::max<EpochMs>(0, **to - kDefaultRangeMs), **to};
  } else {
    range = {std::max<EpochMs>(0, now - kDefaultRangeMs), now};
  }
  if (range.to <= range.from) return fail(Errc::invalid_argument, "to: must be after from");
  if (range.to - range.from > kMaxRangeMs) {
    return fail(Errc::invalid_argument, "to: must be at most 7 days after from");
  }
  return range;
}

TimelineService::TimelineService(storage::Db& db, auth::AuthService& auth, const Clock& clock)
    : db_(db), auth_(auth), clock_(clock) {}

void TimelineService::register_routes(api::Router& router) {
  router.add("GET", "/api/v1/people/{id}/timeline",
             [this](api::Request& request) { return api::respond(timeline(request), "activity"); });
  router.add("GET", "/api/v1/people/{id}/input",
             [this](api::Request& request) { return api::respond(input(request), "activity"); });
}

template <class F>
Result<api::Response> TimelineService::with_person(const api::Request& request,
                                                   std::string_view view, F&& fn) {
  auto viewer = read_person_view(auth_, request);
  if (!viewer) return viewer.error();
  auto range = read_range(request, clock_.now_ms());
  if (!range) return range.error();
  auto body = db_.read([&](storage::Connection& connection) -> Result<boost::json::object> {
    if (auto visible = require_visible_person(connection, viewer->actor, viewer->person_id);
        !visible) {
      return visible.error();
    }
    return fn(connection, viewer->actor, viewer->person_id, *range);
  });
  if (!body) return body.error();
  if (auto recorded = audit_person_view(db_, clock_, *viewer, request.remote_ip, view, *range);
      !recorded) {
    return recorded.error();
  }
  return api::Response::json(200, *body);
}

Result<api::Response> TimelineService::timeline(const api::Request& request) {
  return with_person(
      request, "timeline",
      [](storage::Connection& connection, const Actor& actor, UserId person,
         TimeRange range) -> Result<boost::json::object> {
        boost::json::array spans;
        bool truncated = false;
        std::int64_t active_ms = 0;
        std::int64_t idle_ms = 0;
        std::map<std::string, std::int64_t> apps;
        std::map<std::pair<std::string, std::string>, std::int64_t> titles;
        auto listed = store::for_each_span(
            connection, actor.org_id, person, range.from, range.to, [&](const TimelineSpan& span) {
              const std::int64_t duration_ms = span.end - span.start;
              if (span.idle) {
                idle_ms += duration_ms;
              } else {
                active_ms += duration_ms;
                if (duration_ms > 0 && !span.is_private) {
                  apps[span.app] += duration_ms;
                  titles[{span.app, span.title}] += duration_ms;
                }
              }
              if (spans.size() < kMaxTimelineSpans) {
                spans.emplace_back(boost::json::object{{"start", span.start},
                                                       {"end", span.end},
                                                       {"app", span.app},
                                                       {"exe", span.exe},
                                                       {"title", span.title},
                                                       {"idle", span.idle},
                                                       {"device_id", span.device_id},
                                                       {"url", span.url},
                                                       {"domain", span.domain},
                                                       {"project", span.project},
                                                       {"file", span.file},
                                                       {"private", span.is_private}});
              } else {
                truncated = true;
              }
              return true;
            });
        if (!listed) return listed.error();

        boost::json::array top_apps;
        for (const auto& [app, ms] : top(apps)) {
          top_apps.emplace_back(boost::json::object{{"app", app}, {"active_ms", ms}});
        }
        boost::json::array top_titles;
        for (const auto& [key, ms] : top(titles)) {
          top_titles.emplace_back(
              boost::json::object{{"app", key.first}, {"title", key.second}, {"active_ms", ms}});
        }
        auto slots = store::read_slots(connection, actor.org_id, person, range.from, range.to);
        if (!slots) return slots.error();
        boost::json::array slot_items;
        for (const SlotTotals& slot : *slots) {
          slot_items.emplace_back(
              boost::json::object{{"slot", slot.slot},
                                  {"active_ms", slot.active_ms},
                                  {"idle_ms", slot.idle_ms},
                                  {"keys", slot.keys},
                                  {"clicks", slot.clicks},
                                  {"scrolls", slot.scrolls},
                                  {"distance_px", slot.distance_px},
                                  {"activity_pct", activity_pct(slot.active_ms)}});
        }
        return boost::json::object{
            {"user_id", person},
            {"from", range.from},
            {"to", range.to},
            {"spans", std::move(spans)},
            {"truncated", truncated},
            {"totals", boost::json::object{{"active_ms", active_ms}, {"idle_ms", idle_ms}}},
            {"apps", std::move(top_apps)},
            {"titles", std::move(top_titles)},
            {"slots", std::move(slot_items)}};
      });
}

Result<api::Response> TimelineService::input(const api::Request& request) {
  return with_person(
      request, "input",
      [](storage::Connection& connection, const Actor& actor, UserId person,
         TimeRange range) -> Result<boost::json::object> {
        auto minutes = store::read_minutes(connection, actor.org_id, person, range.from, range.to);
        if (!minutes) return minutes.error();
        boost::json::array items;
        for (const MinuteCounts& minute : *minutes) {
          items.emplace_back(boost::json::object{{"minute", minute.minute},
                                                 {"keys", minute.keys},
                                                 {"clicks", minute.clicks},
                                                 {"scrolls", minute.scrolls},
                                                 {"distance_px", minute.distance_px}});
        }
        return boost::json::object{{"user_id", person},
                                   {"from", range.from},
                                   {"to", range.to},
                                   {"minutes", std::move(items)}};
      });
}

}  // namespace worktrace::activity
