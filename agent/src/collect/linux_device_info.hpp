#pragma once

#include "collect/device_info_source.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace worktrace::agent::collect {

// Device info on Linux. Reads, under `root`: etc/os-release (or usr/lib/os-release),
// proc/cpuinfo, proc/meminfo, proc/sys/kernel/{hostname,osrelease}; falls back to
// gethostname(), uname() and sysconf() for what those files do not give. The architecture
// comes from uname() and the addresses from getifaddrs(), whatever the root. Not thread-safe
// per instance; cheap enough (a few small reads) to call once a minute.
class LinuxDeviceInfoSource final : public DeviceInfoSource {
 public:
  explicit LinuxDeviceInfoSource(std::filesystem::path root = "/");

  [[nodiscard]] protocol::DeviceInfo collect() override;

 private:
  std::filesystem::path root_;
};

// The addresses of the interfaces that are up, except loopback, in numeric form
// ("192.0.2.10", "fe80::1"), sorted, without duplicates, at most protocol::kMaxLocalIps.
[[nodiscard]] std::vector<std::string> local_ip_addresses();

}  // namespace worktrace::agent::collect
