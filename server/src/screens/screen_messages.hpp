#pragma once

#include "core/actor.hpp"
#include "core/result.hpp"
#include "protocol/screen_frame.hpp"

#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

// The text messages of live screenshots (docs/api/v1.md, "Screenshots"): what dashboards and
// agents send, checked, and what the server sends them. Pure functions.
namespace worktrace::screens {

// Most people one dashboard may watch at once.
inline constexpr std::size_t kMaxWatchedPeople = 200;
// Length of the request ids the server makes for capture_now (the contract allows 16..32).
inline constexpr std::size_t kRequestIdChars = 22;

// {"type":"screens.watch","user_ids":[...]}: 0..kMaxWatchedPeople distinct positive ids.
// Errc::invalid_argument naming the path ("$.user_ids[2]: appears twice"); unknown keys are
// refused.
[[nodiscard]] Result<std::vector<UserId>> read_watch(const boost::json::value& json);

// {"type":"screens.capture","user_id":N}; unknown keys are refused.
[[nodiscard]] Result<UserId> read_capture(const boost::json::value& json);

// The agent's {"type":"screenshot_refused","request_id","reason"}: a request id of 1..64 of
// [A-Za-z0-9_-] and one of idle, paused, off_hours, disabled, no_display, capture_failed, busy.
// Keys a newer agent may add are ignored.
struct Refusal {
  std::string request_id;
  std::string reason;
};
[[nodiscard]] Result<Refusal> read_refusal(const boost::json::value& json);

// One person a dashboard could not start watching, and why.
struct RefusedWatch {
  UserId user_id = 0;
  Error error;
};

// {"type":"screens","watching":bool} (server -> agent).
[[nodiscard]] std::string watching_message(bool watching);
// {"type":"capture_now","request_id"} (server -> agent).
[[nodiscard]] std::string capture_now_message(std::string_view request_id);
// {"type":"screens.watching","user_ids","refused":[{"user_id","error":{"code","message"}}],
// "enabled"} (server -> dashboard).
[[nodiscard]] std::string watching_reply(const std::vector<UserId>& accepted,
                                         const std::vector<RefusedWatch>& refused, bool enabled);
// {"type":"screens.capture_sent","user_id","request_id","devices"}.
[[nodiscard]] std::string capture_sent_reply(UserId user_id, std::string_view request_id,
                                             std::size_t devices);
// {"type":"screens.refused","user_id","device_id","request_id","reason"}.
[[nodiscard]] std::string refused_message(UserId user_id, DeviceId device_id,
                                          const Refusal& refusal);
// {"type":"screens.ended","user_id","reason"}.
[[nodiscard]] std::string ended_message(UserId user_id, std::string_view reason);

// The key under which a viewer's queue keeps only the newest frame of one screen: non-zero,
// distinct for distinct (user, device, monitor) in practice.
[[nodiscard]] std::uint64_t stream_key(UserId user_id, DeviceId device_id, int monitor) noexcept;

}  // namespace worktrace::screens
