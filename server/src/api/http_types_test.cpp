#include "api/http_types.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

namespace worktrace::api {
namespace {

TEST(RequestTest, ReadsHeadersCookiesAndBearerTokens) {
  Request request;
  request.headers = {{"cookie", "a=1; wt_session=abc; b=2"}, {"authorization", "Bearer wtd_xyz"}};
  EXPECT_EQ(request.cookie("wt_session"), "abc");
  EXPECT_EQ(request.cookie("b"), "2");
  EXPECT_EQ(request.cookie("missing"), "");
  EXPECT_EQ(request.bearer_token(), "wtd_xyz");
  request.headers = {{"authorization", "Basic abc"}};
  EXPECT_EQ(request.bearer_token(), "");
}

TEST(RequestTest, SameOriginComparesOriginWithHostAndScheme) {
  Request request;
  EXPECT_TRUE(request.same_origin());  // no Origin: not a browser
  request.headers = {{"host", "127.0.0.1:8080"}, {"origin", "http://127.0.0.1:8080"}};
  EXPECT_TRUE(request.same_origin());
  request.headers = {{"host", "Worktrace.Example.com"}, {"origin", "http://worktrace.example.com"}};
  EXPECT_TRUE(request.same_origin());
  request.headers = {{"host", "worktrace.example.com"}, {"origin", "http://wiki.example.com"}};
  EXPECT_FALSE(request.same_origin());
  request.headers = {{"host", "127.0.0.1:8080"}, {"origin", "http://127.0.0.1:9090"}};
  EXPECT_FALSE(request.same_origin());
  request.headers = {{"host", "127.0.0.1:8080"}, {"origin", "null"}};
  EXPECT_FALSE(request.same_origin());
  request.headers = {{"host", "127.0.0.1:8080"}, {"origin", "https://127.0.0.1:8080"}};
  EXPECT_FALSE(request.same_origin());  // scheme differs from how the request arrived
  request.secure = true;
  EXPECT_TRUE(request.same_origin());
}

TEST(ResponseTest, RendersOurErrorsWithStatusCodeAndMessage) {
  auto response = Response::from_error(fail(Errc::invalid_argument, "$.token: is required"));
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(boost::json::parse(response.body),
            boost::json::parse(
                R"({"error":{"code":"invalid_argument","message":"$.token: is required"}})"));
  EXPECT_EQ(Response::from_error(fail(Errc::payload_too_large, "x")).status, 413);
}

TEST(ResponseTest, HidesInternalDetailOfForeignErrors) {
  const Error sqlite_like(boost::system::errc::make_error_code(boost::system::errc::io_error),
                          "disk I/O error at /var/secret/worktrace.db");
  auto response = Response::from_error(sqlite_like);
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(response.body.find("secret"), std::string::npos);
  EXPECT_NE(response.body.find("\"internal\""), std::string::npos);
}

TEST(JsonBodyTest, ChecksContentTypeThenSyntax) {
  Request request;
  request.body = R"({"a":1})";
  EXPECT_TRUE(json_body(request).error().is(Errc::unsupported_media));
  request.headers = {{"content-type", "application/json; charset=utf-8"}};
  EXPECT_TRUE(json_body(request));
  request.body = "{";
  EXPECT_TRUE(json_body(request).error().is(Errc::invalid_argument));
}

}  // namespace
}  // namespace worktrace::api
