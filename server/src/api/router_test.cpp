#include "api/router.hpp"

#include <gtest/gtest.h>

namespace worktrace::api {
namespace {

Handler answer(int status) {
  return [status](Request&) {
    Response response;
    response.status = status;
    return response;
  };
}

TEST(RouterTest, MatchesLiteralAndCapturedSegments) {
  Router router;
  router.add("GET", "/api/v1/devices", answer(200));
  router.add("GET", "/api/v1/devices/{id}", answer(201));
  router.add("DELETE", "/api/v1/devices/{id}", answer(204));

  auto list = router.match("GET", "/api/v1/devices");
  ASSERT_NE(list.handler, nullptr);
  EXPECT_EQ(list.pattern, "/api/v1/devices");

  auto one = router.match("GET", "/api/v1/devices/42");
  ASSERT_NE(one.handler, nullptr);
  EXPECT_EQ(one.pattern, "/api/v1/devices/{id}");
  EXPECT_EQ(one.params.at("id"), "42");
  Request request;
  EXPECT_EQ((*one.handler)(request).status, 201);
}

TEST(RouterTest, DistinguishesUnknownPathFromWrongMethod) {
  Router router;
  router.add("GET", "/api/v1/devices/{id}", answer(200));
  router.add("DELETE", "/api/v1/devices/{id}", answer(204));

  auto unknown = router.match("GET", "/api/v1/nothing");
  EXPECT_EQ(unknown.handler, nullptr);
  EXPECT_FALSE(unknown.path_known);

  auto wrong_method = router.match("PUT", "/api/v1/devices/7");
  EXPECT_EQ(wrong_method.handler, nullptr);
  EXPECT_TRUE(wrong_method.path_known);
  EXPECT_EQ(wrong_method.allow, "GET, DELETE");
}

TEST(RouterTest, PrefersLiteralSegmentsOverCapturesAndListsEntries) {
  Router router;
  router.add("GET", "/api/v1/audit/{seq}", answer(200));
  router.add("GET", "/api/v1/audit/verify", answer(201));
  auto verify = router.match("GET", "/api/v1/audit/verify");
  ASSERT_NE(verify.handler, nullptr);
  EXPECT_EQ(verify.pattern, "/api/v1/audit/verify");
  auto entry = router.match("GET", "/api/v1/audit/12");
  ASSERT_NE(entry.handler, nullptr);
  EXPECT_EQ(entry.pattern, "/api/v1/audit/{seq}");
  EXPECT_EQ(entry.params.at("seq"), "12");

  const auto entries = router.entries();
  ASSERT_EQ(entries.size(), 2U);
  EXPECT_EQ(entries[1].method, "GET");
  EXPECT_EQ(entries[1].pattern, "/api/v1/audit/verify");
}

TEST(RouterTest, RejectsDuplicateRoutes) {
  Router router;
  router.add("GET", "/x", answer(200));
  EXPECT_THROW(router.add("GET", "/x", answer(200)), std::logic_error);
}

}  // namespace
}  // namespace worktrace::api
