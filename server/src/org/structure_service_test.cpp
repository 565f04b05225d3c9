#include "org/structure_service.hpp"

#include "org/test_support.hpp"

#include <gtest/gtest.h>

namespace worktrace::org {
namespace {

using testing::expect_error;

class StructureTest : public testing::OrgTest {
 protected:
  Department department(const std::string& name, std::optional<DepartmentId> parent = {}) {
    auto created = structure_.create_department(owner_, "", name, parent);
    if (!created) throw std::runtime_error(created.error().message);
    return *created;
  }

  StructureService structure_{db(), clock_};
};

TEST_F(StructureTest, DepartmentsFormATreeWithUniqueSiblingNames) {
  const auto sales = department("Sales");
  const auto north = department("North", sales.id);
  EXPECT_EQ(north.parent_id, sales.id);
  // The same name elsewhere in the tree is fine; next to a sibling it is not.
  EXPECT_TRUE(structure_.create_department(admin_, "", "North", std::nullopt));
  expect_error(structure_.create_department(admin_, "", "North", sales.id), Errc::conflict);
  expect_error(structure_.create_department(owner_, "", "X", 999), Errc::invalid_argument,
               "parent_id: no such department");
  expect_error(structure_.create_department(owner_, "", "", std::nullopt), Errc::invalid_argument,
               "name: must be 1..200 characters");
  EXPECT_EQ(audit("department.created"), 3);

  auto listed = structure_.list_departments(manager_);
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->size(), 3U);
  expect_error(structure_.list_departments(employee_), Errc::permission_denied);
}

TEST_F(StructureTest, MovesThatWouldMakeACycleAreRefused) {
  const auto a = department("A");
  const auto b = department("B", a.id);
  const auto c = department("C", b.id);
  DepartmentPatch onto_child;
  onto_child.parent_id = c.id;
  expect_error(structure_.update_department(owner_, "", a.id, onto_child), Errc::conflict,
               "parent_id: would make a cycle");
  DepartmentPatch onto_self;
  onto_self.parent_id = a.id;
  expect_error(structure_.update_department(owner_, "", a.id, onto_self), Errc::conflict,
               "parent_id: would make a cycle");
  // Up to the top, and renamed.
  DepartmentPatch to_top;
  to_top.parent_id = std::optional<DepartmentId>();
  to_top.name = "C2";
  auto moved = structure_.update_department(admin_, "", c.id, to_top);
  ASSERT_TRUE(moved) << moved.error().message;
  EXPECT_EQ(moved->parent_id, std::nullopt);
  EXPECT_EQ(moved->name, "C2");
  EXPECT_EQ(audit("department.updated"), 1);
}

TEST_F(StructureTest, DepartmentsWithContentCannotGo) {
  const auto parent = department("Parent");
  const auto child = department("Child", parent.id);
  expect_error(structure_.delete_department(owner_, "", parent.id), Errc::conflict,
               "department still has people/teams/sub-departments");
  auto team = structure_.create_team(owner_, "", "T", child.id);
  ASSERT_TRUE(team);
  expect_error(structure_.delete_department(owner_, "", child.id), Errc::conflict);
  ASSERT_TRUE(structure_.delete_team(owner_, "", team->id));
  auth::testing::exec_sql(db(), "UPDATE users SET department_id = " + std::to_string(child.id) +
                                    " WHERE id = " + std::to_string(employee_.user_id));
  expect_error(structure_.delete_department(owner_, "", child.id), Errc::conflict);
  auth::testing::exec_sql(db(), "UPDATE users SET department_id = NULL");
  EXPECT_TRUE(structure_.delete_department(owner_, "", child.id));
  EXPECT_TRUE(structure_.delete_department(owner_, "", parent.id));
  EXPECT_EQ(audit("department.deleted"), 2);
}

TEST_F(StructureTest, AnotherOrganizationsIdsAreNotFoundAndLowerRolesAreRefusedFirst) {
  const auto mine = department("Mine");
  // Org B's owner: path ids of org A are not found, body ids are invalid.
  expect_error(structure_.update_department(owner_b_, "", mine.id, DepartmentPatch{}),
               Errc::not_found, "department not found");
  expect_error(structure_.delete_department(owner_b_, "", mine.id), Errc::not_found);
  expect_error(structure_.create_department(owner_b_, "", "X", mine.id), Errc::invalid_argument,
               "parent_id: no such department");
  expect_error(structure_.create_team(owner_b_, "", "X", mine.id), Errc::invalid_argument,
               "department_id: no such department");
  // A lower role learns nothing about ids: 403 whether or not they exist.
  expect_error(structure_.delete_department(manager_, "", mine.id), Errc::permission_denied);
  expect_error(structure_.delete_department(manager_, "", 12345), Errc::permission_denied);
  EXPECT_EQ(structure_.list_departments(owner_b_)->size(), 0U);
}

TEST_F(StructureTest, TeamsAreUniquePerOrganizationAndManagersSeeTheirOwn) {
  const auto dept = department("Dept");
  auto alpha = structure_.create_team(owner_, "", "Alpha", dept.id);
  auto beta = structure_.create_team(admin_, "", "Beta", dept.id);
  ASSERT_TRUE(alpha && beta);
  expect_error(structure_.create_team(owner_, "", "Alpha", dept.id), Errc::conflict,
               "name: a team of that name exists already");
  TeamPatch rename;
  rename.name = "Alpha";
  expect_error(structure_.update_team(owner_, "", beta->id, rename), Errc::conflict);
  expect_error(structure_.create_team(manager_, "", "Gamma", dept.id), Errc::permission_denied);

  ASSERT_TRUE(structure_.put_member(owner_, "", alpha->id, manager_.user_id, true));
  auto managing = testing::actor_of(org_a_, manager_.user_id, Role::manager, {alpha->id});
  auto teams = structure_.list_teams(managing);
  ASSERT_TRUE(teams);
  ASSERT_EQ(teams->size(), 1U);
  EXPECT_EQ(teams->front().name, "Alpha");
  EXPECT_EQ(teams->front().manager_ids, std::vector<UserId>{manager_.user_id});
  EXPECT_EQ(structure_.list_teams(owner_)->size(), 2U);
  expect_error(structure_.list_teams(employee_), Errc::permission_denied);
  EXPECT_TRUE(structure_.list_teams(owner_b_)->empty());
}

TEST_F(StructureTest, MembershipRulesAndAudit) {
  const auto dept = department("Dept");
  auto team = structure_.create_team(owner_, "", "Team", dept.id);
  ASSERT_TRUE(team);
  expect_error(structure_.put_member(owner_, "", team->id, employee_.user_id, true),
               Errc::invalid_argument,
               "is_manager: only managers, admins and owners can manage a team");
  auto added = structure_.put_member(admin_, "", team->id, employee_.user_id, false);
  ASSERT_TRUE(added) << added.error().message;
  EXPECT_FALSE(added->is_manager);
  EXPECT_EQ(added->email, "employee@a.test");
  ASSERT_TRUE(structure_.put_member(admin_, "", team->id, manager_.user_id, false));
  ASSERT_TRUE(structure_.put_member(admin_, "", team->id, manager_.user_id, true));
  EXPECT_EQ(audit("team.member_added"), 2);
  EXPECT_EQ(audit("team.member_updated"), 1);
  // The same again changes nothing and records nothing.
  ASSERT_TRUE(structure_.put_member(admin_, "", team->id, manager_.user_id, true));
  EXPECT_EQ(audit("team.member_updated"), 1);

  // Another organization's person or team: not found.
  expect_error(structure_.put_member(owner_, "", team->id, owner_b_.user_id, false),
               Errc::not_found, "person not found");
  expect_error(structure_.put_member(owner_b_, "", team->id, owner_b_.user_id, false),
               Errc::not_found, "team not found");

  // Members: owners/admins and the team's managers.
  auto managing = testing::actor_of(org_a_, manager_.user_id, Role::manager, {team->id});
  auto members = structure_.list_members(managing, team->id);
  ASSERT_TRUE(members);
  EXPECT_EQ(members->size(), 2U);
  expect_error(structure_.list_members(manager_, team->id), Errc::permission_denied);
  expect_error(structure_.list_members(employee_, team->id), Errc::permission_denied);

  ASSERT_TRUE(structure_.remove_member(owner_, "", team->id, employee_.user_id));
  expect_error(structure_.remove_member(owner_, "", team->id, employee_.user_id), Errc::not_found,
               "member not found");
  EXPECT_EQ(audit("team.member_removed"), 1);

  // Deleting the team drops memberships, keeps people.
  auto gone = structure_.delete_team(owner_, "", team->id);
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->member_count, 1);
  EXPECT_EQ(gone->manager_ids, std::vector<UserId>{manager_.user_id});
  EXPECT_EQ(testing::scalar(db(), "SELECT count(*) FROM team_members"), 0);
  EXPECT_EQ(testing::scalar(db(), "SELECT count(*) FROM users"), 5);
  EXPECT_EQ(audit("team.deleted"), 1);
}

}  // namespace
}  // namespace worktrace::org
