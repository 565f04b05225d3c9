#pragma once

#include "core/actor.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "storage/db.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace worktrace::org {

inline constexpr std::int64_t kMaxSeats = 100'000;

// An organization's details and plan, as the Org object of the API shows them.
struct OrgDetails {
  OrgId id = 0;
  std::string name;
  std::string legal_name;
  std::string address;
  std::string country;
  std::string time_zone;
  std::string billing_email;
  std::string tax_id;
  std::string billing_address;
  std::string plan;
  std::string billing_cycle;
  std::int64_t seats = 0;
  std::int64_t seats_used = 0;  // active and invited people
  bool require_2fa = false;
  EpochMs created_at = 0;
};

// The full Org object when `full`, else the reduced one {id,name,time_zone,require_2fa}.
[[nodiscard]] boost::json::object org_details_json(const OrgDetails& details, bool full);

// A change to an organization: the fields that are set change.
struct OrgPatch {
  std::optional<std::string> name;
  std::optional<std::string> legal_name;
  std::optional<std::string> address;
  std::optional<std::string> country;
  std::optional<std::string> time_zone;
  std::optional<std::string> billing_email;
  std::optional<std::string> tax_id;
  std::optional<std::string> billing_address;
  std::optional<std::string> plan;
  std::optional<std::string> billing_cycle;
  std::optional<std::int64_t> seats;
  std::optional<bool> require_2fa;
};

// The details of `org_id` (none when it does not exist).
[[nodiscard]] Result<std::optional<OrgDetails>> load_org_details(storage::Connection& connection,
                                                                 OrgId org_id);

// Reading and changing the caller's organization. Thread-safe: no mutable state.
class OrgSettings {
 public:
  // `db` and `clock` must outlive this service.
  OrgSettings(storage::Db& db, const Clock& clock);

  // The caller's organization: every role (scope org:read); whether the caller may see all
  // of it is is_admin(actor).
  [[nodiscard]] Result<OrgDetails> get(const Actor& actor);

  // Applies `patch` (owner/admin with org:write; plan, seats and billing_cycle: owners only,
  // else permission_denied). Every field is checked before anything changes
  // (invalid_argument naming the field); seats below seats_used: conflict. Writes audit
  // org.updated {changed:[fields that really changed]} when something changed.
  [[nodiscard]] Result<OrgDetails> update(const Actor& actor, std::string_view remote_ip,
                                          const OrgPatch& patch);

 private:
  storage::Db& db_;
  const Clock& clock_;
};

}  // namespace worktrace::org
