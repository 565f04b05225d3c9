#pragma once

#include "core/clock.hpp"
#include "core/result.hpp"

#include <boost/json/object.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// ActivityWatch's data model in memory: buckets of events, and the heartbeat merge rule.
namespace worktrace::agent::local_api {

// One event of a bucket. `id` is given by the store, grows with every insert across all
// buckets, and stays with an event when heartbeats extend it.
struct AwEvent {
  std::int64_t id = 0;
  EpochMs timestamp_ms = 0;
  std::int64_t duration_ms = 0;
  boost::json::object data;

  [[nodiscard]] EpochMs end_ms() const { return timestamp_ms + duration_ms; }
  bool operator==(const AwEvent&) const = default;
};

struct AwBucketInfo {
  std::string name;  // ActivityWatch uses the id when the client gives none
  std::string type;  // e.g. "web.tab.current", "app.editor.activity"
  std::string client;
  std::string hostname;
};

struct AwBucket {
  std::string id;
  AwBucketInfo info;
  EpochMs created_ms = 0;
  EpochMs last_updated_ms = 0;  // when an event was last stored or merged
};

inline constexpr std::size_t kMaxBucketIdBytes = 128;
inline constexpr std::size_t kMaxBuckets = 64;
inline constexpr std::size_t kMaxEventsPerBucket = 1'000;
inline constexpr int kMaxHeartbeatsPerSecond = 50;
// What the events' data of all buckets may hold together, as serialized JSON: beyond it the
// oldest events of the largest bucket go first. (64 buckets x 1,000 events x 64 KiB would
// otherwise let any local process grow the agent by gigabytes.)
inline constexpr std::size_t kMaxStoreDataBytes = 8 * 1024 * 1024;

// True for 1..128 bytes of [A-Za-z0-9_.-].
[[nodiscard]] bool is_valid_bucket_id(std::string_view id) noexcept;

// ActivityWatch's heartbeat rule: when `heartbeat` has the same data as `last` and starts
// within [last.timestamp, last end + pulsetime_ms], returns `last` extended to the later of
// the two ends (keeping last's id and timestamp); otherwise nothing (insert it as new).
[[nodiscard]] std::optional<AwEvent> merge_heartbeat(const AwEvent& last, const AwEvent& heartbeat,
                                                     std::int64_t pulsetime_ms);

// Which events `events()` returns: those that overlap [start_ms, end_ms] (unbounded when
// absent), newest first, at most `limit`.
struct EventQuery {
  std::optional<EpochMs> start_ms = std::nullopt;
  std::optional<EpochMs> end_ms = std::nullopt;
  std::optional<std::size_t> limit = std::nullopt;
};

// The buckets. Each keeps its newest kMaxEventsPerBucket events by timestamp (older ones are
// dropped), and accepts at most kMaxHeartbeatsPerSecond heartbeats per clock second.
//
// Thread-safe: one mutex guards the buckets. The event hook runs after the mutex is released,
// on the calling thread; two racing requests may deliver hooks out of order (compare ids).
class BucketStore {
 public:
  // Called after every stored event (merged = false) and every heartbeat merge (merged = true,
  // with the extended event); not for events dropped at once for being older than the
  // bucket's kMaxEventsPerBucket newest. Must not throw: the request has succeeded by then.
  using EventHook =
      std::function<void(const std::string& bucket, const AwEvent& event, bool merged)>;

  enum class Created { created, already_exists };

  // `clock` must outlive the store. `hook` may be empty.
  BucketStore(const Clock& clock, EventHook hook);

  // Fails with Errc::invalid_argument on a bad id, Errc::conflict when kMaxBuckets exist.
  // An existing bucket is left as it is (already_exists), whatever `info` says.
  [[nodiscard]] Result<Created> create(const std::string& id, AwBucketInfo info);

  [[nodiscard]] std::vector<AwBucket> buckets() const;  // ordered by id
  [[nodiscard]] std::optional<AwBucket> bucket(std::string_view id) const;

  // Drops the bucket and its events. False when there was no such bucket.
  bool remove(std::string_view id);

  // Merges `heartbeat` into the bucket's latest event, or stores it (its id is ignored).
  // Returns the resulting event. Fails with Errc::not_found, or Errc::rate_limited beyond
  // kMaxHeartbeatsPerSecond in the current second (nothing is stored then).
  [[nodiscard]] Result<AwEvent> heartbeat(std::string_view id, AwEvent heartbeat,
                                          std::int64_t pulsetime_ms);

  // Stores the events as given (their ids are ignored) and returns them with their ids.
  // Fails with Errc::not_found, or Errc::rate_limited when the request exceeds the bucket's
  // kMaxHeartbeatsPerSecond (insert requests count against it too; nothing is stored then). (Events
  // older than the bucket's kMaxEventsPerBucket newest are returned but not kept.)
  [[nodiscard]] Result<std::vector<AwEvent>> insert(std::string_view id,
                                                    std::vector<AwEvent> events);

  // Fails with Errc::not_found.
  [[nodiscard]] Result<std::vector<AwEvent>> events(std::string_view id,
                                                    const EventQuery& query) const;

 private:
  struct Bucket {
    AwBucket meta;
    std::vector<AwEvent> events;  // sorted by timestamp, then id
    std::size_t data_bytes = 0;   // the events' data, serialized
    EpochMs rate_window_start_ms = 0;
    int heartbeats_in_window = 0;  // heartbeat and insert requests in the current second
  };

  // Each requires mutex_.
  [[nodiscard]] Bucket* find_locked(std::string_view id);
  // Counts one request against the bucket's kMaxHeartbeatsPerSecond; false when over it.
  [[nodiscard]] bool admit_locked(Bucket& bucket);
  // Drops the oldest events of the largest bucket until the store is within
  // kMaxStoreDataBytes.
  void evict_locked();
  // Gives `event` its id and inserts it; false when it is older than the kMaxEventsPerBucket
  // newest and so was dropped at once.
  bool store_locked(Bucket& bucket, AwEvent& event);

  void notify(const std::string& bucket, const std::vector<AwEvent>& events, bool merged) const;

  const Clock& clock_;
  const EventHook hook_;

  mutable std::mutex mutex_;
  // Guarded by mutex_:
  std::map<std::string, Bucket, std::less<>> buckets_;
  std::int64_t next_event_id_ = 1;
  std::size_t data_bytes_ = 0;  // the sum of the buckets' data_bytes
};

}  // namespace worktrace::agent::local_api
