#pragma once

#include "core/actor.hpp"
#include "core/result.hpp"
#include "storage/db.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

// Checking an organization's audit chain: nothing edited, inserted, reordered or cut out of
// the middle.
namespace worktrace::audit {

// What verify() found. When `ok` is false, `first_broken_seq` names the first entry that does
// not fit the chain and `reason` says why ("its hash does not match its contents", ...).
struct VerifyReport {
  OrgId org_id = 0;
  bool ok = true;
  std::int64_t entries = 0;  // how many entries the organization's chain holds
  std::optional<std::int64_t> first_broken_seq;
  std::string reason;  // empty when ok
};

// Walks `org_id`'s chain in seq order in one read transaction: seq must run 1, 2, 3...; each
// prev_hash must be the previous entry's hash (all zero for the first); each hash must be
// chain_hash() of the stored row. An organization without entries is ok with 0 entries.
// Limit: removing the newest entries leaves a shorter chain that still verifies (nothing
// after them refers to them); the entry count in the report lets an operator notice.
[[nodiscard]] Result<VerifyReport> verify(storage::Db& db, OrgId org_id);

// verify() for every organization that has entries, by org id.
[[nodiscard]] Result<std::vector<VerifyReport>> verify_all(storage::Db& db);

}  // namespace worktrace::audit
