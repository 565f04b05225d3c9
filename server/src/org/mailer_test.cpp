#include "org/mailer.hpp"

#include "org/org_routes.hpp"
#include "org/test_support.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace worktrace::org {
namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// testdata/smtp_sink.py on a free loopback port, stopped on destruction.
class SmtpSink {
 public:
  explicit SmtpSink(const std::filesystem::path& dir)
      : ready_(dir / "ready"), messages_(dir / "messages.jsonl") {
    const std::string script = std::string(WORKTRACE_ORG_TESTDATA) + "/smtp_sink.py";
    std::vector<std::string> args = {"python3",         "-W", "ignore", script, ready_.string(),
                                     messages_.string()};
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    if (posix_spawnp(&pid_, "python3", nullptr, nullptr, argv.data(), environ) != 0) {
      throw std::runtime_error("cannot start python3");
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!std::filesystem::exists(ready_)) {
      if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("sink not ready");
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    port_ = static_cast<std::uint16_t>(std::stoi(read_file(ready_)));
  }
  ~SmtpSink() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }

  // The messages received so far, waiting up to 5 s for at least `count`.
  std::vector<boost::json::value> messages(std::size_t count) const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    for (;;) {
      std::vector<boost::json::value> found;
      std::istringstream lines(read_file(messages_));
      for (std::string line; std::getline(lines, line);) found.push_back(boost::json::parse(line));
      if (found.size() >= count || std::chrono::steady_clock::now() > deadline) return found;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

 private:
  std::filesystem::path ready_;
  std::filesystem::path messages_;
  pid_t pid_ = 0;
  std::uint16_t port_ = 0;
};

TEST(Mailer, RendersHeadersAndRefusesInjection) {
  Mail mail{"to@example.com", "Hello", "line one\nline two"};
  auto message = render_message(mail, "from@example.com", 1'700'000'000'000);
  ASSERT_TRUE(message);
  EXPECT_NE(message->find("To: <to@example.com>\r\n"), std::string::npos);
  EXPECT_NE(message->find("Subject: Hello\r\n"), std::string::npos);
  EXPECT_NE(message->find("Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"), std::string::npos);
  EXPECT_NE(message->find("\r\n\r\nline one\r\nline two\r\n"), std::string::npos);

  mail.subject = "Grüße";
  message = render_message(mail, "from@example.com", 0);
  ASSERT_TRUE(message);
  EXPECT_NE(message->find("Subject: =?UTF-8?B?R3LDvMOfZQ==?=\r\n"), std::string::npos);

  mail.subject = "Hi\r\nBcc: victim@example.com";
  EXPECT_FALSE(render_message(mail, "from@example.com", 0));
  mail.subject = "Hi";
  mail.to = "a@example.com>\r\nBcc: <victim@example.com";
  EXPECT_FALSE(render_message(mail, "from@example.com", 0));
}

TEST(Mailer, AnUnreachableServerIsAnErrorNotAHang) {
  SmtpConfig config;
  config.host = "127.0.0.1";
  config.port = 1;  // nothing listens on port 1 here
  config.from = "worktrace@example.com";
  config.security = SmtpSecurity::none;
  Mailer mailer(config);
  ASSERT_TRUE(mailer.configured());
  auto sent = mailer.send(Mail{"to@example.com", "Hi", "Hi"}, 0);
  ASSERT_FALSE(sent);
  EXPECT_TRUE(sent.error().is(Errc::unavailable)) << sent.error().message;
  EXPECT_FALSE(Mailer(SmtpConfig{}).configured());
}

TEST(Mailer, SendsToARealSmtpServer) {
  storage::testing::TempDir dir;
  SmtpSink sink(dir.path());
  SmtpConfig config{"127.0.0.1", sink.port(), "worktrace@example.com", "", "", SmtpSecurity::none};
  Mailer mailer(config);
  auto sent = mailer.send(Mail{"Someone@Example.com", "Test", "Body text\n.\nafter dot"}, 0);
  ASSERT_TRUE(sent) << sent.error().message;
  const auto messages = sink.messages(1);
  ASSERT_EQ(messages.size(), 1U);
  EXPECT_EQ(messages[0].at("from"), "worktrace@example.com");
  EXPECT_EQ(messages[0].at("to").as_array().at(0), "Someone@Example.com");
  const std::string data(messages[0].at("data").as_string());
  EXPECT_NE(data.find("Subject: Test"), std::string::npos);
  // The lone dot line survived (libcurl dot-stuffs it).
  EXPECT_NE(data.find("Body text\n.\nafter dot"), std::string::npos) << data;
}

class InvitationMailTest : public testing::OrgTest {};

TEST_F(InvitationMailTest, AnInvitationIsMailedWithItsLink) {
  storage::testing::TempDir dir;
  SmtpSink sink(dir.path());
  OrgOptions options;
  options.public_url = "https://worktrace.example.com/";
  options.smtp =
      SmtpConfig{"127.0.0.1", sink.port(), "worktrace@example.com", "", "", SmtpSecurity::none};
  auth::AuthService auth(db(), clock_);
  OrgRoutes routes(db(), auth, clock_, options);
  api::Router router;
  auth.register_routes(router);
  routes.register_routes(router);
  const UserId owner = auth::testing::create_user(db(), org_a_, "mailer-owner@a.test", Role::owner,
                                                  "owner password 1");
  ASSERT_GT(owner, 0);
  const auto session =
      auth::testing::sign_in_session(router, "mailer-owner@a.test", "owner password 1");
  const boost::json::object body{
      {"email", "invitee@a.test"}, {"name", "Invitee"}, {"role", "employee"}};
  auto response = auth::testing::call(
      router, auth::testing::make_request("POST", "/api/v1/people", boost::json::serialize(body),
                                          session.token, session.csrf));
  ASSERT_EQ(response.status, 201) << response.body;
  const auto answer = boost::json::parse(response.body);
  EXPECT_EQ(answer.at("invitation").at("emailed"), true);
  const std::string url(answer.at("invitation").at("url").as_string());
  EXPECT_TRUE(url.starts_with("https://worktrace.example.com/#/invite/wti_")) << url;

  const auto messages = sink.messages(1);
  ASSERT_EQ(messages.size(), 1U);
  EXPECT_EQ(messages[0].at("to").as_array().at(0), "invitee@a.test");
  const std::string data(messages[0].at("data").as_string());
  EXPECT_NE(data.find("Subject: You are invited to Org A on Worktrace"), std::string::npos);
  EXPECT_NE(data.find(url), std::string::npos) << data;
}

TEST_F(InvitationMailTest, AFailedSendDoesNotFailTheInvitation) {
  OrgOptions options;
  options.public_url = "https://worktrace.example.com";
  options.smtp = SmtpConfig{"127.0.0.1", 1, "worktrace@example.com", "", "", SmtpSecurity::none};
  auth::AuthService auth(db(), clock_);
  OrgRoutes routes(db(), auth, clock_, options);
  api::Router router;
  auth.register_routes(router);
  routes.register_routes(router);
  auth::testing::create_user(db(), org_a_, "mailer-owner@a.test", Role::owner, "owner password 1");
  const auto session =
      auth::testing::sign_in_session(router, "mailer-owner@a.test", "owner password 1");
  const boost::json::object body{
      {"email", "invitee@a.test"}, {"name", "Invitee"}, {"role", "employee"}};
  auto response = auth::testing::call(
      router, auth::testing::make_request("POST", "/api/v1/people", boost::json::serialize(body),
                                          session.token, session.csrf));
  ASSERT_EQ(response.status, 201) << response.body;
  EXPECT_EQ(boost::json::parse(response.body).at("invitation").at("emailed"), false);
  EXPECT_EQ(audit("person.invited"), 1);
}

}  // namespace
}  // namespace worktrace::org
