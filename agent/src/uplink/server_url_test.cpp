#include "uplink/server_url.hpp"

#include <gtest/gtest.h>

namespace worktrace::agent::uplink {
namespace {

TEST(ServerUrlTest, HttpsWithDefaultPortAndNoPrefix) {
  auto url = parse_server_url("https://wt.example.com");
  ASSERT_TRUE(url) << url.error().message;
  EXPECT_TRUE(url->tls);
  EXPECT_EQ(url->host, "wt.example.com");
  EXPECT_FALSE(url->host_is_ip);
  EXPECT_EQ(url->port, 443);
  EXPECT_EQ(url->path_prefix, "");
  EXPECT_EQ(url->host_header(), "wt.example.com");
  EXPECT_EQ(url->target("/ws/agent"), "/ws/agent");
  EXPECT_EQ(url->authority(), "wt.example.com:443");
}

TEST(ServerUrlTest, HttpWithPortAndPathPrefix) {
  auto url = parse_server_url("http://127.0.0.1:8080/worktrace/");
  ASSERT_TRUE(url) << url.error().message;
  EXPECT_FALSE(url->tls);
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_TRUE(url->host_is_ip);
  EXPECT_EQ(url->port, 8080);
  EXPECT_EQ(url->path_prefix, "/worktrace");
  EXPECT_EQ(url->host_header(), "127.0.0.1:8080");
  EXPECT_EQ(url->target("/api/v1/agent/enroll"), "/worktrace/api/v1/agent/enroll");

  auto default_port = parse_server_url("http://h.example:80");
  ASSERT_TRUE(default_port);
  EXPECT_EQ(default_port->host_header(), "h.example");
}

TEST(ServerUrlTest, Ipv6LiteralKeepsBracketsOnlyInHeaders) {
  auto url = parse_server_url("https://[::1]:8443");
  ASSERT_TRUE(url) << url.error().message;
  EXPECT_EQ(url->host, "::1");
  EXPECT_TRUE(url->host_is_ip);
  EXPECT_EQ(url->host_header(), "[::1]:8443");
}

TEST(ServerUrlTest, KnowsLoopbackHosts) {
  for (const char* local : {"http://localhost:8080", "http://127.0.0.1:8080", "http://127.9.9.9",
                            "http://[::1]:8080"}) {
    EXPECT_TRUE(parse_server_url(local)->is_loopback()) << local;
  }
  for (const char* remote : {"https://worktrace.example.com", "http://192.0.2.7:8080",
                             "http://127.example.com", "http://[::2]"}) {
    EXPECT_FALSE(parse_server_url(remote)->is_loopback()) << remote;
  }
}

TEST(ServerUrlTest, RejectsWhatCannotBeAServer) {
  const std::pair<const char*, const char*> cases[] = {
      {"ftp://files.example.com", "the scheme must be http or https"},
      {"wss://wt.example.com", "the scheme must be http or https"},
      {"wt.example.com", "is not an absolute URL"},
      {"", "is not an absolute URL"},
      {"http://", "has no host"},
      {"http://h:0", "the port must be a number from 1 to 65535"},
      {"http://h:70000", "the port must be a number from 1 to 65535"},
      {"https://ann:secret@wt.example.com", "must not contain a user name or password"},
      {"https://wt.example.com/?x=1", "must not contain a query"},
      {"https://wt.example.com/#top", "must not contain a fragment"},
      {"http://a%2db.example", "must not be percent-encoded"},
  };
  for (const auto& [text, why] : cases) {
    auto url = parse_server_url(text);
    ASSERT_FALSE(url) << text;
    EXPECT_TRUE(url.error().is(Errc::invalid_argument));
    EXPECT_NE(url.error().message.find(why), std::string::npos) << url.error().message;
    EXPECT_EQ(url.error().message.rfind(std::string("server URL \"") + text + "\"", 0), 0u)
        << url.error().message;
  }
  EXPECT_FALSE(parse_server_url("http://h/" + std::string(3000, 'a')));
}

}  // namespace
}  // namespace worktrace::agent::uplink
