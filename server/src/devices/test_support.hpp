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

#include <mutex>
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
    globex_owner_ =
        auth::testing::create_user(db(), globex_, "gus@globex.test", Role::owner, kPassword);
    auth_.register_routes(router_);
    devices_.register_routes(router_);
  }

  storage::Db& db() { return *test_db_.db; }

  std::string sign_in(std::string_view email) {
    return auth::testing::sign_in(router_, email, kPassword);
  }

  api::Response call(api::Request request) {
    return auth::testing::call(router_, std::move(request));
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
  UserId globex_owner_ = 0;
};

}  // namespace worktrace::devices::testing
