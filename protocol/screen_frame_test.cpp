#include "protocol/screen_frame.hpp"

#include "protocol/testing/fake_jpeg.hpp"

#include <gtest/gtest.h>

#include <string>

namespace worktrace::protocol {
namespace {

using testing::fake_jpeg;

ScreenFrameHeader header_of(int width, int height) {
  ScreenFrameHeader header;
  header.monitor = 1;
  header.width = width;
  header.height = height;
  header.taken_at = 1'700'000'000'000;
  return header;
}

std::string with_header(std::string_view json, std::string_view body) {
  std::string out(kAgentFrameMagic);
  out.push_back(static_cast<char>(json.size() >> 8));
  out.push_back(static_cast<char>(json.size() & 0xff));
  out += json;
  out += body;
  return out;
}

TEST(ScreenFrameTest, RoundTripsAScheduledAndADemandedFrame) {
  const std::string jpeg = fake_jpeg(1280, 1024);
  auto header = header_of(1280, 1024);
  const std::string scheduled = encode_agent_frame(header, jpeg);  // the view points into it
  auto parsed = parse_agent_frame(scheduled);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->header, header);
  EXPECT_EQ(parsed->jpeg, jpeg);

  header.reason = CaptureReason::demand;
  header.request_id = "r-42_x";
  const std::string demanded = encode_agent_frame(header, jpeg);
  parsed = parse_agent_frame(demanded);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->header.request_id, "r-42_x");
  EXPECT_EQ(parsed->header.reason, CaptureReason::demand);
}

TEST(ScreenFrameTest, RefusesWhatIsNotAScreenFrameAndSaysWhy) {
  const std::string jpeg = fake_jpeg(64, 32);
  const auto refusal = [](std::string_view message) {
    auto parsed = parse_agent_frame(message);
    EXPECT_FALSE(parsed);
    return parsed ? std::string("accepted") : parsed.error().message;
  };
  EXPECT_EQ(refusal("WTX1\x00\x02{}"), "screen frame: bad magic (expected WTS1)");
  EXPECT_EQ(refusal("WTS"), "screen frame: bad magic (expected WTS1)");
  EXPECT_EQ(refusal(std::string("WTS1\x00\x00", 6) + jpeg),
            "screen frame: header length must be between 2 and 1024");
  EXPECT_EQ(refusal(std::string("WTS1\x04\x01", 6) + jpeg),
            "screen frame: header length must be between 2 and 1024");
  EXPECT_EQ(refusal(std::string("WTS1\x00\x40{}", 8)), "screen frame: header is truncated");
  EXPECT_EQ(refusal(with_header("{nope", jpeg)), "screen frame: header is not valid JSON");
  EXPECT_EQ(refusal(with_header("[1]", jpeg)), "screen frame: header must be a JSON object");
  const std::string good = R"("monitor":0,"width":64,"height":32,"taken_at":5,"reason":"schedule")";
  EXPECT_EQ(refusal(with_header("{" + good + R"(,"extra":1})", jpeg)),
            "screen frame: $.extra: is not a known field");
  EXPECT_EQ(refusal(with_header(R"({"monitor":0,"width":9000,"height":32,"taken_at":5,"reason":"schedule"})", jpeg)),
            "screen frame: $.width: must be between 1 and 8192");
  EXPECT_EQ(refusal(with_header(R"({"monitor":0,"width":64,"height":32,"taken_at":5,"reason":"x"})", jpeg)),
            "screen frame: $.reason: must be schedule or demand");
  EXPECT_EQ(refusal(with_header(R"({"monitor":0,"width":64,"height":32,"taken_at":5,"reason":"demand"})", jpeg)),
            "screen frame: $.request_id: is required on demand");
  EXPECT_EQ(refusal(with_header("{" + good + R"(,"request_id":"a b"})", jpeg)),
            "screen frame: $.request_id: must be 1 to 64 of A-Z a-z 0-9 _ -");
  EXPECT_EQ(refusal(with_header("{" + good + "}", "GIF89a")), "screen frame: not a JPEG");
  EXPECT_EQ(refusal(with_header("{" + good + "}", fake_jpeg(64, 33))),
            "screen frame: JPEG size 64x33 differs from the header's 64x32");
  std::string unterminated = jpeg.substr(0, jpeg.size() - 2);
  EXPECT_EQ(refusal(with_header("{" + good + "}", unterminated)),
            "screen frame: JPEG does not end with EOI");
}

TEST(ScreenFrameTest, RefusesAnOversizedMessageAsTooLarge) {
  const std::string huge(kMaxScreenFrameBytes + 1, 'x');
  auto parsed = parse_agent_frame(huge);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code, make_error_code(Errc::payload_too_large));
}

TEST(ScreenFrameTest, ReadsTheSizeOfProgressiveJpegsAndSkipsFillBytes) {
  auto size = jpeg_dimensions(fake_jpeg(300, 200, 0xc2));
  ASSERT_TRUE(size) << size.error().message;
  EXPECT_EQ(size->width, 300);
  EXPECT_EQ(size->height, 200);
  std::string filled = fake_jpeg(7, 9);
  filled.insert(2, "\xff\xff");
  size = jpeg_dimensions(filled);
  ASSERT_TRUE(size) << size.error().message;
  EXPECT_EQ(size->width, 7);
  // A DHT marker (C4) is not a frame header.
  std::string no_sof = "\xff\xd8";
  no_sof += std::string("\xff\xc4\x00\x02\xff\xda\x00\x02\xff\xd9", 10);
  EXPECT_FALSE(jpeg_dimensions(no_sof));
  // A segment longer than the data.
  EXPECT_FALSE(jpeg_dimensions(std::string("\xff\xd8\xff\xe0\x7f\x00\xff\xd9", 8)));
}

TEST(ScreenFrameTest, ViewerPrefixCarriesWhoseScreenAndParsesBack) {
  ViewerFrameInfo info;
  info.user_id = 12;
  info.device_id = 34;
  info.header = header_of(64, 32);
  info.header.reason = CaptureReason::demand;
  info.header.request_id = "abc";
  info.received_at = 1'700'000'000'123;
  const std::string jpeg = fake_jpeg(64, 32);
  const std::string message = viewer_frame_prefix(info) + jpeg;
  ASSERT_EQ(message.substr(0, 4), "WTV1");
  auto parsed = parse_viewer_frame(message);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->info.user_id, 12);
  EXPECT_EQ(parsed->info.device_id, 34);
  EXPECT_EQ(parsed->info.received_at, 1'700'000'000'123);
  EXPECT_EQ(parsed->info.header, info.header);
  EXPECT_EQ(parsed->jpeg, jpeg);
  EXPECT_FALSE(parse_viewer_frame(encode_agent_frame(info.header, jpeg)));
}

}  // namespace
}  // namespace worktrace::protocol
