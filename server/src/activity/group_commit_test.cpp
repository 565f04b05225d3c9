#include "activity/group_commit.hpp"

#include "activity/test_support.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace worktrace::activity {
namespace {

using namespace testing;
using namespace std::chrono_literals;

constexpr EpochMs kT0 = slot_of(devices::testing::kStart) - 3600 * 1000;

class GroupCommitTest : public ActivityTest {
 protected:
  // `count` devices of acme, each assigned to the employee.
  std::vector<DeviceId> enroll_devices(int count) {
    std::vector<DeviceId> devices;
    for (int device_idx = 0; device_idx < count; ++device_idx) {
      devices.push_back(enroll_into(acme_, "host-" + std::to_string(device_idx)).first);
    }
    return devices;
  }

  // Runs commit() for each device on its own thread; device i sends seqs 1..i+1. The first
  // batch to be applied waits until every thread has called commit() (and a little more, for
  // them to queue), so all the others must share the next transaction.
  std::vector<Result<IngestReceipt>> commit_all(GroupCommit& commit,
                                                const std::vector<DeviceId>& devices,
                                                std::atomic<int>& started) {
    std::vector<protocol::ActivityBatch> batches;
    for (std::size_t device_idx = 0; device_idx < devices.size(); ++device_idx) {
      std::vector<protocol::SpanRecord> spans;
      for (std::size_t seq = 1; seq <= device_idx + 1; ++seq) {
        const EpochMs start = kT0 + static_cast<EpochMs>(seq) * 10'000;
        spans.push_back(span(static_cast<std::int64_t>(seq), start, start + 5'000,
                             "app" + std::to_string(seq)));
      }
      batches.push_back(batch(spans));
    }
    std::vector<Result<IngestReceipt>> outcomes(devices.size(), fail(Errc::internal, "not run"));
    std::vector<std::thread> threads;
    for (std::size_t device_idx = 0; device_idx < devices.size(); ++device_idx) {
      threads.emplace_back([&, device_idx] {
        started.fetch_add(1);
        outcomes[device_idx] = commit.commit(
            IngestTarget{acme_, devices[device_idx], acme_employee_}, batches[device_idx]);
      });
    }
    for (auto& thread : threads) thread.join();
    return outcomes;
  }

  // An Apply that holds the first call until `started` reaches `expected`.
  static GroupCommit::Apply held_first(std::atomic<int>& started, int expected,
                                       std::atomic<int>& calls) {
    return [&started, expected, &calls](storage::Connection& connection, const IngestTarget& target,
                                        const protocol::ActivityBatch& batch, EpochMs now) {
      if (calls.fetch_add(1) == 0) {
        while (started.load() < expected) std::this_thread::sleep_for(1ms);
        std::this_thread::sleep_for(100ms);
      }
      return store::apply_batch(connection, target, batch, now);
    };
  }
};

TEST_F(GroupCommitTest, ManyCallersShareOneTransactionAndEachGetsItsOwnReceipt) {
  constexpr int kCallers = 16;
  const auto devices = enroll_devices(kCallers);
  std::atomic<int> started{0};
  std::atomic<int> calls{0};
  GroupCommit commit(db(), clock_, {}, held_first(started, kCallers, calls));
  const auto outcomes = commit_all(commit, devices, started);
  for (int device_idx = 0; device_idx < kCallers; ++device_idx) {
    ASSERT_TRUE(outcomes[device_idx]) << outcomes[device_idx].error().message;
    EXPECT_EQ(*outcomes[device_idx], (IngestReceipt{device_idx + 1, device_idx + 1, 0}));
    EXPECT_EQ(stored_spans(devices[device_idx]).size(), static_cast<std::size_t>(device_idx + 1));
  }
  // The first caller's batch alone, then everyone else's together.
  EXPECT_EQ(commit.transactions(), 2);
  EXPECT_EQ(commit.batches(), kCallers);
  EXPECT_EQ(calls.load(), kCallers);
}

TEST_F(GroupCommitTest, GroupsAreBounded) {
  constexpr int kCallers = 12;
  const auto devices = enroll_devices(kCallers);
  std::atomic<int> started{0};
  std::atomic<int> calls{0};
  GroupCommit commit(db(), clock_, {.max_batches = 4, .max_records = 1'000},
                     held_first(started, kCallers, calls));
  const auto outcomes = commit_all(commit, devices, started);
  for (const auto& outcome : outcomes) ASSERT_TRUE(outcome) << outcome.error().message;
  // 1 + ceil(11 / 4) groups.
  EXPECT_EQ(commit.transactions(), 4);

  // max_records: batches of 1..12 records with at most 20 per group; a bigger one goes alone.
  std::atomic<int> started_again{0};
  std::atomic<int> calls_again{0};
  GroupCommit by_records(db(), clock_, {.max_batches = 64, .max_records = 20},
                         held_first(started_again, kCallers, calls_again));
  const auto duplicates = commit_all(by_records, devices, started_again);
  for (const auto& outcome : duplicates) {
    ASSERT_TRUE(outcome);
    EXPECT_EQ(outcome->accepted, 0);
  }
  EXPECT_GE(by_records.transactions(), 4);
}

TEST_F(GroupCommitTest, AFailingBatchFailsAloneAndChangesNothing) {
  const auto devices = enroll_devices(3);
  std::atomic<int> started{0};
  std::atomic<int> calls{0};
  auto held = held_first(started, 3, calls);
  // The middle batch of the second group writes, then fails: its savepoint is rolled back.
  std::atomic<DeviceId> failed{0};
  GroupCommit commit(
      db(), clock_, {},
      [&](storage::Connection& connection, const IngestTarget& target,
          const protocol::ActivityBatch& batch, EpochMs now) -> Result<IngestReceipt> {
        const bool fail_this = calls.load() == 2;
        auto receipt = held(connection, target, batch, now);
        if (!fail_this) return receipt;
        failed = target.device_id;
        return fail(Errc::internal, "boom");
      });
  const auto outcomes = commit_all(commit, devices, started);
  ASSERT_NE(failed.load(), 0);
  for (std::size_t device_idx = 0; device_idx < devices.size(); ++device_idx) {
    if (devices[device_idx] == failed.load()) {
      ASSERT_FALSE(outcomes[device_idx]);
      EXPECT_TRUE(outcomes[device_idx].error().is(Errc::internal));
      EXPECT_TRUE(stored_spans(devices[device_idx]).empty());
      EXPECT_EQ(
          scalar("SELECT count(*) FROM ingest_cursors WHERE device_id = ?", devices[device_idx]),
          0);
    } else {
      ASSERT_TRUE(outcomes[device_idx]) << outcomes[device_idx].error().message;
      EXPECT_EQ(stored_spans(devices[device_idx]).size(), device_idx + 1);
    }
  }
  EXPECT_EQ(commit.transactions(), 2);
  EXPECT_EQ(commit.batches(), 2);
}

TEST_F(GroupCommitTest, AnExceptionFailsTheWholeGroupAndNobodyHangs) {
  const auto devices = enroll_devices(4);
  std::atomic<int> started{0};
  std::atomic<int> calls{0};
  auto held = held_first(started, 4, calls);
  // The last batch of the second group throws: the whole group is rolled back.
  GroupCommit commit(
      db(), clock_, {},
      [&](storage::Connection& connection, const IngestTarget& target,
          const protocol::ActivityBatch& batch, EpochMs now) -> Result<IngestReceipt> {
        const bool throw_now = calls.load() == 3;
        auto receipt = held(connection, target, batch, now);
        if (throw_now) throw std::runtime_error("bug");
        return receipt;
      });
  const auto outcomes = commit_all(commit, devices, started);
  int committed = 0;
  for (std::size_t device_idx = 0; device_idx < devices.size(); ++device_idx) {
    if (outcomes[device_idx]) {
      ++committed;  // the first caller's own group, committed before
      EXPECT_EQ(stored_spans(devices[device_idx]).size(), device_idx + 1);
    } else {
      EXPECT_TRUE(outcomes[device_idx].error().is(Errc::internal));
      EXPECT_TRUE(stored_spans(devices[device_idx]).empty());
    }
  }
  EXPECT_EQ(committed, 1);
  EXPECT_EQ(commit.transactions(), 1);
}

TEST_F(GroupCommitTest, SequentialCallersEachCommit) {
  const auto devices = enroll_devices(1);
  GroupCommit commit(db(), clock_);
  for (std::int64_t seq = 1; seq <= 3; ++seq) {
    const auto receipt =
        commit.commit({acme_, devices[0], acme_employee_},
                      batch({span(seq, kT0 + seq * 10'000, kT0 + seq * 10'000 + 1'000)}));
    ASSERT_TRUE(receipt);
    EXPECT_EQ(receipt->acked_seq, seq);
  }
  EXPECT_EQ(commit.transactions(), 3);
}

}  // namespace
}  // namespace worktrace::activity
