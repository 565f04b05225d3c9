#pragma once

// A test fixture for the devices domain: a migrated database, two organizations with people,
// a real Hub, the services wired as the server wires them, and a recording Peer. Not linked
// into the server.

#include "auth/auth_service.hpp"
#include "auth/test_support.hpp"
#include "devices/device_service.hpp"
#include "realtime/hub.hpp"
#include "storage/test_support.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace worktrace::devices::testing {

// A Peer that keeps what it was sent. Thread-safe.
class RecordingPeer final : public realtime::Peer {
 public:
  bool send(realtime::Frame frame) override {
    std::lock_guard lock(mutex_);
    sent_.push_back(*frame.payload);
    return true;
  }
  void close(std::uint16_t code, std::string reason) override {
    std::lock_guard lock(mutex_);
    closes_.emplace_back(code, std::move(reason));
  }
  // The text frames received so far, parsed.
  std::vector<boost::json::value> messages() const {
    std::lock_guard lock(mutex_);
    std::vector<boost::json::value> parsed;
    for (const auto& text : sent_) parsed.push_back(boost::json::parse(text));
    return parsed;
  }
  std::vector<std::pair<std::uint16_t, std::string>> closes() const {
    std::lock_guard lock(mutex_);
    return closes_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> sent_;
  std::vector<std::pair<std::uint16_t, std::string>> closes_;
};

inline protocol::DeviceInfo sample_info(std::string hostname) {
  protocol::DeviceInfo info;
  info.hostname = std::move(hostname);
  info.os_name = "Debian GNU/Linux 12 (bookworm)";
  info.os_id = "debian";
  info.os_version = "12";
  info.kernel = "6.1.0-18-amd64";
  info.arch = "x86_64";
  info.cpu_model = "Test CPU";
  info.cpu_cores = 8;
  info.memory_bytes = 16LL << 30;
  info.agent_version = "0.1.0";
  info.local_ips = {"192.0.2.10", "fe80::1"};
  return info;
}

inline constexpr EpochMs kStart = 1'700'000'000'000;
inline constexpr std::string_view kPassword = "s3cret-enough";

class DevicesTest : public ::testing::Test {
 protected:
  DevicesTest() {
    acme_ = auth::testing::create_org(db(), "Acme");
    globex_ = auth::testing::create_org(db(), "Globex");
    acme_owner_ = auth::testing::create_user(db(), acme_, "ann@acme.test", Role::owner, kPassword);
    acme_employee_ =
        auth::testing::create_user(db(), acme_, "eve@acme.test", Role::employee, kPassword);
    acme_admin_ = auth::testing::create_user(db(), acme_, "adam@acme.test", Role::admin, kPassword);
    acme_manager_ =
        auth::testing::create_user(db(), acme_, "mia@acme.test", Role::manager, kPassword);
    globex_owner_ =
        auth::testing::create_user(db(), globex_, "gus@globex.test", Role::owner, kPassword);
    auth_.register_routes(router_);
    devices_.register_routes(router_);
  }

  storage::Db& db() { return *test_db_.db; }

  // Signs in through POST /api/v1/auth/login; returns the session token and remembers the
  // session's CSRF token, which call() adds to the unsafe requests of that session.
  std::string sign_in(std::string_view email) {
    const boost::json::object body = {{"email", email}, {"password", kPassword}};
    auto response = auth::testing::call(
        router_,
        auth::testing::make_request("POST", "/api/v1/auth/login", boost::json::serialize(body)));
    if (response.status != 200) throw std::runtime_error("sign_in: " + response.body);
    const std::string token = auth::testing::session_token(response);
    csrf_tokens_[token] =
        std::string(boost::json::parse(response.body).at("csrf_token").as_string());
    return token;
  }

  api::Response call(api::Request request) {
    const std::string session = request.cookie(auth::kSessionCookie);
    const auto csrf = csrf_tokens_.find(session);
    if (request.method != "GET" && csrf != csrf_tokens_.end()) {
      request.headers.emplace_back("x-csrf-token", csrf->second);
    }
    return auth::testing::call(router_, std::move(request));
  }

  // Adds the membership of `user` in `team` (a new team of a new department when `team` is 0);
  // returns the team's id.
  TeamId add_to_team(UserId user, TeamId team, bool is_manager) {
    auto id = db().write([&](storage::Connection& connection) -> Result<TeamId> {
      TeamId team_id = team;
      if (team_id == 0) {
        const OrgId org_id = org_of(connection, user);
        auto department = connection.prepare(
            "INSERT INTO departments (org_id, name, created_at) VALUES (?, ?, 1) RETURNING id");
        if (!department) return department.error();
        (*department)->bind_int(1, org_id);
        (*department)->bind_text(2, "Dept " + std::to_string(++made_));
        if (auto row = (*department)->step(); !row) return row.error();
        const std::int64_t department_id = (*department)->column_int(0);
        (*department)->reset();
        auto made = connection.prepare(
            "INSERT INTO teams (org_id, department_id, name, created_at) VALUES (?, ?, ?, 1) "
            "RETURNING id");
        if (!made) return made.error();
        (*made)->bind_int(1, org_id);
        (*made)->bind_int(2, department_id);
        (*made)->bind_text(3, "Team " + std::to_string(made_));
        if (auto row = (*made)->step(); !row) return row.error();
        team_id = (*made)->column_int(0);
        (*made)->reset();
      }
      auto member = connection.prepare(
          "INSERT INTO team_members (team_id, user_id, is_manager, added_at) VALUES (?, ?, ?, 1)");
      if (!member) return member.error();
      (*member)->bind_int(1, team_id);
      (*member)->bind_int(2, user);
      (*member)->bind_int(3, is_manager ? 1 : 0);
      if (auto row = (*member)->step(); !row) return row.error();
      return team_id;
    });
    if (!id) throw std::runtime_error("add_to_team: " + id.error().message);
    auth_.invalidate_cache();
    return *id;
  }

  // Assigns `device` to `user` (or nobody) directly in the database.
  void assign(DeviceId device, std::optional<UserId> user) {
    auto done = db().write([&](storage::Connection& connection) -> Result<bool> {
      auto statement = connection.prepare("UPDATE devices SET user_id = ? WHERE id = ?");
      if (!statement) return statement.error();
      (*statement)->bind_optional_int(1, user);
      (*statement)->bind_int(2, device);
      return (*statement)->step();
    });
    if (!done) throw std::runtime_error("assign: " + done.error().message);
  }

  // The audit entries of `org_id` with `action`, oldest first.
  std::vector<boost::json::object> audit_entries(OrgId org_id, std::string_view action) {
    auto rows =
        db().read([&](storage::Connection& connection) -> Result<std::vector<boost::json::object>> {
          auto statement = connection.prepare(
              "SELECT actor, actor_user_id, target_id, subject_user_id, details FROM audit_log "
              "WHERE org_id = ? AND action = ? ORDER BY seq");
          if (!statement) return statement.error();
          (*statement)->bind_int(1, org_id);
          (*statement)->bind_text(2, action);
          std::vector<boost::json::object> entries;
          for (;;) {
            auto row = (*statement)->step();
            if (!row) return row.error();
            if (!*row) break;
            auto& s = **statement;
            boost::json::object entry = {{"actor", s.column_text(0)},
                                         {"target_id", s.column_text(2)},
                                         {"details", boost::json::parse(s.column_text(4))}};
            entry["actor_user_id"] = s.column_is_null(1) ? boost::json::value(nullptr)
                                                         : boost::json::value(s.column_int(1));
            entry["subject_user_id"] = s.column_is_null(3) ? boost::json::value(nullptr)
                                                           : boost::json::value(s.column_int(3));
            entries.push_back(std::move(entry));
          }
          return entries;
        });
    if (!rows) throw std::runtime_error("audit_entries: " + rows.error().message);
    return *rows;
  }

  // POST /api/v1/agent/enroll with `token` and a sample device named `hostname`.
  api::Response enroll(const std::string& token, const std::string& hostname) {
    const boost::json::object body = {{"token", token},
                                      {"device", protocol::to_json(sample_info(hostname))}};
    return call(
        auth::testing::make_request("POST", "/api/v1/agent/enroll", boost::json::serialize(body)));
  }

  // Enrolls a device into `org_id`; returns (device id, credential).
  std::pair<DeviceId, std::string> enroll_into(OrgId org_id, const std::string& hostname) {
    auto token = devices_.create_enrollment_token(org_id, 1, 3600);
    EXPECT_TRUE(token);
    auto response = enroll(token->token, hostname);
    EXPECT_EQ(response.status, 201) << response.body;
    const auto body = boost::json::parse(response.body);
    return {body.at("device_id").as_int64(), std::string(body.at("credential").as_string())};
  }

  // A viewer of `actor`'s organization registered with the hub.
  std::shared_ptr<RecordingPeer> connect_viewer(const Actor& actor) {
    auto peer = std::make_shared<RecordingPeer>();
    hub_.viewer_connected(actor, peer);
    return peer;
  }

  static OrgId org_of(storage::Connection& connection, UserId user) {
    auto statement = connection.prepare("SELECT org_id FROM users WHERE id = ?");
    if (!statement) return 0;
    (*statement)->bind_int(1, user);
    auto row = (*statement)->step();
    const OrgId org_id = row && *row ? (*statement)->column_int(0) : 0;
    (*statement)->reset();
    return org_id;
  }

  storage::testing::TestDb test_db_;
  ManualClock clock_{kStart};
  realtime::Hub hub_;
  auth::AuthService auth_{db(), clock_};
  DeviceService devices_{db(), hub_, auth_, clock_};
  api::Router router_;
  OrgId acme_ = 0;
  OrgId globex_ = 0;
  UserId acme_owner_ = 0;
  UserId acme_employee_ = 0;
  UserId acme_admin_ = 0;
  UserId acme_manager_ = 0;
  UserId globex_owner_ = 0;
  std::map<std::string, std::string> csrf_tokens_;  // session token -> its CSRF token
  int made_ = 0;
};

}  // namespace worktrace::devices::testing
