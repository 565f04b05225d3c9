#include "app/tls_pin.hpp"

#include "app/server_info_routes.hpp"
#include "devices/test_support.hpp"
#include "storage/test_support.hpp"

#include <boost/json/parse.hpp>

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>

namespace worktrace::app {
namespace {

using storage::testing::TempDir;

// Runs `command` in a shell and returns what it printed, without the final newline.
std::string shell(const std::string& command) {
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("popen failed: " + command);
  std::string out;
  char buffer[256];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) out += buffer;
  if (::pclose(pipe) != 0) throw std::runtime_error("failed: " + command);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// A self-signed certificate made by the openssl CLI in `dir`; returns its PEM file.
std::filesystem::path make_certificate(const std::filesystem::path& dir, const std::string& name,
                                       const std::string& key_type) {
  const auto cert = dir / (name + ".pem");
  shell("openssl req -x509 -newkey " + key_type + " -nodes -keyout " +
        (dir / (name + ".key")).string() + " -out " + cert.string() + " -subj /CN=" + name +
        " -days 1 2>/dev/null");
  return cert;
}

// The pin as the contract computes it with the openssl CLI.
std::string openssl_pin(const std::filesystem::path& cert) {
  return shell("openssl x509 -in " + cert.string() +
               " -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 "
               "-binary | base64");
}

TEST(TlsPinTest, MatchesTheOpensslPipelineForEcAndRsaKeys) {
  TempDir dir;
  for (const auto& [name, key_type] :
       {std::pair{"ec", "ec -pkeyopt ec_paramgen_curve:P-256"}, std::pair{"rsa", "rsa:2048"}}) {
    const auto cert = make_certificate(dir.path(), name, key_type);
    auto pin = spki_pin_sha256(cert);
    ASSERT_TRUE(pin) << pin.error().message;
    EXPECT_EQ(pin->size(), 44U);
    EXPECT_EQ(*pin, openssl_pin(cert)) << name;
  }
}

TEST(TlsPinTest, AChainIsPinnedByItsFirstCertificate) {
  TempDir dir;
  const auto leaf = make_certificate(dir.path(), "leaf", "ec -pkeyopt ec_paramgen_curve:P-256");
  const auto other = make_certificate(dir.path(), "other", "ec -pkeyopt ec_paramgen_curve:P-256");
  const auto chain = dir.path() / "chain.pem";
  shell("cat " + leaf.string() + " " + other.string() + " > " + chain.string());
  EXPECT_EQ(*spki_pin_sha256(chain), openssl_pin(leaf));
  EXPECT_NE(*spki_pin_sha256(chain), *spki_pin_sha256(other));
}

TEST(TlsPinTest, MissingAndNonCertificateFilesAreErrors) {
  TempDir dir;
  auto missing = spki_pin_sha256(dir.path() / "none.pem");
  ASSERT_FALSE(missing);
  EXPECT_TRUE(missing.error().is(Errc::io_error));
  const auto junk = dir.path() / "junk.pem";
  std::ofstream(junk) << "not a certificate\n";
  auto bad = spki_pin_sha256(junk);
  ASSERT_FALSE(bad);
  EXPECT_TRUE(bad.error().is(Errc::invalid_argument));
  EXPECT_NE(bad.error().message.find(junk.string()), std::string::npos) << bad.error().message;
}

class ServerInfoRoutesTest : public devices::testing::DevicesTest {
 protected:
  // GET /api/v1/server/tls as `email` on a router whose server has `pin`.
  api::Response get_tls(std::optional<std::string> pin, std::string_view email) {
    ServerInfoRoutes routes(auth_, std::move(pin));
    api::Router router;
    routes.register_routes(router);
    auto request = auth::testing::make_request("GET", "/api/v1/server/tls", {},
                                               email.empty() ? "" : sign_in(email));
    return auth::testing::call(router, std::move(request));
  }
};

TEST_F(ServerInfoRoutesTest, OwnersAndAdminsReadThePinOthersAreRefused) {
  const std::string pin = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
  for (const char* email : {"ann@acme.test", "adam@acme.test", "gus@globex.test"}) {
    auto response = get_tls(pin, email);
    ASSERT_EQ(response.status, 200) << email << response.body;
    EXPECT_EQ(boost::json::parse(response.body),
              boost::json::parse(R"({"pin_sha256":")" + pin + R"("})"));
  }
  auto plain = get_tls(std::nullopt, "ann@acme.test");
  ASSERT_EQ(plain.status, 200) << plain.body;
  EXPECT_EQ(boost::json::parse(plain.body), boost::json::parse(R"({"pin_sha256":null})"));
  for (const char* email : {"mia@acme.test", "eve@acme.test"}) {
    auto response = get_tls(pin, email);
    EXPECT_EQ(response.status, 403) << email << response.body;
    EXPECT_EQ(response.body.find(pin), std::string::npos) << email;
  }
  EXPECT_EQ(get_tls(pin, "").status, 401);
}

}  // namespace
}  // namespace worktrace::app
