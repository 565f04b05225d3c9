#include "core/errc.hpp"

#include "core/actor.hpp"
#include "core/clock.hpp"
#include "core/http_status.hpp"
#include "core/result.hpp"

#include <gtest/gtest.h>
#include <boost/system/errc.hpp>

namespace worktrace {
namespace {

Result<int> parse_positive(int value) {
  if (value <= 0) return fail(Errc::invalid_argument, "must be positive");
  return value;
}

TEST(ErrcTest, CodesHaveStableNamesAndOurCategory) {
  const boost::system::error_code code = Errc::not_found;
  EXPECT_EQ(code.category().name(), std::string("worktrace"));
  EXPECT_STREQ(errc_name(Errc::not_found), "not_found");
  EXPECT_STREQ(errc_name(Errc::unsupported_media), "unsupported_media_type");
  EXPECT_EQ(code.message(), "not_found");
}

TEST(HttpStatusTest, MapsOurCodesOneToOneAndForeignOnesTo500) {
  EXPECT_EQ(http_status(fail(Errc::invalid_argument, "bad")), 400);
  EXPECT_EQ(http_status(fail(Errc::unauthenticated, "who")), 401);
  EXPECT_EQ(http_status(fail(Errc::payload_too_large, "big")), 413);
  EXPECT_EQ(http_status(fail(Errc::unsupported_media, "type")), 415);
  EXPECT_EQ(http_status(fail(Errc::rate_limited, "slow")), 429);
  EXPECT_EQ(http_status(fail(Errc::unavailable, "later")), 503);
  EXPECT_EQ(http_status(fail(Errc::io_error, "disk")), 500);
  const Error foreign(boost::system::errc::make_error_code(boost::system::errc::permission_denied),
                      "EACCES");
  EXPECT_EQ(http_status(foreign), 500);
}

TEST(ResultTest, CarriesValueOrErrorWithMessage) {
  auto good = parse_positive(3);
  ASSERT_TRUE(good);
  EXPECT_EQ(*good, 3);
  auto bad = parse_positive(-1);
  ASSERT_FALSE(bad);
  EXPECT_TRUE(bad.error().is(Errc::invalid_argument));
  EXPECT_EQ(bad.error().message, "must be positive");
  EXPECT_THROW((void)bad.value(), boost::system::system_error);
}

TEST(RoleTest, RoundTripsNames) {
  for (Role role : {Role::owner, Role::admin, Role::manager, Role::employee}) {
    EXPECT_EQ(parse_role(role_name(role)), role);
  }
  EXPECT_FALSE(parse_role("root").has_value());
}

TEST(ClockTest, ManualClockMovesOnlyWhenTold) {
  ManualClock clock(1000);
  EXPECT_EQ(clock.now_ms(), 1000);
  clock.advance(250);
  EXPECT_EQ(clock.now_ms(), 1250);
  SystemClock system;
  EXPECT_GT(system.now_ms(), 1'700'000'000'000);  // after 2023: a real epoch-ms clock
}

}  // namespace
}  // namespace worktrace
