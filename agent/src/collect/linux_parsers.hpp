#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// Parsers for the Linux files the device-info collector reads. They take the file's text so
// they can be tested on fixtures; none of them fails: what is missing or malformed is left out.
namespace worktrace::agent::collect {

// The fields of os-release(5) the agent reports.
struct OsRelease {
  std::string pretty_name;  // PRETTY_NAME, e.g. "Debian GNU/Linux 12 (bookworm)"
  std::string id;           // ID, e.g. "debian"
  std::string version_id;   // VERSION_ID, e.g. "12"
};

// Reads KEY=value lines; values may be double-quoted (with \" \\ \$ \` escapes), single-quoted
// (literal) or bare. Comments, blank lines, unknown keys and malformed lines are skipped.
[[nodiscard]] OsRelease parse_os_release(std::string_view text);

struct CpuInfo {
  std::string model;            // the first "model name" (x86) or "Hardware" (older ARM) value
  std::int64_t processors = 0;  // the number of "processor" entries
};

[[nodiscard]] CpuInfo parse_cpuinfo(std::string_view text);

// MemTotal from /proc/meminfo converted from kB to bytes; nullopt when it is missing,
// malformed or larger than 2^50 bytes (the wire limit).
[[nodiscard]] std::optional<std::int64_t> parse_meminfo_total(std::string_view text);

// `text` made fit for the wire: surrounding whitespace trimmed, control characters and bytes
// that are not valid UTF-8 replaced by '?', then cut to at most `max_bytes` without splitting
// a character.
[[nodiscard]] std::string clean_text(std::string_view text, std::size_t max_bytes);

}  // namespace worktrace::agent::collect
