#include "uplink/messages.hpp"

#include "protocol/json_reader.hpp"
#include "protocol/screen_frame.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>
#include <limits>

namespace worktrace::agent::uplink {
namespace {

constexpr std::int64_t kMaxId = std::numeric_limits<std::int64_t>::max();
constexpr std::size_t kMaxCredentialBytes = 512;
constexpr std::size_t kMaxServerTextBytes = 1024;

Errc errc_for_status(int http_status) {
  switch (http_status) {
    case 400:
      return Errc::invalid_argument;
    case 401:
      return Errc::unauthenticated;
    case 403:
      return Errc::permission_denied;
    case 404:
      return Errc::not_found;
    case 405:
      return Errc::method_not_allowed;
    case 409:
      return Errc::conflict;
    case 413:
      return Errc::payload_too_large;
    case 415:
      return Errc::unsupported_media;
    case 429:
      return Errc::rate_limited;
    case 503:
      return Errc::unavailable;
    default:
      return Errc::internal;
  }
}

// The `error.message` of a v1 error body, or "" when the body is not one.
std::string server_error_message(std::string_view body) {
  auto document = protocol::parse_json(body);
  if (!document) return {};
  auto root = protocol::ObjectReader::open(*document);
  if (!root) return {};
  auto error = root->required_object("error");
  if (!error) return {};
  auto message = error->required_string("message", kMaxServerTextBytes);
  return message ? *message : std::string();
}

std::string device_message(std::string_view type, const protocol::DeviceInfo& device) {
  return boost::json::serialize(boost::json::object{{"type", type}, {"device", to_json(device)}});
}

Error malformed(const Error& error) {
  return fail(Errc::internal, "the server's enrollment answer is malformed: " + error.message);
}

}  // namespace

std::string enroll_request_body(std::string_view token, const protocol::DeviceInfo& device,
                                std::string_view name) {
  boost::json::object body{{"token", token}, {"device", to_json(device)}};
  if (!name.empty()) body["name"] = name;
  return boost::json::serialize(body);
}

Result<Enrollment> parse_enroll_reply(int http_status, std::string_view body) {
  if (http_status != 201) {
    std::string message =
        "the server refused enrollment (HTTP " + std::to_string(http_status) + ")";
    if (const auto detail = server_error_message(body); !detail.empty()) {
      message += ": " + printable(detail);
    }
    return fail(errc_for_status(http_status), std::move(message));
  }
  auto document = protocol::parse_json(body);
  if (!document) return malformed(document.error());
  auto root = protocol::ObjectReader::open(*document);
  if (!root) return malformed(root.error());
  Enrollment enrollment;
  auto device_id = root->required_int("device_id", 1, kMaxId);
  if (!device_id) return malformed(device_id.error());
  enrollment.device_id = *device_id;
  auto org_id = root->required_int("org_id", 1, kMaxId);
  if (!org_id) return malformed(org_id.error());
  enrollment.org_id = *org_id;
  auto org_name = root->optional_string("org_name", 255);
  if (!org_name) return malformed(org_name.error());
  enrollment.org_name = org_name->value_or("");
  auto credential = root->required_string("credential", kMaxCredentialBytes);
  if (!credential) return malformed(credential.error());
  enrollment.credential = std::move(*credential);
  return enrollment;
}

std::string hello_message(const protocol::DeviceInfo& device) {
  return device_message("hello", device);
}

std::string device_info_message(const protocol::DeviceInfo& device) {
  return device_message("device_info", device);
}

Result<ServerMessage> parse_server_message(std::string_view text) {
  auto document = protocol::parse_json(text);
  if (!document) return document.error();
  auto root = protocol::ObjectReader::open(*document);
  if (!root) return root.error();
  ServerMessage message;
  auto type = root->required_string("type", 64);
  if (!type) return type.error();
  message.type = std::move(*type);
  if (message.type == "welcome") {
    auto device_id = root->required_int("device_id", 1, kMaxId);
    if (!device_id) return device_id.error();
    message.device_id = *device_id;
    auto org_id = root->required_int("org_id", 1, kMaxId);
    if (!org_id) return org_id.error();
    message.org_id = *org_id;
    auto version = root->optional_string("server_version", 64);
    if (!version) return version.error();
    message.server_version = version->value_or("");
  } else if (message.type == "error") {
    auto error = root->required_object("error");
    if (!error) return error.error();
    auto code = error->required_string("code", 64);
    if (!code) return code.error();
    message.error_code = std::move(*code);
    auto detail = error->optional_string("message", kMaxServerTextBytes);
    if (!detail) return detail.error();
    message.error_message = detail->value_or("");
  } else if (message.type == "screens") {
    auto watching = root->optional_bool("watching");
    if (!watching) return watching.error();
    if (!watching->has_value()) return fail(Errc::invalid_argument, "$.watching: is required");
    message.watching = **watching;
  } else if (message.type == "capture_now") {
    auto request_id = root->required_string("request_id", protocol::kMaxRequestIdBytes);
    if (!request_id) return request_id.error();
    const bool well_formed =
        !request_id->empty() && std::all_of(request_id->begin(), request_id->end(), [](char ch) {
          return std::isalnum(static_cast<unsigned char>(ch)) != 0 || ch == '-' || ch == '_';
        });
    if (!well_formed) {
      return fail(Errc::invalid_argument, "$.request_id: must be 1 to " +
                                              std::to_string(protocol::kMaxRequestIdBytes) +
                                              " of A-Z, a-z, 0-9, - and _");
    }
    message.request_id = std::move(*request_id);
  }
  return message;
}

std::string screenshot_refused_message(std::string_view request_id, std::string_view reason) {
  return boost::json::serialize(boost::json::object{
      {"type", "screenshot_refused"}, {"request_id", request_id}, {"reason", reason}});
}

std::string printable(std::string_view text, std::size_t max_bytes) {
  if (text.size() > max_bytes) {
    std::size_t cut = max_bytes;
    // Back up over continuation bytes (10xxxxxx) to the start of the cut character.
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    text = text.substr(0, cut);
  }
  std::string out(text);
  for (char& ch : out) {
    const auto byte = static_cast<unsigned char>(ch);
    if (byte < 0x20 || byte == 0x7f) ch = '?';
  }
  return out;
}

}  // namespace worktrace::agent::uplink
