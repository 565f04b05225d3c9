#pragma once

#include <cstddef>
#include <string>
#include <string_view>

// The text a window carries in its properties, made fit for the wire. Pure functions: no X.
namespace worktrace::agent::collect::x11 {

// The bounds of the wire (protocol::SpanRecord): bytes of UTF-8.
inline constexpr std::size_t kMaxAppBytes = 255;
inline constexpr std::size_t kMaxExeBytes = 1024;
inline constexpr std::size_t kMaxTitleBytes = 2048;

// The bytes of a text property (STRING, UTF8_STRING, COMPOUND_TEXT) as valid UTF-8 of at most
// `max_bytes`. Bytes that form valid UTF-8 are taken as UTF-8 whatever type the property
// declares (clients label UTF-8 as STRING often); other text is read as ISO 8859-1, the
// encoding of STRING. `cut_short`: the bytes are the start of a longer property, so a
// character split at the end is dropped. Whitespace is trimmed and control characters become
// '?' (collect::clean_text).
[[nodiscard]] std::string window_text(std::string_view bytes, bool cut_short,
                                      std::size_t max_bytes);

// The class part of a WM_CLASS value ("instance\0class\0"); empty when there is none.
[[nodiscard]] std::string_view wm_class_name(std::string_view wm_class);

}  // namespace worktrace::agent::collect::x11
