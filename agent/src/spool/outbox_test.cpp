#include "spool/outbox.hpp"

#include "testing/temp_dir.hpp"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

namespace worktrace::agent::spool {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr EpochMs kStart = 1'780'000'020'000;  // 2026-05-28, a whole minute

using agent::testing::TempDir;

unsigned mode_of(const fs::path& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 07777;
}

protocol::SpanRecord span(EpochMs start, std::string title = "build - make") {
  return {.seq = 999,  // ignored by append
          .start = start,
          .end = start + 60'000,
          .app = "XTerm",
          .exe = "/usr/bin/xterm",
          .title = std::move(title),
          .idle = false};
}

protocol::InputRecord input(EpochMs minute) {
  return {.seq = 0, .minute = minute, .keys = 17, .clicks = 3, .scrolls = 0, .distance_px = 1234};
}

std::int64_t seq_of(const std::string& record) {
  return boost::json::parse(record).at("seq").as_int64();
}

std::unique_ptr<Outbox> open_ok(const fs::path& file, const Clock& clock,
                                OutboxLimits limits = {}) {
  auto outbox = Outbox::open(file, limits, clock);
  EXPECT_TRUE(outbox) << outbox.error().message;
  return outbox ? std::move(*outbox) : nullptr;
}

TEST(OutboxTest, AssignsSeqsAndPeeksInOrder) {
  TempDir dir;
  ManualClock clock(kStart);
  auto outbox = open_ok(dir.path() / "outbox.db", clock);
  ASSERT_TRUE(outbox);
  EXPECT_EQ(*outbox->append(span(kStart)), 1);
  EXPECT_EQ(*outbox->append(input(kStart)), 2);
  EXPECT_EQ(*outbox->append(span(kStart + 60'000, "caf\xc3\xa9")), 3);

  auto pending = outbox->peek(100, 1 << 20);
  ASSERT_TRUE(pending) << pending.error().message;
  ASSERT_EQ(pending->records.size(), 3u);
  EXPECT_EQ(pending->first_seq, 1);
  EXPECT_EQ(pending->last_seq, 3);
  EXPECT_EQ(pending->dropped_total, 0);
  EXPECT_EQ(pending->records[0],
            R"({"seq":1,"type":"span","start":1780000020000,"end":1780000080000,"app":"XTerm",)"
            R"("exe":"/usr/bin/xterm","title":"build - make","idle":false})");
  EXPECT_EQ(pending->records[1],
            R"({"seq":2,"type":"input","minute":1780000020000,"keys":17,"clicks":3,"scrolls":0,)"
            R"("distance_px":1234})");
  EXPECT_EQ(seq_of(pending->records[2]), 3);
  // The stored text passes the server's validation as one batch.
  const std::string body = protocol::activity_batch_body(pending->records, pending->dropped_total);
  auto batch = protocol::parse_activity_batch(body, kStart + 120'000);
  ASSERT_TRUE(batch) << batch.error().message;
  EXPECT_EQ(batch->spans[1].title, "caf\xc3\xa9");

  // Peek removes nothing; limits cut from the front.
  EXPECT_EQ(outbox->peek(100, 1 << 20)->records.size(), 3u);
  auto two = outbox->peek(2, 1 << 20);
  EXPECT_EQ(two->records.size(), 2u);
  EXPECT_EQ(two->last_seq, 2);
  auto tiny = outbox->peek(100, 10);  // too small for one record: still one, so nothing wedges
  ASSERT_EQ(tiny->records.size(), 1u);
  EXPECT_EQ(tiny->first_seq, 1);
  EXPECT_EQ(tiny->last_seq, 1);
  const std::size_t first_two = two->records[0].size() + two->records[1].size() + 2;
  EXPECT_EQ(outbox->peek(100, first_two)->records.size(), 2u);
  EXPECT_EQ(outbox->peek(100, first_two - 1)->records.size(), 1u);
  EXPECT_TRUE(outbox->peek(0, 1 << 20)->records.empty());

  const OutboxStats stats = outbox->stats();
  EXPECT_EQ(stats.records, 3);
  EXPECT_EQ(stats.bytes,
            static_cast<std::int64_t>(pending->records[0].size() + pending->records[1].size() +
                                      pending->records[2].size()));
  EXPECT_EQ(stats.oldest, kStart);
}

TEST(OutboxTest, AckDeletesUpToTheSeqAndSeqsAreNeverReused) {
  TempDir dir;
  ManualClock clock(kStart);
  auto outbox = open_ok(dir.path() / "outbox.db", clock);
  ASSERT_TRUE(outbox);
  for (int record_idx = 0; record_idx < 3; ++record_idx) {
    clock.advance(1000);
    ASSERT_TRUE(outbox->append(span(kStart + record_idx * 60'000)));
  }
  ASSERT_TRUE(outbox->ack(0));
  EXPECT_EQ(outbox->stats().records, 3);
  ASSERT_TRUE(outbox->ack(2));
  auto pending = outbox->peek(100, 1 << 20);
  ASSERT_EQ(pending->records.size(), 1u);
  EXPECT_EQ(pending->first_seq, 3);
  EXPECT_EQ(outbox->stats().oldest, kStart + 3000);
  EXPECT_EQ(outbox->stats().bytes, static_cast<std::int64_t>(pending->records[0].size()));
  ASSERT_TRUE(outbox->ack(2));  // again: nothing left at or below 2
  ASSERT_TRUE(outbox->ack(100));
  EXPECT_EQ(outbox->stats(),
            (OutboxStats{.records = 0, .bytes = 0, .dropped_total = 0, .oldest = std::nullopt}));
  EXPECT_TRUE(outbox->peek(100, 1 << 20)->records.empty());
  EXPECT_EQ(*outbox->append(input(kStart)), 4);
}

TEST(OutboxTest, SurvivesARestartPrivately) {
  TempDir dir;
  const fs::path file = dir.path() / "outbox.db";
  ManualClock clock(kStart);
  OutboxStats before;
  {
    auto outbox = open_ok(file, clock);
    ASSERT_TRUE(outbox);
    for (int record_idx = 0; record_idx < 4; ++record_idx) {
      ASSERT_TRUE(outbox->append(input(kStart + record_idx * 60'000)));
    }
    ASSERT_TRUE(outbox->ack(1));
    before = outbox->stats();
    EXPECT_EQ(mode_of(file), 0600u);
    EXPECT_EQ(mode_of(file.string() + "-wal"), 0600u);
  }
  auto outbox = open_ok(file, clock);
  ASSERT_TRUE(outbox);
  EXPECT_EQ(outbox->stats(), before);
  auto pending = outbox->peek(100, 1 << 20);
  ASSERT_EQ(pending->records.size(), 3u);
  EXPECT_EQ(pending->first_seq, 2);
  EXPECT_EQ(*outbox->append(input(kStart)), 5);
  EXPECT_EQ(mode_of(file), 0600u);
}

TEST(OutboxTest, TightensTheModeOfAnExistingFile) {
  TempDir dir;
  const fs::path file = dir.path() / "outbox.db";
  ManualClock clock(kStart);
  open_ok(file, clock).reset();
  ASSERT_EQ(::chmod(file.c_str(), 0644), 0);
  auto outbox = open_ok(file, clock);
  EXPECT_EQ(mode_of(file), 0600u);
}

TEST(OutboxTest, BoundByBytesDropsTheOldestAndCountsThem) {
  TempDir dir;
  const fs::path file = dir.path() / "outbox.db";
  ManualClock clock(kStart);
  const auto record_bytes = static_cast<std::int64_t>(
      protocol::input_record_json(protocol::InputRecord{.seq = 1, .minute = kStart}).size());
  // Room for three records of the same size (seqs 1..9 keep the size constant).
  const OutboxLimits limits{.max_age_ms = 3'600'000, .max_bytes = 3 * record_bytes + 5};
  {
    auto outbox = open_ok(file, clock, limits);
    ASSERT_TRUE(outbox);
    for (int record_idx = 0; record_idx < 5; ++record_idx) {
      clock.advance(1000);
      ASSERT_TRUE(outbox->append(protocol::InputRecord{.seq = 0, .minute = kStart}));
    }
    const OutboxStats stats = outbox->stats();
    EXPECT_EQ(stats.records, 3);
    EXPECT_EQ(stats.bytes, 3 * record_bytes);
    EXPECT_EQ(stats.dropped_total, 2);
    EXPECT_EQ(stats.oldest, kStart + 3000);
    auto pending = outbox->peek(100, 1 << 20);
    EXPECT_EQ(pending->first_seq, 3);
    EXPECT_EQ(pending->last_seq, 5);
    EXPECT_EQ(pending->dropped_total, 2);
  }
  auto outbox = open_ok(file, clock, limits);  // the count is persisted
  ASSERT_TRUE(outbox);
  EXPECT_EQ(outbox->stats().dropped_total, 2);
  ASSERT_TRUE(outbox->append(protocol::InputRecord{.seq = 0, .minute = kStart}));
  EXPECT_EQ(outbox->stats().dropped_total, 3);
  EXPECT_EQ(outbox->peek(100, 1 << 20)->first_seq, 4);

  // A record larger than the whole bound replaces everything but is kept.
  auto huge = open_ok(dir.path() / "huge.db", clock, {.max_age_ms = 3'600'000, .max_bytes = 100});
  ASSERT_TRUE(huge->append(span(kStart)));
  ASSERT_TRUE(huge->append(span(kStart, std::string(500, 'x'))));
  EXPECT_EQ(huge->stats().records, 1);
  EXPECT_EQ(huge->stats().dropped_total, 1);
  EXPECT_EQ(huge->peek(10, 1 << 20)->first_seq, 2);
}

TEST(OutboxTest, BoundByAgeDropsOnlyWhatIsTooOld) {
  TempDir dir;
  ManualClock clock(kStart);
  auto outbox =
      open_ok(dir.path() / "outbox.db", clock, {.max_age_ms = 1000, .max_bytes = 1 << 20});
  ASSERT_TRUE(outbox);
  ASSERT_TRUE(outbox->append(input(kStart)));  // created at kStart
  clock.advance(500);
  ASSERT_TRUE(outbox->append(input(kStart)));  // kStart + 500
  clock.advance(500);
  ASSERT_TRUE(outbox->append(input(kStart)));  // exactly max_age old: kept
  EXPECT_EQ(outbox->stats().dropped_total, 0);
  clock.advance(200);                          // kStart + 1200
  ASSERT_TRUE(outbox->append(input(kStart)));  // the first is now 1200 ms old
  OutboxStats stats = outbox->stats();
  EXPECT_EQ(stats.records, 3);
  EXPECT_EQ(stats.dropped_total, 1);
  EXPECT_EQ(stats.oldest, kStart + 500);
  clock.advance(10'000);  // everything stored is too old now
  ASSERT_TRUE(outbox->append(input(kStart)));
  stats = outbox->stats();
  EXPECT_EQ(stats.records, 1);
  EXPECT_EQ(stats.dropped_total, 4);
  EXPECT_EQ(stats.oldest, kStart + 11'200);
  EXPECT_EQ(outbox->peek(10, 1 << 20)->first_seq, 5);
}

TEST(OutboxTest, RaiseSeqFloor) {
  TempDir dir;
  const fs::path file = dir.path() / "outbox.db";
  ManualClock clock(kStart);
  {
    auto outbox = open_ok(file, clock);
    ASSERT_TRUE(outbox);
    EXPECT_EQ(*outbox->append(input(kStart)), 1);
    ASSERT_TRUE(outbox->raise_seq_floor(100));
    EXPECT_EQ(*outbox->append(input(kStart)), 101);
    ASSERT_TRUE(outbox->raise_seq_floor(50));  // never lowers
    ASSERT_TRUE(outbox->raise_seq_floor(101));
    EXPECT_EQ(*outbox->append(input(kStart)), 102);
    EXPECT_TRUE(outbox->raise_seq_floor(-1).error().is(Errc::invalid_argument));
    EXPECT_TRUE(outbox->raise_seq_floor(protocol::kMaxSeq).error().is(Errc::invalid_argument));
    ASSERT_TRUE(outbox->raise_seq_floor(500));
  }
  auto outbox = open_ok(file, clock);
  ASSERT_TRUE(outbox);
  EXPECT_EQ(*outbox->append(input(kStart)), 501);
  auto pending = outbox->peek(10, 1 << 20);
  ASSERT_EQ(pending->records.size(), 4u);
  EXPECT_EQ(seq_of(pending->records[1]), 101);
}

TEST(OutboxTest, WaitForRecords) {
  TempDir dir;
  ManualClock clock(kStart);
  auto outbox = open_ok(dir.path() / "outbox.db", clock);
  ASSERT_TRUE(outbox);
  EXPECT_FALSE(outbox->wait_for_records(20ms));
  std::thread writer([&] {
    std::this_thread::sleep_for(50ms);
    ASSERT_TRUE(outbox->append(input(kStart)));
  });
  const auto before = std::chrono::steady_clock::now();
  EXPECT_TRUE(outbox->wait_for_records(10s));
  EXPECT_LT(std::chrono::steady_clock::now() - before, 5s);
  writer.join();
  EXPECT_TRUE(outbox->wait_for_records(0ms));
}

TEST(OutboxTest, ConcurrentAppendAndPeekLoseNothing) {
  TempDir dir;
  ManualClock clock(kStart);
  auto outbox = open_ok(dir.path() / "outbox.db", clock);
  ASSERT_TRUE(outbox);
  constexpr std::int64_t kRecords = 3000;
  std::thread writer([&] {
    for (std::int64_t record_idx = 0; record_idx < kRecords; ++record_idx) {
      auto seq = outbox->append(input(kStart + record_idx * 60'000));
      ASSERT_TRUE(seq);
      ASSERT_EQ(*seq, record_idx + 1);
    }
  });
  std::int64_t expected_seq = 1;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (expected_seq <= kRecords && std::chrono::steady_clock::now() < deadline) {
    if (!outbox->wait_for_records(100ms)) continue;
    auto pending = outbox->peek(97, 1 << 20);
    ASSERT_TRUE(pending) << pending.error().message;
    for (const auto& record : pending->records) {
      ASSERT_EQ(seq_of(record), expected_seq);
      ++expected_seq;
    }
    ASSERT_TRUE(outbox->ack(pending->last_seq));
  }
  writer.join();
  EXPECT_EQ(expected_seq, kRecords + 1);
  EXPECT_EQ(outbox->stats().records, 0);
}

TEST(OutboxTest, CorruptOrForeignFilesAreRefusedClearly) {
  TempDir dir;
  ManualClock clock(kStart);
  const fs::path garbage = dir.path() / "garbage.db";
  {
    std::ofstream out(garbage, std::ios::binary);
    for (int line_idx = 0; line_idx < 200; ++line_idx) out << "this is not an SQLite file\n";
  }
  auto corrupt = Outbox::open(garbage, {}, clock);
  ASSERT_FALSE(corrupt);
  EXPECT_TRUE(corrupt.error().is(Errc::io_error));
  EXPECT_NE(corrupt.error().message.find("garbage.db: is not a Worktrace outbox or is damaged"),
            std::string::npos)
      << corrupt.error().message;

  const fs::path foreign = dir.path() / "foreign.db";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(foreign.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE notes(text TEXT)", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto other = Outbox::open(foreign, {}, clock);
  ASSERT_FALSE(other);
  EXPECT_NE(other.error().message.find("another SQLite database"), std::string::npos)
      << other.error().message;

  const fs::path newer = dir.path() / "newer.db";
  open_ok(newer, clock).reset();
  ASSERT_EQ(sqlite3_open(newer.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 7", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto too_new = Outbox::open(newer, {}, clock);
  ASSERT_FALSE(too_new);
  EXPECT_NE(too_new.error().message.find("schema version 7"), std::string::npos);

  auto missing_dir = Outbox::open(dir.path() / "no" / "such" / "outbox.db", {}, clock);
  ASSERT_FALSE(missing_dir);
  EXPECT_TRUE(missing_dir.error().is(Errc::io_error));
  EXPECT_TRUE(Outbox::open(dir.path() / "x.db", {.max_age_ms = 0}, clock)
                  .error()
                  .is(Errc::invalid_argument));
}

}  // namespace
}  // namespace worktrace::agent::spool
