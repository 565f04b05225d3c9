#include "local_api/pairing.hpp"

#include "local_api/aw_api.hpp"
#include "protocol/json_reader.hpp"
#include "testing/temp_dir.hpp"

#include <sys/stat.h>

#include <gtest/gtest.h>
#include <boost/json/serialize.hpp>

#include <fstream>
#include <set>
#include <string>

namespace worktrace::agent::local_api {
namespace {

constexpr EpochMs kT0 = 1'767'607'200'000;  // 2026-01-05T10:00:00Z
constexpr const char* kChrome = "chrome-extension://abcdefghijklmnopabcdefghijklmnop";
constexpr const char* kFirefox = "moz-extension://0b5a1c3e-8a52-4f3e-9a57-6f2a0f6d1c2b";

unsigned file_mode(const std::filesystem::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return 0;
  return info.st_mode & 0777;
}

// A code that differs from `code` in its last character.
std::string other_code(const std::string& code) {
  std::string wrong = code;
  wrong.back() = wrong.back() == '0' ? '1' : '0';
  return wrong;
}

struct PairingTest : ::testing::Test {
  std::vector<std::string> paired() {
    auto loaded = load_paired_origins(dir.path());
    EXPECT_TRUE(loaded) << loaded.error().message;
    std::vector<std::string> names;
    for (const auto& item : *loaded) names.push_back(item.origin);
    return names;
  }

  agent::testing::TempDir dir;
  ManualClock clock{kT0};
  OriginSet origins{{"chrome-extension://fixedfixedfixedfixedfixedfixedfi"}};
  BrowserPairing pairing{clock, dir.path(), origins};
};

TEST(PairingCode, NormalizesCrockfordBase32) {
  EXPECT_EQ(normalize_pairing_code("abcd-efgh"), "ABCDEFGH");
  EXPECT_EQ(normalize_pairing_code("ilo0 1234"),
            "1100"
            "1234");
  EXPECT_EQ(normalize_pairing_code("ABCDEFG"), std::nullopt);
  EXPECT_EQ(normalize_pairing_code("ABCDEFGHJ"), std::nullopt);
  EXPECT_EQ(normalize_pairing_code("ABCDEFGU"), std::nullopt);  // U is not in the alphabet
  EXPECT_EQ(normalize_pairing_code("ABCD\xc3\xa9"
                                   "FG"),
            std::nullopt);
}

TEST(Origins, ExtensionAndAllowedForms) {
  EXPECT_TRUE(is_extension_origin(kChrome));
  EXPECT_TRUE(is_extension_origin(kFirefox));
  EXPECT_FALSE(is_extension_origin("chrome-extension://"));
  EXPECT_FALSE(is_extension_origin("chrome-extension://abc/"));
  EXPECT_FALSE(is_extension_origin("https://abc"));
  for (const char* good : {kChrome, kFirefox, "http://localhost:3000", "https://example.com",
                           "http://127.0.0.1", "http://[::1]:8080"}) {
    EXPECT_TRUE(is_valid_origin(good)) << good;
  }
  for (const char* bad : {"", "example.com", "https://example.com/", "https://example.com/a",
                          "ftp://example.com", "https://", "https://a:0", "https://a:65536",
                          "https://a:", "https://a b", "http://[zz]", "*"}) {
    EXPECT_FALSE(is_valid_origin(bad)) << bad;
  }
  OriginSet set{{kChrome}};
  EXPECT_TRUE(set.contains(kChrome));
  EXPECT_FALSE(set.contains(kFirefox));
  set.set_paired({kFirefox});
  EXPECT_TRUE(set.contains(kFirefox));
  set.set_paired({});
  EXPECT_FALSE(set.contains(kFirefox));
  EXPECT_TRUE(set.contains(kChrome));
}

TEST_F(PairingTest, IssuedCodesAreRandomAndStoredHashed) {
  std::set<std::string> codes;
  for (int round = 0; round < 20; ++round) {
    auto issued = issue_pairing_code(dir.path(), clock);
    ASSERT_TRUE(issued) << issued.error().message;
    ASSERT_TRUE(normalize_pairing_code(issued->code) == issued->code) << issued->code;
    EXPECT_EQ(issued->expires_ms, kT0 + 10 * 60 * 1000);
    codes.insert(issued->code);
    std::ifstream file(dir.path() / "browser_pairing.json");
    const std::string content((std::istreambuf_iterator<char>(file)), {});
    EXPECT_EQ(content.find(issued->code), std::string::npos) << "the code is stored in clear";
  }
  EXPECT_GT(codes.size(), 18U);
  EXPECT_EQ(file_mode(dir.path() / "browser_pairing.json"), 0600U);
}

TEST_F(PairingTest, RightCodePairsOnceAndPersists) {
  auto issued = issue_pairing_code(dir.path(), clock);
  ASSERT_TRUE(issued);
  EXPECT_FALSE(origins.contains(kChrome));
  std::string typed = issued->code;
  typed.insert(4, "-");
  for (auto& c : typed) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto redeemed = pairing.redeem(kChrome, typed);
  ASSERT_TRUE(redeemed) << redeemed.error().message;
  EXPECT_TRUE(origins.contains(kChrome));
  EXPECT_EQ(paired(), std::vector<std::string>{kChrome});
  EXPECT_EQ(file_mode(dir.path() / "browser_origins.json"), 0600U);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "browser_pairing.json"));

  // Consumed: the same code does not pair a second origin.
  auto again = pairing.redeem(kFirefox, issued->code);
  ASSERT_FALSE(again);
  EXPECT_TRUE(again.error().is(Errc::permission_denied));
  EXPECT_NE(again.error().message.find("no pairing code is pending"), std::string::npos);
  EXPECT_FALSE(origins.contains(kFirefox));
}

TEST_F(PairingTest, WrongCodesAreRefusedThenRateLimited) {
  auto issued = issue_pairing_code(dir.path(), clock);
  ASSERT_TRUE(issued);
  for (std::size_t attempt = 0; attempt < kMaxWrongPairingCodesPerMinute; ++attempt) {
    auto wrong = pairing.redeem(kChrome, other_code(issued->code));
    ASSERT_FALSE(wrong);
    EXPECT_TRUE(wrong.error().is(Errc::permission_denied));
    EXPECT_EQ(wrong.error().message, "wrong pairing code");
    clock.advance(1'000);
  }
  // Even the right code is not compared while limited.
  auto limited = pairing.redeem(kChrome, issued->code);
  ASSERT_FALSE(limited);
  EXPECT_TRUE(limited.error().is(Errc::rate_limited));
  EXPECT_FALSE(origins.contains(kChrome));
  // Malformed codes are 400 and do not count.
  auto malformed = pairing.redeem(kChrome, "nope");
  ASSERT_FALSE(malformed);
  EXPECT_TRUE(malformed.error().is(Errc::invalid_argument));

  clock.advance(60'000);
  auto redeemed = pairing.redeem(kChrome, issued->code);
  ASSERT_TRUE(redeemed) << redeemed.error().message;
  EXPECT_TRUE(origins.contains(kChrome));
}

TEST_F(PairingTest, ExpiredCodeIsRefused) {
  auto issued = issue_pairing_code(dir.path(), clock);
  ASSERT_TRUE(issued);
  clock.advance(kPairingCodeLifetimeMs - 1);
  auto fresh = issue_pairing_code(dir.path(), clock);  // replaces the first
  ASSERT_TRUE(fresh);
  EXPECT_FALSE(pairing.redeem(kChrome, issued->code));  // 1 in 2^40 to fail by chance
  clock.advance(kPairingCodeLifetimeMs);
  auto expired = pairing.redeem(kChrome, fresh->code);
  ASSERT_FALSE(expired);
  EXPECT_TRUE(expired.error().is(Errc::permission_denied));
  EXPECT_NE(expired.error().message.find("expired"), std::string::npos);
  EXPECT_FALSE(origins.contains(kChrome));
}

TEST_F(PairingTest, OnlyExtensionOriginsPair) {
  auto issued = issue_pairing_code(dir.path(), clock);
  ASSERT_TRUE(issued);
  auto web = pairing.redeem("https://evil.test", issued->code);
  ASSERT_FALSE(web);
  EXPECT_TRUE(web.error().is(Errc::permission_denied));
  EXPECT_TRUE(pairing.redeem(kFirefox, issued->code));
  EXPECT_TRUE(origins.contains(kFirefox));
}

TEST_F(PairingTest, KeepsTheNewestSixteenOrigins) {
  std::vector<std::string> expected;
  for (int origin_idx = 0; origin_idx < 18; ++origin_idx) {
    const std::string origin = "chrome-extension://origin" + std::to_string(origin_idx);
    auto issued = issue_pairing_code(dir.path(), clock);
    ASSERT_TRUE(issued);
    ASSERT_TRUE(pairing.redeem(origin, issued->code));
    expected.push_back(origin);
    clock.advance(1'000);
  }
  expected.erase(expected.begin(), expected.begin() + 2);
  EXPECT_EQ(paired(), expected);
  EXPECT_FALSE(origins.contains("chrome-extension://origin0"));
  EXPECT_FALSE(origins.contains("chrome-extension://origin1"));
  EXPECT_TRUE(origins.contains("chrome-extension://origin17"));
}

TEST_F(PairingTest, MalformedOriginsFileIsReported) {
  std::ofstream(dir.path() / "browser_origins.json")
      << R"({"origins":[{"origin":"https://evil.test","paired_ms":1}]})";
  auto loaded = load_paired_origins(dir.path());
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().message,
            "browser_origins.json.origins[0].origin: not an extension origin");
  EXPECT_TRUE(load_paired_origins(dir.path() / "missing"));
}

// The pairing route and Private Network Access through AwApi, as plain values.
struct AwApiPairingTest : PairingTest {
  AwApiPairingTest() {
    AwApiOptions options;
    options.allowed_origins = {"chrome-extension://fixedfixedfixedfixedfixedfixedfi"};
    options.worktrace_info = [] { return boost::json::object{{"tracking", "active"}}; };
    options.pair = [this](std::string_view origin, std::string_view code) {
      return api_pairing->redeem(origin, code);
    };
    api = std::make_unique<AwApi>(clock, options, nullptr);
    api_pairing = std::make_unique<BrowserPairing>(clock, dir.path(), api->origins());
  }
  LocalResponse call(std::string method, std::string target, std::string body, std::string origin,
                     bool private_network = false) {
    LocalRequest request{std::move(method), std::move(target), "127.0.0.1:5600", std::move(origin),
                         std::move(body)};
    request.private_network = private_network;
    return api->handle(request);
  }
  std::unique_ptr<AwApi> api;
  std::unique_ptr<BrowserPairing> api_pairing;
};

TEST_F(AwApiPairingTest, PairRouteAllowsTheOriginAndInfoSaysSo) {
  auto info = call("GET", "/api/0/info", "", kChrome);
  ASSERT_EQ(info.status, 200) << info.body;
  EXPECT_EQ(protocol::parse_json(info.body)->at("worktrace"),
            protocol::parse_json(R"({"tracking":"active","paired":false})").value());
  EXPECT_EQ(call("GET", "/api/0/buckets/", "", kChrome).status, 403);
  EXPECT_EQ(call("OPTIONS", "/api/0/worktrace/pair", "", kChrome).status, 204);

  auto issued = issue_pairing_code(dir.path(), clock);
  ASSERT_TRUE(issued);
  auto bad = call("POST", "/api/0/worktrace/pair", R"({"code":1})", kChrome);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(protocol::parse_json(bad.body)->at("error").at("message"), "$.code: must be a string");
  auto wrong = call("POST", "/api/0/worktrace/pair",
                    R"({"code":")" + other_code(issued->code) + R"("})", kChrome);
  EXPECT_EQ(wrong.status, 403);
  EXPECT_EQ(protocol::parse_json(wrong.body)->at("error").at("code"), "permission_denied");
  auto web = call("POST", "/api/0/worktrace/pair", R"({"code":")" + issued->code + R"("})",
                  "https://evil.test");
  EXPECT_EQ(web.status, 403);
  auto right =
      call("POST", "/api/0/worktrace/pair", R"({"code":")" + issued->code + R"("})", kChrome);
  ASSERT_EQ(right.status, 200) << right.body;
  EXPECT_EQ(
      protocol::parse_json(right.body).value(),
      protocol::parse_json(std::string(R"({"paired":true,"origin":")") + kChrome + "\"}").value());
  EXPECT_EQ(call("GET", "/api/0/buckets/", "", kChrome).status, 200);
  info = call("GET", "/api/0/info", "", kChrome);
  EXPECT_EQ(protocol::parse_json(info.body)->at("worktrace").at("paired"), true);
}

TEST_F(AwApiPairingTest, PrivateNetworkPreflight) {
  const char* fixed = "chrome-extension://fixedfixedfixedfixedfixedfixedfi";
  auto preflight = call("OPTIONS", "/api/0/buckets/b", "", fixed, true);
  EXPECT_EQ(preflight.status, 204);
  bool allowed = false;
  for (const auto& [name, value] : preflight.headers) {
    if (name == "Access-Control-Allow-Private-Network") allowed = value == "true";
  }
  EXPECT_TRUE(allowed);
  auto plain = call("OPTIONS", "/api/0/buckets/b", "", fixed, false);
  for (const auto& [name, value] : plain.headers) {
    EXPECT_NE(name, "Access-Control-Allow-Private-Network");
  }
  EXPECT_EQ(call("OPTIONS", "/api/0/buckets/b", "", "https://evil.test", true).status, 403);
  EXPECT_EQ(call("POST", "/api/0/buckets/b", "", fixed).status, 400);  // an empty body
  LocalRequest cut{"POST", "/api/0/buckets/b", "localhost", fixed, ""};
  cut.body_too_large = true;
  EXPECT_EQ(api->handle(cut).status, 413);
}

}  // namespace
}  // namespace worktrace::agent::local_api
