#include "auth/test_fixture.hpp"
#include "auth/totp.hpp"

#include <gtest/gtest.h>
#include <liboath/oath.h>

#include <cstdlib>

namespace worktrace::auth {
namespace {

using namespace testing;

class TwoFactorTest : public AuthFixture {
 protected:
  // Sets up and enables TOTP for ann through the API; returns the recovery codes.
  std::vector<std::string> enable_for_ann() {
    const SignedIn session = sign_in_as("ann@acme.test");
    auto setup = send_as(session, "POST", "/api/v1/me/2fa/setup");
    if (setup.status != 200) throw std::runtime_error("setup: " + setup.body);
    secret_ = decode(std::string(json_of(setup).at("secret").as_string()));
    auto enabled = send_as(session, "POST", "/api/v1/me/2fa/enable", code_body(code_now()));
    if (enabled.status != 200) throw std::runtime_error("enable: " + enabled.body);
    std::vector<std::string> codes;
    const auto body = json_of(enabled);
    for (const auto& code : body.at("recovery_codes").as_array()) {
      codes.emplace_back(code.as_string());
    }
    return codes;
  }

  static std::vector<unsigned char> decode(const std::string& base32) {
    char* out = nullptr;
    std::size_t out_len = 0;
    if (oath_base32_decode(base32.data(), base32.size(), &out, &out_len) != OATH_OK) {
      throw std::runtime_error("bad base32");
    }
    std::vector<unsigned char> bytes(out, out + out_len);
    std::free(out);
    return bytes;
  }

  std::string code_now(EpochMs offset_ms = 0) {
    return *totp::generate(secret_, static_cast<std::time_t>((clock_.now_ms() + offset_ms) / 1000));
  }

  static std::string code_body(const std::string& code, std::string_view password = kPassword) {
    return boost::json::serialize(boost::json::object{{"code", code}, {"password", password}});
  }

  // POST /auth/login for ann: the challenge.
  std::string challenge() {
    auto response = send(make_request("POST", "/api/v1/auth/login",
                                      R"({"email":"ann@acme.test","password":"s3cret-enough"})"));
    EXPECT_EQ(response.status, 200) << response.body;
    EXPECT_EQ(json_of(response).at("mfa_required"), true);
    EXPECT_TRUE(header_of(response, "Set-Cookie").empty());
    return std::string(json_of(response).at("challenge").as_string());
  }

  api::Response second_step(const std::string& challenge, const std::string& code) {
    const boost::json::object body{{"challenge", challenge}, {"code", code}};
    return send(make_request("POST", "/api/v1/auth/login/2fa", boost::json::serialize(body)));
  }

  std::vector<unsigned char> secret_;
};

TEST_F(TwoFactorTest, SetupGivesASecretAndAnOtpauthUri) {
  const SignedIn session = sign_in_as("ann@acme.test");
  auto setup = send_as(session, "POST", "/api/v1/me/2fa/setup");
  ASSERT_EQ(setup.status, 200) << setup.body;
  const std::string secret(json_of(setup).at("secret").as_string());
  EXPECT_EQ(secret.size(), 32u);
  EXPECT_EQ(decode(secret).size(), totp::kSecretBytes);
  EXPECT_EQ(json_of(setup).at("otpauth_uri").as_string(),
            "otpauth://totp/Worktrace:ann@acme.test?secret=" + secret +
                "&issuer=Worktrace&algorithm=SHA1&digits=6&period=30");
  // Stored sealed, never in the clear.
  auto sealed =
      db().read([&](storage::Connection& connection) -> Result<std::vector<unsigned char>> {
        auto statement = connection.prepare("SELECT sealed_secret FROM user_totp");
        if (!statement) return statement.error();
        if (auto row = (*statement)->step(); !row || !*row) return fail(Errc::not_found, "none");
        return (*statement)->column_blob(0);
      });
  ASSERT_TRUE(sealed);
  const auto plain = decode(secret);
  EXPECT_EQ(std::search(sealed->begin(), sealed->end(), plain.begin(), plain.end()), sealed->end());
}

TEST_F(TwoFactorTest, EnableNeedsTheRightCodeAndGivesTenRecoveryCodes) {
  const SignedIn session = sign_in_as("ann@acme.test");
  EXPECT_EQ(send_as(session, "POST", "/api/v1/me/2fa/enable", code_body("123456")).status, 409);
  auto setup = send_as(session, "POST", "/api/v1/me/2fa/setup");
  secret_ = decode(std::string(json_of(setup).at("secret").as_string()));
  auto wrong = send_as(session, "POST", "/api/v1/me/2fa/enable", code_body(code_now(90'000)));
  EXPECT_EQ(wrong.status, 400);
  EXPECT_EQ(message_of(wrong), "code: is wrong");
  EXPECT_EQ(send_as(session, "POST", "/api/v1/me/2fa/enable", code_body("12ab56")).status, 400);
  // A stolen cookie is not enough: the password is needed too.
  auto no_password = send_as(session, "POST", "/api/v1/me/2fa/enable",
                             boost::json::serialize(boost::json::object{{"code", code_now()}}));
  EXPECT_EQ(no_password.status, 400);
  EXPECT_EQ(message_of(no_password), "$.password: is required");
  auto wrong_password =
      send_as(session, "POST", "/api/v1/me/2fa/enable", code_body(code_now(), "not-it-at-all"));
  EXPECT_EQ(wrong_password.status, 400);
  EXPECT_EQ(message_of(wrong_password), "password: is wrong");
  EXPECT_EQ(audit_count(db(), "auth.2fa_enabled"), 0);

  auto enabled = send_as(session, "POST", "/api/v1/me/2fa/enable", code_body(code_now()));
  ASSERT_EQ(enabled.status, 200) << enabled.body;
  EXPECT_EQ(json_of(enabled).at("recovery_codes").as_array().size(), 10u);
  EXPECT_EQ(audit_count(db(), "auth.2fa_enabled"), 1);
  EXPECT_EQ(json_of(send_as(session, "GET", "/api/v1/me")).at("user").at("totp_enabled"), true);
  EXPECT_EQ(send_as(session, "POST", "/api/v1/me/2fa/setup").status, 409);
}

TEST_F(TwoFactorTest, SignInTakesASecondStepAndRefusesReplayedCodes) {
  enable_for_ann();
  const std::string used_at_enable = code_now();
  auto replay = second_step(challenge(), used_at_enable);
  EXPECT_EQ(replay.status, 401);
  EXPECT_EQ(message_of(replay), "code is wrong");
  EXPECT_EQ(audit_count(db(), "auth.2fa_challenge_failed"), 1);

  clock_.advance(30'000);
  const std::string fresh = code_now();
  const std::string pending = challenge();
  auto signed_in = second_step(pending, fresh);
  ASSERT_EQ(signed_in.status, 200) << signed_in.body;
  EXPECT_FALSE(session_token(signed_in).empty());
  EXPECT_EQ(json_of(signed_in).at("user").at("totp_enabled"), true);
  EXPECT_EQ(json_of(signed_in).at("mfa_setup_required"), false);
  EXPECT_EQ(second_step(pending, fresh).status, 401);      // the challenge is spent
  EXPECT_EQ(second_step(challenge(), fresh).status, 401);  // and the code too
}

TEST_F(TwoFactorTest, AcceptsOneStepOfSkewButNotTwo) {
  enable_for_ann();
  clock_.advance(10 * 30'000);
  EXPECT_EQ(second_step(challenge(), code_now(-60'000)).status, 401);
  EXPECT_EQ(second_step(challenge(), code_now(60'000)).status, 401);
  EXPECT_EQ(second_step(challenge(), code_now(-30'000)).status, 200);
  EXPECT_EQ(second_step(challenge(), code_now(30'000)).status, 200);
  EXPECT_EQ(second_step(challenge(), code_now()).status, 401);  // older than the last accepted
}

TEST_F(TwoFactorTest, RecoveryCodesWorkOnceEach) {
  const auto codes = enable_for_ann();
  std::string shouted = codes[0];
  for (char& ch : shouted) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  EXPECT_EQ(second_step(challenge(), shouted).status, 200);
  EXPECT_EQ(second_step(challenge(), codes[0]).status, 401);
  EXPECT_EQ(second_step(challenge(), codes[1]).status, 200);
}

TEST_F(TwoFactorTest, AChallengeAllowsFiveAttemptsInFiveMinutes) {
  enable_for_ann();
  clock_.advance(30'000);
  const std::string pending = challenge();
  for (int attempt = 0; attempt < kChallengeAttempts; ++attempt) {
    EXPECT_EQ(second_step(pending, "000000").status, 401);
  }
  EXPECT_EQ(second_step(pending, code_now()).status, 401);

  clock_.advance(60'000);
  const std::string late = challenge();
  clock_.advance(kChallengeLifetimeMs);
  EXPECT_EQ(second_step(late, code_now()).status, 401);
}

TEST_F(TwoFactorTest, DisableNeedsThePasswordAndIsRefusedWhenTheOrgRequires2fa) {
  enable_for_ann();
  clock_.advance(30'000);
  auto signed_in = second_step(challenge(), code_now());
  const SignedIn session{session_token(signed_in),
                         std::string(json_of(signed_in).at("csrf_token").as_string())};

  exec_sql(db(), "UPDATE organizations SET require_2fa = 1");
  auth_.invalidate_cache();
  auto required =
      send_as(session, "POST", "/api/v1/me/2fa/disable", R"({"password":"s3cret-enough"})");
  EXPECT_EQ(required.status, 409);
  exec_sql(db(), "UPDATE organizations SET require_2fa = 0");

  auto wrong =
      send_as(session, "POST", "/api/v1/me/2fa/disable", R"({"password":"not-it-at-all"})");
  EXPECT_EQ(wrong.status, 400);
  EXPECT_EQ(message_of(wrong), "password: is wrong");
  EXPECT_EQ(
      send_as(session, "POST", "/api/v1/me/2fa/disable", R"({"password":"s3cret-enough"})").status,
      204);
  EXPECT_EQ(audit_count(db(), "auth.2fa_disabled"), 1);
  EXPECT_EQ(send(make_request("POST", "/api/v1/auth/login",
                              R"({"email":"ann@acme.test","password":"s3cret-enough"})"))
                .status,
            200);
}

TEST_F(TwoFactorTest, RegeneratingRecoveryCodesVoidsTheOldOnes) {
  const auto old_codes = enable_for_ann();
  clock_.advance(30'000);
  auto signed_in = second_step(challenge(), code_now());
  const SignedIn session{session_token(signed_in),
                         std::string(json_of(signed_in).at("csrf_token").as_string())};
  auto fresh =
      send_as(session, "POST", "/api/v1/me/2fa/recovery-codes", R"({"password":"s3cret-enough"})");
  ASSERT_EQ(fresh.status, 200) << fresh.body;
  EXPECT_EQ(audit_count(db(), "auth.recovery_codes_regenerated"), 1);
  const std::string new_code(json_of(fresh).at("recovery_codes").as_array()[0].as_string());
  EXPECT_EQ(second_step(challenge(), old_codes[2]).status, 401);
  EXPECT_EQ(second_step(challenge(), new_code).status, 200);
}

TEST_F(TwoFactorTest, WrongCodesSlowTheAccountDownEvenAfterTheRightPassword) {
  enable_for_ann();
  clock_.advance(30'000);
  const std::string first = challenge();
  const std::string second = challenge();
  for (int attempt = 0; attempt < LoginThrottle::kPairFreeFailures; ++attempt) {
    EXPECT_EQ(second_step(first, "000000").status, 401);
  }
  auto throttled = second_step(second, code_now());
  EXPECT_EQ(throttled.status, 429);
  EXPECT_EQ(header_of(throttled, "Retry-After"), "1");
  clock_.advance(1000);
  EXPECT_EQ(second_step(second, code_now()).status, 200);
}

}  // namespace
}  // namespace worktrace::auth
