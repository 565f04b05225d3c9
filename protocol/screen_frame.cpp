#include "protocol/screen_frame.hpp"

#include "protocol/json_reader.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>

namespace worktrace::protocol {
namespace {

constexpr std::size_t kMinFrameHeaderBytes = 2;  // "{}"

Error bad_frame(std::string_view what) {
  return fail(Errc::invalid_argument, "screen frame: " + std::string(what));
}

std::string preamble(std::string_view magic, std::size_t header_bytes) {
  std::string out(magic);
  out.push_back(static_cast<char>((header_bytes >> 8) & 0xff));
  out.push_back(static_cast<char>(header_bytes & 0xff));
  return out;
}

bool is_request_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxRequestIdBytes) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_';
  });
}

// Splits `message` into its header object and body after checking the preamble.
struct Split {
  boost::json::value header;
  std::string_view body;
};

Result<Split> split(std::string_view message, std::string_view magic) {
  if (message.size() < kFramePreambleBytes || message.substr(0, magic.size()) != magic) {
    return bad_frame("bad magic (expected " + std::string(magic) + ")");
  }
  const auto high = static_cast<unsigned char>(message[4]);
  const auto low = static_cast<unsigned char>(message[5]);
  const std::size_t header_bytes = (static_cast<std::size_t>(high) << 8) | low;
  if (header_bytes < kMinFrameHeaderBytes || header_bytes > kMaxFrameHeaderBytes) {
    return bad_frame("header length must be between 2 and " +
                     std::to_string(kMaxFrameHeaderBytes));
  }
  if (message.size() < kFramePreambleBytes + header_bytes) {
    return bad_frame("header is truncated");
  }
  auto json = parse_json(message.substr(kFramePreambleBytes, header_bytes), 4);
  if (!json) return bad_frame("header is not valid JSON");
  return Split{std::move(*json), message.substr(kFramePreambleBytes + header_bytes)};
}

Result<ScreenFrameHeader> read_header(const ObjectReader& reader) {
  ScreenFrameHeader header;
  auto monitor = reader.required_int("monitor", 0, kMaxMonitors - 1);
  if (!monitor) return monitor.error();
  auto width = reader.required_int("width", 1, kMaxScreenSide);
  if (!width) return width.error();
  auto height = reader.required_int("height", 1, kMaxScreenSide);
  if (!height) return height.error();
  auto taken_at = reader.required_int("taken_at", 0, std::int64_t{1} << 50);
  if (!taken_at) return taken_at.error();
  auto reason = reader.required_string("reason", 16);
  if (!reason) return reason.error();
  auto request_id = reader.optional_string("request_id", kMaxRequestIdBytes);
  if (!request_id) return request_id.error();
  header.monitor = static_cast<int>(*monitor);
  header.width = static_cast<int>(*width);
  header.height = static_cast<int>(*height);
  header.taken_at = *taken_at;
  if (*reason == "schedule") {
    header.reason = CaptureReason::schedule;
  } else if (*reason == "demand") {
    header.reason = CaptureReason::demand;
  } else {
    return fail(Errc::invalid_argument, reader.path_of("reason") + ": must be schedule or demand");
  }
  if (request_id->has_value()) {
    if (!is_request_id(**request_id)) {
      return fail(Errc::invalid_argument,
                  reader.path_of("request_id") + ": must be 1 to 64 of A-Z a-z 0-9 _ -");
    }
    header.request_id = std::move(**request_id);
  }
  if (header.reason == CaptureReason::demand && header.request_id.empty()) {
    return fail(Errc::invalid_argument, reader.path_of("request_id") + ": is required on demand");
  }
  return header;
}

boost::json::object header_json(const ScreenFrameHeader& header) {
  boost::json::object json{{"monitor", header.monitor},
                           {"width", header.width},
                           {"height", header.height},
                           {"taken_at", header.taken_at},
                           {"reason", capture_reason_name(header.reason)}};
  if (!header.request_id.empty()) json["request_id"] = header.request_id;
  return json;
}

bool is_sof(unsigned char marker) {
  // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
  return marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
}

}  // namespace

std::string_view capture_reason_name(CaptureReason reason) noexcept {
  return reason == CaptureReason::demand ? "demand" : "schedule";
}

std::string encode_agent_frame(const ScreenFrameHeader& header, std::string_view jpeg) {
  const std::string json = boost::json::serialize(header_json(header));
  std::string out = preamble(kAgentFrameMagic, json.size());
  out.reserve(out.size() + json.size() + jpeg.size());
  out += json;
  out += jpeg;
  return out;
}

Result<JpegSize> jpeg_dimensions(std::string_view jpeg) {
  const auto byte = [&](std::size_t at) { return static_cast<unsigned char>(jpeg[at]); };
  if (jpeg.size() < 4 || byte(0) != 0xff || byte(1) != 0xd8) return bad_frame("not a JPEG");
  if (byte(jpeg.size() - 2) != 0xff || byte(jpeg.size() - 1) != 0xd9) {
    return bad_frame("JPEG does not end with EOI");
  }
  std::size_t at = 2;
  while (at + 4 <= jpeg.size()) {
    if (byte(at) != 0xff) return bad_frame("JPEG marker expected");
    const unsigned char marker = byte(at + 1);
    if (marker == 0xff) {  // fill byte
      ++at;
      continue;
    }
    if (marker == 0xda || marker == 0xd9) break;  // SOS or EOI before any SOF
    const std::size_t length = (static_cast<std::size_t>(byte(at + 2)) << 8) | byte(at + 3);
    if (length < 2 || at + 2 + length > jpeg.size()) return bad_frame("JPEG segment truncated");
    if (is_sof(marker)) {
      if (length < 7) return bad_frame("JPEG frame header truncated");
      const int height = (byte(at + 5) << 8) | byte(at + 6);
      const int width = (byte(at + 7) << 8) | byte(at + 8);
      if (width == 0 || height == 0) return bad_frame("JPEG has no size");
      return JpegSize{width, height};
    }
    at += 2 + length;
  }
  return bad_frame("JPEG has no frame header");
}

Result<ParsedScreenFrame> parse_agent_frame(std::string_view message) {
  if (message.size() > kMaxScreenFrameBytes) {
    return fail(Errc::payload_too_large, "screen frame: larger than " +
                                             std::to_string(kMaxScreenFrameBytes) + " bytes");
  }
  auto parts = split(message, kAgentFrameMagic);
  if (!parts) return parts.error();
  auto reader = ObjectReader::open(parts->header, "$");
  if (!reader) return bad_frame("header must be a JSON object");
  if (auto known = reader->reject_unknown(
          {"monitor", "width", "height", "taken_at", "reason", "request_id"});
      !known) {
    return bad_frame(known.error().message);
  }
  auto header = read_header(*reader);
  if (!header) return bad_frame(header.error().message);
  auto size = jpeg_dimensions(parts->body);
  if (!size) return size.error();
  if (size->width != header->width || size->height != header->height) {
    return bad_frame("JPEG size " + std::to_string(size->width) + "x" +
                     std::to_string(size->height) + " differs from the header's " +
                     std::to_string(header->width) + "x" + std::to_string(header->height));
  }
  return ParsedScreenFrame{std::move(*header), parts->body};
}

std::string viewer_frame_prefix(const ViewerFrameInfo& info) {
  boost::json::object json = header_json(info.header);
  json["user_id"] = info.user_id;
  json["device_id"] = info.device_id;
  json["received_at"] = info.received_at;
  const std::string text = boost::json::serialize(json);
  return preamble(kViewerFrameMagic, text.size()) + text;
}

Result<ParsedViewerFrame> parse_viewer_frame(std::string_view message) {
  auto parts = split(message, kViewerFrameMagic);
  if (!parts) return parts.error();
  auto reader = ObjectReader::open(parts->header, "$");
  if (!reader) return bad_frame("header must be a JSON object");
  auto header = read_header(*reader);
  if (!header) return bad_frame(header.error().message);
  ParsedViewerFrame parsed;
  parsed.info.header = std::move(*header);
  auto user_id = reader->required_int("user_id", 1, INT64_MAX);
  if (!user_id) return bad_frame(user_id.error().message);
  auto device_id = reader->required_int("device_id", 1, INT64_MAX);
  if (!device_id) return bad_frame(device_id.error().message);
  auto received_at = reader->required_int("received_at", 0, std::int64_t{1} << 50);
  if (!received_at) return bad_frame(received_at.error().message);
  parsed.info.user_id = *user_id;
  parsed.info.device_id = *device_id;
  parsed.info.received_at = *received_at;
  auto size = jpeg_dimensions(parts->body);
  if (!size) return size.error();
  parsed.jpeg = parts->body;
  return parsed;
}

}  // namespace worktrace::protocol
