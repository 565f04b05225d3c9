#include "app/config.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>

namespace worktrace::app {
namespace {

std::filesystem::path write_temp(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / ("worktrace_config_test_" + name);
  std::ofstream(path) << text;
  return path;
}

TEST(ParseListenTest, AcceptsIpv4Ipv6AndLocalhost) {
  auto v4 = parse_listen("127.0.0.1:8080");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 8080);
  auto v6 = parse_listen("[::1]:0");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 0);
  EXPECT_TRUE(parse_listen("localhost:9000"));
}

TEST(ParseListenTest, RejectsMalformedAddressesWithAClearMessage) {
  for (const char* bad :
       {"8080", "127.0.0.1", "127.0.0.1:", "127.0.0.1:70000", "::1:80", "[::1]8080", "host:8o"}) {
    auto parsed = parse_listen(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_TRUE(parsed.error().is(Errc::invalid_argument));
    EXPECT_FALSE(parsed.error().message.empty());
  }
}

TEST(ValidateTest, NeedsBothTlsFilesOrNeither) {
  ServerConfig config;
  config.listen = "0.0.0.0:8080";  // refused later by the listener, not here
  EXPECT_TRUE(validate(config));
  config.tls_cert = "cert.pem";
  auto half = validate(config);
  ASSERT_FALSE(half);
  EXPECT_NE(half.error().message.find("--tls-key"), std::string::npos);
  config.tls_key = "key.pem";
  EXPECT_TRUE(validate(config));
  config = ServerConfig{};
  config.data_dir.clear();
  EXPECT_FALSE(validate(config));
}

TEST(ApplyTomlTest, ReadsEverySectionAndLaterSourcesOverride) {
  const auto file = write_temp("ok.toml", R"(
data = "/srv/worktrace"
[server]
listen = "127.0.0.1:9090"
io_threads = 2
max_body_bytes = 2048
[tls]
cert = "/etc/wt/cert.pem"
key = "/etc/wt/key.pem"
[log]
level = "debug"
format = "json"
)");
  ServerConfig config;
  ASSERT_TRUE(apply_toml(config, file));
  EXPECT_EQ(config.data_dir, "/srv/worktrace");
  EXPECT_EQ(config.listen, "127.0.0.1:9090");
  EXPECT_EQ(config.io_threads, 2);
  EXPECT_EQ(config.max_body_bytes, 2048);
  EXPECT_EQ(config.tls_cert, std::filesystem::path("/etc/wt/cert.pem"));
  EXPECT_EQ(config.log_format, LogFormat::json);

  std::map<std::string, std::string> env{{"WORKTRACE_LISTEN", "127.0.0.1:7070"},
                                         {"WORKTRACE_LOG_FORMAT", "text"}};
  ASSERT_TRUE(apply_env(config, [&](const char* name) -> const char* {
    const auto found = env.find(name);
    return found == env.end() ? nullptr : found->second.c_str();
  }));
  EXPECT_EQ(config.listen, "127.0.0.1:7070");
  EXPECT_EQ(config.log_format, LogFormat::text);
  EXPECT_EQ(config.data_dir, "/srv/worktrace");  // untouched by the environment
}

TEST(ApplyTomlTest, NamesUnknownKeysWrongTypesAndSyntaxErrors) {
  ServerConfig config;
  auto unknown = apply_toml(config, write_temp("unknown.toml", "[server]\nlisten_on = \"x\"\n"));
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("server.listen_on"), std::string::npos);

  auto wrong_type = apply_toml(config, write_temp("type.toml", "[server]\nio_threads = \"two\"\n"));
  ASSERT_FALSE(wrong_type);
  EXPECT_NE(wrong_type.error().message.find("server.io_threads"), std::string::npos);

  auto syntax = apply_toml(config, write_temp("syntax.toml", "[server\n"));
  ASSERT_FALSE(syntax);
  EXPECT_NE(syntax.error().message.find("line 1"), std::string::npos);
}

TEST(ApplyEnvTest, RejectsBadValues) {
  ServerConfig config;
  EXPECT_FALSE(apply_env(config, [](const char* name) -> const char* {
    return std::string_view(name) == "WORKTRACE_LOG_FORMAT" ? "xml" : nullptr;
  }));
}

TEST(ApplyTomlTest, ReadsSignupPublicUrlAndSmtp) {
  const auto file =
      write_temp("smtp.toml",
                 "[server]\nsignup = false\npublic_url = \"https://wt.example.com\"\n"
                 "[smtp]\nhost = \"127.0.0.1\"\nport = 2525\nfrom = \"wt@example.com\"\n"
                 "security = \"none\"\n");
  ServerConfig config;
  ASSERT_TRUE(apply_toml(config, file));
  EXPECT_FALSE(config.signup);
  EXPECT_EQ(config.public_url, "https://wt.example.com");
  EXPECT_EQ(config.smtp.host, "127.0.0.1");
  EXPECT_EQ(config.smtp.port, 2525);
  EXPECT_EQ(config.smtp.security, "none");
  EXPECT_TRUE(validate(config));

  const auto unknown = write_temp("smtp_bad.toml", "[smtp]\nhots = \"x\"\n");
  auto refused = apply_toml(config, unknown);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("smtp.hots"), std::string::npos);
}

TEST(ValidateTest, RefusesBadPublicUrlsAndIncompleteSmtp) {
  ServerConfig config;
  for (const char* bad : {"ftp://x", "https://x/", "https://x?y", "worktrace.example.com"}) {
    config.public_url = bad;
    EXPECT_FALSE(validate(config)) << bad;
  }
  config.public_url.clear();
  config.smtp.host = "127.0.0.1";
  config.smtp.from = "wt@example.com";
  auto no_url = validate(config);
  ASSERT_FALSE(no_url);
  EXPECT_NE(no_url.error().message.find("public URL"), std::string::npos);
  config.public_url = "http://127.0.0.1:8080";
  config.smtp.security = "ssl";
  EXPECT_FALSE(validate(config));
  config.smtp.security = "tls";
  EXPECT_TRUE(validate(config));
}

TEST(ApplyEnvTest, ReadsSignupAndSmtpVariables) {
  std::map<std::string, std::string> vars = {{"WORKTRACE_SIGNUP", "0"},
                                             {"WORKTRACE_SMTP_HOST", "mail.test"},
                                             {"WORKTRACE_SMTP_PORT", "465"}};
  auto getenv = [&](const char* name) -> const char* {
    auto found = vars.find(name);
    return found == vars.end() ? nullptr : found->second.c_str();
  };
  ServerConfig config;
  ASSERT_TRUE(apply_env(config, getenv));
  EXPECT_FALSE(config.signup);
  EXPECT_EQ(config.smtp.host, "mail.test");
  EXPECT_EQ(config.smtp.port, 465);
  vars["WORKTRACE_SMTP_PORT"] = "99999";
  EXPECT_FALSE(apply_env(config, getenv));
  vars["WORKTRACE_SMTP_PORT"] = "25";
  vars["WORKTRACE_SIGNUP"] = "maybe";
  EXPECT_FALSE(apply_env(config, getenv));
}

}  // namespace
}  // namespace worktrace::app
