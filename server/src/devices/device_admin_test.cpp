// Enrollment-token administration, device administration and the device policy per role.
#include "devices/device_service.hpp"

#include "devices/test_support.hpp"

#include <gtest/gtest.h>

namespace worktrace::devices {
namespace {

using namespace testing;
using auth::testing::make_request;

std::string error_message(const api::Response& response) {
  return std::string(boost::json::parse(response.body).at("error").at("message").as_string());
}

class DeviceAdminTest : public DevicesTest {
 protected:
  std::vector<std::string> hostnames(const std::string& cookie) {
    auto response = call(make_request("GET", "/api/v1/devices", {}, cookie));
    EXPECT_EQ(response.status, 200) << response.body;
    std::vector<std::string> names;
    const auto body = boost::json::parse(response.body);
    if (!body.is_object() || !body.as_object().contains("devices")) return names;
    for (const auto& device : body.at("devices").as_array()) {
      names.emplace_back(device.at("hostname").as_string());
    }
    return names;
  }

  api::Response patch(DeviceId id, const std::string& body, const std::string& cookie) {
    return call(make_request("PATCH", "/api/v1/devices/" + std::to_string(id), body, cookie));
  }

  api::Response revoke(DeviceId id, const std::string& cookie) {
    return call(
        make_request("POST", "/api/v1/devices/" + std::to_string(id) + "/revoke", "{}", cookie));
  }
};

TEST_F(DeviceAdminTest, TokensAreLabelledListedRevokedAndAudited) {
  const std::string owner = sign_in("ann@acme.test");
  auto created = call(make_request("POST", "/api/v1/enrollment-tokens",
                                   R"({"uses":3,"ttl_s":600,"label":"Berlin laptops"})", owner));
  ASSERT_EQ(created.status, 201) << created.body;
  const auto body = boost::json::parse(created.body);
  EXPECT_EQ(body.at("label"), "Berlin laptops");
  const std::int64_t id = body.at("id").as_int64();
  const std::string token(body.at("token").as_string());

  auto unknown_key = call(
      make_request("POST", "/api/v1/enrollment-tokens", R"({"uses":1,"colour":"red"})", owner));
  EXPECT_EQ(unknown_key.status, 400);
  EXPECT_NE(error_message(unknown_key).find("colour"), std::string::npos);
  auto bad_label =
      call(make_request("POST", "/api/v1/enrollment-tokens", R"({"label":"a\nb"})", owner));
  EXPECT_EQ(bad_label.status, 400);
  EXPECT_EQ(error_message(bad_label),
            "label: must be at most 100 bytes of text without control characters");

  ASSERT_EQ(enroll(token, "first").status, 201);
  auto listed = call(make_request("GET", "/api/v1/enrollment-tokens", {}, owner));
  ASSERT_EQ(listed.status, 200) << listed.body;
  const auto tokens = boost::json::parse(listed.body).at("tokens").as_array();
  ASSERT_EQ(tokens.size(), 1U);
  EXPECT_EQ(tokens[0].at("id"), id);
  EXPECT_EQ(tokens[0].at("label"), "Berlin laptops");
  EXPECT_EQ(tokens[0].at("uses_left"), 2);
  EXPECT_EQ(tokens[0].at("uses_total"), 3);
  EXPECT_EQ(tokens[0].at("created_by"), acme_owner_);
  EXPECT_EQ(tokens[0].at("revoked"), false);
  EXPECT_EQ(tokens[0].at("expired"), false);
  EXPECT_FALSE(tokens[0].as_object().contains("token"));

  // Another organization's owner cannot see or revoke it; a manager may not ask at all.
  const std::string gus = sign_in("gus@globex.test");
  EXPECT_TRUE(
      boost::json::parse(call(make_request("GET", "/api/v1/enrollment-tokens", {}, gus)).body)
          .at("tokens")
          .as_array()
          .empty());
  const std::string path = "/api/v1/enrollment-tokens/" + std::to_string(id);
  EXPECT_EQ(call(make_request("DELETE", path, {}, gus)).status, 404);
  EXPECT_EQ(call(make_request("DELETE", path, {}, sign_in("mia@acme.test"))).status, 403);
  EXPECT_EQ(
      call(make_request("GET", "/api/v1/enrollment-tokens", {}, sign_in("eve@acme.test"))).status,
      403);

  EXPECT_EQ(call(make_request("DELETE", path, {}, owner)).status, 204);
  EXPECT_EQ(call(make_request("DELETE", path, {}, owner)).status, 204);  // already revoked
  EXPECT_EQ(call(make_request("DELETE", "/api/v1/enrollment-tokens/x", {}, owner)).status, 404);
  EXPECT_EQ(enroll(token, "second").status, 401);  // a revoked token enrolls nothing
  const auto after =
      boost::json::parse(call(make_request("GET", "/api/v1/enrollment-tokens", {}, owner)).body);
  EXPECT_EQ(after.at("tokens").at(0).at("revoked"), true);

  const auto created_entries = audit_entries(acme_, "enrollment_token.created");
  ASSERT_EQ(created_entries.size(), 1U);
  EXPECT_EQ(created_entries[0].at("actor").as_string(), "user:" + std::to_string(acme_owner_));
  EXPECT_EQ(created_entries[0].at("target_id").as_string(), std::to_string(id));
  EXPECT_EQ(created_entries[0].at("details").at("label"), "Berlin laptops");
  EXPECT_EQ(audit_entries(acme_, "enrollment_token.revoked").size(), 1U);  // not twice
  const auto enrolled = audit_entries(acme_, "device.enrolled");
  ASSERT_EQ(enrolled.size(), 1U);
  EXPECT_EQ(enrolled[0].at("actor").as_string().subview().substr(0, 7), "device:");
  EXPECT_TRUE(enrolled[0].at("actor_user_id").is_null());
  EXPECT_TRUE(audit_entries(globex_, "device.enrolled").empty());
}

TEST_F(DeviceAdminTest, TheCliTokenIsAuditedAsTheSystem) {
  ASSERT_TRUE(devices_.create_enrollment_token(acme_, 1, 3600));
  const auto entries = audit_entries(acme_, "enrollment_token.created");
  ASSERT_EQ(entries.size(), 1U);
  EXPECT_EQ(entries[0].at("actor"), "system");
}

TEST_F(DeviceAdminTest, EachRoleSeesTheDevicesThePolicyAllows) {
  const auto [eve_laptop, c1] = enroll_into(acme_, "eve-laptop");
  const auto [mia_laptop, c2] = enroll_into(acme_, "mia-laptop");
  const auto [shared_pc, c3] = enroll_into(acme_, "shared-pc");
  const auto [globex_pc, c4] = enroll_into(globex_, "globex-pc");
  assign(eve_laptop, acme_employee_);
  assign(mia_laptop, acme_manager_);

  EXPECT_EQ(hostnames(sign_in("adam@acme.test")),
            (std::vector<std::string>{"eve-laptop", "mia-laptop", "shared-pc"}));
  EXPECT_EQ(hostnames(sign_in("eve@acme.test")), std::vector<std::string>{"eve-laptop"});
  // A manager without teams sees only their own devices...
  const std::string mia = sign_in("mia@acme.test");
  EXPECT_EQ(hostnames(mia), std::vector<std::string>{"mia-laptop"});
  const std::string eve_path = "/api/v1/devices/" + std::to_string(eve_laptop);
  auto refused = call(make_request("GET", eve_path, {}, mia));
  EXPECT_EQ(refused.status, 403) << refused.body;

  // ...and, once managing Eve's team, Eve's devices too (not the unassigned one).
  const TeamId team = add_to_team(acme_manager_, 0, /*is_manager=*/true);
  add_to_team(acme_employee_, team, /*is_manager=*/false);
  const std::string mia_again = sign_in("mia@acme.test");
  EXPECT_EQ(hostnames(mia_again), (std::vector<std::string>{"eve-laptop", "mia-laptop"}));
  auto allowed = call(make_request("GET", eve_path, {}, mia_again));
  ASSERT_EQ(allowed.status, 200) << allowed.body;
  const auto device = boost::json::parse(allowed.body);
  EXPECT_EQ(device.at("user_id"), acme_employee_);
  EXPECT_EQ(device.at("user_name"), "User eve@acme.test");

  // Another organization's device is not found, whoever asks.
  const std::string globex_path = "/api/v1/devices/" + std::to_string(globex_pc);
  EXPECT_EQ(call(make_request("GET", globex_path, {}, sign_in("ann@acme.test"))).status, 404);
  EXPECT_EQ(call(make_request("GET", "/api/v1/devices/0", {}, mia_again)).status, 404);
}

TEST_F(DeviceAdminTest, PatchRenamesAndAssignsWithinTheOrganizationOnly) {
  const auto [laptop, credential] = enroll_into(acme_, "acme-laptop");
  const std::string admin = sign_in("adam@acme.test");

  auto renamed = patch(
      laptop, R"({"name":"Eve's laptop","user_id":)" + std::to_string(acme_employee_) + "}", admin);
  ASSERT_EQ(renamed.status, 200) << renamed.body;
  auto body = boost::json::parse(renamed.body);
  EXPECT_EQ(body.at("name"), "Eve's laptop");
  EXPECT_EQ(body.at("user_id"), acme_employee_);
  EXPECT_EQ(body.at("user_name"), "User eve@acme.test");
  EXPECT_EQ(hostnames(sign_in("eve@acme.test")), std::vector<std::string>{"acme-laptop"});

  auto foreign_person =
      patch(laptop, R"({"user_id":)" + std::to_string(globex_owner_) + "}", admin);
  EXPECT_EQ(foreign_person.status, 400);
  EXPECT_EQ(error_message(foreign_person), "user_id: no such person");
  EXPECT_EQ(patch(laptop, R"({"name":""})", admin).status, 400);
  EXPECT_EQ(patch(laptop, R"({"owner":1})", admin).status, 400);
  EXPECT_EQ(patch(laptop, R"({"user_id":"x"})", admin).status, 400);

  auto cleared = patch(laptop, R"({"user_id":null})", admin);
  ASSERT_EQ(cleared.status, 200) << cleared.body;
  EXPECT_TRUE(boost::json::parse(cleared.body).at("user_id").is_null());
  EXPECT_EQ(patch(laptop, R"({"user_id":null})", admin).status, 200);  // no change: no entry

  // Role before lookup: an employee gets 403 even for a device that does not exist; another
  // organization's owner gets 404.
  EXPECT_EQ(patch(laptop, R"({"name":"x"})", sign_in("eve@acme.test")).status, 403);
  EXPECT_EQ(patch(999, R"({"name":"x"})", sign_in("mia@acme.test")).status, 403);
  EXPECT_EQ(patch(laptop, R"({"name":"x"})", sign_in("gus@globex.test")).status, 404);

  const auto entries = audit_entries(acme_, "device.updated");
  ASSERT_EQ(entries.size(), 2U);
  EXPECT_EQ(entries[0].at("details").at("changed"), boost::json::parse(R"(["name","user_id"])"));
  EXPECT_EQ(entries[0].at("subject_user_id"), acme_employee_);
  EXPECT_EQ(entries[0].at("actor_user_id"), acme_admin_);
  EXPECT_EQ(entries[1].at("details").at("changed"), boost::json::parse(R"(["user_id"])"));
}

TEST_F(DeviceAdminTest, RevokeCutsTheAgentAndItsCredentialAtOnce) {
  const auto [laptop, credential] = enroll_into(acme_, "acme-laptop");
  const auto agent_peer = std::make_shared<RecordingPeer>();
  hub_.agent_connected(DevicePrincipal{laptop, acme_, std::nullopt}, agent_peer);
  const auto viewer = connect_viewer(Actor{acme_owner_, acme_, Role::owner, {}});
  auto upgrade = make_request("GET", "/ws/agent");
  upgrade.headers.emplace_back("authorization", "Bearer " + credential);
  ASSERT_TRUE(devices_.agent_channel().authenticate(upgrade));

  EXPECT_EQ(revoke(laptop, sign_in("eve@acme.test")).status, 403);
  EXPECT_EQ(revoke(laptop, sign_in("gus@globex.test")).status, 404);
  EXPECT_TRUE(agent_peer->closes().empty());

  clock_.advance(5000);
  auto revoked = revoke(laptop, sign_in("ann@acme.test"));
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_EQ(boost::json::parse(revoked.body).at("revoked"), true);
  ASSERT_EQ(agent_peer->closes().size(), 1U);
  EXPECT_EQ(agent_peer->closes()[0],
            (std::pair<std::uint16_t, std::string>{1008, "device revoked"}));
  auto refused = devices_.agent_channel().authenticate(upgrade);
  ASSERT_FALSE(refused);
  EXPECT_TRUE(refused.error().is(Errc::unauthenticated));
  const auto messages = viewer->messages();
  ASSERT_FALSE(messages.empty());
  EXPECT_EQ(messages.back().at("type"), "device.updated");
  EXPECT_EQ(messages.back().at("device").at("revoked"), true);

  // Revoking again changes nothing and logs nothing more.
  EXPECT_EQ(revoke(laptop, sign_in("adam@acme.test")).status, 200);
  const auto entries = audit_entries(acme_, "device.revoked");
  ASSERT_EQ(entries.size(), 1U);
  EXPECT_EQ(entries[0].at("actor_user_id"), acme_owner_);
  auto revoked_by = db().read([&](storage::Connection& connection) -> Result<std::int64_t> {
    auto statement = connection.prepare("SELECT revoked_by, revoked_at FROM devices WHERE id = ?");
    if (!statement) return statement.error();
    (*statement)->bind_int(1, laptop);
    if (auto row = (*statement)->step(); !row || !*row) return fail(Errc::not_found, "none");
    EXPECT_EQ((*statement)->column_int(1), kStart + 5000);
    return (*statement)->column_int(0);
  });
  ASSERT_TRUE(revoked_by);
  EXPECT_EQ(*revoked_by, acme_owner_);
}

TEST_F(DeviceAdminTest, AConnectionRegisteredAfterTheRevocationIsClosedOnConnect) {
  const auto [laptop, credential] = enroll_into(acme_, "acme-laptop");
  ASSERT_EQ(revoke(laptop, sign_in("ann@acme.test")).status, 200);
  // As net/ does: registered, then on_connected. The revoke's disconnect ran before.
  const auto late = std::make_shared<RecordingPeer>();
  const DevicePrincipal principal{laptop, acme_, std::nullopt};
  hub_.agent_connected(principal, late);
  (void)devices_.agent_channel().on_connected(principal, "203.0.113.9");
  ASSERT_EQ(late->closes().size(), 1U);
  EXPECT_EQ(late->closes()[0].first, 1008);
}

TEST_F(DeviceAdminTest, ManagersHearLiveEventsOfTheirTeamsDevicesOnly) {
  const auto [eve_laptop, c1] = enroll_into(acme_, "eve-laptop");
  const auto [shared_pc, c2] = enroll_into(acme_, "shared-pc");
  assign(eve_laptop, acme_employee_);
  const TeamId team = add_to_team(acme_manager_, 0, /*is_manager=*/true);
  add_to_team(acme_employee_, team, /*is_manager=*/false);
  Actor manager{acme_manager_, acme_, Role::manager, {team}};
  Actor lonely_manager{acme_manager_, acme_, Role::manager, {}};
  const auto team_viewer = connect_viewer(manager);
  const auto lonely_viewer = connect_viewer(lonely_manager);

  auto& agent = devices_.agent_channel();
  (void)agent.on_connected(DevicePrincipal{eve_laptop, acme_, std::nullopt}, "203.0.113.9");
  (void)agent.on_connected(DevicePrincipal{shared_pc, acme_, std::nullopt}, "203.0.113.9");
  const auto heard = team_viewer->messages();
  ASSERT_EQ(heard.size(), 1U);
  EXPECT_EQ(heard[0].at("device").at("id"), eve_laptop);
  EXPECT_TRUE(lonely_viewer->messages().empty());
}

}  // namespace
}  // namespace worktrace::devices
