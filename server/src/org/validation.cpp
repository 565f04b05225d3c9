#include "org/validation.hpp"

#include "auth/auth_service.hpp"
#include "protocol/json_reader.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <string>
#include <system_error>

namespace worktrace::org {
namespace {

Error invalid(std::string_view field, std::string_view what) {
  return fail(Errc::invalid_argument, std::string(field) + ": " + std::string(what));
}

}  // namespace

std::size_t count_characters(std::string_view text) noexcept {
  return static_cast<std::size_t>(std::count_if(
      text.begin(), text.end(), [](unsigned char ch) { return (ch & 0xC0) != 0x80; }));
}

bool is_country_code(std::string_view code) noexcept {
  return std::binary_search(kCountryCodes.begin(), kCountryCodes.end(), code);
}

Result<void> check_line(std::string_view field, std::string_view text, std::size_t min_characters,
                        std::size_t max_characters) {
  const std::string range = "must be " + std::to_string(min_characters) + ".." +
                            std::to_string(max_characters) + " characters";
  // Four bytes per character at most: longer input cannot fit, whatever it holds.
  if (text.size() > max_characters * 4) return invalid(field, range);
  if (!protocol::is_valid_utf8(text)) return invalid(field, "must be valid UTF-8");
  if (protocol::has_control_characters(text)) {
    return invalid(field, "must not contain control characters");
  }
  const std::size_t characters = count_characters(text);
  if (characters < min_characters || characters > max_characters) return invalid(field, range);
  if (min_characters > 0 &&
      std::all_of(text.begin(), text.end(), [](char ch) { return ch == ' '; })) {
    return invalid(field, "must not be blank");
  }
  return {};
}

Result<void> check_text(std::string_view field, std::string_view text, std::size_t max_bytes) {
  if (text.size() > max_bytes) {
    return invalid(field, "must be at most " + std::to_string(max_bytes) + " bytes");
  }
  if (!protocol::is_valid_utf8(text)) return invalid(field, "must be valid UTF-8");
  const bool controls = std::any_of(text.begin(), text.end(), [](unsigned char ch) {
    return (ch < 0x20 && ch != '\n' && ch != '\r' && ch != '\t') || ch == 0x7f;
  });
  if (controls) return invalid(field, "must not contain control characters");
  return {};
}

Result<void> check_country(std::string_view country) {
  if (country.empty() || is_country_code(country)) return {};
  return invalid("country", "must be empty or an ISO 3166-1 alpha-2 code such as \"DE\"");
}

Result<void> check_time_zone(std::string_view time_zone, std::string_view zoneinfo_dir) {
  const auto bad = [] {
    return invalid("time_zone", "must be an IANA time zone name such as \"Europe/Berlin\"");
  };
  if (time_zone.empty() || time_zone.size() > kMaxTimeZoneBytes) return bad();
  const bool allowed = std::all_of(time_zone.begin(), time_zone.end(), [](unsigned char ch) {
    return std::isalnum(ch) != 0 || ch == '_' || ch == '+' || ch == '-' || ch == '/';
  });
  if (!allowed || time_zone.front() == '/' || time_zone.find("..") != std::string_view::npos) {
    return bad();
  }
  std::error_code error;
  const auto path = std::filesystem::path(zoneinfo_dir) / std::string(time_zone);
  if (!std::filesystem::is_regular_file(path, error)) return bad();
  return {};
}

Result<void> check_login(std::string_view login) {
  const bool allowed = !login.empty() && login.size() <= kMaxLoginBytes &&
                       std::all_of(login.begin(), login.end(), [](unsigned char ch) {
                         return std::isalnum(ch) != 0 || ch == '.' || ch == '_' || ch == '-';
                       });
  if (allowed) return {};
  return invalid("login", "must be 1..64 letters, digits, '.', '_' or '-'");
}

Result<std::string> normalize_email_field(std::string_view field, std::string_view email) {
  auto normalized = auth::normalize_email(email);
  if (normalized) return normalized;
  constexpr std::string_view kPrefix = "email: ";
  std::string message = normalized.error().message;
  if (message.rfind(kPrefix, 0) == 0) message.erase(0, kPrefix.size());
  return invalid(field, message);
}

}  // namespace worktrace::org
