#include "devices/device_service.hpp"

#include "auth/tokens.hpp"
#include "devices/test_support.hpp"

#include <gtest/gtest.h>

#include <future>

namespace worktrace::devices {
namespace {

using namespace testing;
using auth::testing::make_request;

std::string error_message(const api::Response& response) {
  return std::string(boost::json::parse(response.body).at("error").at("message").as_string());
}

TEST_F(DevicesTest, CreateEnrollmentTokenChecksItsArgumentsAndStoresOnlyAHash) {
  EXPECT_EQ(devices_.create_enrollment_token(acme_, 0, 3600).error().message,
            "uses: must be between 1 and 1000");
  EXPECT_EQ(devices_.create_enrollment_token(acme_, 1001, 3600).error().message,
            "uses: must be between 1 and 1000");
  EXPECT_EQ(devices_.create_enrollment_token(acme_, 1, 59).error().message,
            "ttl_s: must be between 60 and 2592000");
  EXPECT_TRUE(devices_.create_enrollment_token(acme_, 1, 59).error().is(Errc::invalid_argument));
  EXPECT_EQ(devices_.create_enrollment_token(acme_, 1, 2'592'001).error().message,
            "ttl_s: must be between 60 and 2592000");

  auto token = devices_.create_enrollment_token(acme_, 5, 600);
  ASSERT_TRUE(token) << token.error().message;
  EXPECT_EQ(token->token.substr(0, 4), "wte_");
  EXPECT_EQ(token->token.size(), 47u);
  EXPECT_EQ(token->uses, 5);
  EXPECT_EQ(token->expires_at, kStart + 600'000);

  auto stored =
      db().read([&](storage::Connection& connection) -> Result<std::vector<unsigned char>> {
        auto statement = connection.prepare(
            "SELECT token_hash, uses_left, org_id FROM enrollment_tokens WHERE id = ?");
        if (!statement) return statement.error();
        (*statement)->bind_int(1, token->id);
        if (auto row = (*statement)->step(); !row || !*row) return fail(Errc::not_found, "none");
        EXPECT_EQ((*statement)->column_int(1), 5);
        EXPECT_EQ((*statement)->column_int(2), acme_);
        return (*statement)->column_blob(0);
      });
  ASSERT_TRUE(stored);
  const auto hash = auth::hash_token(token->token);
  EXPECT_EQ(*stored, std::vector<unsigned char>(hash.begin(), hash.end()));
}

TEST_F(DevicesTest, EnrollmentTokenRouteIsForOwnersAndAdmins) {
  auto post = [&](const std::string& body, const std::string& cookie) {
    return call(make_request("POST", "/api/v1/enrollment-tokens", body, cookie));
  };
  EXPECT_EQ(post("{}", "").status, 401);
  const std::string employee = sign_in("eve@acme.test");
  auto denied = post("{}", employee);
  EXPECT_EQ(denied.status, 403) << denied.body;

  const std::string owner = sign_in("ann@acme.test");
  auto created = post("{}", owner);
  ASSERT_EQ(created.status, 201) << created.body;
  const auto body = boost::json::parse(created.body);
  EXPECT_EQ(body.at("uses"), 1);
  EXPECT_EQ(body.at("expires_at"), kStart + 86'400'000);
  EXPECT_EQ(body.at("token").as_string().subview().substr(0, 4), "wte_");
  EXPECT_GT(body.at("id").as_int64(), 0);

  auto custom = post(R"({"uses":10,"ttl_s":120})", owner);
  ASSERT_EQ(custom.status, 201) << custom.body;
  EXPECT_EQ(boost::json::parse(custom.body).at("uses"), 10);

  auto bad_uses = post(R"({"uses":1001})", owner);
  EXPECT_EQ(bad_uses.status, 400);
  EXPECT_EQ(error_message(bad_uses), "$.uses: must be between 1 and 1000");
  auto bad_ttl = post(R"({"ttl_s":"long"})", owner);
  EXPECT_EQ(bad_ttl.status, 400);
  EXPECT_EQ(error_message(bad_ttl), "$.ttl_s: must be an integer");

  auto no_type = make_request("POST", "/api/v1/enrollment-tokens", "{}", owner);
  std::erase_if(no_type.headers, [](const auto& header) { return header.first == "content-type"; });
  EXPECT_EQ(call(std::move(no_type)).status, 415);

  // The token records who made it.
  auto creator = db().read([&](storage::Connection& connection) -> Result<std::int64_t> {
    auto statement = connection.prepare("SELECT created_by FROM enrollment_tokens WHERE id = ?");
    if (!statement) return statement.error();
    (*statement)->bind_int(1, body.at("id").as_int64());
    if (auto row = (*statement)->step(); !row || !*row) return fail(Errc::not_found, "none");
    return (*statement)->column_int(0);
  });
  ASSERT_TRUE(creator);
  EXPECT_EQ(*creator, acme_owner_);
}

TEST_F(DevicesTest, EnrollConsumesOneUsePerDeviceAndReturnsTheCredentialOnce) {
  auto token = devices_.create_enrollment_token(acme_, 2, 3600);
  ASSERT_TRUE(token);
  auto first = enroll(token->token, "laptop-1");
  ASSERT_EQ(first.status, 201) << first.body;
  const auto body = boost::json::parse(first.body);
  EXPECT_EQ(body.at("org_id"), acme_);
  EXPECT_EQ(body.at("org_name"), "Acme");
  const std::string credential(body.at("credential").as_string());
  EXPECT_EQ(credential.substr(0, 4), "wtd_");
  EXPECT_EQ(credential.size(), 47u);

  auto second = enroll(token->token, "laptop-2");
  ASSERT_EQ(second.status, 201) << second.body;
  EXPECT_NE(boost::json::parse(second.body).at("credential"), body.at("credential"));
  auto third = enroll(token->token, "laptop-3");
  EXPECT_EQ(third.status, 401);
  EXPECT_EQ(error_message(third), "enrollment token is unknown, expired or used up");

  auto stored =
      db().read([&](storage::Connection& connection) -> Result<std::vector<unsigned char>> {
        auto statement = connection.prepare(
            "SELECT credential_hash, remote_ip, name, org_id FROM devices WHERE id = ?");
        if (!statement) return statement.error();
        (*statement)->bind_int(1, body.at("device_id").as_int64());
        if (auto row = (*statement)->step(); !row || !*row) return fail(Errc::not_found, "none");
        EXPECT_EQ((*statement)->column_text(1), "198.51.100.7");
        EXPECT_EQ((*statement)->column_text(2), "laptop-1");
        EXPECT_EQ((*statement)->column_int(3), acme_);
        return (*statement)->column_blob(0);
      });
  ASSERT_TRUE(stored) << stored.error().message;
  const auto hash = auth::hash_token(credential);
  EXPECT_EQ(*stored, std::vector<unsigned char>(hash.begin(), hash.end()));
}

TEST_F(DevicesTest, EnrollRefusesExpiredUnknownAndMalformedTokens) {
  auto token = devices_.create_enrollment_token(acme_, 5, 60);
  ASSERT_TRUE(token);
  clock_.advance(60'000);
  EXPECT_EQ(enroll(token->token, "late").status, 401);
  clock_.advance(-1);
  EXPECT_EQ(enroll(token->token, "just-in-time").status, 201);

  EXPECT_EQ(enroll("wte_" + std::string(43, 'A'), "guess").status, 401);
  EXPECT_EQ(enroll("wtd_" + token->token.substr(4), "wrong-kind").status, 401);
  auto too_long = enroll(std::string(200, 'x'), "long");
  EXPECT_EQ(too_long.status, 400);
  EXPECT_EQ(error_message(too_long), "$.token: must be at most 128 bytes");

  auto no_hostname =
      call(make_request("POST", "/api/v1/agent/enroll",
                        R"({"token":")" + token->token + R"(","device":{"agent_version":"1"}})"));
  EXPECT_EQ(no_hostname.status, 400);
  EXPECT_EQ(error_message(no_hostname), "$.device.hostname: is required");
  // A refused body did not use the token up.
  auto left = db().read([&](storage::Connection& connection) -> Result<std::int64_t> {
    auto statement = connection.prepare("SELECT uses_left FROM enrollment_tokens WHERE id = ?");
    if (!statement) return statement.error();
    (*statement)->bind_int(1, token->id);
    if (auto row = (*statement)->step(); !row || !*row) return fail(Errc::not_found, "none");
    return (*statement)->column_int(0);
  });
  EXPECT_EQ(*left, 4);
}

TEST_F(DevicesTest, EnrollTakesAnOptionalNameThatDefaultsToTheHostname) {
  auto token = devices_.create_enrollment_token(acme_, 3, 3600);
  ASSERT_TRUE(token);
  auto with_name = [&](const boost::json::value& name) {
    boost::json::object body = {{"token", token->token},
                                {"device", protocol::to_json(sample_info("host-a"))}};
    if (!name.is_null()) body["name"] = name;
    return call(make_request("POST", "/api/v1/agent/enroll", boost::json::serialize(body)));
  };
  auto too_long = with_name(boost::json::string(std::string(256, 'n')));
  EXPECT_EQ(too_long.status, 400);
  EXPECT_EQ(error_message(too_long), "$.name: must be at most 255 bytes");
  EXPECT_EQ(with_name(boost::json::string("Reception PC")).status, 201);
  EXPECT_EQ(with_name(boost::json::string("")).status, 201);
  EXPECT_EQ(with_name(nullptr).status, 201);

  const std::string owner = sign_in("ann@acme.test");
  const auto listed =
      boost::json::parse(call(make_request("GET", "/api/v1/devices", {}, owner)).body);
  std::vector<std::string> names;
  for (const auto& device : listed.at("devices").as_array()) {
    names.emplace_back(device.at("name").as_string());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"Reception PC", "host-a", "host-a"}));
}

TEST_F(DevicesTest, AOneUseTokenEnrollsOneDeviceUnderConcurrency) {
  auto token = devices_.create_enrollment_token(acme_, 1, 3600);
  ASSERT_TRUE(token);
  std::vector<std::future<int>> attempts;
  for (int attempt = 0; attempt < 4; ++attempt) {
    attempts.push_back(std::async(std::launch::async, [&, attempt] {
      return enroll(token->token, "racer-" + std::to_string(attempt)).status;
    }));
  }
  int created = 0;
  for (auto& attempt : attempts) {
    const int status = attempt.get();
    EXPECT_TRUE(status == 201 || status == 401) << status;
    created += status == 201;
  }
  EXPECT_EQ(created, 1);
}

TEST_F(DevicesTest, ListShowsOnlyTheCallersOrganizationAndEmployeesOwnDevices) {
  const auto [laptop, laptop_credential] = enroll_into(acme_, "acme-laptop");
  const auto [desktop, desktop_credential] = enroll_into(acme_, "acme-desktop");
  const auto [globex_pc, globex_credential] = enroll_into(globex_, "globex-pc");

  auto hostnames = [&](const std::string& cookie) {
    auto response = call(make_request("GET", "/api/v1/devices", {}, cookie));
    EXPECT_EQ(response.status, 200) << response.body;
    std::vector<std::string> names;
    const auto body = boost::json::parse(response.body);
    for (const auto& device : body.at("devices").as_array()) {
      names.emplace_back(device.at("hostname").as_string());
    }
    return names;
  };
  EXPECT_EQ(hostnames(sign_in("ann@acme.test")),
            (std::vector<std::string>{"acme-laptop", "acme-desktop"}));
  EXPECT_EQ(hostnames(sign_in("gus@globex.test")), std::vector<std::string>{"globex-pc"});

  const std::string employee = sign_in("eve@acme.test");
  EXPECT_TRUE(hostnames(employee).empty());
  ASSERT_TRUE(db().write([&](storage::Connection& connection) -> Result<bool> {
    auto statement = connection.prepare("UPDATE devices SET user_id = ? WHERE id = ?");
    if (!statement) return statement.error();
    (*statement)->bind_int(1, acme_employee_);
    (*statement)->bind_int(2, desktop);
    return (*statement)->step();
  }));
  EXPECT_EQ(hostnames(employee), std::vector<std::string>{"acme-desktop"});

  EXPECT_EQ(call(make_request("GET", "/api/v1/devices")).status, 401);
}

TEST_F(DevicesTest, ListRendersTheDeviceObjectWithOnlineFromTheHub) {
  const auto [device_id, credential] = enroll_into(acme_, "acme-laptop");
  const std::string owner = sign_in("ann@acme.test");
  auto first_device = [&] {
    auto response = call(make_request("GET", "/api/v1/devices", {}, owner));
    return boost::json::parse(response.body).at("devices").at(0);
  };
  auto expected = protocol::to_json(sample_info("acme-laptop"));
  expected["id"] = device_id;
  expected["name"] = "acme-laptop";
  expected["user_id"] = nullptr;
  expected["user_name"] = nullptr;
  expected["remote_ip"] = "198.51.100.7";
  expected["enrolled_at"] = kStart;
  expected["last_seen_at"] = kStart;
  expected["online"] = false;
  expected["revoked"] = false;
  EXPECT_EQ(first_device(), boost::json::value(expected));

  hub_.agent_connected(DevicePrincipal{device_id, acme_, std::nullopt},
                       std::make_shared<RecordingPeer>());
  EXPECT_EQ(first_device().at("online"), true);
}

}  // namespace
}  // namespace worktrace::devices
