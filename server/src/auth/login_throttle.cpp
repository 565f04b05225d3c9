#include "auth/login_throttle.hpp"

#include <algorithm>
#include <vector>

namespace worktrace::auth {
namespace {

// The key of an (account, ip) pair; the length prefix keeps any two pairs apart.
std::string pair_key(std::string_view account, std::string_view ip) {
  std::string key = std::to_string(account.size());
  key += ':';
  key += account;
  key += ip;
  return key;
}

// Makes room for one more entry in `map` (at most `max_entries`): entries whose time
// (`time_of`) is `ttl` old go first; when that is not enough, the older half.
template <typename Map, typename TimeOf>
void make_room(Map& map, std::size_t max_entries, EpochMs now, EpochMs ttl, TimeOf time_of) {
  if (map.size() < max_entries) return;
  std::erase_if(map, [&](const auto& entry) { return now - time_of(entry.second) >= ttl; });
  if (map.size() < max_entries) return;
  std::vector<EpochMs> times;
  times.reserve(map.size());
  for (const auto& entry : map) times.push_back(time_of(entry.second));
  auto middle = times.begin() + static_cast<std::ptrdiff_t>(times.size() / 2);
  std::nth_element(times.begin(), middle, times.end());
  const EpochMs cutoff = *middle;
  std::erase_if(map, [&](const auto& entry) { return time_of(entry.second) <= cutoff; });
}

}  // namespace

LoginThrottle::LoginThrottle(const Clock& clock, std::size_t max_entries)
    : clock_(clock), max_entries_(std::max<std::size_t>(max_entries, 2)) {}

EpochMs LoginThrottle::wait_ms(const Table& table, const std::string& key, EpochMs now,
                               int free_failures, std::int64_t max_wait_s) {
  const auto found = table.find(key);
  if (found == table.end()) return 0;
  const Counter& counter = found->second;
  if (now - counter.last_failure_at >= kDecayMs) return 0;
  if (counter.failures < free_failures) return 0;
  const int exponent = std::min(counter.failures - free_failures, 30);
  const std::int64_t delay_s = std::min<std::int64_t>(std::int64_t{1} << exponent, max_wait_s);
  return std::max<EpochMs>(0, counter.last_failure_at + delay_s * 1000 - now);
}

bool LoginThrottle::is_known_locked(const std::string& account, std::string_view ip,
                                    EpochMs now) const {
  const auto found = known_ips_.find(account);
  if (found == known_ips_.end()) return false;
  return std::any_of(found->second.ips.begin(), found->second.ips.end(), [&](const KnownIp& known) {
    return !known.ip.empty() && known.ip == ip && now - known.signed_in_at < kKnownIpMs;
  });
}

EpochMs LoginThrottle::wait_locked(const std::string& account, const std::string& pair,
                                   std::string_view ip, EpochMs now) const {
  EpochMs wait = std::max(wait_ms(pairs_, pair, now, kPairFreeFailures, kPairMaxWaitS),
                          wait_ms(ips_, std::string(ip), now, kIpFreeFailures, kIpMaxWaitS));
  if (!is_known_locked(account, ip, now)) {
    wait = std::max(wait, wait_ms(accounts_, account, now, kAccountFreeFailures, kAccountMaxWaitS));
  }
  return wait;
}

std::int64_t LoginThrottle::wait_s(std::string_view account, std::string_view ip) {
  const EpochMs now = clock_.now_ms();
  const std::string account_key(account);
  const std::string pair = pair_key(account, ip);
  const std::lock_guard lock(mutex_);
  return (wait_locked(account_key, pair, ip, now) + 999) / 1000;
}

void LoginThrottle::count(Table& table, const std::string& key, EpochMs now) {
  auto found = table.find(key);
  if (found == table.end()) {
    make_room(table, max_entries_, now, kDecayMs,
              [](const Counter& counter) { return counter.last_failure_at; });
    found = table.emplace(key, Counter{}).first;
  }
  Counter& counter = found->second;
  if (now - counter.last_failure_at >= kDecayMs) counter.failures = 0;
  counter.failures = std::min(counter.failures + 1, 1'000);
  counter.last_failure_at = now;
}

void LoginThrottle::uncount(Table& table, const std::string& key) {
  const auto found = table.find(key);
  if (found == table.end()) return;
  found->second.failures = std::max(found->second.failures - 1, 0);
}

std::int64_t LoginThrottle::reserve(std::string_view account, std::string_view ip) {
  const EpochMs now = clock_.now_ms();
  const std::string account_key(account);
  const std::string ip_key(ip);
  const std::string pair = pair_key(account, ip);
  const std::lock_guard lock(mutex_);
  if (const EpochMs wait = wait_locked(account_key, pair, ip, now); wait > 0) {
    return (wait + 999) / 1000;
  }
  count(pairs_, pair, now);
  count(ips_, ip_key, now);
  count(accounts_, account_key, now);
  return 0;
}

void LoginThrottle::refund(std::string_view account, std::string_view ip) {
  const std::string account_key(account);
  const std::string ip_key(ip);
  const std::string pair = pair_key(account, ip);
  const std::lock_guard lock(mutex_);
  uncount(pairs_, pair);
  uncount(ips_, ip_key);
  uncount(accounts_, account_key);
}

void LoginThrottle::record_success(std::string_view account, std::string_view ip) {
  const EpochMs now = clock_.now_ms();
  const std::string account_key(account);
  const std::string ip_key(ip);
  const std::lock_guard lock(mutex_);
  pairs_.erase(pair_key(account, ip));
  uncount(ips_, ip_key);
  uncount(accounts_, account_key);

  auto found = known_ips_.find(account_key);
  if (found == known_ips_.end()) {
    make_room(known_ips_, max_entries_, now, kKnownIpMs,
              [](const KnownIps& known) { return known.newest; });
    found = known_ips_.emplace(account_key, KnownIps{}).first;
  }
  KnownIps& known = found->second;
  // The same address again, else an unused slot, else the oldest one.
  auto slot = std::find_if(known.ips.begin(), known.ips.end(),
                           [&](const KnownIp& entry) { return entry.ip == ip; });
  if (slot == known.ips.end()) {
    slot = std::min_element(
        known.ips.begin(), known.ips.end(),
        [](const KnownIp& a, const KnownIp& b) { return a.signed_in_at < b.signed_in_at; });
  }
  slot->ip = ip_key;
  slot->signed_in_at = now;
  known.newest = now;
}

std::size_t LoginThrottle::size() const {
  const std::lock_guard lock(mutex_);
  return pairs_.size() + ips_.size() + accounts_.size() + known_ips_.size();
}

}  // namespace worktrace::auth
