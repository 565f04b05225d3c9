#include "activity/group_commit.hpp"

#include <spdlog/spdlog.h>

#include <exception>
#include <string_view>
#include <utility>

namespace worktrace::activity {
namespace {

Error not_stored() { return fail(Errc::internal, "the activity could not be stored; retry later"); }

// Runs one statement without parameters or rows (savepoint control).
Result<void> run(storage::Connection& connection, std::string_view sql) {
  auto statement = connection.prepare(sql);
  if (!statement) return statement.error();
  auto done = (*statement)->step();
  if (!done) return done.error();
  return {};
}

}  // namespace

struct GroupCommit::Waiter {
  const IngestTarget* target = nullptr;
  const protocol::ActivityBatch* batch = nullptr;
  std::condition_variable wakeup;
  // Guarded by mutex_:
  bool done = false;  // outcome is final
  bool lead = false;  // handed the lead by the previous leader
  // Written by the leader before `done` is set; read by the owner after.
  Result<IngestReceipt> outcome = not_stored();
};

GroupCommit::GroupCommit(storage::Db& db, const Clock& clock, GroupCommitLimits limits, Apply apply)
    : db_(db), clock_(clock), limits_(limits), apply_(std::move(apply)) {}

Result<IngestReceipt> GroupCommit::commit(const IngestTarget& target,
                                          const protocol::ActivityBatch& batch) {
  Waiter self;
  self.target = &target;
  self.batch = &batch;
  std::unique_lock lock(mutex_);
  queue_.push_back(&self);
  if (leading_) {
    self.wakeup.wait(lock, [&] { return self.done || self.lead; });
    if (self.done) return std::move(self.outcome);
  } else {
    leading_ = true;
  }
  // The leader: commit the oldest queued batches, group by group, until ours is among them.
  while (!self.done) {
    std::deque<Waiter*> group;
    std::size_t records = 0;
    while (!queue_.empty() && group.size() < limits_.max_batches) {
      const std::size_t size = queue_.front()->batch->record_count();
      if (!group.empty() && records + size > limits_.max_records) break;
      records += size;
      group.push_back(queue_.front());
      queue_.pop_front();
    }
    lock.unlock();
    run_group(group);
    lock.lock();
    for (Waiter* waiter : group) {
      waiter->done = true;
      // Notified under the lock: the waiter cannot return (and destroy its condition
      // variable) before we let go of mutex_.
      if (waiter != &self) waiter->wakeup.notify_one();
    }
  }
  if (queue_.empty()) {
    leading_ = false;
  } else {
    queue_.front()->lead = true;
    queue_.front()->wakeup.notify_one();
  }
  return std::move(self.outcome);
}

void GroupCommit::run_group(std::deque<Waiter*>& group) {
  const EpochMs now = clock_.now_ms();
  std::int64_t committed = 0;
  Result<void> transaction;
  try {
    transaction = db_.write([&](storage::Connection& connection) -> Result<void> {
      committed = 0;
      for (Waiter* waiter : group) {
        if (auto begun = run(connection, "SAVEPOINT ingest_batch"); !begun) return begun.error();
        auto receipt = apply_(connection, *waiter->target, *waiter->batch, now);
        if (receipt) {
          waiter->outcome = *receipt;
          ++committed;
        } else {
          spdlog::error("activity: cannot store a batch of device {}: {}",
                        waiter->target->device_id, receipt.error().message);
          waiter->outcome = not_stored();
          if (auto undone = run(connection, "ROLLBACK TO ingest_batch"); !undone) {
            return undone.error();
          }
        }
        if (auto released = run(connection, "RELEASE ingest_batch"); !released) {
          return released.error();
        }
      }
      return {};
    });
  } catch (const std::exception& error) {
    transaction = fail(Errc::internal, error.what());
  }
  if (!transaction) {
    spdlog::error("activity: a group commit of {} batches failed: {}", group.size(),
                  transaction.error().message);
    for (Waiter* waiter : group) waiter->outcome = not_stored();
    return;
  }
  transactions_.fetch_add(1);
  batches_.fetch_add(committed);
}

}  // namespace worktrace::activity
