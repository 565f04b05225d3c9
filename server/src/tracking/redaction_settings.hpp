#pragma once

#include "core/actor.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "protocol/redaction.hpp"
#include "storage/db.hpp"

#include <memory>
#include <mutex>
#include <unordered_map>

// The organization's on-device redaction policy as a setting (docs/api/v1.md, "Redaction"):
// its SQL (tracking_policies.redaction, NULL: the default policy) and a per-organization
// cache of the parsed form for the hot paths (activity ingest, the websites reports).
namespace worktrace::tracking {

// The policy of `org_id` (the default policy when it has none). Errc::internal when the
// stored text no longer parses.
[[nodiscard]] Result<protocol::RedactionPolicy> load_redaction(storage::Connection& connection,
                                                               OrgId org_id);

// Stores the policy of `org_id` (in its tracking_policies row, made with the tracking defaults
// when missing; updated_ms = now).
[[nodiscard]] Result<void> store_redaction(storage::Connection& connection, OrgId org_id,
                                           const protocol::RedactionPolicy& policy, EpochMs now);

// Parsed policies by organization, loaded on first use. Thread-safe. put() after every
// committed change keeps it exact: a load holds the lock while it reads, so a value read
// before a change can never replace the value put after it.
class RedactionCache {
 public:
  // `db` must outlive the cache.
  explicit RedactionCache(storage::Db& db) : db_(db) {}

  // The policy of `org_id`; the database's error when it cannot be read.
  [[nodiscard]] Result<std::shared_ptr<const protocol::RedactionPolicy>> get(OrgId org_id);

  // Forgets `org_id`'s policy after a committed change: the next get() reads the database.
  // (Storing the new policy instead would let two racing changes leave the older one cached.)
  void invalidate(OrgId org_id);

 private:
  storage::Db& db_;
  std::mutex mutex_;
  std::unordered_map<OrgId, std::shared_ptr<const protocol::RedactionPolicy>> policies_;
};

}  // namespace worktrace::tracking
