#include "local_api/aw_time.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace worktrace::agent::local_api {
namespace {

constexpr EpochMs kT0 = 1'767'607'200'000;  // 2026-01-05T10:00:00Z

TEST(AwTimeTest, ParsesZuluAndOffsetForms) {
  EXPECT_EQ(parse_aw_timestamp("2026-01-05T10:00:00Z", "t").value(), kT0);
  EXPECT_EQ(parse_aw_timestamp("2026-01-05T10:00:00+00:00", "t").value(), kT0);
  EXPECT_EQ(parse_aw_timestamp("2026-01-05T10:00:00.250Z", "t").value(), kT0 + 250);
  EXPECT_EQ(parse_aw_timestamp("2026-01-05T10:00:00.123456+00:00", "t").value(), kT0 + 123);
  EXPECT_EQ(parse_aw_timestamp("2026-01-05T10:00:00.5Z", "t").value(), kT0 + 500);
  EXPECT_EQ(parse_aw_timestamp("2026-01-05T12:30:00+02:30", "t").value(), kT0);
  EXPECT_EQ(parse_aw_timestamp("2026-01-05T05:00:00-05:00", "t").value(), kT0);
  EXPECT_EQ(parse_aw_timestamp("1970-01-01T00:00:00Z", "t").value(), 0);
  EXPECT_EQ(parse_aw_timestamp("2024-02-29t00:00:00z", "t").value(), 1'709'164'800'000);
}

TEST(AwTimeTest, RefusesMalformedTimesNamingTheField) {
  for (const char* text :
       {"", "2026-01-05", "2026-01-05T10:00:00", "2026-01-05T10:00:00+0000", "2026-13-05T10:00:00Z",
        "2025-02-29T10:00:00Z", "2026-01-05T24:00:00Z", "2026-01-05T10:00:00.Z",
        "2026-01-05T10:00:00Zjunk", "x026-01-05T10:00:00Z", "2026-01-05T10:60:00Z"}) {
    auto parsed = parse_aw_timestamp(text, "$.timestamp");
    ASSERT_FALSE(parsed) << text;
    EXPECT_TRUE(parsed.error().is(Errc::invalid_argument));
    EXPECT_EQ(parsed.error().message.rfind("$.timestamp: ", 0), 0U) << parsed.error().message;
  }
}

TEST(AwTimeTest, FormatsUtcWithMillisecondsAndOffset) {
  EXPECT_EQ(format_aw_timestamp(kT0 + 7), "2026-01-05T10:00:00.007+00:00");
  EXPECT_EQ(format_aw_timestamp(0), "1970-01-01T00:00:00.000+00:00");
  EXPECT_EQ(format_aw_timestamp(-1), "1969-12-31T23:59:59.999+00:00");
  EXPECT_EQ(format_aw_timestamp(1'709'164'800'000), "2024-02-29T00:00:00.000+00:00");
  for (EpochMs at : {kT0, kT0 + 86'399'999, EpochMs{951'782'400'000}}) {
    EXPECT_EQ(parse_aw_timestamp(format_aw_timestamp(at), "t").value(), at);
  }
}

TEST(AwTimeTest, DurationsAreSecondsRoundedToMilliseconds) {
  EXPECT_EQ(duration_ms_from_seconds(1.5, "d").value(), 1500);
  EXPECT_EQ(duration_ms_from_seconds(0.0004, "d").value(), 0);
  EXPECT_EQ(duration_ms_from_seconds(0, "d").value(), 0);
  EXPECT_FALSE(duration_ms_from_seconds(-1, "d"));
  EXPECT_FALSE(duration_ms_from_seconds(1e300, "d"));
  EXPECT_FALSE(duration_ms_from_seconds(std::nan(""), "d"));
}

}  // namespace
}  // namespace worktrace::agent::local_api
