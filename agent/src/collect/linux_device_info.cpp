#include "collect/linux_device_info.hpp"

#include "collect/linux_parsers.hpp"
#include "core/version.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <fstream>
#include <memory>
#include <optional>

namespace worktrace::agent::collect {
namespace {

// /proc/cpuinfo grows by about 1.5 KiB per processor; this allows thousands.
constexpr std::size_t kMaxFileBytes = 4 * 1024 * 1024;
constexpr std::int64_t kMaxCpuCores = 4096;

// The first `max_bytes` of the file at `path`, or nullopt when it cannot be opened. Reads to
// the end rather than trusting the size, which /proc reports as 0.
std::optional<std::string> read_text_file(const std::filesystem::path& path,
                                          std::size_t max_bytes = kMaxFileBytes) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return std::nullopt;
  std::string text;
  char chunk[4096];
  while (text.size() < max_bytes && file.read(chunk, sizeof chunk).gcount() > 0) {
    text.append(chunk, static_cast<std::size_t>(file.gcount()));
  }
  if (text.size() > max_bytes) text.resize(max_bytes);
  return text;
}

std::string system_hostname() {
  char name[HOST_NAME_MAX + 1] = {};
  if (gethostname(name, sizeof name - 1) != 0) return {};
  return name;
}

struct IfAddrsDeleter {
  void operator()(ifaddrs* list) const { freeifaddrs(list); }
};

std::string text_field(std::string_view text) {
  return clean_text(text, protocol::kMaxDeviceTextBytes);
}

}  // namespace

LinuxDeviceInfoSource::LinuxDeviceInfoSource(std::filesystem::path root) : root_(std::move(root)) {}

protocol::DeviceInfo LinuxDeviceInfoSource::collect() {
  protocol::DeviceInfo info;
  utsname uts{};
  const bool have_uname = uname(&uts) == 0;

  const auto hostname = read_text_file(root_ / "proc/sys/kernel/hostname", 1024);
  info.hostname = text_field(hostname ? *hostname : std::string_view());
  if (info.hostname.empty()) info.hostname = text_field(system_hostname());
  if (info.hostname.empty()) info.hostname = "unknown";  // the wire requires a hostname

  auto os_release = read_text_file(root_ / "etc/os-release");
  if (!os_release) os_release = read_text_file(root_ / "usr/lib/os-release");
  if (os_release) {
    const OsRelease release = parse_os_release(*os_release);
    info.os_name = text_field(release.pretty_name);
    info.os_id = text_field(release.id);
    info.os_version = text_field(release.version_id);
  }

  const auto kernel = read_text_file(root_ / "proc/sys/kernel/osrelease", 1024);
  info.kernel = text_field(kernel ? *kernel : std::string_view());
  if (info.kernel.empty() && have_uname) info.kernel = text_field(uts.release);
  if (have_uname) info.arch = text_field(uts.machine);

  CpuInfo cpu;
  if (const auto cpuinfo = read_text_file(root_ / "proc/cpuinfo")) cpu = parse_cpuinfo(*cpuinfo);
  info.cpu_model = text_field(cpu.model);
  if (cpu.processors == 0) cpu.processors = std::max<long>(sysconf(_SC_NPROCESSORS_ONLN), 0);
  info.cpu_cores = std::min(cpu.processors, kMaxCpuCores);

  std::optional<std::int64_t> memory;
  if (const auto meminfo = read_text_file(root_ / "proc/meminfo")) {
    memory = parse_meminfo_total(*meminfo);
  }
  if (!memory) {
    const long pages = sysconf(_SC_PHYS_PAGES);
    const long page_size = sysconf(_SC_PAGESIZE);
    if (pages > 0 && page_size > 0) memory = std::int64_t{pages} * page_size;
  }
  info.memory_bytes = std::clamp<std::int64_t>(memory.value_or(0), 0, std::int64_t{1} << 50);

  info.agent_version = kVersion;
  info.local_ips = local_ip_addresses();
  return info;
}

std::vector<std::string> local_ip_addresses() {
  ifaddrs* raw = nullptr;
  if (getifaddrs(&raw) != 0) return {};
  const std::unique_ptr<ifaddrs, IfAddrsDeleter> list(raw);
  std::vector<std::string> addresses;
  for (const ifaddrs* entry = list.get(); entry != nullptr; entry = entry->ifa_next) {
    if (entry->ifa_addr == nullptr) continue;
    if ((entry->ifa_flags & IFF_LOOPBACK) != 0 || (entry->ifa_flags & IFF_UP) == 0) continue;
    char text[INET6_ADDRSTRLEN] = {};
    const void* address = nullptr;
    const int family = entry->ifa_addr->sa_family;
    if (family == AF_INET) {
      address = &reinterpret_cast<const sockaddr_in*>(entry->ifa_addr)->sin_addr;
    } else if (family == AF_INET6) {
      address = &reinterpret_cast<const sockaddr_in6*>(entry->ifa_addr)->sin6_addr;
    } else {
      continue;
    }
    if (inet_ntop(family, address, text, sizeof text) != nullptr) addresses.emplace_back(text);
  }
  std::sort(addresses.begin(), addresses.end());
  addresses.erase(std::unique(addresses.begin(), addresses.end()), addresses.end());
  if (addresses.size() > protocol::kMaxLocalIps) addresses.resize(protocol::kMaxLocalIps);
  return addresses;
}

}  // namespace worktrace::agent::collect
