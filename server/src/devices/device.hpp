#pragma once

#include "core/actor.hpp"
#include "core/clock.hpp"
#include "protocol/device_info.hpp"

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <vector>

namespace worktrace::devices {

// An enrolled device as stored.
struct Device {
  DeviceId id = 0;
  OrgId org_id = 0;
  std::optional<UserId> user_id;  // the person it belongs to, when assigned
  std::string name;               // defaults to the hostname at enrolment
  protocol::DeviceInfo info;
  std::string remote_ip;  // as the server last saw it
  EpochMs enrolled_at = 0;
  EpochMs last_seen_at = 0;
  std::optional<EpochMs> revoked_at;
};

// A device with what the policy and the device list need of its owner.
struct DeviceListing {
  Device device;
  std::optional<std::string> user_name;  // the owner's name, when assigned
  std::vector<TeamId> owner_teams;       // the owner's teams (auth::may_view_device)
};

// The API's Device object: DeviceInfo's fields plus id, name, user_id (null when unassigned),
// remote_ip, enrolled_at, last_seen_at, online and revoked.
[[nodiscard]] boost::json::object device_json(const Device& device, bool online);

// device_json plus user_name (null when unassigned).
[[nodiscard]] boost::json::object listing_json(const DeviceListing& listing, bool online);

}  // namespace worktrace::devices
