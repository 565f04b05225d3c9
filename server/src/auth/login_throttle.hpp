#pragma once

#include "core/clock.hpp"

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace worktrace::auth {

// Growing delays after failed sign-ins, so that guessing is slow and nobody can lock a person
// out for good. Three counters of failures, each forgotten kDecayMs after its last failure:
// - per (account, client IP) pair: from the kPairFreeFailures-th failure, the next attempt
//   from that IP waits 2^(n - kPairFreeFailures) s after the last failure, at most
//   kPairMaxWaitS;
// - per client IP, whatever the account: the same from kIpFreeFailures, at most kIpMaxWaitS;
// - per account, whatever the IP (a safety net against guessing from many addresses): the
//   same from kAccountFreeFailures, at most kAccountMaxWaitS; NOT applied to an IP from which
//   the account signed in successfully within kKnownIpMs (the newest kKnownIpsPerAccount of
//   them), so an attacker rotating addresses cannot keep the person out.
// An account is a normalized email whether or not it exists: unknown and known accounts get
// the same answers.
//
// An attempt is reserved before it is checked: reserve() tests the delays and counts the
// attempt as failed under one lock, so parallel guesses cannot all pass the check. An attempt
// that turns out not to be a failure is given back (refund(), record_success()).
//
// In memory of this node only, bounded: each table holds at most `max_entries`; when full,
// forgotten entries go first, then the older half. Thread-safe (one mutex).
class LoginThrottle {
 public:
  static constexpr int kPairFreeFailures = 5;
  static constexpr std::int64_t kPairMaxWaitS = 300;
  static constexpr int kIpFreeFailures = 20;
  static constexpr std::int64_t kIpMaxWaitS = 900;
  static constexpr int kAccountFreeFailures = 50;
  static constexpr std::int64_t kAccountMaxWaitS = 300;
  static constexpr EpochMs kDecayMs = 24LL * 60 * 60 * 1000;
  static constexpr EpochMs kKnownIpMs = 30LL * 24 * 60 * 60 * 1000;
  static constexpr std::size_t kKnownIpsPerAccount = 8;
  static constexpr std::size_t kDefaultMaxEntries = 100'000;

  // `clock` must outlive this.
  explicit LoginThrottle(const Clock& clock, std::size_t max_entries = kDefaultMaxEntries);

  // Seconds an attempt for `account` from `ip` must still wait (rounded up); 0 when it may go
  // ahead. Counts nothing.
  [[nodiscard]] std::int64_t wait_s(std::string_view account, std::string_view ip);

  // Reserves one attempt for `account` from `ip`: when no delay applies, counts it as a
  // failure on all three counters and returns 0; otherwise counts nothing and returns the
  // seconds to wait (rounded up).
  [[nodiscard]] std::int64_t reserve(std::string_view account, std::string_view ip);

  // Gives back an attempt reserved with reserve() that did not fail (a right password before
  // the second step, an internal error): one failure less on each counter.
  void refund(std::string_view account, std::string_view ip);

  // A reserved attempt signed in: it is given back, the (account, ip) counter starts over
  // (the IP's and the account's keep their other failures) and `ip` becomes a known address
  // of `account` for kKnownIpMs.
  void record_success(std::string_view account, std::string_view ip);

  // Entries held (tests of the bound).
  [[nodiscard]] std::size_t size() const;

 private:
  struct Counter {
    int failures = 0;
    EpochMs last_failure_at = 0;
  };
  using Table = std::unordered_map<std::string, Counter>;
  struct KnownIp {
    std::string ip;
    EpochMs signed_in_at = 0;
  };
  struct KnownIps {
    std::array<KnownIp, kKnownIpsPerAccount> ips{};  // empty `ip`: unused slot
    EpochMs newest = 0;
  };

  [[nodiscard]] static EpochMs wait_ms(const Table& table, const std::string& key, EpochMs now,
                                       int free_failures, std::int64_t max_wait_s);
  [[nodiscard]] EpochMs wait_locked(const std::string& account, const std::string& pair,
                                    std::string_view ip, EpochMs now) const;
  [[nodiscard]] bool is_known_locked(const std::string& account, std::string_view ip,
                                     EpochMs now) const;
  void count(Table& table, const std::string& key, EpochMs now);
  static void uncount(Table& table, const std::string& key);

  const Clock& clock_;
  const std::size_t max_entries_;

  // Guarded by mutex_:
  mutable std::mutex mutex_;
  Table pairs_;                                          // key: pair_key(account, ip)
  Table ips_;                                            // key: ip
  Table accounts_;                                       // key: account
  std::unordered_map<std::string, KnownIps> known_ips_;  // key: account
};

}  // namespace worktrace::auth
