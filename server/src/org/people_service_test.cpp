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
  EXPECT_EQ(all->people.size(), 4U);
  EXPECT_EQ(all->next, std::nullopt);
  auto mine = people_.list(managing_, {});
  ASSERT_TRUE(mine);
  ASSERT_EQ(mine->people.size(), 2U);  // the manager and the employee of team A
  expect_error(people_.list(employee_, {}), Errc::permission_denied);
  auth::PeopleFilter by_team;
  by_team.team_id = team_a_;
  EXPECT_EQ(people_.list(owner_, by_team)->people.size(), 2U);
  auth::PeopleFilter by_query;
  by_query.query = "ADMIN@";
  EXPECT_EQ(people_.list(owner_, by_query)->people.size(), 1U);
  EXPECT_EQ(people_.list(owner_b_, {})->people.size(), 1U);
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

TEST_F(PeopleTest, AdminsCannotChangeTheTeamsOfOwners) {
  expect_error(structure_.put_member(admin_, "", team_a_, owner_.user_id, false),
               Errc::permission_denied, "only owners can change owners");
  expect_error(structure_.put_member(admin_, "", team_a_, owner_.user_id, true),
               Errc::permission_denied, "only owners can change owners");
  ASSERT_TRUE(structure_.put_member(owner_, "", team_a_, owner_.user_id, true));
  expect_error(structure_.remove_member(admin_, "", team_a_, owner_.user_id),
               Errc::permission_denied, "only owners can change owners");
  EXPECT_EQ(testing::scalar(db(), "SELECT count(*) FROM team_members WHERE user_id = " +
                                      std::to_string(owner_.user_id)),
            1);
  // Admins still manage everyone else's memberships, owners everyone's.
  EXPECT_TRUE(structure_.put_member(admin_, "", team_b_, employee_.user_id, false));
  EXPECT_TRUE(structure_.remove_member(admin_, "", team_b_, employee_.user_id));
  EXPECT_TRUE(structure_.remove_member(owner_, "", team_a_, owner_.user_id));
}

TEST_F(PeopleTest, AManagersPeopleAreFoundBeyondTheLoadCap) {
  // More people than one load returns, all sorting before the manager's team member.
  auth::testing::exec_sql(
      db(), "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
                std::to_string(auth::kMaxPeopleLoaded) +
                ") INSERT INTO users (org_id, email, name, role, password_hash, status, "
                "created_at) SELECT " +
                std::to_string(org_a_) +
                ", 'bulk' || i || '@a.test', 'Aaa ' || i, 'employee', 'x', 'active', 1 FROM n");
  auto page = people_.list(managing_, {}, kMaxPeoplePage);
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->people.size(), 2U);
  EXPECT_EQ(page->people[0].id, employee_.user_id);
  EXPECT_EQ(page->people[1].id, manager_.user_id);
  EXPECT_EQ(page->next, std::nullopt);
}

TEST_F(PeopleTest, PagesFollowOneAnotherWithoutGapsOrRepeats) {
  auth::testing::exec_sql(db(), "UPDATE organizations SET seats = 100");
  for (int i = 0; i < 7; ++i) {
    auto person = newcomer("p" + std::to_string(i) + "@a.test");
    person.name = i % 2 == 0 ? "Same Name" : "Other " + std::to_string(i);
    person.team_ids = {team_a_};
    ASSERT_TRUE(people_.invite(owner_, "", person));
  }
  // Team A: manager, employee and the 7 invited people; the manager sees those 9.
  for (const auto& [actor, expected] :
       {std::pair{owner_, std::size_t{11}}, std::pair{managing_, std::size_t{9}}}) {
    std::vector<UserId> seen;
    auth::PeopleFilter filter;
    int pages = 0;
    for (;; ++pages) {
      auto page = people_.list(actor, filter, 2);
      ASSERT_TRUE(page) << page.error().message;
      ASSERT_LE(page->people.size(), 2U);
      for (const auto& person : page->people) seen.push_back(person.id);
      if (!page->next) break;
      // The cursor survives its text form.
      auto parsed = parse_people_cursor(format_people_cursor(*page->next));
      ASSERT_TRUE(parsed);
      filter.after = *parsed;
    }
    EXPECT_EQ(pages, static_cast<int>((expected + 1) / 2) - 1);
    EXPECT_EQ(seen.size(), expected);
    auto whole = people_.list(actor, {}, kMaxPeoplePage);
    ASSERT_TRUE(whole);
    std::vector<UserId> all;
    for (const auto& person : whole->people) all.push_back(person.id);
    EXPECT_EQ(seen, all);
  }
  expect_error(people_.list(owner_, {}, 0), Errc::invalid_argument, "limit: must be 1..1000");
  expect_error(people_.list(owner_, {}, kMaxPeoplePage + 1), Errc::invalid_argument,
               "limit: must be 1..1000");
}

TEST(PeopleCursorTest, RoundTripsAndRefusesOtherText) {
  const auth::PeopleCursor cursor{"Zo\xc3\xab O'Neil.%", 42};
  const std::string text = format_people_cursor(cursor);
  EXPECT_TRUE(text.starts_with("42.5a6f")) << text;
  auto parsed = parse_people_cursor(text);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->id, 42);
  EXPECT_EQ(parsed->name, cursor.name);
  EXPECT_TRUE(parse_people_cursor("7."));
  for (const std::string_view bad : {"", "42", "x.00", "0.61", "-1.61", "42.6", "42.zz", "42.6G"}) {
    expect_error(parse_people_cursor(bad), Errc::invalid_argument,
                 "after: is not a cursor of this list");
  }
  expect_error(parse_people_cursor("1." + std::string(kMaxPeopleCursorBytes, 'a')),
               Errc::invalid_argument);
}

TEST_F(PeopleTest, CancellingAnInvitationFreesTheEmail) {
  auto person = newcomer("Cancel@A.test");
  person.team_ids = {team_a_};
  auto invited = people_.invite(admin_, "", person);
  ASSERT_TRUE(invited);
  const UserId id = invited->person.id;
  const std::string token = invited->invitation.token;

  expect_error(people_.cancel_invitation(manager_, "", id), Errc::permission_denied);
  expect_error(people_.cancel_invitation(employee_, "", id), Errc::permission_denied);
  expect_error(people_.cancel_invitation(owner_b_, "", id), Errc::not_found, "person not found");
  Actor reader = owner_;
  reader.api_token_id = 7;
  reader.session_id = 0;
  reader.scopes = static_cast<std::uint32_t>(Scope::people_read);
  expect_error(people_.cancel_invitation(reader, "", id), Errc::permission_denied);

  ASSERT_TRUE(people_.cancel_invitation(admin_, "203.0.113.9", id));
  const std::string where = " WHERE user_id = " + std::to_string(id);
  EXPECT_EQ(testing::scalar(db(), "SELECT count(*) FROM users WHERE id = " + std::to_string(id)),
            0);
  EXPECT_EQ(testing::scalar(db(), "SELECT count(*) FROM invitations" + where), 0);
  EXPECT_EQ(testing::scalar(db(), "SELECT count(*) FROM team_members" + where), 0);
  EXPECT_EQ(audit("person.invitation_cancelled"), 1);
  EXPECT_EQ(testing::scalar(db(),
                            "SELECT count(*) FROM audit_log WHERE action = "
                            "'person.invitation_cancelled' AND subject_user_id IS NULL AND "
                            "details = '{\"email\":\"cancel@a.test\"}' AND target_id = '" +
                                std::to_string(id) + "' AND remote_ip = '203.0.113.9'"),
            1);
  expect_error(people_.find_invitation(token), Errc::not_found);
  expect_error(people_.cancel_invitation(admin_, "", id), Errc::not_found);
  // The email can be invited again.
  EXPECT_TRUE(people_.invite(admin_, "", newcomer("cancel@a.test")));
}

TEST_F(PeopleTest, OnlyInvitedPeopleAreDeletedAndOnlyOwnersCancelOwners) {
  expect_error(people_.cancel_invitation(owner_, "", employee_.user_id), Errc::conflict,
               "only invited people can be deleted; suspend active people instead");
  PersonPatch suspend;
  suspend.status = auth::PersonStatus::suspended;
  ASSERT_TRUE(people_.update(owner_, "", employee_.user_id, suspend));
  expect_error(people_.cancel_invitation(owner_, "", employee_.user_id), Errc::conflict);

  auto boss = people_.invite(owner_, "", newcomer("boss@a.test", Role::owner));
  ASSERT_TRUE(boss);
  expect_error(people_.cancel_invitation(admin_, "", boss->person.id), Errc::permission_denied,
               "only owners can cancel owners' invitations");
  EXPECT_TRUE(people_.cancel_invitation(owner_, "", boss->person.id));
  EXPECT_EQ(audit("person.invitation_cancelled"), 1);
}

}  // namespace
}  // namespace worktrace::org
