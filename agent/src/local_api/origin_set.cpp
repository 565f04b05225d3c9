#include "local_api/origin_set.hpp"

#include <algorithm>
#include <cctype>

namespace worktrace::agent::local_api {

bool is_extension_origin(std::string_view origin) noexcept {
  std::string_view id;
  for (const std::string_view scheme : {"chrome-extension://", "moz-extension://"}) {
    if (origin.starts_with(scheme)) id = origin.substr(scheme.size());
  }
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  });
}

bool is_valid_origin(std::string_view origin) noexcept {
  if (is_extension_origin(origin)) return true;
  std::string_view rest;
  for (const std::string_view scheme : {"http://", "https://"}) {
    if (origin.starts_with(scheme)) rest = origin.substr(scheme.size());
  }
  std::string_view host = rest;
  std::string_view port;
  if (rest.starts_with('[')) {
    const auto close = rest.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    const std::string_view address = rest.substr(1, close - 1);
    if (!std::all_of(address.begin(), address.end(), [](char c) {
          return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == ':' || c == '.';
        })) {
      return false;
    }
    host = rest.substr(0, close + 1);
    const std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (!after.starts_with(':')) return false;
      port = after.substr(1);
      if (port.empty()) return false;
    }
  } else {
    const auto colon = rest.find(':');
    if (colon != std::string_view::npos) {
      host = rest.substr(0, colon);
      port = rest.substr(colon + 1);
      if (port.empty()) return false;
    }
    if (host.empty() || host.size() > 253 || !std::all_of(host.begin(), host.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-';
        })) {
      return false;
    }
  }
  if (port.empty()) return true;
  if (port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  int number = 0;
  for (const char digit : port) number = number * 10 + (digit - '0');
  return number >= 1 && number <= 65535;
}

bool OriginSet::contains(std::string_view origin) const {
  if (std::find(fixed_.begin(), fixed_.end(), origin) != fixed_.end()) return true;
  std::lock_guard lock(mutex_);
  return std::find(paired_.begin(), paired_.end(), origin) != paired_.end();
}

void OriginSet::set_paired(std::vector<std::string> paired) {
  std::lock_guard lock(mutex_);
  paired_ = std::move(paired);
}

}  // namespace worktrace::agent::local_api
