#pragma once

#include "core/result.hpp"
#include "protocol/json_reader.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace worktrace::protocol {

// One monitor of the device's desktop, in pixels of the whole screen.
struct Screen {
  std::string name;  // the output's name, e.g. "HDMI-1"; "screen" when unknown
  std::int64_t x = 0;
  std::int64_t y = 0;
  std::int64_t width = 0;
  std::int64_t height = 0;
  bool primary = false;

  bool operator==(const Screen&) const = default;
};

// What an agent reports about its machine. Sent at enrolment, in the control channel's
// `hello`, and again as `device_info` whenever it changes. The server adds the remote IP
// it sees; the agent never reports its own public address.
struct DeviceInfo {
  std::string hostname;
  std::string os_name;  // PRETTY_NAME from /etc/os-release, e.g. "Debian GNU/Linux 12 (bookworm)"
  std::string os_id;    // ID from /etc/os-release, e.g. "debian"
  std::string os_version;  // VERSION_ID, e.g. "12"
  std::string kernel;      // uname release, e.g. "6.1.0-18-amd64"
  std::string arch;        // uname machine, e.g. "x86_64"
  std::string cpu_model;
  std::int64_t cpu_cores = 0;
  std::int64_t memory_bytes = 0;
  std::string agent_version;
  std::vector<std::string> local_ips;
  std::vector<Screen> screens;

  bool operator==(const DeviceInfo&) const = default;
};

inline constexpr std::size_t kMaxDeviceTextBytes = 255;
inline constexpr std::size_t kMaxLocalIps = 32;
inline constexpr std::size_t kMaxScreens = 16;

[[nodiscard]] boost::json::object to_json(const DeviceInfo& info);
[[nodiscard]] boost::json::array screens_json(const std::vector<Screen>& screens);
// Reads an array of Screen objects (at most kMaxScreens), naming the bad path.
[[nodiscard]] Result<std::vector<Screen>> read_screens(const boost::json::value& value,
                                                       const std::string& path);

// Reads a DeviceInfo object; unknown keys are ignored so newer agents can talk to older
// servers. Text fields must be free of control characters. Errors name the path, e.g.
// "$.device.cpu_cores: must be between 0 and 4096".
[[nodiscard]] Result<DeviceInfo> read_device_info(const ObjectReader& reader);

}  // namespace worktrace::protocol
