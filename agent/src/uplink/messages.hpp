#pragma once

#include "core/actor.hpp"
#include "core/result.hpp"
#include "protocol/device_info.hpp"

#include <string>
#include <string_view>

// The agent's side of the wire format in docs/api/v1.md: what it sends and how it reads the
// answers. Plain functions with no I/O, so the transports stay thin.
namespace worktrace::agent::uplink {

inline constexpr std::string_view kEnrollPath = "/api/v1/agent/enroll";
inline constexpr std::string_view kAgentChannelPath = "/ws/agent";

// What a successful enrollment returns.
struct Enrollment {
  DeviceId device_id = 0;
  OrgId org_id = 0;
  std::string org_name;
  std::string credential;
};

// {"token": token, "device": DeviceInfo}, plus "name" when `name` is not empty.
[[nodiscard]] std::string enroll_request_body(std::string_view token,
                                              const protocol::DeviceInfo& device,
                                              std::string_view name = {});

// Reads the server's answer to POST /api/v1/agent/enroll. Status 201 with a well-formed body
// gives the Enrollment. Any other status fails with the Errc of that status (401 ->
// unauthenticated, ...) and a message that carries the server's `error.message`
// ("the server refused enrollment (HTTP 401): token expired"). A malformed 201 body fails with
// Errc::internal naming the bad field.
[[nodiscard]] Result<Enrollment> parse_enroll_reply(int http_status, std::string_view body);

// {"type":"hello","device":DeviceInfo}
[[nodiscard]] std::string hello_message(const protocol::DeviceInfo& device);
// {"type":"device_info","device":DeviceInfo}
[[nodiscard]] std::string device_info_message(const protocol::DeviceInfo& device);

// A message from the server on the control channel.
struct ServerMessage {
  std::string type;  // "welcome", "error", "screens", "capture_now", or one not known yet
  // welcome:
  DeviceId device_id = 0;
  OrgId org_id = 0;
  std::string server_version;
  // error:
  std::string error_code;
  std::string error_message;
  // screens: whether anyone watches this device's person now.
  bool watching = false;
  // capture_now: the demand's id, 1..protocol::kMaxRequestIdBytes of [A-Za-z0-9_-].
  std::string request_id;
};

// Fails with Errc::invalid_argument when `text` is not a JSON object with a string `type`, or
// a welcome/error/screens/capture_now lacks its fields (or a request_id is malformed). Unknown
// types parse (only `type` set) so newer servers can add messages.
[[nodiscard]] Result<ServerMessage> parse_server_message(std::string_view text);

// {"type":"screenshot_refused","request_id","reason"}: a capture_now that was not served.
[[nodiscard]] std::string screenshot_refused_message(std::string_view request_id,
                                                     std::string_view reason);

// `text` safe to print on a terminal or in a log line: control characters become '?', and it
// is cut to at most `max_bytes` without splitting a UTF-8 character.
[[nodiscard]] std::string printable(std::string_view text, std::size_t max_bytes = 512);

}  // namespace worktrace::agent::uplink
