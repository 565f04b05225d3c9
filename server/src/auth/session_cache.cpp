#include "auth/session_cache.hpp"

#include <algorithm>

namespace worktrace::auth {

SessionCache::SessionCache(std::size_t capacity, EpochMs ttl_ms)
    : capacity_(std::max<std::size_t>(capacity, 1)), ttl_ms_(ttl_ms) {}

std::optional<CachedCredential> SessionCache::find(const TokenHash& hash, EpochMs now) const {
  const std::lock_guard lock(mutex_);
  const auto found = entries_.find(hash);
  if (found == entries_.end() || now >= found->second.valid_until) return std::nullopt;
  return found->second;
}

void SessionCache::put(const TokenHash& hash, CachedCredential entry, EpochMs now,
                       std::uint64_t generation) {
  entry.valid_until = std::min(entry.valid_until, now + ttl_ms_);
  if (entry.valid_until <= now) return;
  const std::lock_guard lock(mutex_);
  // Checked under the lock that invalidate() clears under: no stale entry slips in after it.
  if (generation != generation_.load()) return;
  if (entries_.size() >= capacity_ && !entries_.contains(hash)) {
    std::erase_if(entries_, [&](const auto& item) { return now >= item.second.valid_until; });
    if (entries_.size() >= capacity_) entries_.clear();
  }
  entries_.insert_or_assign(hash, std::move(entry));
}

void SessionCache::invalidate() {
  const std::lock_guard lock(mutex_);
  generation_.fetch_add(1);
  entries_.clear();
}

std::size_t SessionCache::size() const {
  const std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace worktrace::auth
