#pragma once

// A test fixture for the tracking domain: the devices fixture (a migrated database, two
// organizations with people, a real Hub, auth and device routes) plus the tracking services
// wired as the server wires them. Not linked into the server.

#include "devices/test_support.hpp"
#include "tracking/presence.hpp"
#include "tracking/tracking_service.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <memory>
#include <stdexcept>
#include <string>

namespace worktrace::tracking::testing {

using devices::testing::RecordingPeer;

class TrackingTest : public devices::testing::DevicesTest {
 protected:
  TrackingTest() {
    tracking_.register_routes(router_);
    presence_.register_routes(router_);
  }

  // A request of the signed-in `session` (DevicesTest::sign_in) with a JSON body.
  api::Response call_as(const std::string& session, std::string method, std::string path,
                        const boost::json::value& body = nullptr) {
    return call(auth::testing::make_request(std::move(method), std::move(path),
                                            body.is_null() ? "" : boost::json::serialize(body),
                                            session));
  }

  // A connected agent of `device` in the hub, as net/ registers it.
  std::shared_ptr<RecordingPeer> connect_agent(const DevicePrincipal& device) {
    auto peer = std::make_shared<RecordingPeer>();
    hub_.agent_connected(device, peer);
    return peer;
  }

  // The `tracking` objects of the config messages `peer` received, oldest first.
  static std::vector<boost::json::object> configs(const RecordingPeer& peer) {
    std::vector<boost::json::object> found;
    for (const auto& message : peer.messages()) {
      if (message.at("type") == "config") found.push_back(message.at("tracking").as_object());
    }
    return found;
  }

  // Sets the ingest cursor of `device` directly.
  void set_cursor(DeviceId device, std::int64_t last_seq) {
    auth::testing::exec_sql(db(),
                            "INSERT INTO ingest_cursors (device_id, last_seq, updated_ms) "
                            "VALUES (" +
                                std::to_string(device) + ", " + std::to_string(last_seq) + ", 1)");
  }

  // An Actor as authentication builds it (scopes: all).
  static Actor actor(UserId user, OrgId org, Role role, std::vector<TeamId> managed = {}) {
    return Actor{user, org, role, std::move(managed)};
  }

  TrackingService tracking_{db(), hub_, auth_, clock_};
  Presence presence_{db(), hub_, auth_, tracking_, clock_};
};

}  // namespace worktrace::tracking::testing
