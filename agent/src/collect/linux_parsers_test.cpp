#include "collect/linux_parsers.hpp"

#include "protocol/json_reader.hpp"

#include <gtest/gtest.h>

namespace worktrace::agent::collect {
namespace {

// /etc/os-release of Debian 12, as shipped.
constexpr std::string_view kDebianOsRelease = R"txt(PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
)txt";

// The start of /proc/cpuinfo on a Debian 12 virtual machine (two processors; flags cut).
constexpr std::string_view kDebianCpuinfo =
    "processor\t: 0\n"
    "vendor_id\t: AuthenticAMD\n"
    "cpu family\t: 25\n"
    "model\t\t: 17\n"
    "model name\t: AMD EPYC\n"
    "stepping\t: 1\n"
    "cpu MHz\t\t: 2596.130\n"
    "cache size\t: 1024 KB\n"
    "siblings\t: 2\n"
    "cpu cores\t: 2\n"
    "flags\t\t: fpu vme de pse tsc msr pae mce cx8\n"
    "power management:\n"
    "\n"
    "processor\t: 1\n"
    "vendor_id\t: AuthenticAMD\n"
    "model name\t: AMD EPYC\n"
    "cpu cores\t: 2\n"
    "power management:\n";

// /proc/cpuinfo on arm64 has no model name at all.
constexpr std::string_view kArm64Cpuinfo =
    "processor\t: 0\nBogoMIPS\t: 108.00\n"
    "CPU implementer\t: 0x41\n\n"
    "processor\t: 1\nBogoMIPS\t: 108.00\n\n"
    "processor\t: 2\nBogoMIPS\t: 108.00\n";

TEST(OsReleaseTest, ReadsDebianFields) {
  const OsRelease release = parse_os_release(kDebianOsRelease);
  EXPECT_EQ(release.pretty_name, "Debian GNU/Linux 12 (bookworm)");
  EXPECT_EQ(release.id, "debian");
  EXPECT_EQ(release.version_id, "12");
}

TEST(OsReleaseTest, HandlesQuotingEscapesCommentsAndJunk) {
  const OsRelease release = parse_os_release(
      "# a comment\n"
      "\n"
      "garbage line without equals\n"
      "PRETTY_NAME=\"Say \\\"hi\\\" \\$HOME \\\\ done\"\r\n"
      "ID='single \\ quoted'\n"
      "VERSION_ID=  24.04  \n"
      "ID_LIKE=ubuntu\n");
  EXPECT_EQ(release.pretty_name, "Say \"hi\" $HOME \\ done");
  EXPECT_EQ(release.id, "single \\ quoted");
  EXPECT_EQ(release.version_id, "24.04");
  EXPECT_EQ(parse_os_release("").pretty_name, "");
  EXPECT_EQ(parse_os_release("ID=\"unterminated").id, "\"unterminated");
}

TEST(CpuinfoTest, CountsProcessorsAndTakesFirstModel) {
  const CpuInfo debian = parse_cpuinfo(kDebianCpuinfo);
  EXPECT_EQ(debian.model, "AMD EPYC");
  EXPECT_EQ(debian.processors, 2);

  const CpuInfo arm = parse_cpuinfo(kArm64Cpuinfo);
  EXPECT_EQ(arm.model, "");
  EXPECT_EQ(arm.processors, 3);

  const CpuInfo old_arm =
      parse_cpuinfo("Processor\t: ARMv7 rev 4\nprocessor\t: 0\nHardware\t: BCM2835\n");
  EXPECT_EQ(old_arm.model, "BCM2835");
  EXPECT_EQ(old_arm.processors, 1);
  EXPECT_EQ(parse_cpuinfo("").processors, 0);
}

TEST(MeminfoTest, ConvertsKibToBytesAndRejectsNonsense) {
  EXPECT_EQ(parse_meminfo_total("MemTotal:       24684096 kB\nMemFree:        23556928 kB\n"),
            std::int64_t{24684096} * 1024);
  EXPECT_EQ(parse_meminfo_total("MemFree: 5 kB\nMemTotal: 2048 kB"), 2048 * 1024);
  EXPECT_FALSE(parse_meminfo_total("MemFree: 5 kB\n"));
  EXPECT_FALSE(parse_meminfo_total("MemTotal: lots kB\n"));
  EXPECT_FALSE(parse_meminfo_total("MemTotal: 2048 MB\n"));
  EXPECT_FALSE(parse_meminfo_total("MemTotal: -4 kB\n"));
  EXPECT_FALSE(parse_meminfo_total("MemTotal: 99999999999999999999 kB\n"));
  EXPECT_FALSE(parse_meminfo_total("MemTotal: 1099511627777 kB\n"));  // past 2^50 bytes
}

TEST(CleanTextTest, TrimsReplacesBadBytesAndCutsOnCharacterBoundary) {
  EXPECT_EQ(clean_text("  host\n", 255), "host");
  EXPECT_EQ(clean_text("a\x01"
                       "b\x7f",
                       255),
            "a?b?");
  EXPECT_EQ(clean_text("caf\xc3\xa9 \xff\xc3", 255), "caf\xc3\xa9 ??");
  // "é" is two bytes: with room for four, the second "é" is dropped whole.
  EXPECT_EQ(clean_text("\xc3\xa9\x61\xc3\xa9", 4), "\xc3\xa9\x61");
  const std::string long_text(1000, 'x');
  EXPECT_EQ(clean_text(long_text, 255).size(), 255u);
  EXPECT_TRUE(protocol::is_valid_utf8(clean_text("\xed\xa0\x80 surrogate", 255)));
}

}  // namespace
}  // namespace worktrace::agent::collect
