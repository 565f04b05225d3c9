#pragma once

#include "core/actor.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "storage/db.hpp"

#include <boost/json/object.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// The audit log: per organization, an append-only hash chain of who did what to whom.
namespace worktrace::audit {

using Hash = std::array<unsigned char, 32>;

// Longest text fields of an entry; longer values are cut (at a UTF-8 boundary).
inline constexpr std::size_t kMaxFieldBytes = 200;
inline constexpr std::size_t kMaxDetailsBytes = 4096;

// One thing that happened. `action` is a dotted name: "auth.login", "auth.login_failed",
// "auth.2fa_enabled", "people.invited", "device.revoked", "person.viewed", ...
struct Entry {
  OrgId org_id = 0;
  std::optional<UserId> actor_user_id;  // the person who acted, when one did
  std::string actor;                    // "user:12", "api_token:3", "device:7", "system"
  std::string action;
  std::string target_type;  // "user", "team", "department", "device", "org", ...
  std::string target_id;
  std::optional<UserId> subject_user_id;  // whose data it concerns, when a person's
  std::string remote_ip;
  boost::json::object details;  // small: what changed (never secrets)
};

// An entry as stored, with its place in the chain.
struct Record {
  Entry entry;
  std::int64_t seq = 0;  // 1, 2, ... per organization
  EpochMs at = 0;
  std::string details_text;  // details exactly as hashed
  Hash prev_hash{};          // all zero for seq 1
  Hash hash{};
};

// An entry for what `actor` did from `remote_ip` (actor label, actor_user_id, org_id filled).
[[nodiscard]] Entry entry_for(const Actor& actor, std::string_view action,
                              std::string_view remote_ip);

// The chain hash of a record: SHA-256 over its prev_hash and canonical encoding (every field
// but `hash`, in a fixed order, lengths prefixed). Pure function; verify() recomputes it.
[[nodiscard]] Hash chain_hash(const Record& record);

// The audit_log columns that read_record() reads, in its order, with the table named `l`:
// "SELECT " + kRecordColumns + " FROM audit_log l ...". Further columns come after them.
inline constexpr std::string_view kRecordColumns =
    "l.seq, l.at, l.actor_user_id, l.actor, l.action, l.target_type, l.target_id, "
    "l.subject_user_id, l.remote_ip, l.details, l.prev_hash, l.hash";
inline constexpr int kRecordColumnCount = 12;

// Reads into `record` the current row of `row`, whose first columns are kRecordColumns, from
// the chain of org `org_id`. Returns false when a stored hash does not have 32 bytes (the row
// was tampered with); that hash is then left all zero and the rest is read all the same.
bool read_record(const storage::Statement& row, OrgId org_id, Record& record);

// Appends `entry` at time `at` to its organization's chain inside the caller's write
// transaction, so that a change and its record commit (or roll back) together. Returns the
// entry's seq. Cuts over-long fields rather than failing.
[[nodiscard]] Result<std::int64_t> append(storage::Connection& connection, Entry entry, EpochMs at);

}  // namespace worktrace::audit
