#include "collect/linux_parsers.hpp"

#include "protocol/json_reader.hpp"

#include <algorithm>
#include <charconv>

namespace worktrace::agent::collect {
namespace {

constexpr std::int64_t kMaxMemoryBytes = std::int64_t{1} << 50;

std::string_view trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  const auto first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(kSpace);
  return text.substr(first, last - first + 1);
}

// Calls `on_line` for each line of `text`, without its '\n'.
template <class OnLine>
void for_each_line(std::string_view text, OnLine on_line) {
  while (!text.empty()) {
    const auto end = text.find('\n');
    on_line(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
}

// Splits "key<sep>value" around the first `sep`, both sides trimmed; false without `sep`.
bool split_pair(std::string_view line, char sep, std::string_view& key, std::string_view& value) {
  const auto pos = line.find(sep);
  if (pos == std::string_view::npos) return false;
  key = trim(line.substr(0, pos));
  value = trim(line.substr(pos + 1));
  return true;
}

// The value of an os-release assignment with its shell quoting removed.
std::string unquote(std::string_view raw) {
  if (raw.size() >= 2 && raw.front() == '\'' && raw.back() == '\'') {
    return std::string(raw.substr(1, raw.size() - 2));
  }
  const bool double_quoted = raw.size() >= 2 && raw.front() == '"' && raw.back() == '"';
  if (double_quoted) raw = raw.substr(1, raw.size() - 2);
  std::string value;
  value.reserve(raw.size());
  for (std::size_t idx = 0; idx < raw.size(); ++idx) {
    const char ch = raw[idx];
    if (ch == '\\' && idx + 1 < raw.size()) {
      const char next = raw[idx + 1];
      const bool escapable = next == '"' || next == '\\' || next == '$' || next == '`' ||
                             (!double_quoted && next == '\'');
      if (escapable) {
        value += next;
        ++idx;
        continue;
      }
    }
    value += ch;
  }
  return value;
}

// The byte length of the UTF-8 sequence that `lead` starts, or 0 for a byte that starts none.
std::size_t utf8_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  if ((lead & 0xF8) == 0xF0) return 4;
  return 0;
}

}  // namespace

OsRelease parse_os_release(std::string_view text) {
  OsRelease release;
  for_each_line(text, [&](std::string_view line) {
    line = trim(line);
    if (line.empty() || line.front() == '#') return;
    std::string_view key;
    std::string_view value;
    if (!split_pair(line, '=', key, value)) return;
    if (key == "PRETTY_NAME") {
      release.pretty_name = unquote(value);
    } else if (key == "ID") {
      release.id = unquote(value);
    } else if (key == "VERSION_ID") {
      release.version_id = unquote(value);
    }
  });
  return release;
}

CpuInfo parse_cpuinfo(std::string_view text) {
  CpuInfo info;
  std::string hardware;
  for_each_line(text, [&](std::string_view line) {
    std::string_view key;
    std::string_view value;
    if (!split_pair(line, ':', key, value)) return;
    if (key == "processor") {
      ++info.processors;
    } else if (key == "model name" && info.model.empty()) {
      info.model = std::string(value);
    } else if (key == "Hardware" && hardware.empty()) {
      hardware = std::string(value);
    }
  });
  if (info.model.empty()) info.model = std::move(hardware);
  return info;
}

std::optional<std::int64_t> parse_meminfo_total(std::string_view text) {
  std::optional<std::int64_t> total;
  for_each_line(text, [&](std::string_view line) {
    std::string_view key;
    std::string_view value;
    if (total || !split_pair(line, ':', key, value) || key != "MemTotal") return;
    std::int64_t kib = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), kib);
    if (ec != std::errc() || kib < 0 || kib > kMaxMemoryBytes / 1024) return;
    if (trim(std::string_view(end, value.data() + value.size() - end)) != "kB") return;
    total = kib * 1024;
  });
  return total;
}

std::string clean_text(std::string_view text, std::size_t max_bytes) {
  text = trim(text);
  std::string out;
  out.reserve(std::min(text.size(), max_bytes));
  std::size_t idx = 0;
  while (idx < text.size()) {
    std::size_t length = utf8_length(static_cast<unsigned char>(text[idx]));
    std::string_view piece = "?";
    if (length != 0 && idx + length <= text.size() &&
        protocol::is_valid_utf8(text.substr(idx, length))) {
      piece = text.substr(idx, length);
      const auto byte = static_cast<unsigned char>(piece.front());
      if (length == 1 && (byte < 0x20 || byte == 0x7f)) piece = "?";
    } else {
      length = 1;
    }
    if (out.size() + piece.size() > max_bytes) break;
    out += piece;
    idx += length;
  }
  return out;
}

}  // namespace worktrace::agent::collect
