#include "local_api/bucket_store.hpp"

#include <gtest/gtest.h>
#include <boost/json/serialize.hpp>

#include <atomic>

#include <string>
#include <thread>
#include <tuple>
#include <vector>

namespace worktrace::agent::local_api {
namespace {

constexpr EpochMs kT0 = 1'767'607'200'000;  // 2026-01-05T10:00:00Z
constexpr std::int64_t kSecond = 1000;

AwEvent event_at(EpochMs at, std::int64_t duration_ms, const char* url = "https://a.test/") {
  return AwEvent{0, at, duration_ms, boost::json::object{{"url", url}}};
}

struct StoreTest : ::testing::Test {
  StoreTest() {
    EXPECT_EQ(store.create("web", {"", "web.tab.current", "aw-client-web", "host"}).value(),
              BucketStore::Created::created);
  }
  ManualClock clock{kT0};
  std::vector<std::tuple<std::string, AwEvent, bool>> hooked;
  BucketStore store{clock, [this](const std::string& bucket, const AwEvent& event, bool merged) {
                      hooked.emplace_back(bucket, event, merged);
                    }};
};

TEST(MergeHeartbeatTest, TheIssueVectors) {
  // The last event at t0 lasting 1 s, a heartbeat at t0 + 2 s lasting 1 s.
  const AwEvent last = event_at(kT0, kSecond);
  const AwEvent beat = event_at(kT0 + 2 * kSecond, kSecond);
  const auto merged = merge_heartbeat(last, beat, 2 * kSecond);
  ASSERT_TRUE(merged);
  EXPECT_EQ(merged->timestamp_ms, kT0);
  EXPECT_EQ(merged->duration_ms, 3 * kSecond);
  EXPECT_FALSE(merge_heartbeat(last, beat, 0));
}

TEST(MergeHeartbeatTest, NeedsEqualDataAndNoEarlierStart) {
  const AwEvent last = event_at(kT0, 10 * kSecond);
  EXPECT_FALSE(merge_heartbeat(last, event_at(kT0 + kSecond, 0, "https://b.test/"), kSecond));
  EXPECT_FALSE(merge_heartbeat(last, event_at(kT0 - 1, 0), kSecond));
  // Inside the last event: the end stays where it was.
  EXPECT_EQ(merge_heartbeat(last, event_at(kT0 + kSecond, 0), 0)->duration_ms, 10 * kSecond);
  // Exactly at end + pulsetime still merges.
  EXPECT_EQ(merge_heartbeat(last, event_at(kT0 + 11 * kSecond, 0), kSecond)->duration_ms,
            11 * kSecond);
}

TEST_F(StoreTest, HeartbeatsMergeOrInsertAndCallTheHook) {
  const AwEvent first = store.heartbeat("web", event_at(kT0, kSecond), 0).value();
  const AwEvent merged =
      store.heartbeat("web", event_at(kT0 + 2 * kSecond, kSecond), 2 * kSecond).value();
  EXPECT_EQ(merged.id, first.id);
  EXPECT_EQ(merged.duration_ms, 3 * kSecond);
  const AwEvent separate = store.heartbeat("web", event_at(kT0 + 10 * kSecond, 0), 0).value();
  EXPECT_NE(separate.id, first.id);

  const auto events = store.events("web", {}).value();
  ASSERT_EQ(events.size(), 2U);
  EXPECT_EQ(events[0], separate);  // newest first
  EXPECT_EQ(events[1], merged);
  ASSERT_EQ(hooked.size(), 3U);
  EXPECT_EQ(hooked[0], std::make_tuple(std::string("web"), first, false));
  EXPECT_EQ(hooked[1], std::make_tuple(std::string("web"), merged, true));
  EXPECT_EQ(hooked[2], std::make_tuple(std::string("web"), separate, false));
}

TEST_F(StoreTest, KeepsTheNewestEventsOnly) {
  for (std::size_t event_idx = 0; event_idx < kMaxEventsPerBucket + 5; ++event_idx) {
    clock.advance(kSecond / kMaxHeartbeatsPerSecond);  // within the rate limit
    std::ignore = store.insert("web", {event_at(kT0 + static_cast<EpochMs>(event_idx), 0)}).value();
  }
  const auto events = store.events("web", {}).value();
  ASSERT_EQ(events.size(), kMaxEventsPerBucket);
  EXPECT_EQ(events.back().timestamp_ms, kT0 + 5);
  EXPECT_EQ(events.front().timestamp_ms, kT0 + static_cast<EpochMs>(kMaxEventsPerBucket) + 4);

  // An event older than all those kept is not kept, and the hook does not hear of it.
  hooked.clear();
  EXPECT_EQ(store.insert("web", {event_at(kT0, 0)}).value().size(), 1U);
  EXPECT_EQ(store.events("web", {}).value().back().timestamp_ms, kT0 + 5);
  EXPECT_TRUE(hooked.empty());
}

TEST_F(StoreTest, QueriesByRangeAndLimit) {
  std::ignore = store
                    .insert("web", {event_at(kT0, kSecond), event_at(kT0 + 5 * kSecond, kSecond),
                                    event_at(kT0 + 9 * kSecond, kSecond)})
                    .value();
  EXPECT_EQ(store.events("web", {.limit = 1}).value().at(0).timestamp_ms, kT0 + 9 * kSecond);
  const auto middle =
      store.events("web", {.start_ms = kT0 + 2 * kSecond, .end_ms = kT0 + 8 * kSecond}).value();
  ASSERT_EQ(middle.size(), 1U);
  EXPECT_EQ(middle[0].timestamp_ms, kT0 + 5 * kSecond);
  // Overlap counts: the first event ends at t0 + 1 s.
  EXPECT_EQ(
      store.events("web", {.start_ms = kT0 + kSecond, .end_ms = kT0 + kSecond}).value().size(), 1U);
}

TEST_F(StoreTest, RateLimitsHeartbeatsPerBucketPerSecond) {
  ASSERT_EQ(store.create("other", {"", "t", "c", "h"}).value(), BucketStore::Created::created);
  for (int beat_idx = 0; beat_idx < kMaxHeartbeatsPerSecond; ++beat_idx) {
    ASSERT_TRUE(store.heartbeat("web", event_at(kT0, 0), 1000)) << beat_idx;
  }
  auto refused = store.heartbeat("web", event_at(kT0, 0), 1000);
  ASSERT_FALSE(refused);
  EXPECT_TRUE(refused.error().is(Errc::rate_limited));
  EXPECT_TRUE(store.heartbeat("other", event_at(kT0, 0), 1000));  // per bucket
  clock.advance(999);
  EXPECT_FALSE(store.heartbeat("web", event_at(kT0, 0), 1000));
  clock.advance(1);
  EXPECT_TRUE(store.heartbeat("web", event_at(kT0, 0), 1000));
}

TEST_F(StoreTest, RateLimitsEventPostsToo) {
  for (int post_idx = 0; post_idx < kMaxHeartbeatsPerSecond; ++post_idx) {
    ASSERT_TRUE(store.insert("web", {event_at(kT0 + post_idx, 0)})) << post_idx;
  }
  auto refused = store.insert("web", {event_at(kT0 + 100, 0)});
  ASSERT_FALSE(refused);
  EXPECT_TRUE(refused.error().is(Errc::rate_limited));
  EXPECT_EQ(store.events("web", {}).value().size(),
            static_cast<std::size_t>(kMaxHeartbeatsPerSecond));
}

TEST_F(StoreTest, AllBucketsTogetherStayWithinTheDataBudget) {
  // 60 KiB events: the budget holds about 136 of them across every bucket.
  const std::string big(60 * 1024, 'x');
  const auto big_event = [&](EpochMs at) {
    return AwEvent{0, at, 0, boost::json::object{{"title", big}}};
  };
  ASSERT_TRUE(store.create("editor", {}));
  std::vector<AwEvent> batch;
  for (int event_idx = 0; event_idx < 100; ++event_idx) batch.push_back(big_event(kT0 + event_idx));
  ASSERT_TRUE(store.insert("web", batch));
  ASSERT_EQ(store.events("web", {}).value().size(), 100U);  // 6 MB: within the budget
  batch.clear();
  for (int event_idx = 0; event_idx < 100; ++event_idx) {
    batch.push_back(big_event(kT0 + 1000 + event_idx));
  }
  ASSERT_TRUE(store.insert("editor", batch));
  const auto web = store.events("web", {}).value();
  const auto editor = store.events("editor", {}).value();
  const std::size_t event_bytes = boost::json::serialize(big_event(kT0).data).size();
  EXPECT_LE((web.size() + editor.size()) * event_bytes, kMaxStoreDataBytes);
  EXPECT_GE((web.size() + editor.size() + 1) * event_bytes, kMaxStoreDataBytes);
  // The largest bucket gave up its oldest events; the newest of each stay.
  EXPECT_EQ(web.front().timestamp_ms, kT0 + 99);
  EXPECT_EQ(editor.front().timestamp_ms, kT0 + 1099);
  EXPECT_LT(web.size(), 100U);
  // Removing a bucket gives its share back.
  EXPECT_TRUE(store.remove("web"));
  ASSERT_TRUE(store.insert("editor", {big_event(kT0 + 2000)}));
  EXPECT_EQ(store.events("editor", {}).value().size(), editor.size() + 1);
}

TEST_F(StoreTest, BucketRules) {
  EXPECT_EQ(store.create("web", {"x", "y", "z", "w"}).value(),
            BucketStore::Created::already_exists);
  EXPECT_EQ(store.bucket("web")->info.name, "web");  // unchanged; the name defaults to the id
  EXPECT_FALSE(store.create("", {}));
  EXPECT_FALSE(store.create("a/b", {}));
  EXPECT_FALSE(store.create(std::string(kMaxBucketIdBytes + 1, 'a'), {}));
  EXPECT_TRUE(store.create(std::string(kMaxBucketIdBytes, 'a'), {}));
  for (std::size_t bucket_idx = store.buckets().size(); bucket_idx < kMaxBuckets; ++bucket_idx) {
    ASSERT_TRUE(store.create("b" + std::to_string(bucket_idx), {}));
  }
  auto full = store.create("one-too-many", {});
  ASSERT_FALSE(full);
  EXPECT_TRUE(full.error().is(Errc::conflict));
  EXPECT_TRUE(store.remove("web"));
  EXPECT_FALSE(store.remove("web"));
  EXPECT_TRUE(store.heartbeat("web", event_at(kT0, 0), 0).error().is(Errc::not_found));
  EXPECT_TRUE(store.insert("web", {}).error().is(Errc::not_found));
  EXPECT_TRUE(store.events("web", {}).error().is(Errc::not_found));
}

TEST(BucketStoreThreadsTest, ConcurrentHeartbeatsAndReads) {
  ManualClock clock{kT0};
  std::atomic<int> hooks{0};
  BucketStore store(clock, [&](const std::string&, const AwEvent&, bool) { ++hooks; });
  ASSERT_TRUE(store.create("web", {}));
  std::vector<std::thread> threads;
  for (int thread_idx = 0; thread_idx < 4; ++thread_idx) {
    threads.emplace_back([&, thread_idx] {
      for (int beat_idx = 0; beat_idx < 200; ++beat_idx) {
        clock.advance(25);  // at most 40 + 4 a second: under the rate limit
        std::ignore = store.heartbeat(
            "web", event_at(kT0 + beat_idx * kSecond, kSecond, thread_idx % 2 ? "a" : "b"),
            kSecond);
        std::ignore = store.events("web", {.limit = 5});
        std::ignore = store.buckets();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(hooks.load(), 800);
  EXPECT_LE(store.events("web", {}).value().size(), kMaxEventsPerBucket);
}

}  // namespace
}  // namespace worktrace::agent::local_api
