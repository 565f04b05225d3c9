#pragma once

#include "core/clock.hpp"
#include "core/result.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace worktrace::protocol {

// The activity batch an agent posts to `POST /api/v1/agent/activity` (docs/api/v1.md,
// "Activity"). Every record carries the agent's outbox sequence number `seq`; the server
// keeps a per-device cursor and skips records at or below it, so resending is harmless.

// A stretch of time with one focused window. `exe` and `title` may be empty.
struct SpanRecord {
  std::int64_t seq = 0;
  EpochMs start = 0;
  EpochMs end = 0;
  std::string app;
  std::string exe;
  std::string title;
  bool idle = false;
  // From a browser extension or an editor plugin through the agent's local API (docs/api/v1.md,
  // "Activity"); "" when none. A private span (excluded app or domain) has every text empty.
  std::string url{};
  std::string domain{};
  std::string project{};
  std::string file{};
  bool is_private = false;  // "private" on the wire

  bool operator==(const SpanRecord&) const = default;
};

// Input counts of one minute; `minute` is a multiple of 60,000.
struct InputRecord {
  std::int64_t seq = 0;
  EpochMs minute = 0;
  std::int64_t keys = 0;
  std::int64_t clicks = 0;
  std::int64_t scrolls = 0;
  std::int64_t distance_px = 0;

  bool operator==(const InputRecord&) const = default;
};

// A validated batch. `spans` and `inputs` are each in seq order (their seqs interleave);
// `first_seq`/`last_seq` are the smallest and largest seq of the whole batch.
struct ActivityBatch {
  std::vector<SpanRecord> spans;
  std::vector<InputRecord> inputs;
  std::int64_t dropped_total = 0;
  bool has_dropped_total = false;
  std::int64_t first_seq = 0;
  std::int64_t last_seq = 0;

  [[nodiscard]] std::size_t record_count() const { return spans.size() + inputs.size(); }
};

inline constexpr std::size_t kMaxBatchRecords = 5000;
inline constexpr std::int64_t kMaxSeq = std::int64_t{1} << 53;
inline constexpr std::int64_t kMaxSpanMs = 86'400'000;
inline constexpr std::size_t kMaxAppBytes = 255;
inline constexpr std::size_t kMaxExeBytes = 1024;
inline constexpr std::size_t kMaxTitleBytes = 2048;
inline constexpr std::size_t kMaxUrlBytes = 2048;
inline constexpr std::size_t kMaxSpanDomainBytes = 253;
inline constexpr std::size_t kMaxProjectBytes = 255;
inline constexpr std::size_t kMaxFileBytes = 1024;
inline constexpr std::int64_t kMinuteMs = 60'000;
inline constexpr std::int64_t kMaxInputCount = 100'000;
inline constexpr std::int64_t kMaxDistancePx = 1'000'000'000;
inline constexpr std::int64_t kMaxRecordAgeMs = 31LL * 24 * 3600 * 1000;
inline constexpr std::int64_t kMaxRecordFutureMs = 5LL * 60 * 1000;

// Parses and validates a batch body against the server clock's `now`:
// records 1..5000, seq 1..2^53 strictly increasing, spans start <= end, end - start <= 1 day,
// no span starting before the previous span's end, text limits and valid UTF-8, minutes
// multiples of 60,000 and non-decreasing, counters in range, every timestamp within
// [now - 31 days, now + 5 minutes], unknown keys rejected. A span's optional url is "" or an
// http(s) URL with a host, and then its domain must equal url_domain(url) (protocol/
// redaction.hpp); a private span must have app, exe, title, url, domain, project and file "". Fails with Errc::invalid_argument
// naming the first bad path ("$.records[3].end: is before start").
[[nodiscard]] Result<ActivityBatch> parse_activity_batch(std::string_view json, EpochMs now);

// One record as a JSON object text, `type` included (the agent stores this text in its
// outbox and joins records into a body with activity_batch_body). A span's url, domain,
// project and file appear only when non-empty, "private" only when true. Texts are cut to
// their limits and invalid UTF-8 replaced, but the url/domain/private rules above are the
// caller's: a span that breaks them is encoded as it is and refused by the server.
[[nodiscard]] std::string span_record_json(const SpanRecord& span);
[[nodiscard]] std::string input_record_json(const InputRecord& input);

// `{"records":[r1,r2,...],"dropped_total":n}` from already-encoded records (copied verbatim).
[[nodiscard]] std::string activity_batch_body(std::span<const std::string> records,
                                              std::int64_t dropped_total);

}  // namespace worktrace::protocol
