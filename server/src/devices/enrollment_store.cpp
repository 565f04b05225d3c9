// DeviceStore's enrollment-token half: create, list, revoke (enrolment itself is in
// device_store.cpp, beside the device rows it makes).
#include "devices/device_store.hpp"

namespace worktrace::devices {

Result<std::int64_t> DeviceStore::create_enrollment_token(const NewEnrollmentToken& token,
                                                          audit::Entry by, EpochMs now) {
  return db_.write([&](storage::Connection& connection) -> Result<std::int64_t> {
    auto statement = connection.prepare(
        "INSERT INTO enrollment_tokens (org_id, token_hash, uses_left, uses_total, expires_at, "
        "label, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
    if (!statement) return statement.error();
    auto& s = **statement;
    s.bind_int(1, token.org_id);
    s.bind_blob(2, token.token_hash);
    s.bind_int(3, token.uses);
    s.bind_int(4, token.uses);
    s.bind_int(5, token.expires_at);
    s.bind_text(6, token.label);
    s.bind_optional_int(7, token.created_by);
    s.bind_int(8, now);
    auto row = s.step();
    if (!row) return row.error();
    if (!*row) return fail(Errc::internal, "INSERT ... RETURNING gave no row");
    const std::int64_t id = s.column_int(0);
    s.reset();
    by.org_id = token.org_id;
    by.action = "enrollment_token.created";
    by.target_type = "enrollment_token";
    by.target_id = std::to_string(id);
    by.details = {{"label", token.label}, {"uses", token.uses}, {"expires_at", token.expires_at}};
    if (auto logged = audit::append(connection, std::move(by), now); !logged) {
      return logged.error();
    }
    return id;
  });
}

Result<std::vector<EnrollmentTokenRecord>> DeviceStore::list_enrollment_tokens(OrgId org_id) {
  return db_.read(
      [&](storage::Connection& connection) -> Result<std::vector<EnrollmentTokenRecord>> {
        constexpr int kMaxTokens = 1000;
        auto statement = connection.prepare(
            "SELECT t.id, t.label, t.uses_left, t.uses_total, t.expires_at, t.created_at, "
            "t.created_by, u.name, t.revoked_at FROM enrollment_tokens t "
            "LEFT JOIN users u ON u.id = t.created_by AND u.org_id = t.org_id "
            "WHERE t.org_id = ? ORDER BY t.id DESC LIMIT ?");
        if (!statement) return statement.error();
        auto& s = **statement;
        s.bind_int(1, org_id);
        s.bind_int(2, kMaxTokens);
        std::vector<EnrollmentTokenRecord> tokens;
        for (;;) {
          auto row = s.step();
          if (!row) return row.error();
          if (!*row) break;
          EnrollmentTokenRecord token;
          token.id = s.column_int(0);
          token.label = s.column_text(1);
          token.uses_left = static_cast<int>(s.column_int(2));
          token.uses_total = static_cast<int>(s.column_int(3));
          token.expires_at = s.column_int(4);
          token.created_at = s.column_int(5);
          if (!s.column_is_null(6)) token.created_by = s.column_int(6);
          if (!s.column_is_null(7)) token.created_by_name = s.column_text(7);
          if (!s.column_is_null(8)) token.revoked_at = s.column_int(8);
          tokens.push_back(std::move(token));
        }
        return tokens;
      });
}

Result<bool> DeviceStore::revoke_enrollment_token(OrgId org_id, std::int64_t id, audit::Entry by,
                                                  EpochMs now) {
  return db_.write([&](storage::Connection& connection) -> Result<bool> {
    auto found = connection.prepare(
        "SELECT revoked_at, label FROM enrollment_tokens WHERE id = ? AND org_id = ?");
    if (!found) return found.error();
    (*found)->bind_int(1, id);
    (*found)->bind_int(2, org_id);
    auto row = (*found)->step();
    if (!row) return row.error();
    if (!*row) return false;
    const bool already_revoked = !(*found)->column_is_null(0);
    const std::string label = (*found)->column_text(1);
    (*found)->reset();
    if (already_revoked) return true;

    auto statement = connection.prepare(
        "UPDATE enrollment_tokens SET revoked_at = ? WHERE id = ? AND org_id = ?");
    if (!statement) return statement.error();
    (*statement)->bind_int(1, now);
    (*statement)->bind_int(2, id);
    (*statement)->bind_int(3, org_id);
    if (auto done = (*statement)->step(); !done) return done.error();
    by.org_id = org_id;
    by.action = "enrollment_token.revoked";
    by.target_type = "enrollment_token";
    by.target_id = std::to_string(id);
    by.details = {{"label", label}};
    if (auto logged = audit::append(connection, std::move(by), now); !logged) {
      return logged.error();
    }
    return true;
  });
}

}  // namespace worktrace::devices
