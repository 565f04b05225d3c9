#pragma once

// Helpers for the organization tests. Not linked into the server.

#include "auth/test_support.hpp"
#include "core/actor.hpp"
#include "core/clock.hpp"
#include "storage/test_support.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace worktrace::org::testing {

// A person without a usable password (no slow hashing); for service tests.
inline UserId add_person(storage::Db& db, OrgId org_id, std::string_view email, Role role,
                         std::string_view status = "active") {
  auto id = db.write([&](storage::Connection& connection) -> Result<UserId> {
    auto statement = connection.prepare(
        "INSERT INTO users (org_id, email, name, role, password_hash, status, created_at) "
        "VALUES (?, ?, ?, ?, 'x', ?, 1) RETURNING id");
    if (!statement) return statement.error();
    (*statement)->bind_int(1, org_id);
    (*statement)->bind_text(2, email);
    (*statement)->bind_text(3, "Name of " + std::string(email));
    (*statement)->bind_text(4, role_name(role));
    (*statement)->bind_text(5, status);
    if (auto row = (*statement)->step(); !row) return row.error();
    return (*statement)->column_int(0);
  });
  if (!id) throw std::runtime_error("add_person: " + id.error().message);
  return *id;
}

inline Actor actor_of(OrgId org_id, UserId user_id, Role role,
                      std::vector<TeamId> managed_team_ids = {}) {
  Actor actor;
  actor.org_id = org_id;
  actor.user_id = user_id;
  actor.role = role;
  actor.managed_team_ids = std::move(managed_team_ids);
  return actor;
}

// One integer from `sql` (test checks); throws on failure.
inline std::int64_t scalar(storage::Db& db, std::string_view sql) {
  auto value = db.read([&](storage::Connection& connection) -> Result<std::int64_t> {
    auto statement = connection.prepare(sql);
    if (!statement) return statement.error();
    auto row = (*statement)->step();
    if (!row) return row.error();
    if (!*row) return fail(Errc::not_found, "no row");
    return (*statement)->column_int(0);
  });
  if (!value) throw std::runtime_error("scalar: " + value.error().message);
  return *value;
}

// Two organizations; in A an owner, an admin, a manager and an employee; in B an owner.
class OrgTest : public ::testing::Test {
 protected:
  OrgTest() {
    org_a_ = auth::testing::create_org(db(), "Org A");
    org_b_ = auth::testing::create_org(db(), "Org B");
    owner_ = actor_of(org_a_, add_person(db(), org_a_, "owner@a.test", Role::owner), Role::owner);
    admin_ = actor_of(org_a_, add_person(db(), org_a_, "admin@a.test", Role::admin), Role::admin);
    manager_ =
        actor_of(org_a_, add_person(db(), org_a_, "manager@a.test", Role::manager), Role::manager);
    employee_ = actor_of(org_a_, add_person(db(), org_a_, "employee@a.test", Role::employee),
                         Role::employee);
    owner_b_ = actor_of(org_b_, add_person(db(), org_b_, "owner@b.test", Role::owner), Role::owner);
  }

  storage::Db& db() { return *test_db_.db; }
  std::int64_t audit(std::string_view action) { return auth::testing::audit_count(db(), action); }

  storage::testing::TestDb test_db_;
  ManualClock clock_{1'700'000'000'000};
  OrgId org_a_ = 0;
  OrgId org_b_ = 0;
  Actor owner_, admin_, manager_, employee_, owner_b_;
};

// Expects `result` to fail with `errc` and, when given, exactly `message`.
template <class R>
void expect_error(const R& result, Errc errc, std::string_view message = {}) {
  ASSERT_FALSE(result.has_value());
  EXPECT_TRUE(result.error().is(errc)) << result.error().message;
  if (!message.empty()) {
    EXPECT_EQ(result.error().message, message);
  }
}

}  // namespace worktrace::org::testing
