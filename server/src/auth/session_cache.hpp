#pragma once

#include "auth/tokens.hpp"
#include "core/actor.hpp"
#include "core/clock.hpp"

#include <atomic>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace worktrace::auth {

// What authentication learned about one credential (session or API token), reusable for a
// few seconds. `valid_until` already folds in every deadline known at lookup time (absolute
// and idle expiry, the next last_seen/last_used write).
struct CachedCredential {
  Actor actor;
  std::string csrf_token;        // sessions only
  bool needs_mfa_setup = false;  // the org requires 2FA of this role and it is not set up
  EpochMs valid_until = 0;
};

// A small bounded cache from credential hash to CachedCredential, so an authenticated read
// needs no database query. Entries live at most `ttl_ms`. invalidate() drops every entry at
// once and bumps a generation; an entry looked up from the database before an invalidate()
// is refused by put(), so a credential revoked on this node is never served again from here.
// Other nodes see a change after at most `ttl_ms`. Thread-safe (one mutex).
class SessionCache {
 public:
  static constexpr std::size_t kDefaultCapacity = 10'000;
  static constexpr EpochMs kDefaultTtlMs = 5'000;

  explicit SessionCache(std::size_t capacity = kDefaultCapacity, EpochMs ttl_ms = kDefaultTtlMs);

  // The generation to pass to put() for a lookup that starts now.
  [[nodiscard]] std::uint64_t generation() const noexcept { return generation_.load(); }

  // The entry for `hash` when it is still valid at `now`.
  [[nodiscard]] std::optional<CachedCredential> find(const TokenHash& hash, EpochMs now) const;

  // Keeps `entry` (its valid_until capped at now + ttl) unless invalidate() ran since
  // `generation` was read. When full, expired entries go first, then everything.
  void put(const TokenHash& hash, CachedCredential entry, EpochMs now, std::uint64_t generation);

  // Forgets everything and refuses puts of lookups that started before.
  void invalidate();

  [[nodiscard]] std::size_t size() const;

 private:
  struct HashOfHash {
    std::size_t operator()(const TokenHash& hash) const noexcept {
      std::size_t value = 0;
      std::memcpy(&value, hash.data(), sizeof value);
      return value;
    }
  };

  const std::size_t capacity_;
  const EpochMs ttl_ms_;
  std::atomic<std::uint64_t> generation_{1};

  // Guarded by mutex_:
  mutable std::mutex mutex_;
  std::unordered_map<TokenHash, CachedCredential, HashOfHash> entries_;
};

}  // namespace worktrace::auth
