#include "local_api/bucket_store.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <string>
#include <utility>

namespace worktrace::agent::local_api {
namespace {

std::size_t data_size(const boost::json::object& data) {
  return boost::json::serialize(data).size();
}

Error rate_limited() {
  return fail(Errc::rate_limited, "at most " + std::to_string(kMaxHeartbeatsPerSecond) +
                                      " heartbeats or event posts per second per bucket");
}

}  // namespace

bool is_valid_bucket_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > kMaxBucketIdBytes) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  });
}

std::optional<AwEvent> merge_heartbeat(const AwEvent& last, const AwEvent& heartbeat,
                                       std::int64_t pulsetime_ms) {
  if (heartbeat.data != last.data) return std::nullopt;
  if (heartbeat.timestamp_ms < last.timestamp_ms) return std::nullopt;
  if (heartbeat.timestamp_ms > last.end_ms() + pulsetime_ms) return std::nullopt;
  AwEvent merged = last;
  merged.duration_ms = std::max(last.end_ms(), heartbeat.end_ms()) - last.timestamp_ms;
  return merged;
}

BucketStore::BucketStore(const Clock& clock, EventHook hook)
    : clock_(clock), hook_(std::move(hook)) {}

Result<BucketStore::Created> BucketStore::create(const std::string& id, AwBucketInfo info) {
  if (!is_valid_bucket_id(id)) {
    return fail(Errc::invalid_argument,
                "bucket id: must be 1 to 128 characters of A-Z, a-z, 0-9, '_', '.', '-'");
  }
  std::lock_guard lock(mutex_);
  if (buckets_.contains(id)) return Created::already_exists;
  if (buckets_.size() >= kMaxBuckets) {
    return fail(Errc::conflict, "at most " + std::to_string(kMaxBuckets) + " buckets");
  }
  if (info.name.empty()) info.name = id;
  const EpochMs now = clock_.now_ms();
  Bucket bucket;
  bucket.meta = AwBucket{id, std::move(info), now, now};
  buckets_.emplace(id, std::move(bucket));
  return Created::created;
}

std::vector<AwBucket> BucketStore::buckets() const {
  std::lock_guard lock(mutex_);
  std::vector<AwBucket> result;
  result.reserve(buckets_.size());
  for (const auto& [id, bucket] : buckets_) result.push_back(bucket.meta);
  return result;
}

std::optional<AwBucket> BucketStore::bucket(std::string_view id) const {
  std::lock_guard lock(mutex_);
  const auto found = buckets_.find(id);
  if (found == buckets_.end()) return std::nullopt;
  return found->second.meta;
}

bool BucketStore::remove(std::string_view id) {
  std::lock_guard lock(mutex_);
  const auto found = buckets_.find(id);
  if (found == buckets_.end()) return false;
  data_bytes_ -= found->second.data_bytes;
  buckets_.erase(found);
  return true;
}

bool BucketStore::admit_locked(Bucket& bucket) {
  const EpochMs now = clock_.now_ms();
  if (now - bucket.rate_window_start_ms >= 1000 || now < bucket.rate_window_start_ms) {
    bucket.rate_window_start_ms = now;
    bucket.heartbeats_in_window = 0;
  }
  if (bucket.heartbeats_in_window >= kMaxHeartbeatsPerSecond) return false;
  ++bucket.heartbeats_in_window;
  return true;
}

void BucketStore::evict_locked() {
  while (data_bytes_ > kMaxStoreDataBytes) {
    Bucket* largest = nullptr;
    for (auto& [id, bucket] : buckets_) {
      if (largest == nullptr || bucket.data_bytes > largest->data_bytes) largest = &bucket;
    }
    if (largest == nullptr || largest->events.empty()) return;
    const std::size_t bytes = data_size(largest->events.front().data);
    largest->data_bytes -= bytes;
    data_bytes_ -= bytes;
    largest->events.erase(largest->events.begin());
  }
}

BucketStore::Bucket* BucketStore::find_locked(std::string_view id) {
  const auto found = buckets_.find(id);
  return found == buckets_.end() ? nullptr : &found->second;
}

bool BucketStore::store_locked(Bucket& bucket, AwEvent& event) {
  event.id = next_event_id_++;
  auto& events = bucket.events;
  // Watchers report in time order, so this is nearly always the end.
  const auto at = std::upper_bound(
      events.begin(), events.end(), event.timestamp_ms,
      [](EpochMs timestamp, const AwEvent& other) { return timestamp < other.timestamp_ms; });
  const bool is_oldest = at == events.begin();
  if (events.size() >= kMaxEventsPerBucket && is_oldest) return false;  // dropped at once
  const std::size_t bytes = data_size(event.data);
  events.insert(at, event);
  bucket.data_bytes += bytes;
  data_bytes_ += bytes;
  if (events.size() > kMaxEventsPerBucket) {
    const std::size_t dropped = data_size(events.front().data);
    bucket.data_bytes -= dropped;
    data_bytes_ -= dropped;
    events.erase(events.begin());
  }
  bucket.meta.last_updated_ms = clock_.now_ms();
  evict_locked();
  return true;
}

Result<AwEvent> BucketStore::heartbeat(std::string_view id, AwEvent heartbeat,
                                       std::int64_t pulsetime_ms) {
  AwEvent result;
  bool merged = false;
  bool kept = true;
  std::string bucket_id;
  {
    std::lock_guard lock(mutex_);
    Bucket* bucket = find_locked(id);
    if (bucket == nullptr) return fail(Errc::not_found, "no such bucket");
    const EpochMs now = clock_.now_ms();
    if (!admit_locked(*bucket)) return rate_limited();
    bucket_id = bucket->meta.id;
    // The latest event by timestamp is the one a heartbeat continues.
    std::optional<AwEvent> extended;
    if (!bucket->events.empty()) {
      extended = merge_heartbeat(bucket->events.back(), heartbeat, pulsetime_ms);
    }
    if (extended) {
      bucket->events.back() = *extended;
      bucket->meta.last_updated_ms = now;
      result = std::move(*extended);
      merged = true;
    } else {
      result = std::move(heartbeat);
      kept = store_locked(*bucket, result);
    }
  }
  if (kept) notify(bucket_id, {result}, merged);
  return result;
}

Result<std::vector<AwEvent>> BucketStore::insert(std::string_view id, std::vector<AwEvent> events) {
  std::string bucket_id;
  std::vector<AwEvent> kept;
  {
    std::lock_guard lock(mutex_);
    Bucket* bucket = find_locked(id);
    if (bucket == nullptr) return fail(Errc::not_found, "no such bucket");
    if (!admit_locked(*bucket)) return rate_limited();
    bucket_id = bucket->meta.id;
    kept.reserve(events.size());
    for (auto& event : events) {
      if (store_locked(*bucket, event)) kept.push_back(event);
    }
  }
  notify(bucket_id, kept, false);
  return events;
}

Result<std::vector<AwEvent>> BucketStore::events(std::string_view id,
                                                 const EventQuery& query) const {
  std::lock_guard lock(mutex_);
  const auto found = buckets_.find(id);
  if (found == buckets_.end()) return fail(Errc::not_found, "no such bucket");
  std::vector<AwEvent> result;
  const auto& events = found->second.events;
  for (auto event_it = events.rbegin(); event_it != events.rend(); ++event_it) {
    if (query.limit && result.size() >= *query.limit) break;
    if (query.start_ms && event_it->end_ms() < *query.start_ms) continue;
    if (query.end_ms && event_it->timestamp_ms > *query.end_ms) continue;
    result.push_back(*event_it);
  }
  return result;
}

void BucketStore::notify(const std::string& bucket, const std::vector<AwEvent>& events,
                         bool merged) const {
  if (!hook_) return;
  for (const auto& event : events) hook_(bucket, event, merged);
}

}  // namespace worktrace::agent::local_api
