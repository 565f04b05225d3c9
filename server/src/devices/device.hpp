#pragma once

#include "core/actor.hpp"
#include "core/clock.hpp"
#include "protocol/device_info.hpp"

#include <boost/json/object.hpp>

#include <optional>
#include <string>

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

// The API's Device object: DeviceInfo's fields plus id, name, remote_ip, enrolled_at,
// last_seen_at, online and revoked.
[[nodiscard]] boost::json::object device_json(const Device& device, bool online);

}  // namespace worktrace::devices
