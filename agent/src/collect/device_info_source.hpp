#pragma once

#include "protocol/device_info.hpp"

namespace worktrace::agent::collect {

// The platform seam for what the agent reports about its machine. Implementations read the
// system each time `collect()` is called, so callers can poll it to notice changes.
class DeviceInfoSource {
 public:
  virtual ~DeviceInfoSource() = default;

  // A fresh snapshot. Never fails: fields the platform cannot tell stay empty (or 0), and
  // every string fits the wire limits (valid UTF-8, at most kMaxDeviceTextBytes bytes).
  [[nodiscard]] virtual protocol::DeviceInfo collect() = 0;
};

}  // namespace worktrace::agent::collect
