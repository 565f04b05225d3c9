#pragma once

#include "audit/audit_log.hpp"
#include "core/actor.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "storage/db.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

// Reading an organization's audit log, newest first, with the filters of GET /api/v1/audit.
namespace worktrace::audit {

inline constexpr int kMinListLimit = 1;
inline constexpr int kMaxListLimit = 500;
inline constexpr int kDefaultListLimit = 100;

// Which entries list() returns; empty fields do not filter.
struct AuditQuery {
  // An exact action ("auth.login"), or a prefix when it ends in ".*": "auth.*" matches
  // "auth.login" and "auth.2fa_enabled" (not "authx.y").
  std::string action;
  std::optional<UserId> actor_user_id;
  std::optional<UserId> subject_user_id;
  std::optional<EpochMs> from_ms;          // at >= from_ms
  std::optional<EpochMs> to_ms;            // at < to_ms
  std::optional<std::int64_t> before_seq;  // seq < before_seq: the next page
  int limit = kDefaultListLimit;           // kMinListLimit..kMaxListLimit
};

// An entry with the names of the people it mentions (as they are named now).
struct ListedEntry {
  Record record;
  std::optional<std::string> actor_name;
  std::optional<std::string> subject_name;
};

struct AuditPage {
  std::vector<ListedEntry> entries;             // newest (highest seq) first
  std::optional<std::int64_t> next_before_seq;  // set when older matching entries remain
};

// The entries of `org_id` matching `query`. Errc::invalid_argument when limit is out of range.
// Names come from users of the same organization only.
[[nodiscard]] Result<AuditPage> list(storage::Connection& connection, OrgId org_id,
                                     const AuditQuery& query);

// {"seq","at","actor","actor_user_id"|null,"actor_name"|null,"action","target_type",
//  "target_id","subject_user_id"|null,"subject_name"|null,"remote_ip","details":{...}}
[[nodiscard]] boost::json::object entry_json(const ListedEntry& listed);

}  // namespace worktrace::audit
