#include "screens/screen_messages.hpp"

#include "api/http_types.hpp"
#include "protocol/json_reader.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>
#include <limits>
#include <set>

namespace worktrace::screens {
namespace {

constexpr std::array<std::string_view, 7> kRefusalReasons = {
    "idle", "paused", "off_hours", "disabled", "no_display", "capture_failed", "busy"};

bool is_request_id(std::string_view id) {
  if (id.empty() || id.size() > protocol::kMaxRequestIdBytes) return false;
  return std::all_of(id.begin(), id.end(), [](char ch) {
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch == '-';
  });
}

}  // namespace

Result<std::vector<UserId>> read_watch(const boost::json::value& json) {
  auto reader = protocol::ObjectReader::open(json);
  if (!reader) return reader.error();
  if (auto known = reader->reject_unknown({"type", "user_ids"}); !known) return known.error();
  auto items = reader->required_array("user_ids", kMaxWatchedPeople);
  if (!items) return items.error();
  std::vector<UserId> ids;
  std::set<UserId> seen;
  for (std::size_t item_idx = 0; item_idx < (*items)->size(); ++item_idx) {
    const std::string path = reader->path_of("user_ids") + "[" + std::to_string(item_idx) + "]";
    const auto& item = (**items)[item_idx];
    if (!item.is_int64() || item.get_int64() < 1) {
      return fail(Errc::invalid_argument, path + ": must be a positive id");
    }
    if (!seen.insert(item.get_int64()).second) {
      return fail(Errc::invalid_argument, path + ": appears twice");
    }
    ids.push_back(item.get_int64());
  }
  return ids;
}

Result<UserId> read_capture(const boost::json::value& json) {
  auto reader = protocol::ObjectReader::open(json);
  if (!reader) return reader.error();
  if (auto known = reader->reject_unknown({"type", "user_id"}); !known) return known.error();
  return reader->required_int("user_id", 1, std::numeric_limits<std::int64_t>::max());
}

Result<Refusal> read_refusal(const boost::json::value& json) {
  auto reader = protocol::ObjectReader::open(json);
  if (!reader) return reader.error();
  auto request_id = reader->required_string("request_id", protocol::kMaxRequestIdBytes);
  if (!request_id) return request_id.error();
  if (!is_request_id(*request_id)) {
    return fail(Errc::invalid_argument,
                reader->path_of("request_id") + ": must be 1..64 of [A-Za-z0-9_-]");
  }
  auto reason = reader->required_string("reason", 32);
  if (!reason) return reason.error();
  if (std::find(kRefusalReasons.begin(), kRefusalReasons.end(), *reason) == kRefusalReasons.end()) {
    return fail(Errc::invalid_argument,
                reader->path_of("reason") +
                    ": must be one of idle, paused, off_hours, disabled, no_display, "
                    "capture_failed, busy");
  }
  return Refusal{std::move(*request_id), std::move(*reason)};
}

std::string watching_message(bool watching) {
  return boost::json::serialize(boost::json::object{{"type", "screens"}, {"watching", watching}});
}

std::string capture_now_message(std::string_view request_id) {
  return boost::json::serialize(
      boost::json::object{{"type", "capture_now"}, {"request_id", request_id}});
}

std::string watching_reply(const std::vector<UserId>& accepted,
                           const std::vector<RefusedWatch>& refused, bool enabled) {
  boost::json::array ids;
  for (const UserId id : accepted) ids.emplace_back(id);
  boost::json::array refusals;
  for (const auto& refusal : refused) {
    // from_error renders the message that is safe to show (never an internal one).
    const auto rendered = api::Response::from_error(refusal.error);
    refusals.emplace_back(boost::json::object{
        {"user_id", refusal.user_id}, {"error", boost::json::parse(rendered.body).at("error")}});
  }
  return boost::json::serialize(boost::json::object{{"type", "screens.watching"},
                                                    {"user_ids", std::move(ids)},
                                                    {"refused", std::move(refusals)},
                                                    {"enabled", enabled}});
}

std::string capture_sent_reply(UserId user_id, std::string_view request_id, std::size_t devices) {
  return boost::json::serialize(boost::json::object{{"type", "screens.capture_sent"},
                                                    {"user_id", user_id},
                                                    {"request_id", request_id},
                                                    {"devices", devices}});
}

std::string refused_message(UserId user_id, DeviceId device_id, const Refusal& refusal) {
  return boost::json::serialize(boost::json::object{{"type", "screens.refused"},
                                                    {"user_id", user_id},
                                                    {"device_id", device_id},
                                                    {"request_id", refusal.request_id},
                                                    {"reason", refusal.reason}});
}

std::string ended_message(UserId user_id, std::string_view reason) {
  return boost::json::serialize(
      boost::json::object{{"type", "screens.ended"}, {"user_id", user_id}, {"reason", reason}});
}

std::uint64_t stream_key(UserId user_id, DeviceId device_id, int monitor) noexcept {
  // FNV-1a over the three numbers: cheap, and collisions only merge two streams' queue slots.
  std::uint64_t hash = 14695981039346656037ULL;
  for (const std::uint64_t part :
       {static_cast<std::uint64_t>(user_id), static_cast<std::uint64_t>(device_id),
        static_cast<std::uint64_t>(monitor)}) {
    for (int byte_idx = 0; byte_idx < 8; ++byte_idx) {
      hash ^= (part >> (8 * byte_idx)) & 0xffU;
      hash *= 1099511628211ULL;
    }
  }
  return hash == 0 ? 1 : hash;
}

}  // namespace worktrace::screens
