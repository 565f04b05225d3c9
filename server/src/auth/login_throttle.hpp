#pragma once

#include "core/clock.hpp"

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace worktrace::auth {

// Growing delays after failed sign-ins, per account (normalized email) and per client IP.
// After kAccountFreeFailures consecutive failures of an account, its next attempt must wait
// 2^(n - kAccountFreeFailures) s after the last failure, at most kAccountMaxWaitS; the same
// per IP from kIpFreeFailures, at most kIpMaxWaitS. A counter is forgotten kDecayMs after its
// last failure, and a success clears the account's. There is never a permanent lockout.
//
// In memory of this node only, bounded: each table holds at most `max_entries`; when full,
// forgotten entries go first, then the older half. Thread-safe (one mutex).
class LoginThrottle {
 public:
  static constexpr int kAccountFreeFailures = 5;
  static constexpr std::int64_t kAccountMaxWaitS = 300;
  static constexpr int kIpFreeFailures = 20;
  static constexpr std::int64_t kIpMaxWaitS = 900;
  static constexpr EpochMs kDecayMs = 24LL * 60 * 60 * 1000;
  static constexpr std::size_t kDefaultMaxEntries = 100'000;

  // `clock` must outlive this.
  explicit LoginThrottle(const Clock& clock, std::size_t max_entries = kDefaultMaxEntries);

  // Seconds the caller must still wait before an attempt for `account` from `ip` may be
  // checked (rounded up); 0 when it may go ahead.
  [[nodiscard]] std::int64_t wait_s(std::string_view account, std::string_view ip);

  // Counts one failed attempt for both keys.
  void record_failure(std::string_view account, std::string_view ip);

  // A successful sign-in: the account's counter starts over (the IP's stays).
  void record_success(std::string_view account);

  // Entries held (tests of the bound).
  [[nodiscard]] std::size_t size() const;

 private:
  struct Counter {
    int failures = 0;
    EpochMs last_failure_at = 0;
  };
  using Table = std::unordered_map<std::string, Counter>;

  [[nodiscard]] static EpochMs wait_ms(const Table& table, std::string_view key, EpochMs now,
                                       int free_failures, std::int64_t max_wait_s);
  void count(Table& table, std::string_view key, EpochMs now);

  const Clock& clock_;
  const std::size_t max_entries_;

  // Guarded by mutex_:
  mutable std::mutex mutex_;
  Table accounts_;
  Table ips_;
};

}  // namespace worktrace::auth
