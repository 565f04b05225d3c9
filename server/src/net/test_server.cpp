#include "net/test_server.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <fstream>
#include <random>
#include <stdexcept>

namespace worktrace::net::testing {

namespace fs = std::filesystem;
namespace json = boost::json;

TempDir::TempDir() {
  std::random_device random;
  path_ = fs::temp_directory_path() / ("worktrace-net-test-" + std::to_string(random()));
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

void write_file(const fs::path& file, const std::string& contents) {
  fs::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary);
  out << contents;
  if (!out) throw std::runtime_error("cannot write " + file.string());
}

Result<DevicePrincipal> FakeAgents::authenticate(const api::Request& upgrade) {
  if (upgrade.bearer_token() != "good-device") {
    return fail(Errc::unauthenticated, "device credential is missing or wrong");
  }
  return DevicePrincipal{kDeviceId, 1, std::nullopt};
}

std::vector<std::string> FakeAgents::on_connected(const DevicePrincipal& device,
                                                  const std::string& remote_ip) {
  {
    const std::lock_guard lock(mutex_);
    last_remote_ip_ = remote_ip;
  }
  ++connects;
  return {boost::json::serialize(
      boost::json::object{{"type", "welcome"}, {"device_id", device.device_id}})};
}

Result<std::optional<std::string>> FakeAgents::on_text(const DevicePrincipal&,
                                                       std::string_view message) {
  if (message == "boom") throw std::runtime_error("handler exploded");
  if (message.substr(0, 3) == "bad") return fail(Errc::invalid_argument, "message is bad");
  if (message == "silent") return std::optional<std::string>();
  return std::optional<std::string>(
      boost::json::serialize(boost::json::object{{"type", "echo"}, {"text", message}}));
}

Result<void> FakeAgents::on_binary(const DevicePrincipal&, std::string_view message) {
  if (message.starts_with("bad")) return fail(Errc::invalid_argument, "frame is bad");
  binary_bytes += message.size();
  ++binary_messages;
  return {};
}

void FakeAgents::on_disconnected(const DevicePrincipal&) { ++disconnects; }

std::string FakeAgents::last_remote_ip() const {
  const std::lock_guard lock(mutex_);
  return last_remote_ip_;
}

Result<Actor> FakeViewers::authenticate(const api::Request& upgrade) {
  if (upgrade.cookie("wt_session") != "good") return fail(Errc::unauthenticated, "no session");
  return Actor{1, 1, Role::owner, {}};
}

std::string FakeViewers::on_connected(const Actor&) { return R"({"type":"hello"})"; }

Result<std::optional<std::string>> FakeViewers::on_text(const Actor&, realtime::ViewerId viewer_id,
                                                        std::string_view message) {
  if (message == R"({"type":"ping"})") return std::optional<std::string>(R"({"type":"pong"})");
  if (message == R"({"type":"whoami"})") {
    return std::optional<std::string>(
        boost::json::serialize(boost::json::object{{"type", "you"}, {"viewer_id", viewer_id}}));
  }
  return fail(Errc::invalid_argument, "unknown message");
}

void FakeViewers::on_disconnected(const Actor&, realtime::ViewerId viewer_id) {
  last_disconnected = viewer_id;
  ++disconnects;
}

namespace {

constexpr std::string_view kCsp =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' "
    "data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

api::Response echo(api::Request& request) {
  boost::json::object query;
  for (const auto& [key, value] : request.query) query[key] = value;
  boost::json::object headers;
  for (const auto& [name, value] : request.headers) headers[name] = value;
  return api::Response::json(200, {{"method", request.method},
                                   {"path", request.path},
                                   {"target", request.target},
                                   {"query", query},
                                   {"headers", headers},
                                   {"body", request.body},
                                   {"remote_ip", request.remote_ip},
                                   {"secure", request.secure}});
}

}  // namespace

void expect_standard_headers(const HttpReply& reply, bool tls) {
  EXPECT_EQ(reply.header("server"), "worktrace");
  EXPECT_EQ(reply.header("content-security-policy"), kCsp);
  EXPECT_EQ(reply.header("x-content-type-options"), "nosniff");
  EXPECT_EQ(reply.header("referrer-policy"), "no-referrer");
  EXPECT_EQ(reply.header("x-frame-options"), "DENY");
  EXPECT_EQ(reply.header("cross-origin-opener-policy"), "same-origin");
  EXPECT_EQ(reply.header("strict-transport-security").empty(), !tls);
}

void expect_error(const HttpReply& reply, int status, std::string_view code) {
  EXPECT_EQ(reply.status, status) << reply.body;
  EXPECT_EQ(reply.header("content-type"), "application/json");
  const json::value body = json::parse(reply.body);
  EXPECT_EQ(body.at("error").at("code").as_string(), code) << reply.body;
  EXPECT_TRUE(body.at("error").at("message").is_string());
  expect_standard_headers(reply);
}

TestServer::TestServer() : web_root_(temp_.path() / "web") {
  router.add("GET", "/api/v1/echo", echo);
  router.add("POST", "/api/v1/echo", echo);
  router.add("GET", "/api/v1/items/{id}", [](api::Request& request) {
    return api::Response::json(200, {{"id", request.params.at("id")}});
  });
  router.add("GET", "/api/v1/throw",
             [](api::Request&) -> api::Response { throw std::runtime_error("handler bug"); });
  router.add("GET", "/api/v1/slow", [this](api::Request&) {
    ++slow_started;
    std::this_thread::sleep_for(kSlowDuration);
    return api::Response::json(200, {{"slow", true}});
  });

  write_file(web_root_ / "index.html", "<!doctype html><title>dashboard</title>");
  write_file(web_root_ / "assets/app-4f2a.js", "console.log('app');");
  write_file(web_root_ / "assets/app-4f2a.js.map", "{}");
  write_file(web_root_ / "assets/chunk-77.mjs", "export {};");
  write_file(web_root_ / "assets/style-9c.css", "body{}");
  write_file(web_root_ / "assets/font-1.woff2", "wOF2");
  write_file(web_root_ / "data.json", "{\"a\":1}");
  write_file(web_root_ / "logo.svg", "<svg/>");
  write_file(web_root_ / "logo.png", std::string("\x89PNG\r\n\x1a\n", 8));
  write_file(web_root_ / "photo.jpg", "\xff\xd8\xff");
  write_file(web_root_ / "favicon.ico", "ico");
  write_file(web_root_ / "robots.txt", "User-agent: *");
  write_file(web_root_ / "site.webmanifest", "{}");
  write_file(temp_.path() / "secret.txt", "TOP-SECRET");
  fs::create_symlink(temp_.path() / "secret.txt", web_root_ / "leak.txt");
}

ServerOptions TestServer::default_options() const {
  ServerOptions options;
  options.port = 0;
  options.handle_signals = false;
  options.web_root = web_root_;
  options.blocking_threads = 2;
  options.shutdown_timeout = std::chrono::seconds(5);
  options.request_timeout = std::chrono::seconds(5);
  return options;
}

void TestServer::start(ServerOptions options) {
  server_ = std::make_unique<Server>(std::move(options), router, hub, agents, viewers);
  auto port = server_->start();
  ASSERT_TRUE(port) << port.error().message;
  port_ = *port;
  thread_ = std::thread([this] {
    server_->run();
    stopped_.store(true);
  });
}

bool TestServer::stop_and_wait(std::chrono::milliseconds limit) {
  if (!server_) return true;
  server_->stop();
  return eventually([this] { return stopped_.load(); }, limit);
}

TestServer::~TestServer() {
  if (!server_) return;
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace worktrace::net::testing
