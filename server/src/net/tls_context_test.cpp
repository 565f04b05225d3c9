// TLS over real sockets: HTTPS and WSS with a certificate made for the test, and the
// errors for bad certificate and key files.
#include "net/tls_context.hpp"

#include "net/test_client.hpp"
#include "net/test_server.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <cstdlib>
#include <string>

namespace worktrace::net::testing {
namespace {

namespace json = boost::json;

// A self-signed certificate for 127.0.0.1, made with the openssl command.
class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cert_ = server_.temp_path() / "cert.pem";
    key_ = server_.temp_path() / "key.pem";
    const std::string command =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
        "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout " +
        key_.string() + " -out " + cert_.string() + " 2>/dev/null";
    ASSERT_EQ(std::system(command.c_str()), 0);
  }

  TestServer server_;
  std::filesystem::path cert_;
  std::filesystem::path key_;
};

TEST_F(TlsTest, ServesHttpsWithHstsAndWss) {
  auto options = server_.default_options();
  options.tls = TlsFiles{cert_, key_};
  server_.start(options);
  HttpClient client(server_.port(), ClientTls{cert_});
  const HttpReply reply = client.request("GET", "/api/v1/echo");
  EXPECT_EQ(reply.status, 200);
  EXPECT_TRUE(json::parse(reply.body).at("secure").as_bool());
  expect_standard_headers(reply, true);
  EXPECT_EQ(client.request("GET", "/healthz").status, 200);  // keep-alive over TLS

  WsClient agent(server_.port(), "/ws/agent", {{"Authorization", "Bearer good-device"}},
                 ClientTls{cert_});
  ASSERT_TRUE(agent.connected());
  EXPECT_EQ(json::parse(agent.read().data).at("type").as_string(), "welcome");
  agent.send_text("over tls");
  EXPECT_EQ(json::parse(agent.read().data).at("text").as_string(), "over tls");
  agent.close();
  EXPECT_TRUE(server_.stop_and_wait());
}

TEST_F(TlsTest, PlainHttpToATlsPortGetsNoAnswer) {
  auto options = server_.default_options();
  options.tls = TlsFiles{cert_, key_};
  server_.start(options);
  RawConnection raw(server_.port());
  raw.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(raw.read_until_close().find("HTTP/1.1"), std::string::npos);
  HttpClient client(server_.port(), ClientTls{cert_});
  EXPECT_EQ(client.request("GET", "/healthz").status, 200);
}

TEST_F(TlsTest, BadTlsFilesAreNamedInTheError) {
  const auto garbage = server_.temp_path() / "garbage.pem";
  write_file(garbage, "not a certificate");
  const auto missing = server_.temp_path() / "missing.pem";
  const auto other_key = server_.temp_path() / "other-key.pem";
  ASSERT_EQ(
      std::system(("openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:prime256v1 -out " +
                   other_key.string() + " 2>/dev/null")
                      .c_str()),
      0);
  struct Case {
    TlsFiles files;
    std::filesystem::path named;
  };
  for (const Case& test_case :
       {Case{{missing, key_}, missing}, Case{{garbage, key_}, garbage},
        Case{{cert_, garbage}, garbage}, Case{{cert_, other_key}, other_key}}) {
    SCOPED_TRACE(test_case.named.string());
    auto options = server_.default_options();
    options.tls = test_case.files;
    Server server(options, server_.router, server_.hub, server_.agents, server_.viewers);
    const auto started = server.start();
    ASSERT_FALSE(started);
    EXPECT_TRUE(started.error().is(Errc::invalid_argument));
    EXPECT_NE(started.error().message.find(test_case.named.string()), std::string::npos)
        << started.error().message;
  }
}

}  // namespace
}  // namespace worktrace::net::testing
