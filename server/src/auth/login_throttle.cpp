#include "auth/login_throttle.hpp"

#include <algorithm>
#include <vector>

namespace worktrace::auth {

LoginThrottle::LoginThrottle(const Clock& clock, std::size_t max_entries)
    : clock_(clock), max_entries_(std::max<std::size_t>(max_entries, 2)) {}

EpochMs LoginThrottle::wait_ms(const Table& table, std::string_view key, EpochMs now,
                               int free_failures, std::int64_t max_wait_s) {
  const auto found = table.find(std::string(key));
  if (found == table.end()) return 0;
  const Counter& counter = found->second;
  if (now - counter.last_failure_at >= kDecayMs) return 0;
  if (counter.failures < free_failures) return 0;
  const int exponent = std::min(counter.failures - free_failures, 30);
  const std::int64_t delay_s = std::min<std::int64_t>(std::int64_t{1} << exponent, max_wait_s);
  return std::max<EpochMs>(0, counter.last_failure_at + delay_s * 1000 - now);
}

std::int64_t LoginThrottle::wait_s(std::string_view account, std::string_view ip) {
  const EpochMs now = clock_.now_ms();
  const std::lock_guard lock(mutex_);
  const EpochMs wait =
      std::max(wait_ms(accounts_, account, now, kAccountFreeFailures, kAccountMaxWaitS),
               wait_ms(ips_, ip, now, kIpFreeFailures, kIpMaxWaitS));
  return (wait + 999) / 1000;
}

void LoginThrottle::count(Table& table, std::string_view key, EpochMs now) {
  auto found = table.find(std::string(key));
  if (found == table.end()) {
    if (table.size() >= max_entries_) {
      std::erase_if(
          table, [&](const auto& entry) { return now - entry.second.last_failure_at >= kDecayMs; });
    }
    if (table.size() >= max_entries_) {
      // Still full of live counters: keep the newer half.
      std::vector<EpochMs> times;
      times.reserve(table.size());
      for (const auto& entry : table) times.push_back(entry.second.last_failure_at);
      auto middle = times.begin() + static_cast<std::ptrdiff_t>(times.size() / 2);
      std::nth_element(times.begin(), middle, times.end());
      const EpochMs cutoff = *middle;
      std::erase_if(table,
                    [&](const auto& entry) { return entry.second.last_failure_at <= cutoff; });
    }
    found = table.emplace(std::string(key), Counter{}).first;
  }
  Counter& counter = found->second;
  if (now - counter.last_failure_at >= kDecayMs) counter.failures = 0;
  counter.failures = std::min(counter.failures + 1, 1'000);
  counter.last_failure_at = now;
}

void LoginThrottle::record_failure(std::string_view account, std::string_view ip) {
  const EpochMs now = clock_.now_ms();
  const std::lock_guard lock(mutex_);
  count(accounts_, account, now);
  count(ips_, ip, now);
}

void LoginThrottle::record_success(std::string_view account) {
  const std::lock_guard lock(mutex_);
  accounts_.erase(std::string(account));
}

std::size_t LoginThrottle::size() const {
  const std::lock_guard lock(mutex_);
  return accounts_.size() + ips_.size();
}

}  // namespace worktrace::auth
