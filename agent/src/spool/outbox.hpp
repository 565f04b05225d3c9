#pragma once

#include "core/clock.hpp"
#include "core/result.hpp"
#include "protocol/activity_batch.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

// The agent's durable queue of activity records waiting for the server.
namespace worktrace::agent::spool {

// How much the outbox keeps while the server is unreachable. Past either bound the oldest
// records are dropped (and counted in dropped_total).
struct OutboxLimits {
  std::int64_t max_age_ms = 7LL * 24 * 3600 * 1000;
  std::int64_t max_bytes = 200LL << 20;  // of stored record texts
};

// Records ready to send, oldest first.
struct Pending {
  std::vector<std::string> records;  // JSON texts with their "seq", ready for activity_batch_body
  std::int64_t first_seq = 0;        // 0 when `records` is empty
  std::int64_t last_seq = 0;
  std::int64_t dropped_total = 0;  // records dropped by the bound since the outbox was created
};

struct OutboxStats {
  std::int64_t records = 0;
  std::int64_t bytes = 0;  // of stored record texts
  std::int64_t dropped_total = 0;
  std::optional<EpochMs> oldest{};  // when the oldest pending record was appended

  bool operator==(const OutboxStats&) const = default;
};

// An SQLite file (WAL, synchronous=NORMAL, mode 0600) of records, each stored as the JSON text
// that will be sent, under a sequence number that only grows, also across restarts.
// Thread-safe: one mutex serialises every call on the single connection. A write that fails
// changes nothing (one transaction per call).
class Outbox {
 public:
  // Opens or creates `file` (its directory must exist); the file and its WAL get mode 0600.
  // `clock` must outlive the outbox. Fails with Errc::invalid_argument for bad limits and
  // Errc::io_error when the file cannot be opened or is not an outbox (a corrupt file, another
  // database, or one written by a newer agent): the message names the file and the reason.
  [[nodiscard]] static Result<std::unique_ptr<Outbox>> open(const std::filesystem::path& file,
                                                            OutboxLimits limits,
                                                            const Clock& clock);
  ~Outbox();
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  // Stores one record under the next seq (the record's own .seq is ignored) and returns that
  // seq. First drops the oldest records while they are older than max_age_ms or while the
  // stored bytes plus this record would exceed max_bytes (a record larger than max_bytes on
  // its own is still stored, alone). Wakes wait_for_records.
  [[nodiscard]] Result<std::int64_t> append(const protocol::SpanRecord& span);
  [[nodiscard]] Result<std::int64_t> append(const protocol::InputRecord& input);

  // At most `max_records` of the oldest records whose texts (plus one separator byte each)
  // fit in `max_bytes`; always at least one record when any is pending and max_records > 0,
  // so a large record cannot block the queue. Removes nothing.
  [[nodiscard]] Result<Pending> peek(std::size_t max_records, std::size_t max_bytes);

  // Deletes the records with seq <= up_to_seq (the server stored them).
  [[nodiscard]] Result<void> ack(std::int64_t up_to_seq);

  // Deletes the records with seq <= up_to_seq that the server refuses for good, adding how
  // many to dropped_total, so the loss is reported like the bound's.
  [[nodiscard]] Result<void> discard(std::int64_t up_to_seq);

  // Makes the next assigned seq larger than `seq` (the server's cursor for this device, e.g.
  // after the outbox file was lost). Never lowers it. Errc::invalid_argument unless
  // 0 <= seq < 2^53.
  [[nodiscard]] Result<void> raise_seq_floor(std::int64_t seq);

  [[nodiscard]] OutboxStats stats();

  // Blocks until a record is pending or `timeout` passes; true when one is pending.
  [[nodiscard]] bool wait_for_records(std::chrono::milliseconds timeout);

 private:
  struct Database;  // the sqlite3 connection and its prepared statements
  struct Totals {
    std::int64_t next_seq = 1;
    std::int64_t dropped_total = 0;
    std::int64_t records = 0;
    std::int64_t bytes = 0;
    std::optional<EpochMs> oldest;
  };
  // Only open() can name it, so only open() constructs.
  struct OpenKey {
    explicit OpenKey() = default;
  };

 public:
  Outbox(OpenKey, std::filesystem::path file, OutboxLimits limits, const Clock& clock,
         std::unique_ptr<Database> database, Totals totals);

 private:
  // Gives `record` the next seq and stores encode(record).
  template <class Record>
  [[nodiscard]] Result<std::int64_t> append_numbered(Record record,
                                                     std::string (*encode)(const Record&));
  // Appends `body` (a record text carrying `seq`) in one transaction with the drop of what the
  // bound requires. Requires mutex_.
  // ack and discard: deletes seq <= up_to_seq; `count_as_dropped` adds them to dropped_total.
  [[nodiscard]] Result<void> remove_up_to(std::int64_t up_to_seq, bool count_as_dropped);
  [[nodiscard]] Result<void> store_locked(std::int64_t seq, const std::string& body);
  [[nodiscard]] Error failure(std::string_view what) const;

  const std::filesystem::path file_;
  const OutboxLimits limits_;
  const Clock& clock_;

  std::mutex mutex_;
  std::condition_variable records_cv_;
  // Guarded by mutex_:
  std::unique_ptr<Database> database_;
  Totals totals_;  // mirrors the file (recomputed at open, updated after each commit)
};

}  // namespace worktrace::agent::spool
