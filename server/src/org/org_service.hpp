#pragma once

#include "core/actor.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "storage/db.hpp"

#include <optional>
#include <string>

namespace worktrace::org {

inline constexpr std::string_view kDemoOrgName = "Demo Company";
inline constexpr std::string_view kDemoOwnerName = "Demo Owner";
inline constexpr std::string_view kDemoOwnerEmail = "owner@demo.worktrace.local";
inline constexpr std::size_t kGeneratedPasswordLength = 20;
// The alphabet of generated passwords: no 0/O, 1/l/I look-alikes.
inline constexpr std::string_view kReadableAlphabet =
    "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

// How an organization came to be: the audit entry org.created names the CLI ("system") or
// the signed-up owner.
enum class Origin { cli, signup };

// A new organization and its owner.
struct CreatedOrg {
  OrgId org_id = 0;
  UserId owner_id = 0;
  std::string password;  // the generated password when none was given; empty otherwise
};

struct OwnerLogin {
  std::string org_name;
  std::string email;
  std::string password;  // only when created and generated or given; empty otherwise
  bool created = false;
};

// Organizations: creation. Thread-safe: no mutable state of its own.
class OrgService {
 public:
  // `db` and `clock` must outlive this service.
  OrgService(storage::Db& db, const Clock& clock);

  // Creates organization "Demo Company" with an owner "Demo Owner" when the server has no
  // organization yet. `email` defaults to kDemoOwnerEmail and is stored lower-case;
  // `password`, when not given, is generated (kGeneratedPasswordLength characters of
  // kReadableAlphabet) and returned once. When an organization exists already: created=false,
  // the first organization's name and owner email, an empty password, and nothing changes.
  // Errc::invalid_argument for a password auth::check_new_password refuses, or an email that
  // auth::normalize_email() refuses. Audit org.created by "system", via "demo".
  [[nodiscard]] Result<OwnerLogin> ensure_demo_org(std::optional<std::string> email,
                                                   std::optional<std::string> password);

  // Creates organization `name` (1..200 characters) with an active owner `owner_email`
  // (stored lower-case), named `owner_name` (1..200 characters). `password` is checked with
  // auth::check_new_password; when not given, one is generated (kGeneratedPasswordLength
  // characters of kReadableAlphabet) and returned once. Errc::invalid_argument naming the
  // field; Errc::conflict "email: already registered" when any organization has that email.
  // Writes audit org.created (actor "system" for Origin::cli, the owner for Origin::signup,
  // with `remote_ip`).
  [[nodiscard]] Result<CreatedOrg> create_org(std::string_view name, std::string_view owner_email,
                                              std::string_view owner_name,
                                              std::optional<std::string> password,
                                              Origin origin = Origin::cli,
                                              std::string_view remote_ip = {});

  // The organization created first, if any.
  [[nodiscard]] Result<std::optional<OrgId>> first_org_id();

 private:
  storage::Db& db_;
  const Clock& clock_;
};

}  // namespace worktrace::org
