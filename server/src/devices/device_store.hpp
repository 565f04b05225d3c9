#pragma once

#include "audit/audit_log.hpp"
#include "auth/tokens.hpp"
#include "core/actor.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "devices/device.hpp"
#include "protocol/device_info.hpp"
#include "storage/db.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace worktrace::devices {

// A device credential that matched a stored device.
struct CredentialMatch {
  DevicePrincipal principal;
  bool revoked = false;
};

// What enrolment created.
struct Enrollment {
  DeviceId device_id = 0;
  OrgId org_id = 0;
  std::string org_name;
};

// A new enrollment token as stored (only its hash).
struct NewEnrollmentToken {
  OrgId org_id = 0;
  auth::TokenHash token_hash{};
  int uses = 1;
  EpochMs expires_at = 0;
  std::string label;
  std::optional<UserId> created_by;
};

// An enrollment token as listed (GET /api/v1/enrollment-tokens).
struct EnrollmentTokenRecord {
  std::int64_t id = 0;
  std::string label;
  int uses_left = 0;
  int uses_total = 0;
  EpochMs expires_at = 0;
  EpochMs created_at = 0;
  std::optional<UserId> created_by;
  std::optional<std::string> created_by_name;
  std::optional<EpochMs> revoked_at;
};

// A change to a device; absent fields stay as they are.
struct DevicePatch {
  std::optional<std::string> name;
  std::optional<std::optional<UserId>> user_id;  // a person of the organization, or unassigned
};

// A device as it was before a change and as it is after it (DeviceStore::update).
struct DeviceChange {
  DeviceListing before;
  DeviceListing after;
};

// The SQL of the devices domain: enrollment tokens and devices. Every query about devices
// filters by organization. Each method is one transaction. Thread-safe (Db is).
class DeviceStore {
 public:
  // `db` must outlive this store.
  explicit DeviceStore(storage::Db& db) : db_(db) {}

  // Stores a token and appends `by` (action enrollment_token.created, target filled here) to
  // the audit log in the same transaction; returns the row id.
  [[nodiscard]] Result<std::int64_t> create_enrollment_token(const NewEnrollmentToken& token,
                                                             audit::Entry by, EpochMs now);

  // The tokens of `org_id`, newest first (at most 1,000).
  [[nodiscard]] Result<std::vector<EnrollmentTokenRecord>> list_enrollment_tokens(OrgId org_id);

  // Sets revoked_at of token `id` of `org_id` and appends `by` (enrollment_token.revoked). False
  // when there is no such token; a token revoked before stays as it was (and true).
  [[nodiscard]] Result<bool> revoke_enrollment_token(OrgId org_id, std::int64_t id, audit::Entry by,
                                                     EpochMs now);

  // In one transaction: takes one use of the enrollment token (if it exists, has uses left,
  // is not revoked and has not expired at `now`), adds a device named `name` to the token's
  // organization with the credential's hash, and appends device.enrolled (actor
  // "device:<id>") to the audit log. std::nullopt (and no change) when the token is not usable.
  [[nodiscard]] Result<std::optional<Enrollment>> enroll(const auth::TokenHash& token_hash,
                                                         const auth::TokenHash& credential_hash,
                                                         std::string_view name,
                                                         const protocol::DeviceInfo& info,
                                                         std::string_view remote_ip, EpochMs now);

  [[nodiscard]] Result<std::optional<CredentialMatch>> find_by_credential(
      const auth::TokenHash& credential_hash);

  [[nodiscard]] Result<std::optional<Device>> find(OrgId org_id, DeviceId device_id);

  // The device with its owner's name and teams; nullopt when it is not in `org_id`.
  [[nodiscard]] Result<std::optional<DeviceListing>> find_listing(OrgId org_id, DeviceId device_id);

  // The devices of `org_id` by id with their owners' names and teams (at most 100,000).
  [[nodiscard]] Result<std::vector<DeviceListing>> list(OrgId org_id);

  // Applies `patch` and appends `by` (device.updated with the changed fields, subject the new
  // owner) in one transaction; returns the listing read before and after the change in that
  // transaction. Errc::invalid_argument "user_id: no such person" when the new owner is not a
  // person of `org_id`; nullopt when the device is not in `org_id`.
  [[nodiscard]] Result<std::optional<DeviceChange>> update(OrgId org_id, DeviceId device_id,
                                                           const DevicePatch& patch,
                                                           audit::Entry by, EpochMs now);

  // Marks the device revoked (revoked_at = now, revoked_by = by.actor_user_id) and appends `by`
  // (device.revoked) in one transaction; from then on its credential authenticates nothing.
  // A device revoked before stays as it was. Returns the listing as it is after the
  // transaction; nullopt when the device is not in `org_id`.
  [[nodiscard]] Result<std::optional<DeviceListing>> revoke(OrgId org_id, DeviceId device_id,
                                                            audit::Entry by, EpochMs now);

  // Records a connection: remote IP and last-seen. Returns the updated listing (nullopt when
  // the device does not exist in `org_id`).
  [[nodiscard]] Result<std::optional<DeviceListing>> mark_connected(OrgId org_id,
                                                                    DeviceId device_id,
                                                                    std::string_view remote_ip,
                                                                    EpochMs now);

  // Sets last_seen_at = now; returns the updated listing (nullopt when the device does not
  // exist in `org_id`).
  [[nodiscard]] Result<std::optional<DeviceListing>> mark_seen(OrgId org_id, DeviceId device_id,
                                                               EpochMs now);

  // Stores `info` (and last-seen) if it differs from what is stored. Returns the updated
  // listing when something changed, nullopt when nothing did or the device is unknown or
  // revoked.
  [[nodiscard]] Result<std::optional<DeviceListing>> update_info(OrgId org_id, DeviceId device_id,
                                                                 const protocol::DeviceInfo& info,
                                                                 EpochMs now);

 private:
  storage::Db& db_;
};

}  // namespace worktrace::devices
