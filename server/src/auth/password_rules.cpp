// The rules for choosing a password (declared in password.hpp).
#include "auth/common_passwords.hpp"
#include "auth/password.hpp"
#include "protocol/json_reader.hpp"

#include <string>
#include <unordered_set>

namespace worktrace::auth {
namespace {

std::string ascii_lower(std::string_view text) {
  std::string lowered(text);
  for (char& ch : lowered) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  }
  return lowered;
}

// The embedded list, lower-cased, built once (thread-safe static initialisation).
const std::unordered_set<std::string>& common_passwords() {
  static const std::unordered_set<std::string> set = [] {
    std::unordered_set<std::string> words;
    std::string_view list = embedded_common_passwords();
    while (!list.empty()) {
      const auto end = list.find('\n');
      std::string_view line = list.substr(0, end);
      list = end == std::string_view::npos ? std::string_view() : list.substr(end + 1);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (!line.empty()) words.insert(ascii_lower(line));
    }
    return words;
  }();
  return set;
}

// Code points of valid UTF-8 `text`: every byte that does not continue a sequence.
std::size_t code_points(std::string_view text) {
  std::size_t count = 0;
  for (const char ch : text) {
    if ((static_cast<unsigned char>(ch) & 0xC0) != 0x80) ++count;
  }
  return count;
}

}  // namespace

bool is_common_password(std::string_view password) {
  return common_passwords().contains(ascii_lower(password));
}

Result<void> check_new_password(std::string_view password, std::string_view email) {
  if (password.size() > kMaxPasswordBytes) {
    return fail(Errc::invalid_argument,
                "password: must be at most " + std::to_string(kMaxPasswordBytes) + " bytes");
  }
  if (!protocol::is_valid_utf8(password)) {
    return fail(Errc::invalid_argument, "password: must be valid UTF-8 text");
  }
  if (code_points(password) < kMinPasswordCodePoints) {
    return fail(Errc::invalid_argument, "password: must be at least " +
                                            std::to_string(kMinPasswordCodePoints) + " characters");
  }
  if (is_common_password(password)) {
    return fail(Errc::invalid_argument, "password: is one of the most common passwords");
  }
  const std::string lowered = ascii_lower(password);
  const std::string address = ascii_lower(email);
  const std::string local_part = address.substr(0, address.find('@'));
  if (!address.empty() && (lowered == address || lowered == local_part)) {
    return fail(Errc::invalid_argument, "password: must not be your email address");
  }
  return {};
}

}  // namespace worktrace::auth
