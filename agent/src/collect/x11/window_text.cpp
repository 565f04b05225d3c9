#include "collect/x11/window_text.hpp"

#include "collect/linux_parsers.hpp"
#include "protocol/json_reader.hpp"

namespace worktrace::agent::collect::x11 {
namespace {

// `bytes` without a last UTF-8 sequence that the cut left incomplete.
std::string_view drop_split_character(std::string_view bytes) {
  const std::size_t lookback = std::min<std::size_t>(bytes.size(), 3);
  for (std::size_t back = 1; back <= lookback; ++back) {
    const auto byte = static_cast<unsigned char>(bytes[bytes.size() - back]);
    if ((byte & 0xC0) == 0x80) continue;  // a continuation byte: look further back
    const std::size_t length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1;
    return length > back ? bytes.substr(0, bytes.size() - back) : bytes;
  }
  return bytes;
}

std::string latin1_to_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char raw : bytes) {
    const auto byte = static_cast<unsigned char>(raw);
    if (byte < 0x80) {
      out += raw;
    } else {
      out += static_cast<char>(0xC0 | (byte >> 6));
      out += static_cast<char>(0x80 | (byte & 0x3F));
    }
  }
  return out;
}

}  // namespace

std::string window_text(std::string_view bytes, bool cut_short, std::size_t max_bytes) {
  const std::string_view whole = cut_short ? drop_split_character(bytes) : bytes;
  if (protocol::is_valid_utf8(whole)) return clean_text(whole, max_bytes);
  return clean_text(latin1_to_utf8(bytes), max_bytes);
}

std::string_view wm_class_name(std::string_view wm_class) {
  const std::size_t end_of_instance = wm_class.find('\0');
  if (end_of_instance == std::string_view::npos) return {};
  const std::string_view rest = wm_class.substr(end_of_instance + 1);
  return rest.substr(0, rest.find('\0'));
}

}  // namespace worktrace::agent::collect::x11
