#pragma once

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

// The SQL of the devices domain: enrollment tokens and devices. Every query about devices
// filters by organization. Each method is one transaction. Thread-safe (Db is).
class DeviceStore {
 public:
  // `db` must outlive this store.
  explicit DeviceStore(storage::Db& db) : db_(db) {}

  // Stores a token's hash; returns the row id.
  [[nodiscard]] Result<std::int64_t> create_enrollment_token(OrgId org_id,
                                                             const auth::TokenHash& token_hash,
                                                             int uses, EpochMs expires_at,
                                                             std::optional<UserId> created_by,
                                                             EpochMs now);

  // In one transaction: takes one use of the enrollment token (if it exists, has uses left
  // and has not expired at `now`) and adds a device named `name` to the token's organization
  // with the credential's hash. std::nullopt (and no change) when the token is not usable.
  [[nodiscard]] Result<std::optional<Enrollment>> enroll(const auth::TokenHash& token_hash,
                                                         const auth::TokenHash& credential_hash,
                                                         std::string_view name,
                                                         const protocol::DeviceInfo& info,
                                                         std::string_view remote_ip, EpochMs now);

  [[nodiscard]] Result<std::optional<CredentialMatch>> find_by_credential(
      const auth::TokenHash& credential_hash);

  [[nodiscard]] Result<std::optional<Device>> find(OrgId org_id, DeviceId device_id);

  // The devices of `org_id` by id; only those of `owner` when given.
  [[nodiscard]] Result<std::vector<Device>> list(OrgId org_id, std::optional<UserId> owner);

  // Records a connection: remote IP and last-seen. Returns the updated device (nullopt when
  // it does not exist in `org_id`).
  [[nodiscard]] Result<std::optional<Device>> mark_connected(OrgId org_id, DeviceId device_id,
                                                             std::string_view remote_ip,
                                                             EpochMs now);

  // Sets last_seen_at = now; returns false when the device does not exist in `org_id`.
  [[nodiscard]] Result<bool> mark_seen(OrgId org_id, DeviceId device_id, EpochMs now);

  // Stores `info` (and last-seen) if it differs from what is stored. Returns the updated
  // device when something changed, nullopt when nothing did or the device is unknown or
  // revoked.
  [[nodiscard]] Result<std::optional<Device>> update_info(OrgId org_id, DeviceId device_id,
                                                          const protocol::DeviceInfo& info,
                                                          EpochMs now);

 private:
  storage::Db& db_;
};

}  // namespace worktrace::devices
