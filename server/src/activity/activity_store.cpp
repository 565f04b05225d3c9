#include "activity/activity_store.hpp"

#include <algorithm>
#include <map>
#include <string_view>
#include <utility>

namespace worktrace::activity::store {
namespace {

// The device's newest span: the stored one the batch may merge into, or one of the batch
// not yet written. Written by flush() once the next span does not merge into it.
struct OpenSpan {
  std::optional<std::int64_t> id;  // the stored row; none: not stored yet
  EpochMs start = 0;
  EpochMs end = 0;
  std::string app;
  std::string exe;
  std::string title;
  bool idle = false;
  std::string url;
  std::string domain;
  std::string project;
  std::string file;
  bool is_private = false;
  std::optional<UserId> user_id;
  bool dirty = false;  // differs from the stored row (or has none)
};

// Rollup additions of one batch, combined in memory and written once per key (a slot's
// additions are a SlotTotals whose `slot` is its key).
using SlotAddition = SlotTotals;
struct AppAddition {
  std::int64_t active_ms = 0;
  std::int64_t idle_ms = 0;
};

class Rollup {
 public:
  // Adds the time [start, end) of `span` to the slots it covers: to its app, and when it is
  // active, not private and has a domain, to that domain. `span` must outlive the rollup.
  void add_time(EpochMs start, EpochMs end, const protocol::SpanRecord& span) {
    const bool counts_domain = !span.idle && !span.is_private && !span.domain.empty();
    for_each_slot(start, end, [&](EpochMs slot, std::int64_t duration_ms) {
      SlotAddition& slot_total = slots_[slot];
      AppAddition& app_total = apps_[{slot, span.app}];
      (span.idle ? slot_total.idle_ms : slot_total.active_ms) += duration_ms;
      (span.idle ? app_total.idle_ms : app_total.active_ms) += duration_ms;
      if (counts_domain) domains_[{slot, span.domain}] += duration_ms;
    });
  }

  void add_input(const protocol::InputRecord& input) {
    SlotAddition& slot_total = slots_[slot_of(input.minute)];
    slot_total.keys += input.keys;
    slot_total.clicks += input.clicks;
    slot_total.scrolls += input.scrolls;
    slot_total.distance_px += input.distance_px;
  }

  Result<void> write(storage::Connection& connection, OrgId org_id, UserId user_id) const {
    if (!slots_.empty()) {
      auto upsert = connection.prepare(
          "INSERT INTO rollup_slots (org_id, user_id, slot_ms, active_ms, idle_ms, keys, clicks, "
          "scrolls, distance_px) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
          "ON CONFLICT (user_id, slot_ms) DO UPDATE SET "
          "active_ms = rollup_slots.active_ms + excluded.active_ms, "
          "idle_ms = rollup_slots.idle_ms + excluded.idle_ms, "
          "keys = rollup_slots.keys + excluded.keys, "
          "clicks = rollup_slots.clicks + excluded.clicks, "
          "scrolls = rollup_slots.scrolls + excluded.scrolls, "
          "distance_px = rollup_slots.distance_px + excluded.distance_px");
      if (!upsert) return upsert.error();
      auto& s = **upsert;
      for (const auto& [slot, total] : slots_) {
        s.bind_int(1, org_id);
        s.bind_int(2, user_id);
        s.bind_int(3, slot);
        s.bind_int(4, total.active_ms);
        s.bind_int(5, total.idle_ms);
        s.bind_int(6, total.keys);
        s.bind_int(7, total.clicks);
        s.bind_int(8, total.scrolls);
        s.bind_int(9, total.distance_px);
        if (auto done = s.step(); !done) return done.error();
        s.reset();
      }
    }
    if (!apps_.empty()) {
      auto upsert = connection.prepare(
          "INSERT INTO rollup_apps (org_id, user_id, slot_ms, app, active_ms, idle_ms) "
          "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, slot_ms, app) DO UPDATE SET "
          "active_ms = rollup_apps.active_ms + excluded.active_ms, "
          "idle_ms = rollup_apps.idle_ms + excluded.idle_ms");
      if (!upsert) return upsert.error();
      auto& s = **upsert;
      for (const auto& [key, total] : apps_) {
        s.bind_int(1, org_id);
        s.bind_int(2, user_id);
        s.bind_int(3, key.first);
        s.bind_text(4, key.second);
        s.bind_int(5, total.active_ms);
        s.bind_int(6, total.idle_ms);
        if (auto done = s.step(); !done) return done.error();
        s.reset();
      }
    }
    if (!domains_.empty()) {
      auto upsert = connection.prepare(
          "INSERT INTO rollup_domains (org_id, user_id, slot_ms, domain, active_ms) "
          "VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id, slot_ms, domain) DO UPDATE SET "
          "active_ms = rollup_domains.active_ms + excluded.active_ms");
      if (!upsert) return upsert.error();
      auto& s = **upsert;
      for (const auto& [key, active_ms] : domains_) {
        s.bind_int(1, org_id);
        s.bind_int(2, user_id);
        s.bind_int(3, key.first);
        s.bind_text(4, key.second);
        s.bind_int(5, active_ms);
        if (auto done = s.step(); !done) return done.error();
        s.reset();
      }
    }
    return {};
  }

 private:
  std::map<EpochMs, SlotAddition> slots_;
  // Views into the batch's strings: the batch outlives the rollup.
  std::map<std::pair<EpochMs, std::string_view>, AppAddition> apps_;
  std::map<std::pair<EpochMs, std::string_view>, std::int64_t> domains_;  // active ms
};

Result<std::optional<OpenSpan>> read_latest_span(storage::Connection& connection,
                                                 DeviceId device_id) {
  auto statement = connection.prepare(
      "SELECT id, start_ms, end_ms, app, exe, title, idle, user_id, url, domain, project, file, "
      "is_private FROM activity_spans WHERE device_id = ? ORDER BY end_ms DESC, id DESC LIMIT 1");
  if (!statement) return statement.error();
  auto& s = **statement;
  s.bind_int(1, device_id);
  auto row = s.step();
  if (!row) return row.error();
  if (!*row) return std::optional<OpenSpan>();
  OpenSpan span;
  span.id = s.column_int(0);
  span.start = s.column_int(1);
  span.end = s.column_int(2);
  span.app = s.column_text(3);
  span.exe = s.column_text(4);
  span.title = s.column_text(5);
  span.idle = s.column_int(6) != 0;
  if (!s.column_is_null(7)) span.user_id = s.column_int(7);
  span.url = s.column_text(8);
  span.domain = s.column_text(9);
  span.project = s.column_text(10);
  span.file = s.column_text(11);
  span.is_private = s.column_int(12) != 0;
  return std::optional<OpenSpan>(std::move(span));
}

// Writes open spans: a new end for a stored row, or a new row. Leases its statements once
// per batch (the connection's cache would copy the SQL text on every lease).
class SpanWriter {
 public:
  SpanWriter(storage::Connection& connection, const IngestTarget& target)
      : connection_(connection), target_(target) {}

  // Writes `span` if it changed.
  Result<void> flush(const OpenSpan& span) {
    if (!span.dirty) return {};
    if (span.id) {
      if (!update_) {
        auto prepared = connection_.prepare("UPDATE activity_spans SET end_ms = ? WHERE id = ?");
        if (!prepared) return prepared.error();
        update_ = std::move(*prepared);
      }
      update_->bind_int(1, span.end);
      update_->bind_int(2, *span.id);
      auto done = update_->step();
      update_->reset();
      if (!done) return done.error();
      return {};
    }
    if (!insert_) {
      auto prepared = connection_.prepare(
          "INSERT INTO activity_spans (org_id, device_id, user_id, start_ms, end_ms, app, exe, "
          "title, idle, url, domain, project, file, is_private) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
      if (!prepared) return prepared.error();
      insert_ = std::move(*prepared);
    }
    auto& s = *insert_;
    s.bind_int(1, target_.org_id);
    s.bind_int(2, target_.device_id);
    s.bind_optional_int(3, span.user_id);
    s.bind_int(4, span.start);
    s.bind_int(5, span.end);
    s.bind_text(6, span.app);
    s.bind_text(7, span.exe);
    s.bind_text(8, span.title);
    s.bind_int(9, span.idle ? 1 : 0);
    s.bind_text(10, span.url);
    s.bind_text(11, span.domain);
    s.bind_text(12, span.project);
    s.bind_text(13, span.file);
    s.bind_int(14, span.is_private ? 1 : 0);
    auto done = s.step();
    s.reset();
    if (!done) return done.error();
    return {};
  }

 private:
  storage::Connection& connection_;
  const IngestTarget& target_;
  storage::StatementPtr update_;
  storage::StatementPtr insert_;
};

// The person a record from `at` belongs to: the device's owner, unless it was recorded before
// the device was given to them.
std::optional<UserId> owner_at(const IngestTarget& target, EpochMs at) {
  return at >= target.assigned_at ? target.user_id : std::nullopt;
}

bool merges_into(const OpenSpan& open, const protocol::SpanRecord& span,
                 const IngestTarget& target) {
  return open.user_id == owner_at(target, span.start) && open.idle == span.idle &&
         span.start >= open.end && span.start - open.end <= kMergeGapMs &&
         span.end - open.start <= kMaxStoredSpanMs && open.app == span.app &&
         open.title == span.title && open.exe == span.exe && open.url == span.url &&
         open.domain == span.domain && open.project == span.project && open.file == span.file &&
         open.is_private == span.is_private;
}

// Stores the new spans (those after `cursor`) and adds their time to `rollup`.
Result<std::int64_t> apply_spans(storage::Connection& connection, const IngestTarget& target,
                                 const protocol::ActivityBatch& batch, std::int64_t cursor,
                                 Rollup& rollup) {
  const auto first_new = std::upper_bound(
      batch.spans.begin(), batch.spans.end(), cursor,
      [](std::int64_t seq, const protocol::SpanRecord& span) { return seq < span.seq; });
  if (first_new == batch.spans.end()) return 0;
  auto latest = read_latest_span(connection, target.device_id);
  if (!latest) return latest.error();
  std::optional<OpenSpan> open = std::move(*latest);
  SpanWriter writer(connection, target);
  for (auto record = first_new; record != batch.spans.end(); ++record) {
    // Time the device already accounted for is not counted twice: a span that overlaps the
    // latest stored one starts where that one ends.
    protocol::SpanRecord clipped;
    const protocol::SpanRecord* span = &*record;
    if (open && record->start < open->end) {
      if (record->end <= open->end) continue;
      clipped = *record;
      clipped.start = open->end;
      span = &clipped;
    }
    const std::optional<UserId> owner = owner_at(target, span->start);
    if (open && merges_into(*open, *span, target)) {
      if (span->end > open->end) {
        // *record, not *span: the rollup keeps views into the batch's strings.
        if (owner) rollup.add_time(open->end, span->end, *record);
        open->end = span->end;
        open->dirty = true;
      }
      continue;
    }
    if (open) {
      if (auto flushed = writer.flush(*open); !flushed) return flushed.error();
    }
    if (owner) rollup.add_time(span->start, span->end, *record);
    open = OpenSpan{.id = std::nullopt,
                    .start = span->start,
                    .end = span->end,
                    .app = span->app,
                    .exe = span->exe,
                    .title = span->title,
                    .idle = span->idle,
                    .url = span->url,
                    .domain = span->domain,
                    .project = span->project,
                    .file = span->file,
                    .is_private = span->is_private,
                    .user_id = owner,
                    .dirty = true};
  }
  if (auto flushed = writer.flush(*open); !flushed) return flushed.error();
  return static_cast<std::int64_t>(batch.spans.end() - first_new);
}

// Adds the new input minutes (those after `cursor`) and adds them to `rollup`.
Result<std::int64_t> apply_inputs(storage::Connection& connection, const IngestTarget& target,
                                  const protocol::ActivityBatch& batch, std::int64_t cursor,
                                  Rollup& rollup) {
  const auto first_new = std::upper_bound(
      batch.inputs.begin(), batch.inputs.end(), cursor,
      [](std::int64_t seq, const protocol::InputRecord& input) { return seq < input.seq; });
  if (first_new == batch.inputs.end()) return 0;
  auto upsert = connection.prepare(
      "INSERT INTO input_minutes (org_id, device_id, user_id, minute_ms, keys, clicks, scrolls, "
      "distance_px) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT (device_id, minute_ms) DO UPDATE SET "
      "keys = input_minutes.keys + excluded.keys, "
      "clicks = input_minutes.clicks + excluded.clicks, "
      "scrolls = input_minutes.scrolls + excluded.scrolls, "
      "distance_px = input_minutes.distance_px + excluded.distance_px");
  if (!upsert) return upsert.error();
  auto& s = **upsert;
  // Minutes are non-decreasing within a batch: records of the same minute are summed first.
  for (auto input = first_new; input != batch.inputs.end();) {
    protocol::InputRecord minute = *input;
    for (++input; input != batch.inputs.end() && input->minute == minute.minute; ++input) {
      minute.keys += input->keys;
      minute.clicks += input->clicks;
      minute.scrolls += input->scrolls;
      minute.distance_px += input->distance_px;
    }
    const std::optional<UserId> owner = owner_at(target, minute.minute);
    s.bind_int(1, target.org_id);
    s.bind_int(2, target.device_id);
    s.bind_optional_int(3, owner);
    s.bind_int(4, minute.minute);
    s.bind_int(5, minute.keys);
    s.bind_int(6, minute.clicks);
    s.bind_int(7, minute.scrolls);
    s.bind_int(8, minute.distance_px);
    if (auto done = s.step(); !done) return done.error();
    s.reset();
    if (owner) rollup.add_input(minute);
  }
  return static_cast<std::int64_t>(batch.inputs.end() - first_new);
}

Result<void> write_cursor(storage::Connection& connection, DeviceId device_id,
                          const IngestCursor& cursor) {
  auto upsert = connection.prepare(
      "INSERT INTO ingest_cursors (device_id, last_seq, dropped_total, updated_ms) "
      "VALUES (?, ?, ?, ?) ON CONFLICT (device_id) DO UPDATE SET last_seq = excluded.last_seq, "
      "dropped_total = excluded.dropped_total, updated_ms = excluded.updated_ms");
  if (!upsert) return upsert.error();
  (*upsert)->bind_int(1, device_id);
  (*upsert)->bind_int(2, cursor.last_seq);
  (*upsert)->bind_int(3, cursor.dropped_total);
  (*upsert)->bind_int(4, cursor.updated_ms);
  if (auto done = (*upsert)->step(); !done) return done.error();
  return {};
}

}  // namespace

Result<std::optional<IngestCursor>> read_cursor(storage::Connection& connection,
                                                DeviceId device_id) {
  auto statement = connection.prepare(
      "SELECT last_seq, dropped_total, updated_ms FROM ingest_cursors WHERE device_id = ?");
  if (!statement) return statement.error();
  (*statement)->bind_int(1, device_id);
  auto row = (*statement)->step();
  if (!row) return row.error();
  if (!*row) return std::optional<IngestCursor>();
  return std::optional<IngestCursor>(IngestCursor{.last_seq = (*statement)->column_int(0),
                                                  .dropped_total = (*statement)->column_int(1),
                                                  .updated_ms = (*statement)->column_int(2)});
}

Result<IngestReceipt> apply_batch(storage::Connection& connection, const IngestTarget& requested,
                                  const protocol::ActivityBatch& batch, EpochMs now) {
  // The owner as of this transaction (the device may have been reassigned since the request
  // was authenticated).
  IngestTarget target = requested;
  {
    auto device =
        connection.prepare("SELECT user_id, assigned_at FROM devices WHERE id = ? AND org_id = ?");
    if (!device) return device.error();
    (*device)->bind_int(1, requested.device_id);
    (*device)->bind_int(2, requested.org_id);
    auto row = (*device)->step();
    if (!row) return row.error();
    if (*row) {
      target.user_id = (*device)->column_is_null(0)
                           ? std::nullopt
                           : std::optional<UserId>((*device)->column_int(0));
      target.assigned_at = (*device)->column_int(1);
    }
  }
  auto stored = read_cursor(connection, target.device_id);
  if (!stored) return stored.error();
  const IngestCursor before = stored->value_or(IngestCursor{});

  Rollup rollup;
  auto spans = apply_spans(connection, target, batch, before.last_seq, rollup);
  if (!spans) return spans.error();
  auto inputs = apply_inputs(connection, target, batch, before.last_seq, rollup);
  if (!inputs) return inputs.error();
  if (target.user_id) {
    if (auto written = rollup.write(connection, target.org_id, *target.user_id); !written) {
      return written.error();
    }
  }

  IngestCursor after;
  after.last_seq = std::max(before.last_seq, batch.last_seq);
  after.dropped_total = std::max(before.dropped_total, batch.dropped_total);
  after.updated_ms = now;
  if (auto written = write_cursor(connection, target.device_id, after); !written) {
    return written.error();
  }
  IngestReceipt receipt;
  receipt.acked_seq = after.last_seq;
  receipt.accepted = *spans + *inputs;
  receipt.duplicates = static_cast<std::int64_t>(batch.record_count()) - receipt.accepted;
  return receipt;
}

Result<storage::StatementPtr> query_spans(storage::Connection& connection, OrgId org_id,
                                          UserId user_id, EpochMs from, EpochMs to) {
  auto statement = connection.prepare(
      "SELECT start_ms, end_ms, app, exe, title, idle, device_id, url, domain, project, file, "
      "is_private FROM activity_spans "
      "WHERE user_id = ? AND org_id = ? AND start_ms >= ? AND start_ms < ? AND end_ms > ? "
      "ORDER BY start_ms, id");
  if (!statement) return statement.error();
  auto& s = **statement;
  s.bind_int(1, user_id);
  s.bind_int(2, org_id);
  s.bind_int(3, from - kMaxStoredSpanMs);  // no stored span is longer (merging stops there)
  s.bind_int(4, to);
  s.bind_int(5, from);
  return statement;
}

Result<std::vector<SlotTotals>> read_slots(storage::Connection& connection, OrgId org_id,
                                           UserId user_id, EpochMs from, EpochMs to) {
  auto statement = connection.prepare(
      "SELECT slot_ms, active_ms, idle_ms, keys, clicks, scrolls, distance_px FROM rollup_slots "
      "WHERE user_id = ? AND org_id = ? AND slot_ms > ? AND slot_ms < ? ORDER BY slot_ms");
  if (!statement) return statement.error();
  auto& s = **statement;
  s.bind_int(1, user_id);
  s.bind_int(2, org_id);
  s.bind_int(3, from - kSlotMs);
  s.bind_int(4, to);
  std::vector<SlotTotals> slots;
  for (;;) {
    auto row = s.step();
    if (!row) return row.error();
    if (!*row) break;
    slots.push_back(SlotTotals{.slot = s.column_int(0),
                               .active_ms = s.column_int(1),
                               .idle_ms = s.column_int(2),
                               .keys = s.column_int(3),
                               .clicks = s.column_int(4),
                               .scrolls = s.column_int(5),
                               .distance_px = s.column_int(6)});
  }
  return slots;
}

Result<std::vector<MinuteCounts>> read_minutes(storage::Connection& connection, OrgId org_id,
                                               UserId user_id, EpochMs from, EpochMs to) {
  // SUM over BIGINT is NUMERIC in PostgreSQL: cast back.
  auto statement = connection.prepare(
      "SELECT minute_ms, CAST(SUM(keys) AS BIGINT), CAST(SUM(clicks) AS BIGINT), "
      "CAST(SUM(scrolls) AS BIGINT), CAST(SUM(distance_px) AS BIGINT) FROM input_minutes "
      "WHERE user_id = ? AND org_id = ? AND minute_ms >= ? AND minute_ms < ? "
      "GROUP BY minute_ms ORDER BY minute_ms");
  if (!statement) return statement.error();
  auto& s = **statement;
  s.bind_int(1, user_id);
  s.bind_int(2, org_id);
  s.bind_int(3, from);
  s.bind_int(4, to);
  std::vector<MinuteCounts> minutes;
  for (;;) {
    auto row = s.step();
    if (!row) return row.error();
    if (!*row) break;
    minutes.push_back(MinuteCounts{.minute = s.column_int(0),
                                   .keys = s.column_int(1),
                                   .clicks = s.column_int(2),
                                   .scrolls = s.column_int(3),
                                   .distance_px = s.column_int(4)});
  }
  return minutes;
}

}  // namespace worktrace::activity::store
