#pragma once

#include "core/clock.hpp"
#include "core/result.hpp"

#include <cstdint>
#include <string>
#include <string_view>

// Times on ActivityWatch's wire: ISO 8601 timestamps and durations in seconds.
namespace worktrace::agent::local_api {

// Parses an ISO 8601 date-time with a zone: `2026-01-05T10:00:00Z`, `...+00:00`, other
// offsets (converted to UTC), and any number of fractional-second digits (truncated to the
// millisecond). `T` may also be `t` or a space. Fails with Errc::invalid_argument naming
// `field` on anything else, including out-of-range fields (Feb 30, hour 24).
[[nodiscard]] Result<EpochMs> parse_aw_timestamp(std::string_view text, std::string_view field);

// `2026-01-05T10:00:00.000+00:00`: UTC, milliseconds, the offset form ActivityWatch emits.
[[nodiscard]] std::string format_aw_timestamp(EpochMs at);

// The longest duration accepted (10 years): durations beyond this are certainly bogus.
inline constexpr std::int64_t kMaxDurationMs = 10LL * 366 * 24 * 3600 * 1000;

// Seconds (a JSON number) to whole milliseconds, rounded. Fails with Errc::invalid_argument
// naming `field` when negative, not finite, or longer than kMaxDurationMs.
[[nodiscard]] Result<std::int64_t> duration_ms_from_seconds(double seconds, std::string_view field);

}  // namespace worktrace::agent::local_api
