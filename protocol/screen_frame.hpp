#pragma once

#include "core/clock.hpp"
#include "core/result.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// The binary WebSocket messages that carry live screenshots (docs/api/v1.md, "Screenshots").
// Both directions share one layout:
//   4 bytes magic ("WTS1" agent -> server, "WTV1" server -> dashboard)
//   2 bytes header length N, big-endian, 2..kMaxFrameHeaderBytes
//   N bytes header: one JSON object (UTF-8)
//   the rest: one baseline or progressive JPEG (FF D8 ... FF D9)
// The server never decodes the picture; it checks the structure and forwards the bytes.
namespace worktrace::protocol {

inline constexpr std::string_view kAgentFrameMagic = "WTS1";
inline constexpr std::string_view kViewerFrameMagic = "WTV1";
inline constexpr std::size_t kFramePreambleBytes = 6;  // magic + header length
inline constexpr std::size_t kMaxFrameHeaderBytes = 1024;
// The largest whole message (preamble + header + JPEG) an agent may send.
inline constexpr std::size_t kMaxScreenFrameBytes = 4 * 1024 * 1024;
inline constexpr int kMaxScreenSide = 8192;
inline constexpr int kMaxMonitors = 16;
inline constexpr std::size_t kMaxRequestIdBytes = 64;

enum class CaptureReason { schedule, demand };

[[nodiscard]] std::string_view capture_reason_name(CaptureReason reason) noexcept;

// The agent's header: {"monitor","width","height","taken_at","reason","request_id"?}.
struct ScreenFrameHeader {
  int monitor = 0;          // 0..kMaxMonitors-1; 0 is the first (or the whole screen)
  int width = 0;            // of the JPEG, 1..kMaxScreenSide
  int height = 0;
  EpochMs taken_at = 0;     // when the screen was captured (the agent's clock)
  CaptureReason reason = CaptureReason::schedule;
  std::string request_id;   // a demand's id (from capture_now); empty for the schedule

  bool operator==(const ScreenFrameHeader&) const = default;
};

// The whole agent message for `header` and `jpeg`.
[[nodiscard]] std::string encode_agent_frame(const ScreenFrameHeader& header, std::string_view jpeg);

struct ParsedScreenFrame {
  ScreenFrameHeader header;
  std::string_view jpeg;  // points into the parsed message
};

// Checks an agent message and splits it. Errc::payload_too_large beyond kMaxScreenFrameBytes;
// Errc::invalid_argument with a message that says what is wrong ("screen frame: bad magic",
// "screen frame: $.width: ...", "screen frame: JPEG size 640x480 differs from the header's
// 1280x1024", "screen frame: not a JPEG") for: a bad magic or header length, a header that is
// not a JSON object with exactly the keys above in range, a request_id that is not 1..64 of
// [A-Za-z0-9_-], a demand without request_id, or a body that is not a JPEG whose frame (SOF)
// dimensions equal the header's. Does not check taken_at against a clock.
[[nodiscard]] Result<ParsedScreenFrame> parse_agent_frame(std::string_view message);

struct JpegSize {
  int width = 0;
  int height = 0;
};

// The dimensions in the first SOF marker of `jpeg`, walking the marker segments from SOI.
// Errc::invalid_argument when it is not a JPEG (no SOI, truncated segments, no SOF before
// SOS, no EOI at the end).
[[nodiscard]] Result<JpegSize> jpeg_dimensions(std::string_view jpeg);

// What the server adds for dashboards: whose screen it is and when it arrived.
struct ViewerFrameInfo {
  std::int64_t user_id = 0;
  std::int64_t device_id = 0;
  ScreenFrameHeader header;
  EpochMs received_at = 0;
};

// The dashboard message's preamble and header (everything before the JPEG):
// "WTV1", length, {"user_id","device_id","monitor","width","height","taken_at","reason",
// "request_id"?,"received_at"}. The JPEG follows unchanged, so it can be sent from the
// agent's buffer without a copy.
[[nodiscard]] std::string viewer_frame_prefix(const ViewerFrameInfo& info);

// Parses a dashboard message (for tests and tools): its info and JPEG.
struct ParsedViewerFrame {
  ViewerFrameInfo info;
  std::string_view jpeg;
};
[[nodiscard]] Result<ParsedViewerFrame> parse_viewer_frame(std::string_view message);

}  // namespace worktrace::protocol
