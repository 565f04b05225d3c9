#pragma once

#include "api/http_types.hpp"
#include "api/router.hpp"
#include "audit/audit_query.hpp"
#include "auth/auth_service.hpp"
#include "core/result.hpp"
#include "storage/db.hpp"

#include <map>
#include <string>

namespace worktrace::audit {

// The audit query string of GET /api/v1/audit (action, actor_user_id, subject_user_id, from,
// to, before_seq, limit) as an AuditQuery. Errc::invalid_argument naming the parameter for an
// unknown key or a bad value.
[[nodiscard]] Result<AuditQuery> parse_audit_query(
    const std::map<std::string, std::string, std::less<>>& query);

// GET /api/v1/audit and GET /api/v1/audit/verify for owners and admins (scope audit:read).
// Thread-safe: no mutable state of its own.
class AuditRoutes {
 public:
  // `db` and `auth` must outlive this object and the router it registers with.
  AuditRoutes(storage::Db& db, auth::AuthService& auth);

  void register_routes(api::Router& router);

 private:
  [[nodiscard]] Result<api::Response> list_entries(const api::Request& request);
  [[nodiscard]] Result<api::Response> verify_chain(const api::Request& request);

  storage::Db& db_;
  auth::AuthService& auth_;
};

}  // namespace worktrace::audit
