#include "protocol/json_reader.hpp"

#include <gtest/gtest.h>

namespace worktrace::protocol {
namespace {

TEST(ParseJsonTest, RejectsSyntaxErrorsAndDeepNesting) {
  EXPECT_TRUE(parse_json(R"({"a":1})"));
  auto broken = parse_json(R"({"a":)");
  ASSERT_FALSE(broken);
  EXPECT_TRUE(broken.error().is(Errc::invalid_argument));
  EXPECT_NE(broken.error().message.find("not valid JSON"), std::string::npos);
  EXPECT_FALSE(parse_json(std::string(100, '[') + std::string(100, ']'), 32));
  EXPECT_FALSE(parse_json("\"\xff\""));  // invalid UTF-8 inside a string
}

TEST(ObjectReaderTest, NamesThePathOfTheFirstBadField) {
  auto doc = parse_json(R"({"device":{"hostname":42},"n":5,"flag":true})");
  ASSERT_TRUE(doc);
  auto root = ObjectReader::open(*doc);
  ASSERT_TRUE(root);
  auto device = root->required_object("device");
  ASSERT_TRUE(device);
  auto hostname = device->required_string("hostname", 10);
  ASSERT_FALSE(hostname);
  EXPECT_EQ(hostname.error().message, "$.device.hostname: must be a string");

  EXPECT_EQ(*root->required_int("n", 0, 10), 5);
  auto out_of_range = root->required_int("n", 6, 10);
  ASSERT_FALSE(out_of_range);
  EXPECT_EQ(out_of_range.error().message, "$.n: must be between 6 and 10");
  EXPECT_EQ(*root->optional_bool("flag"), true);
  EXPECT_FALSE(root->optional_int("missing", 0, 1)->has_value());
  EXPECT_EQ(root->required_string("missing", 5).error().message, "$.missing: is required");
}

TEST(ObjectReaderTest, EnforcesLengthsAndUnknownKeys) {
  auto doc = parse_json(R"({"name":"abcdef","extra":1})");
  ASSERT_TRUE(doc);
  auto root = ObjectReader::open(*doc);
  ASSERT_TRUE(root);
  EXPECT_EQ(root->required_string("name", 5).error().message, "$.name: must be at most 5 bytes");
  EXPECT_EQ(*root->required_string("name", 6), "abcdef");
  EXPECT_EQ(root->reject_unknown({"name"}).error().message, "$.extra: is not a known field");
  EXPECT_TRUE(root->reject_unknown({"name", "extra"}));
  EXPECT_FALSE(ObjectReader::open(boost::json::value(3)));
}

TEST(TypedMessageTest, NeedsAnObjectWithATypeWithinTheSizeLimit) {
  auto message = read_typed_message(R"({"type":"hello","n":1})", 100);
  ASSERT_TRUE(message);
  EXPECT_EQ(message->type, "hello");
  EXPECT_EQ(message->json.at("n"), 1);
  EXPECT_TRUE(read_typed_message(R"({"type":"hello"})", 5).error().is(Errc::payload_too_large));
  EXPECT_EQ(read_typed_message(R"({"kind":"x"})", 100).error().message, "$.type: is required");
  EXPECT_EQ(read_typed_message("[1]", 100).error().message, "$: must be an object");
  EXPECT_TRUE(read_typed_message("{", 100).error().is(Errc::invalid_argument));
}

TEST(Utf8Test, AcceptsValidAndRejectsMalformedSequences) {
  EXPECT_TRUE(is_valid_utf8("plain"));
  EXPECT_TRUE(is_valid_utf8("\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("\xc3"));              // truncated
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // beyond U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\x80"));              // stray continuation
}

}  // namespace
}  // namespace worktrace::protocol
