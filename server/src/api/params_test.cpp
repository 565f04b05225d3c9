#include "api/params.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace worktrace::api {
namespace {

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

TEST(ParseIntTest, AcceptsWholeDecimalNumbersInRange) {
  EXPECT_EQ(parse_int("0", 0, 10), 0);
  EXPECT_EQ(parse_int("10", 0, 10), 10);
  EXPECT_EQ(parse_int("-5", -10, 10), -5);
  EXPECT_EQ(parse_int("9223372036854775807", 0, kMax), kMax);
}

TEST(ParseIntTest, RefusesAnythingElse) {
  EXPECT_EQ(parse_int("", 0, 10), std::nullopt);
  EXPECT_EQ(parse_int("11", 0, 10), std::nullopt);
  EXPECT_EQ(parse_int("-1", 0, 10), std::nullopt);
  EXPECT_EQ(parse_int("+1", 0, 10), std::nullopt);
  EXPECT_EQ(parse_int(" 1", 0, 10), std::nullopt);
  EXPECT_EQ(parse_int("1 ", 0, 10), std::nullopt);
  EXPECT_EQ(parse_int("1x", 0, 10), std::nullopt);
  EXPECT_EQ(parse_int("0x1", 0, 10), std::nullopt);
  EXPECT_EQ(parse_int("9223372036854775808", 0, kMax), std::nullopt);
}

TEST(ParseIdTest, AcceptsOnlyPositiveIds) {
  EXPECT_EQ(parse_id("1"), 1);
  EXPECT_EQ(parse_id("42"), 42);
  EXPECT_EQ(parse_id("9223372036854775807"), kMax);
  EXPECT_EQ(parse_id("0"), std::nullopt);
  EXPECT_EQ(parse_id("-3"), std::nullopt);
  EXPECT_EQ(parse_id("abc"), std::nullopt);
  EXPECT_EQ(parse_id(""), std::nullopt);
  EXPECT_EQ(parse_id("99999999999999999999"), std::nullopt);
}

TEST(PathIdTest, ReadsTheNamedParameterOrAnswersNotFound) {
  Request request;
  request.params = {{"id", "7"}, {"user_id", "x"}};
  auto id = path_id(request, "id", "device");
  ASSERT_TRUE(id);
  EXPECT_EQ(*id, 7);

  auto bad = path_id(request, "user_id", "person");
  ASSERT_FALSE(bad);
  EXPECT_TRUE(bad.error().is(Errc::not_found));
  EXPECT_EQ(bad.error().message, "person not found");

  auto missing = path_id(request, "team_id", "team");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "team not found");
}

}  // namespace
}  // namespace worktrace::api
