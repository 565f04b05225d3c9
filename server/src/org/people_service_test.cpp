#include "org/people_service.hpp"

#include "org/structure_service.hpp"
#include "org/test_support.hpp"

#include <gtest/gtest.h>

namespace worktrace::org {
namespace {

using testing::expect_error;

class PeopleTest : public testing::OrgTest {
 protected:
  PeopleTest() {
    dept_ = structure_.create_department(owner_, "", "Dept", std::nullopt)->id;
    team_a_ = structure_.create_team(owner_, "", "A", dept_)->id;
    team_b_ = structure_.create_team(owner_, "", "B", dept_)->id;
    (void)structure_.put_member(owner_, "", team_a_, manager_.user_id, true);
    (void)structure_.put_member(owner_, "", team_a_, employee_.user_id, false);
    managing_ = testing::actor_of(org_a_, manager_.user_id, Role::manager, {team_a_});
  }

  NewPerson newcomer(std::string email, Role role = Role::employee) {
    NewPerson person;
    person.email = std::move(email);
    person.name = "New Person";
    person.role = role;
    return person;
  }

  StructureService structure_{db(), clock_};
  PeopleService people_{db(), clock_};
  DepartmentId dept_ = 0;
  TeamId team_a_ = 0;
  TeamId team_b_ = 0;
  Actor managing_;
};

TEST_F(PeopleTest, InvitingCreatesAnInvitedPersonWithAOneTimeToken) {
  auto person = newcomer("New@A.test");
  person.job_title = "Engineer";
  person.login = "newbie";
  person.department_id = dept_;
  person.team_ids = {team_b_, team_a_, team_a_};
  auto invited = people_.invite(admin_, "203.0.113.5", person);
  ASSERT_TRUE(invited) << invited.error().message;
  EXPECT_EQ(invited->person.email, "new@a.test");
  EXPECT_EQ(invited->person.status, auth::PersonStatus::invited);
  EXPECT_EQ(invited->person.team_ids, (std::vector<TeamId>{team_a_, team_b_}));
  EXPECT_EQ(invited->person.login, "newbie");
  EXPECT_TRUE(invited->invitation.token.starts_with("wti_"));
  EXPECT_EQ(invited->invitation.expires_at, clock_.now_ms() + kInvitationLifetimeMs);
  EXPECT_EQ(invited->invitation.org_name, "Org A");
  EXPECT_EQ(audit("person.invited"), 1);
  // Only the hash is stored.
  EXPECT_EQ(testing::scalar(db(), "SELECT length(token_hash) FROM invitations"), 32);
}

TEST_F(PeopleTest, InvitationRulesEmailsLoginsRolesAndIds) {
  expect_error(people_.invite(admin_, "", newcomer("owner@b.test")), Errc::conflict,
               "email: already registered");
  expect_error(people_.invite(admin_, "", newcomer("boss@a.test", Role::owner)),
               Errc::permission_denied, "only owners can invite owners");
  EXPECT_TRUE(people_.invite(owner_, "", newcomer("boss@a.test", Role::owner)));
  expect_error(people_.invite(manager_, "", newcomer("x@a.test")), Errc::permission_denied);
  expect_error(people_.invite(employee_, "", newcomer("x@a.test")), Errc::permission_denied);

  auto with_login = newcomer("l1@a.test");
  with_login.login = "same";
  ASSERT_TRUE(people_.invite(owner_, "", with_login));
  with_login.email = "l2@a.test";
  expect_error(people_.invite(owner_, "", with_login), Errc::conflict, "login: already taken");
  // Logins are unique per organization only.
  with_login.email = "l3@b.test";
  EXPECT_TRUE(people_.invite(owner_b_, "", with_login));

  auto foreign_team = newcomer("t@b.test");
  foreign_team.team_ids = {team_a_};
  expect_error(people_.invite(owner_b_, "", foreign_team), Errc::invalid_argument,
               "team_ids: no such team");
  auto foreign_dept = newcomer("d@b.test");
  foreign_dept.department_id = dept_;
  expect_error(people_.invite(owner_b_, "", foreign_dept), Errc::invalid_argument,
               "department_id: no such department");
  auto bad_name = newcomer("n@a.test");
  bad_name.name = std::string(201, 'n');
  expect_error(people_.invite(owner_, "", bad_name), Errc::invalid_argument,
               "name: must be 1..200 characters");
}

TEST_F(PeopleTest, InvitingBeyondTheSeatsIsRefused) {
  auth::testing::exec_sql(db(), "UPDATE organizations SET seats = 5 WHERE name = 'Org A'");
  ASSERT_TRUE(people_.invite(owner_, "", newcomer("fifth@a.test")));
  expect_error(people_.invite(owner_, "", newcomer("sixth@a.test")), Errc::conflict,
               "seats: all 5 seats are taken");
  // A suspended person frees a seat; reactivating needs one.
  PersonPatch suspend;
  suspend.status = auth::PersonStatus::suspended;
  ASSERT_TRUE(people_.update(owner_, "", employee_.user_id, suspend));
  ASSERT_TRUE(people_.invite(owner_, "", newcomer("sixth@a.test")));
  PersonPatch reactivate;
  reactivate.status = auth::PersonStatus::active;
  expect_error(people_.update(owner_, "", employee_.user_id, reactivate), Errc::conflict,
               "seats: all 5 seats are taken");
}

TEST_F(PeopleTest, ApiTokenScopesLimitWhatAnOwnerCanDo) {
  Actor reader = owner_;
  reader.api_token_id = 7;
  reader.session_id = 0;
  reader.scopes = static_cast<std::uint32_t>(Scope::people_read);
  EXPECT_TRUE(people_.list(reader, {}));
  expect_error(people_.invite(reader, "", newcomer("scoped@a.test")), Errc::permission_denied);
  PersonPatch rename;
  rename.name = "X";
  expect_error(people_.update(reader, "", employee_.user_id, rename), Errc::permission_denied);
}

TEST_F(PeopleTest, ListingFollowsThePolicy) {
  auto all = people_.list(admin_, {});
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 4U);
  auto mine = people_.list(managing_, {});
  ASSERT_TRUE(mine);
  ASSERT_EQ(mine->size(), 2U);  // the manager and the employee of team A
  expect_error(people_.list(employee_, {}), Errc::permission_denied);
  auth::PeopleFilter by_team;
  by_team.team_id = team_a_;
  EXPECT_EQ(people_.list(owner_, by_team)->size(), 2U);
  auth::PeopleFilter by_query;
  by_query.query = "ADMIN@";
  EXPECT_EQ(people_.list(owner_, by_query)->size(), 1U);
  EXPECT_EQ(people_.list(owner_b_, {})->size(), 1U);
}

TEST_F(PeopleTest, ViewingAnotherPersonIsAudited) {
  ASSERT_TRUE(people_.get(employee_, "", employee_.user_id));
  EXPECT_EQ(audit("person.viewed"), 0);
  ASSERT_TRUE(people_.get(managing_, "", employee_.user_id));
  EXPECT_EQ(audit("person.viewed"), 1);
  expect_error(people_.get(employee_, "", admin_.user_id), Errc::permission_denied);
  expect_error(people_.get(manager_, "", employee_.user_id), Errc::permission_denied);
  expect_error(people_.get(owner_b_, "", employee_.user_id), Errc::not_found, "person not found");
}

TEST_F(PeopleTest, RoleChangesFollowTheOwnerRules) {
  auto second_owner = testing::add_person(db(), org_a_, "owner2@a.test", Role::owner);
  PersonPatch to_admin;
  to_admin.role = Role::admin;
  PersonPatch to_owner;
  to_owner.role = Role::owner;
  expect_error(people_.update(admin_, "", second_owner, to_admin), Errc::permission_denied,
               "only owners can change owners");
  expect_error(people_.update(admin_, "", employee_.user_id, to_owner), Errc::permission_denied,
               "only owners can make owners");
  expect_error(people_.update(manager_, "", employee_.user_id, to_admin), Errc::permission_denied);
  ASSERT_TRUE(people_.update(owner_, "", second_owner, to_admin));
  // Now owner_ is the last active owner.
  expect_error(people_.update(owner_, "", owner_.user_id, to_admin), Errc::conflict,
               "the last owner cannot be demoted or suspended");
  PersonPatch suspend;
  suspend.status = auth::PersonStatus::suspended;
  expect_error(people_.update(owner_, "", owner_.user_id, suspend), Errc::conflict,
               "the last owner cannot be demoted or suspended");
  EXPECT_EQ(audit("person.updated"), 1);
}

TEST_F(PeopleTest, UpdatesChangeProfileTeamsAndStatus) {
  PersonPatch patch;
  patch.name = "Renamed";
  patch.job_title = "Lead";
  patch.login = std::optional<std::string>("lead");
  patch.department_id = std::optional<std::int64_t>(dept_);
  patch.team_ids = std::vector<TeamId>{team_b_};
  auto updated = people_.update(admin_, "", manager_.user_id, patch);
  ASSERT_TRUE(updated) << updated.error().message;
  EXPECT_EQ(updated->person.name, "Renamed");
  EXPECT_EQ(updated->person.team_ids, std::vector<TeamId>{team_b_});
  EXPECT_TRUE(updated->person.managed_team_ids.empty());
  EXPECT_EQ(updated->person.department_id, dept_);
  EXPECT_FALSE(updated->suspended);

  PersonPatch clear;
  clear.department_id = std::optional<std::int64_t>();
  clear.login = std::optional<std::string>();
  updated = people_.update(admin_, "", manager_.user_id, clear);
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->person.department_id, std::nullopt);
  EXPECT_EQ(updated->person.login, std::nullopt);

  PersonPatch suspend;
  suspend.status = auth::PersonStatus::suspended;
  updated = people_.update(admin_, "", employee_.user_id, suspend);
  ASSERT_TRUE(updated);
  EXPECT_TRUE(updated->suspended);
  EXPECT_EQ(audit("person.suspended"), 1);
  PersonPatch reactivate;
  reactivate.status = auth::PersonStatus::active;
  updated = people_.update(admin_, "", employee_.user_id, reactivate);
  ASSERT_TRUE(updated);
  EXPECT_FALSE(updated->suspended);
  EXPECT_EQ(audit("person.reactivated"), 1);

  // Demoting a manager to employee drops their managing flags.
  ASSERT_TRUE(structure_.put_member(owner_, "", team_a_, manager_.user_id, true));
  PersonPatch demote;
  demote.role = Role::employee;
  updated = people_.update(owner_, "", manager_.user_id, demote);
  ASSERT_TRUE(updated);
  EXPECT_TRUE(updated->person.managed_team_ids.empty());

  auto invited = people_.invite(owner_, "", newcomer("inv@a.test"));
  ASSERT_TRUE(invited);
  expect_error(people_.update(owner_, "", invited->person.id, suspend), Errc::conflict);
  PersonPatch foreign;
  foreign.team_ids = std::vector<TeamId>{team_a_};
  expect_error(people_.update(owner_b_, "", employee_.user_id, foreign), Errc::not_found);
  expect_error(people_.update(owner_b_, "", owner_b_.user_id, foreign), Errc::invalid_argument,
               "team_ids: no such team");
}

}  // namespace
}  // namespace worktrace::org
