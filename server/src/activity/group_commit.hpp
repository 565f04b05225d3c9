#pragma once

#include "activity/activity_store.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "protocol/activity_batch.hpp"
#include "storage/db.hpp"

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>

namespace worktrace::activity {

struct GroupCommitLimits {
  std::size_t max_batches = 64;      // batches per transaction
  std::size_t max_records = 50'000;  // records per transaction (a bigger batch goes alone)
};

// Group commit for ingest: concurrent callers of commit() (the server's blocking pool
// threads) queue their validated batch; the first caller to find no leader becomes the
// leader and applies every queued batch (up to the limits) in ONE write transaction, so one
// fsync acknowledges many requests; it then wakes each caller with its own receipt and keeps
// leading until its own batch is committed, then hands the lead to the next waiting caller.
//
// Each batch runs inside a savepoint: a batch whose SQL fails is rolled back alone and its
// caller gets Errc::internal; the others of the group still commit. When the transaction
// itself fails (BEGIN or COMMIT), every caller of the group gets Errc::internal. Callers
// answer Errc::internal with 503 so agents retry.
//
// Thread-safe. Lifetime: `db` and `clock` must outlive this object; destroy it only when no
// commit() call is running.
class GroupCommit {
 public:
  // Applies one batch inside the group's transaction (store::apply_batch by default; a seam
  // for tests).
  using Apply = std::function<Result<IngestReceipt>(storage::Connection&, const IngestTarget&,
                                                    const protocol::ActivityBatch&, EpochMs now)>;

  GroupCommit(storage::Db& db, const Clock& clock, GroupCommitLimits limits = {},
              Apply apply = &store::apply_batch);
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  // Blocks until `batch` is committed (or failed) with other callers' batches; returns its
  // receipt. `batch` must stay valid until this returns.
  [[nodiscard]] Result<IngestReceipt> commit(const IngestTarget& target,
                                             const protocol::ActivityBatch& batch);

  // Write transactions run so far (for tests and metrics).
  [[nodiscard]] std::int64_t transactions() const noexcept { return transactions_.load(); }
  // Batches committed so far.
  [[nodiscard]] std::int64_t batches() const noexcept { return batches_.load(); }

 private:
  struct Waiter;
  // Runs one group in one transaction and fills in each waiter's outcome. Called by the
  // leader without holding mutex_.
  void run_group(std::deque<Waiter*>& group);

  storage::Db& db_;
  const Clock& clock_;
  const GroupCommitLimits limits_;
  const Apply apply_;
  std::atomic<std::int64_t> transactions_{0};
  std::atomic<std::int64_t> batches_{0};

  std::mutex mutex_;
  // Guarded by mutex_:
  std::deque<Waiter*> queue_;  // waiting to be taken into a group, oldest first
  bool leading_ = false;       // some caller is the leader (running or handing over)
};

}  // namespace worktrace::activity
