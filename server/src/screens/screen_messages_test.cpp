#include "screens/screen_messages.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

namespace worktrace::screens {
namespace {

namespace json = boost::json;

TEST(ScreenMessagesTest, WatchTakesDistinctPositiveIdsAndNamesTheBadOne) {
  auto ids = read_watch(json::parse(R"({"type":"screens.watch","user_ids":[3,1,2]})"));
  ASSERT_TRUE(ids) << ids.error().message;
  EXPECT_EQ(*ids, (std::vector<UserId>{3, 1, 2}));
  EXPECT_TRUE(read_watch(json::parse(R"({"type":"screens.watch","user_ids":[]})")));
  EXPECT_EQ(read_watch(json::parse(R"({"type":"screens.watch","user_ids":[4,0]})")).error().message,
            "$.user_ids[1]: must be a positive id");
  EXPECT_EQ(
      read_watch(json::parse(R"({"type":"screens.watch","user_ids":[4,"5"]})")).error().message,
      "$.user_ids[1]: must be a positive id");
  EXPECT_EQ(read_watch(json::parse(R"({"type":"screens.watch","user_ids":[4,4]})")).error().message,
            "$.user_ids[1]: appears twice");
  EXPECT_FALSE(read_watch(json::parse(R"({"type":"screens.watch"})")));
  EXPECT_FALSE(read_watch(json::parse(R"({"type":"screens.watch","user_ids":[],"x":1})")));
  json::array many;
  for (int id = 1; id <= 201; ++id) many.emplace_back(id);
  EXPECT_TRUE(read_watch(json::object{{"type", "screens.watch"}, {"user_ids", many}})
                  .error()
                  .is(Errc::invalid_argument));
}

TEST(ScreenMessagesTest, RefusalsNeedAKnownReasonAndAWellFormedRequestId) {
  auto refusal = read_refusal(
      json::parse(R"({"type":"screenshot_refused","request_id":"ab-C_9","reason":"idle"})"));
  ASSERT_TRUE(refusal) << refusal.error().message;
  EXPECT_EQ(refusal->request_id, "ab-C_9");
  EXPECT_EQ(refusal->reason, "idle");
  EXPECT_EQ(read_refusal(json::parse(R"({"request_id":"a b","reason":"idle"})")).error().message,
            "$.request_id: must be 1..64 of [A-Za-z0-9_-]");
  EXPECT_FALSE(read_refusal(json::parse(R"({"request_id":"ab","reason":"asleep"})")));
  EXPECT_FALSE(read_refusal(json::parse(R"({"reason":"idle"})")));
}

TEST(ScreenMessagesTest, RepliesHaveTheContractsShape) {
  EXPECT_EQ(json::parse(watching_reply({5}, {{6, fail(Errc::not_found, "no such person")}}, false)),
            json::parse(R"({"type":"screens.watching","user_ids":[5],"refused":[
                {"user_id":6,"error":{"code":"not_found","message":"no such person"}}],
                "enabled":false})"));
  EXPECT_EQ(json::parse(watching_message(true)),
            json::parse(R"({"type":"screens","watching":true})"));
  EXPECT_EQ(json::parse(capture_now_message("r1")),
            json::parse(R"({"type":"capture_now","request_id":"r1"})"));
  EXPECT_EQ(json::parse(ended_message(5, "access_lost")),
            json::parse(R"({"type":"screens.ended","user_id":5,"reason":"access_lost"})"));
}

TEST(ScreenMessagesTest, StreamKeysDifferPerMonitorDeviceAndPerson) {
  const auto key = stream_key(1, 2, 0);
  EXPECT_NE(key, 0u);
  EXPECT_EQ(key, stream_key(1, 2, 0));
  EXPECT_NE(key, stream_key(1, 2, 1));
  EXPECT_NE(key, stream_key(1, 3, 0));
  EXPECT_NE(key, stream_key(2, 2, 0));
}

}  // namespace
}  // namespace worktrace::screens
