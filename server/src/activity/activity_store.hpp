#pragma once

#include "core/actor.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "protocol/activity_batch.hpp"
#include "storage/db.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace worktrace::activity {

// Rollups are kept per person and 10-minute slot; slot_ms is the slot's start (UTC epoch).
inline constexpr std::int64_t kSlotMs = 600'000;
// A new span merges into the device's latest stored span when it starts at most this long
// after that span's end (and agrees on app, exe, title, idle, url, domain, project, file,
// private and person).
inline constexpr std::int64_t kMergeGapMs = 1'000;
// No stored span is longer than this (merging stops there), so a time-range query only has
// to look this far back from its start.
inline constexpr std::int64_t kMaxStoredSpanMs = protocol::kMaxSpanMs;

// The start of the slot holding `at` (at >= 0).
[[nodiscard]] constexpr EpochMs slot_of(EpochMs at) noexcept { return at - at % kSlotMs; }

// Calls `fn(slot_ms, duration_ms)` for each 10-minute slot that [start, end) covers, in
// order, with the part of the interval inside that slot. Nothing when start >= end.
template <class F>
void for_each_slot(EpochMs start, EpochMs end, F&& fn) {
  while (start < end) {
    const EpochMs slot = slot_of(start);
    const EpochMs slot_end = slot + kSlotMs;
    const EpochMs piece_end = end < slot_end ? end : slot_end;
    fn(slot, piece_end - start);
    start = piece_end;
  }
}

// Where a device's records go: its organization and, when assigned, its person.
struct IngestTarget {
  OrgId org_id = 0;
  DeviceId device_id = 0;
  std::optional<UserId> user_id;  // none: stored, but not rolled up
  // When the device was given to user_id: records from before belong to nobody. apply_batch
  // reads this and user_id again from the device row, in its transaction.
  EpochMs assigned_at = 0;
};

// What one batch did: the device's cursor afterwards and how many records were new.
struct IngestReceipt {
  std::int64_t acked_seq = 0;
  std::int64_t accepted = 0;
  std::int64_t duplicates = 0;

  bool operator==(const IngestReceipt&) const = default;
};

// A device's ingest cursor.
struct IngestCursor {
  std::int64_t last_seq = 0;
  std::int64_t dropped_total = 0;
  EpochMs updated_ms = 0;
};

// A span as the timeline shows it (clipped to the asked range).
struct TimelineSpan {
  EpochMs start = 0;
  EpochMs end = 0;
  std::string app;
  std::string exe;
  std::string title;
  bool idle = false;
  DeviceId device_id = 0;
  std::string url;
  std::string domain;
  std::string project;
  std::string file;
  bool is_private = false;
};

// One rollup slot of a person.
struct SlotTotals {
  EpochMs slot = 0;
  std::int64_t active_ms = 0;
  std::int64_t idle_ms = 0;
  std::int64_t keys = 0;
  std::int64_t clicks = 0;
  std::int64_t scrolls = 0;
  std::int64_t distance_px = 0;
};

// Input counts of one minute, summed over a person's devices.
struct MinuteCounts {
  EpochMs minute = 0;
  std::int64_t keys = 0;
  std::int64_t clicks = 0;
  std::int64_t scrolls = 0;
  std::int64_t distance_px = 0;
};

// The SQL of the activity domain, in the portable subset (storage/db.hpp). Stateless: every
// function works inside the transaction of the connection it is given; statements are cached
// by the connection (same SQL text).
namespace store {

// Applies a validated batch of the device `target` inside the caller's write transaction:
// reads the device's cursor, skips records with seq <= it (duplicates), merges or inserts
// the spans (kMergeGapMs rule), adds the input minutes, adds to rollup_slots, rollup_apps and
// rollup_domains (active, non-private time of spans with a domain) (only the new part of a
// merged span; nothing for a device without a person) and moves the
// cursor to max(cursor, batch.last_seq) with dropped_total = max(stored, batch's). Returns
// the receipt. On an error the caller must roll back (part of the batch may be written).
[[nodiscard]] Result<IngestReceipt> apply_batch(storage::Connection& connection,
                                                const IngestTarget& target,
                                                const protocol::ActivityBatch& batch, EpochMs now);

// The cursor of `device_id`; nullopt when it never sent a batch.
[[nodiscard]] Result<std::optional<IngestCursor>> read_cursor(storage::Connection& connection,
                                                              DeviceId device_id);

// Calls `fn(const TimelineSpan&)` for each span of person `user_id` of `org_id` overlapping
// [from, to), clipped to it, ordered by start (then by row). `fn` returns false to stop.
template <class F>
[[nodiscard]] Result<void> for_each_span(storage::Connection& connection, OrgId org_id,
                                         UserId user_id, EpochMs from, EpochMs to, F&& fn);

// The rollup slots of person `user_id` of `org_id` that overlap [from, to), by slot.
[[nodiscard]] Result<std::vector<SlotTotals>> read_slots(storage::Connection& connection,
                                                         OrgId org_id, UserId user_id, EpochMs from,
                                                         EpochMs to);

// The input minutes of person `user_id` of `org_id` in [from, to), summed over devices, by
// minute.
[[nodiscard]] Result<std::vector<MinuteCounts>> read_minutes(storage::Connection& connection,
                                                             OrgId org_id, UserId user_id,
                                                             EpochMs from, EpochMs to);

// The statement behind for_each_span, positioned before its first row.
[[nodiscard]] Result<storage::StatementPtr> query_spans(storage::Connection& connection,
                                                        OrgId org_id, UserId user_id, EpochMs from,
                                                        EpochMs to);

template <class F>
Result<void> for_each_span(storage::Connection& connection, OrgId org_id, UserId user_id,
                           EpochMs from, EpochMs to, F&& fn) {
  auto statement = query_spans(connection, org_id, user_id, from, to);
  if (!statement) return statement.error();
  auto& s = **statement;
  TimelineSpan span;
  for (;;) {
    auto row = s.step();
    if (!row) return row.error();
    if (!*row) break;
    const EpochMs start = s.column_int(0);
    const EpochMs end = s.column_int(1);
    span.start = start < from ? from : start;
    span.end = end > to ? to : end;
    span.app = s.column_text(2);
    span.exe = s.column_text(3);
    span.title = s.column_text(4);
    span.idle = s.column_int(5) != 0;
    span.device_id = s.column_int(6);
    span.url = s.column_text(7);
    span.domain = s.column_text(8);
    span.project = s.column_text(9);
    span.file = s.column_text(10);
    span.is_private = s.column_int(11) != 0;
    if (!fn(static_cast<const TimelineSpan&>(span))) break;
  }
  return {};
}

}  // namespace store
}  // namespace worktrace::activity
