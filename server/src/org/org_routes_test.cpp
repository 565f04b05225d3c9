#include "org/org_routes.hpp"

#include "org/test_support.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <optional>
#include <utility>
#include <vector>

namespace worktrace::org {
namespace {

namespace at = auth::testing;

constexpr std::string_view kPassword = "a long enough passphrase";

class OrgRoutesTest : public ::testing::Test {
 protected:
  explicit OrgRoutesTest(bool signup_enabled = true)
      : routes_(db(), auth_, clock_, OrgOptions{signup_enabled, "", {}}) {
    auth_.register_routes(router_);
    routes_.register_routes(router_);
  }

  storage::Db& db() { return *test_db_.db; }

  api::Response call(std::string method, std::string path, const boost::json::value& body,
                     const at::SignedIn& session) {
    return at::call(router_, at::make_request(std::move(method), std::move(path),
                                              body.is_null() ? "" : boost::json::serialize(body),
                                              session.token, session.csrf));
  }
  api::Response call(std::string method, std::string path, const at::SignedIn& session) {
    return call(std::move(method), std::move(path), nullptr, session);
  }
  api::Response anonymous(std::string method, std::string path, const boost::json::value& body,
                          std::string remote_ip = "198.51.100.7") {
    auto request = at::make_request(std::move(method), std::move(path),
                                    body.is_null() ? "" : boost::json::serialize(body));
    request.remote_ip = std::move(remote_ip);
    return at::call(router_, std::move(request));
  }

  // Signs up a new organization and returns its owner's session.
  at::SignedIn sign_up(std::string_view org_name, std::string_view email) {
    const boost::json::object body{
        {"org_name", org_name}, {"name", "Owner"}, {"email", email}, {"password", kPassword}};
    auto response = anonymous("POST", "/api/v1/signup", body, std::string(email));
    if (response.status != 201) throw std::runtime_error("sign_up: " + response.body);
    const auto json = boost::json::parse(response.body);
    return {at::session_token(response), std::string(json.at("csrf_token").as_string())};
  }

  // Invites `email` as `role` and accepts the invitation; returns the new person's session.
  std::pair<UserId, at::SignedIn> add_member(const at::SignedIn& owner, std::string_view email,
                                             std::string_view role) {
    const boost::json::object body{{"email", email}, {"name", "Member"}, {"role", role}};
    auto invited = call("POST", "/api/v1/people", body, owner);
    if (invited.status != 201) throw std::runtime_error("invite: " + invited.body);
    const auto json = boost::json::parse(invited.body);
    const std::string url(json.at("invitation").at("url").as_string());
    const std::string token = url.substr(url.find("wti_"));
    auto accepted = anonymous("POST", "/api/v1/invitations/accept",
                              boost::json::object{{"token", token}, {"password", kPassword}});
    if (accepted.status != 200) throw std::runtime_error("accept: " + accepted.body);
    const auto session = boost::json::parse(accepted.body);
    return {json.at("person").at("id").as_int64(),
            {at::session_token(accepted), std::string(session.at("csrf_token").as_string())}};
  }

  storage::testing::TestDb test_db_;
  ManualClock clock_{1'700'000'000'000};
  auth::AuthService auth_{db(), clock_};
  OrgRoutes routes_;
  api::Router router_;
};

TEST_F(OrgRoutesTest, SignUpCreatesAnOrganizationAndSignsIn) {
  auto enabled = anonymous("GET", "/api/v1/signup", nullptr);
  EXPECT_EQ(enabled.status, 200);
  EXPECT_EQ(boost::json::parse(enabled.body).at("enabled"), true);

  const auto owner = sign_up("Acme", "boss@acme.test");
  ASSERT_FALSE(owner.token.empty());
  auto org = call("GET", "/api/v1/org", owner);
  ASSERT_EQ(org.status, 200) << org.body;
  const auto json = boost::json::parse(org.body);
  EXPECT_EQ(json.at("name"), "Acme");
  EXPECT_EQ(json.at("seats_used"), 1);
  EXPECT_EQ(at::audit_count(db(), "org.created"), 1);

  const boost::json::object again{
      {"org_name", "Acme 2"}, {"name", "X"}, {"email", "BOSS@acme.test"}, {"password", kPassword}};
  auto duplicate = anonymous("POST", "/api/v1/signup", again);
  EXPECT_EQ(duplicate.status, 409);
  EXPECT_NE(duplicate.body.find("email: already registered"), std::string::npos);

  auto unknown_key = anonymous("POST", "/api/v1/signup",
                               boost::json::object{{"org_name", "A"}, {"plan", "enterprise"}});
  EXPECT_EQ(unknown_key.status, 400);
  EXPECT_NE(unknown_key.body.find("plan: is not a known field"), std::string::npos);
}

TEST_F(OrgRoutesTest, SignUpIsLimitedPerAddress) {
  const boost::json::object bad{
      {"org_name", ""}, {"name", "X"}, {"email", "x@x.test"}, {"password", kPassword}};
  for (int attempt = 0; attempt < 5; ++attempt) {
    EXPECT_EQ(anonymous("POST", "/api/v1/signup", bad, "203.0.113.50").status, 400);
  }
  auto limited = anonymous("POST", "/api/v1/signup", bad, "203.0.113.50");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(at::header_of(limited, "Retry-After"), "3600");
  EXPECT_EQ(anonymous("POST", "/api/v1/signup", bad, "203.0.113.51").status, 400);
}

class SignupOffTest : public OrgRoutesTest {
 protected:
  SignupOffTest() : OrgRoutesTest(false) {}
};

TEST_F(SignupOffTest, SignUpCanBeSwitchedOff) {
  EXPECT_EQ(boost::json::parse(anonymous("GET", "/api/v1/signup", nullptr).body).at("enabled"),
            false);
  auto refused = anonymous(
      "POST", "/api/v1/signup",
      boost::json::object{
          {"org_name", "A"}, {"name", "B"}, {"email", "c@d.test"}, {"password", kPassword}});
  EXPECT_EQ(refused.status, 403);
  EXPECT_NE(refused.body.find("sign-up is switched off on this server"), std::string::npos);
}

TEST_F(OrgRoutesTest, InvitedPeopleJoinThroughTheirLinkOnly) {
  const auto owner = sign_up("Acme", "boss@acme.test");
  const boost::json::object body{{"email", "new@acme.test"}, {"name", "New"}, {"role", "admin"}};
  auto invited = call("POST", "/api/v1/people", body, owner);
  ASSERT_EQ(invited.status, 201) << invited.body;
  const auto json = boost::json::parse(invited.body);
  EXPECT_EQ(json.at("person").at("status"), "invited");
  EXPECT_EQ(json.at("invitation").at("emailed"), false);
  const std::string url(json.at("invitation").at("url").as_string());
  EXPECT_TRUE(url.starts_with("/#/invite/wti_")) << url;  // no Host, no public_url
  const std::string token = url.substr(url.find("wti_"));

  // Not before accepting.
  auto early = anonymous("POST", "/api/v1/auth/login",
                         boost::json::object{{"email", "new@acme.test"}, {"password", kPassword}});
  EXPECT_EQ(early.status, 401);

  auto shown = anonymous("GET", "/api/v1/invitations/" + token, nullptr);
  ASSERT_EQ(shown.status, 200);
  EXPECT_EQ(boost::json::parse(shown.body).at("org_name"), "Acme");

  auto weak = anonymous("POST", "/api/v1/invitations/accept",
                        boost::json::object{{"token", token}, {"password", "short"}});
  EXPECT_EQ(weak.status, 400);
  auto accepted = anonymous(
      "POST", "/api/v1/invitations/accept",
      boost::json::object{{"token", token}, {"password", kPassword}, {"name", "Newly Joined"}});
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  EXPECT_FALSE(at::session_token(accepted).empty());
  const auto joined = boost::json::parse(accepted.body);
  EXPECT_EQ(joined.at("user").at("name"), "Newly Joined");
  EXPECT_EQ(joined.at("user").at("status"), "active");

  auto used = anonymous("GET", "/api/v1/invitations/" + token, nullptr);
  EXPECT_EQ(used.status, 404);
  EXPECT_NE(used.body.find("invitation is unknown, used or expired"), std::string::npos);
  EXPECT_EQ(anonymous("POST", "/api/v1/invitations/accept",
                      boost::json::object{{"token", token}, {"password", kPassword}})
                .status,
            404);
}

TEST_F(OrgRoutesTest, SuspendingEndsTheSessionsAtOnce) {
  const auto owner = sign_up("Acme", "boss@acme.test");
  const auto [employee_id, employee] = add_member(owner, "emp@acme.test", "employee");
  EXPECT_EQ(call("GET", "/api/v1/org", employee).status, 200);

  auto suspended = call("PATCH", "/api/v1/people/" + std::to_string(employee_id),
                        boost::json::object{{"status", "suspended"}}, owner);
  ASSERT_EQ(suspended.status, 200) << suspended.body;
  EXPECT_EQ(boost::json::parse(suspended.body).at("status"), "suspended");
  EXPECT_EQ(call("GET", "/api/v1/org", employee).status, 401);
  EXPECT_EQ(testing::scalar(db(), "SELECT count(*) FROM sessions WHERE user_id = " +
                                      std::to_string(employee_id)),
            0);
  EXPECT_EQ(at::audit_count(db(), "person.suspended"), 1);
}

TEST_F(OrgRoutesTest, RoleChangesTakeEffectOnTheNextRequest) {
  const auto owner = sign_up("Acme", "boss@acme.test");
  const auto [admin_id, admin] = add_member(owner, "adm@acme.test", "admin");
  EXPECT_EQ(call("GET", "/api/v1/departments", admin).status, 200);
  auto demoted = call("PATCH", "/api/v1/people/" + std::to_string(admin_id),
                      boost::json::object{{"role", "employee"}}, owner);
  ASSERT_EQ(demoted.status, 200) << demoted.body;
  EXPECT_EQ(call("GET", "/api/v1/departments", admin).status, 403);
  // Employees get the reduced organization.
  const auto org = boost::json::parse(call("GET", "/api/v1/org", admin).body);
  EXPECT_EQ(org.as_object().size(), 4U);
}

TEST_F(OrgRoutesTest, PolicyOrderCsrfAndBodyErrors) {
  const auto owner = sign_up("Acme", "boss@acme.test");
  const auto other = sign_up("Other", "boss@other.test");
  const auto [employee_id, employee] = add_member(owner, "emp@acme.test", "employee");

  auto dept = call("POST", "/api/v1/departments", boost::json::object{{"name", "Sales"}}, owner);
  ASSERT_EQ(dept.status, 201) << dept.body;
  const auto dept_id = boost::json::parse(dept.body).at("id").as_int64();
  const std::string dept_path = "/api/v1/departments/" + std::to_string(dept_id);

  // Lower role: 403 before any lookup, for real and made-up ids alike.
  EXPECT_EQ(call("DELETE", dept_path, employee).status, 403);
  EXPECT_EQ(call("DELETE", "/api/v1/departments/999999", employee).status, 403);
  EXPECT_EQ(call("GET", "/api/v1/people", employee).status, 403);
  // Another organization's path id: 404; its ids in a body: 400 naming the field.
  EXPECT_EQ(call("DELETE", dept_path, other).status, 404);
  EXPECT_EQ(call("GET", "/api/v1/people/" + std::to_string(employee_id), other).status, 404);
  auto foreign = call("POST", "/api/v1/teams",
                      boost::json::object{{"name", "T"}, {"department_id", dept_id}}, other);
  EXPECT_EQ(foreign.status, 400);
  EXPECT_NE(foreign.body.find("department_id: no such department"), std::string::npos);

  // Cookie writes need the CSRF token.
  auto no_csrf = call("PATCH", "/api/v1/org", boost::json::object{{"name", "X"}},
                      at::SignedIn{owner.token, ""});
  EXPECT_EQ(no_csrf.status, 403);

  auto long_name =
      call("PATCH", "/api/v1/org", boost::json::object{{"name", std::string(201, 'x')}}, owner);
  EXPECT_EQ(long_name.status, 400);
  EXPECT_NE(long_name.body.find("name: must be 1..200 characters"), std::string::npos);
  auto unknown = call("PATCH", "/api/v1/org", boost::json::object{{"colour", "red"}}, owner);
  EXPECT_EQ(unknown.status, 400);
  EXPECT_NE(unknown.body.find("colour: is not a known field"), std::string::npos);
  auto wrong_type = call("POST", "/api/v1/departments",
                         boost::json::object{{"name", "X"}, {"parent_id", "1"}}, owner);
  EXPECT_EQ(wrong_type.status, 400);
  EXPECT_NE(wrong_type.body.find("parent_id: must be a positive integer id"), std::string::npos);
  auto bad_role =
      call("POST", "/api/v1/people",
           boost::json::object{{"email", "a@b.test"}, {"name", "A"}, {"role", "god"}}, owner);
  EXPECT_EQ(bad_role.status, 400);
  auto invited_status = call("PATCH", "/api/v1/people/" + std::to_string(employee_id),
                             boost::json::object{{"status", "invited"}}, owner);
  EXPECT_EQ(invited_status.status, 400);

  auto patched =
      call("PATCH", "/api/v1/org",
           boost::json::object{{"time_zone", "Europe/Berlin"}, {"country", "DE"}}, owner);
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(boost::json::parse(patched.body).at("time_zone"), "Europe/Berlin");
}

TEST_F(OrgRoutesTest, TeamsAndMembersOverHttp) {
  const auto owner = sign_up("Acme", "boss@acme.test");
  const auto [manager_id, manager] = add_member(owner, "mgr@acme.test", "manager");
  const auto [employee_id, employee] = add_member(owner, "emp@acme.test", "employee");
  const auto dept = boost::json::parse(
      call("POST", "/api/v1/departments", boost::json::object{{"name", "D"}}, owner).body);
  auto team = call("POST", "/api/v1/teams",
                   boost::json::object{{"name", "T"}, {"department_id", dept.at("id")}}, owner);
  ASSERT_EQ(team.status, 201) << team.body;
  const std::string team_path =
      "/api/v1/teams/" + std::to_string(boost::json::parse(team.body).at("id").as_int64());

  EXPECT_EQ(call("GET", team_path + "/members", manager).status, 403);
  auto put = call("PUT", team_path + "/members/" + std::to_string(manager_id),
                  boost::json::object{{"is_manager", true}}, owner);
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(boost::json::parse(put.body).at("is_manager"), true);
  EXPECT_EQ(call("PUT", team_path + "/members/" + std::to_string(employee_id),
                 boost::json::object{{"is_manager", true}}, owner)
                .status,
            400);
  ASSERT_EQ(call("PUT", team_path + "/members/" + std::to_string(employee_id),
                 boost::json::object{{"is_manager", false}}, owner)
                .status,
            200);
  // The manager's new team counts at once.
  auto members = call("GET", team_path + "/members", manager);
  ASSERT_EQ(members.status, 200) << members.body;
  EXPECT_EQ(boost::json::parse(members.body).at("members").as_array().size(), 2U);
  auto people = call("GET", "/api/v1/people", manager);
  ASSERT_EQ(people.status, 200);
  EXPECT_EQ(boost::json::parse(people.body).at("people").as_array().size(), 2U);
  EXPECT_EQ(call("GET", "/api/v1/people/" + std::to_string(employee_id), manager).status, 200);
  EXPECT_EQ(at::audit_count(db(), "person.viewed"), 1);

  EXPECT_EQ(call("DELETE", team_path + "/members/" + std::to_string(employee_id), owner).status,
            204);
  EXPECT_EQ(call("GET", "/api/v1/people/" + std::to_string(employee_id), manager).status, 403);
  EXPECT_EQ(call("DELETE", team_path, owner).status, 204);
  EXPECT_EQ(call("GET", team_path + "/members", owner).status, 404);
}

TEST_F(OrgRoutesTest, ReissuedInvitationsVoidTheOldLinkAndFiltersAreChecked) {
  const auto owner = sign_up("Acme", "boss@acme.test");
  auto invited =
      call("POST", "/api/v1/people",
           boost::json::object{{"email", "late@acme.test"}, {"name", "Late"}, {"role", "employee"}},
           owner);
  ASSERT_EQ(invited.status, 201) << invited.body;
  const auto json = boost::json::parse(invited.body);
  const std::string first(json.at("invitation").at("url").as_string());
  const std::string person_path =
      "/api/v1/people/" + std::to_string(json.at("person").at("id").as_int64());

  auto reissued = call("POST", person_path + "/invitation", owner);
  ASSERT_EQ(reissued.status, 201) << reissued.body;
  const std::string second(boost::json::parse(reissued.body).at("url").as_string());
  EXPECT_NE(first, second);
  EXPECT_EQ(
      anonymous("GET", "/api/v1/invitations/" + first.substr(first.find("wti_")), nullptr).status,
      404);
  EXPECT_EQ(
      anonymous("GET", "/api/v1/invitations/" + second.substr(second.find("wti_")), nullptr).status,
      200);

  auto invited_only = at::make_request("GET", "/api/v1/people", "", owner.token);
  invited_only.query.emplace("status", "invited");
  auto listed = at::call(router_, invited_only);
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(boost::json::parse(listed.body).at("people").as_array().size(), 1U);
  auto bad_filter = at::make_request("GET", "/api/v1/people", "", owner.token);
  bad_filter.query.emplace("status", "gone");
  auto refused = at::call(router_, bad_filter);
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.body.find("status: must be invited, active or suspended"), std::string::npos);
}

TEST_F(OrgRoutesTest, PeopleComeInPagesAndInvitationsCanBeCancelled) {
  const auto owner = sign_up("Acme", "boss@acme.test");
  const auto other = sign_up("Other", "boss@other.test");
  const auto admin = add_member(owner, "adm@acme.test", "admin").second;
  const auto [employee_id, employee] = add_member(owner, "emp@acme.test", "employee");
  std::vector<std::int64_t> invited_ids;
  for (const std::string_view email : {"i1@acme.test", "i2@acme.test", "i3@acme.test"}) {
    auto invited =
        call("POST", "/api/v1/people",
             boost::json::object{{"email", email}, {"name", "Invitee"}, {"role", "owner"}}, owner);
    ASSERT_EQ(invited.status, 201) << invited.body;
    invited_ids.push_back(boost::json::parse(invited.body).at("person").at("id").as_int64());
  }

  // Six people in pages of four: the next page starts where the first ended.
  const auto list = [&](std::string limit, std::string after) {
    auto request = at::make_request("GET", "/api/v1/people", "", owner.token);
    request.query.emplace("limit", std::move(limit));
    if (!after.empty()) request.query.emplace("after", std::move(after));
    return at::call(router_, request);
  };
  auto first = list("4", "");
  ASSERT_EQ(first.status, 200) << first.body;
  const auto first_json = boost::json::parse(first.body);
  EXPECT_EQ(first_json.at("people").as_array().size(), 4U);
  ASSERT_TRUE(first_json.at("next").is_string());
  auto second = list("4", std::string(first_json.at("next").as_string()));
  ASSERT_EQ(second.status, 200) << second.body;
  const auto second_json = boost::json::parse(second.body);
  EXPECT_EQ(second_json.at("people").as_array().size(), 2U);
  EXPECT_TRUE(second_json.at("next").is_null());
  EXPECT_NE(first_json.at("people").as_array().back(), second_json.at("people").as_array().at(0));
  for (const std::string_view bad : {"0", "1001", "ten"}) {
    auto refused = list(std::string(bad), "");
    EXPECT_EQ(refused.status, 400);
    EXPECT_NE(refused.body.find("limit: must be 1..1000"), std::string::npos);
  }
  auto bad_cursor = list("4", "not-a-cursor");
  EXPECT_EQ(bad_cursor.status, 400);
  EXPECT_NE(bad_cursor.body.find("after: is not a cursor of this list"), std::string::npos);

  // Cancelling: owner/admin only, own organization only, invited people only.
  const std::string invited_path = "/api/v1/people/" + std::to_string(invited_ids[0]);
  EXPECT_EQ(call("DELETE", invited_path, employee).status, 403);
  EXPECT_EQ(call("DELETE", invited_path, other).status, 404);
  EXPECT_EQ(call("DELETE", invited_path, admin).status, 403);  // an invited owner
  EXPECT_EQ(call("DELETE", invited_path, at::SignedIn{owner.token, ""}).status, 403);  // CSRF
  auto active = call("DELETE", "/api/v1/people/" + std::to_string(employee_id), owner);
  EXPECT_EQ(active.status, 409);
  EXPECT_NE(active.body.find("only invited people can be deleted; suspend active people instead"),
            std::string::npos);
  EXPECT_EQ(call("DELETE", invited_path, owner).status, 204);
  EXPECT_EQ(call("GET", invited_path, owner).status, 404);
  EXPECT_EQ(call("DELETE", invited_path, owner).status, 404);
  EXPECT_EQ(at::audit_count(db(), "person.invitation_cancelled"), 1);
  auto again =
      call("POST", "/api/v1/people",
           boost::json::object{{"email", "i1@acme.test"}, {"name", "Again"}, {"role", "employee"}},
           admin);
  EXPECT_EQ(again.status, 201) << again.body;

  // Admins cannot change an owner's team membership either.
  const auto dept = boost::json::parse(
      call("POST", "/api/v1/departments", boost::json::object{{"name", "D"}}, owner).body);
  const auto team = boost::json::parse(
      call("POST", "/api/v1/teams",
           boost::json::object{{"name", "T"}, {"department_id", dept.at("id")}}, owner)
          .body);
  const std::string owner_member =
      "/api/v1/teams/" + std::to_string(team.at("id").as_int64()) + "/members/" +
      std::to_string(
          boost::json::parse(call("GET", "/api/v1/me", owner).body).at("user").at("id").as_int64());
  const boost::json::object member{{"is_manager", true}};
  EXPECT_EQ(call("PUT", owner_member, member, admin).status, 403);
  EXPECT_EQ(call("PUT", owner_member, member, owner).status, 200);
  EXPECT_EQ(call("DELETE", owner_member, admin).status, 403);
  EXPECT_EQ(call("DELETE", owner_member, owner).status, 204);
}

TEST_F(OrgRoutesTest, AccessChangesTellTheListenersWhoseRightsChanged) {
  const auto owner = sign_up("Acme", "boss@acme.test");
  const auto [employee_id, employee] = add_member(owner, "emp@acme.test", "employee");
  const OrgId org = boost::json::parse(call("GET", "/api/v1/org", owner).body).at("id").as_int64();
  using Call = std::pair<OrgId, std::optional<UserId>>;
  std::vector<Call> calls;
  auth_.on_access_changed(
      [&](OrgId org_id, std::optional<UserId> user) { calls.emplace_back(org_id, user); });
  auto expect_calls = [&](std::vector<Call> expected, std::string_view step) {
    EXPECT_EQ(calls, expected) << step;
    calls.clear();
  };
  const std::string person_path = "/api/v1/people/" + std::to_string(employee_id);

  ASSERT_EQ(call("PATCH", person_path, boost::json::object{{"job_title", "Cook"}}, owner).status,
            200);
  expect_calls({}, "a job title grants nothing");
  ASSERT_EQ(call("PATCH", person_path, boost::json::object{{"role", "manager"}}, owner).status,
            200);
  expect_calls({{org, employee_id}}, "role");

  const auto first = boost::json::parse(
      call("POST", "/api/v1/departments", boost::json::object{{"name", "D1"}}, owner).body);
  const auto second = boost::json::parse(
      call("POST", "/api/v1/departments", boost::json::object{{"name", "D2"}}, owner).body);
  auto team = call("POST", "/api/v1/teams",
                   boost::json::object{{"name", "T"}, {"department_id", first.at("id")}}, owner);
  ASSERT_EQ(team.status, 201) << team.body;
  const std::string team_path =
      "/api/v1/teams/" + std::to_string(boost::json::parse(team.body).at("id").as_int64());
  expect_calls({}, "new departments and teams");

  const std::string member_path = team_path + "/members/" + std::to_string(employee_id);
  ASSERT_EQ(call("PUT", member_path, boost::json::object{{"is_manager", true}}, owner).status, 200);
  expect_calls({{org, employee_id}}, "membership added");
  ASSERT_EQ(call("DELETE", member_path, owner).status, 204);
  expect_calls({{org, employee_id}}, "membership removed");

  ASSERT_EQ(call("PATCH", team_path, boost::json::object{{"department_id", second.at("id")}}, owner)
                .status,
            200);
  expect_calls({}, "team moved");
  ASSERT_EQ(call("PATCH", "/api/v1/departments/" + std::to_string(second.at("id").as_int64()),
                 boost::json::object{{"parent_id", first.at("id")}}, owner)
                .status,
            200);
  expect_calls({}, "department moved");

  ASSERT_EQ(call("PUT", member_path, boost::json::object{{"is_manager", true}}, owner).status, 200);
  calls.clear();
  ASSERT_EQ(call("DELETE", team_path, owner).status, 204);
  expect_calls({{org, employee_id}}, "team deleted: its managers");

  ASSERT_EQ(call("PATCH", "/api/v1/org", boost::json::object{{"name", "Acme 2"}}, owner).status,
            200);
  expect_calls({}, "a new name grants nothing");
  ASSERT_EQ(call("PATCH", "/api/v1/org", boost::json::object{{"require_2fa", true}}, owner).status,
            200);
  expect_calls({{org, std::nullopt}}, "require_2fa");
}

}  // namespace
}  // namespace worktrace::org
