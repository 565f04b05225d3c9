#include "collect/linux_device_info.hpp"

#include "core/version.hpp"

#include <sys/utsname.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

namespace worktrace::agent::collect {
namespace {

const std::filesystem::path kFixtureRoot = WORKTRACE_AGENT_TESTDATA "/root";

TEST(LinuxDeviceInfoSourceTest, ReadsFixtureTree) {
  LinuxDeviceInfoSource source(kFixtureRoot);
  const protocol::DeviceInfo info = source.collect();
  EXPECT_EQ(info.hostname, "fixture-host");
  EXPECT_EQ(info.os_name, "Debian GNU/Linux 12 (bookworm)");
  EXPECT_EQ(info.os_id, "debian");
  EXPECT_EQ(info.os_version, "12");
  EXPECT_EQ(info.kernel, "6.1.0-18-amd64");
  EXPECT_EQ(info.cpu_model, "AMD EPYC");
  EXPECT_EQ(info.cpu_cores, 2);
  EXPECT_EQ(info.memory_bytes, std::int64_t{24684096} * 1024);
  EXPECT_EQ(info.agent_version, kVersion);
  utsname uts{};
  ASSERT_EQ(uname(&uts), 0);
  EXPECT_EQ(info.arch, uts.machine);
}

TEST(LinuxDeviceInfoSourceTest, FallsBackToSystemCallsWhenFilesAreMissing) {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "worktrace-empty-root-XXXXXX").string();
  const std::filesystem::path empty_root = ::mkdtemp(pattern.data());
  LinuxDeviceInfoSource source(empty_root);
  const protocol::DeviceInfo info = source.collect();
  utsname uts{};
  ASSERT_EQ(uname(&uts), 0);
  EXPECT_EQ(info.hostname, uts.nodename);
  EXPECT_EQ(info.kernel, uts.release);
  EXPECT_EQ(info.os_name, "");
  EXPECT_GE(info.cpu_cores, 1);
  EXPECT_GT(info.memory_bytes, 0);
  std::filesystem::remove(empty_root);
}

TEST(LinuxDeviceInfoSourceTest, RealSystemSnapshotIsStableAndFitsTheWire) {
  LinuxDeviceInfoSource source;
  const protocol::DeviceInfo first = source.collect();
  EXPECT_FALSE(first.hostname.empty());
  EXPECT_GE(first.cpu_cores, 1);
  EXPECT_EQ(source.collect(), first);  // nothing changed, so change detection stays quiet
}

TEST(LocalIpAddressesTest, SkipsLoopbackAndIsSortedAndUnique) {
  const auto addresses = local_ip_addresses();
  EXPECT_LE(addresses.size(), protocol::kMaxLocalIps);
  EXPECT_TRUE(std::is_sorted(addresses.begin(), addresses.end()));
  EXPECT_EQ(std::adjacent_find(addresses.begin(), addresses.end()), addresses.end());
  for (const auto& address : addresses) {
    EXPECT_NE(address.rfind("127.", 0), 0u) << address;
    EXPECT_NE(address, "::1");
  }
}

}  // namespace
}  // namespace worktrace::agent::collect
