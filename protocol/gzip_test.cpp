#include "protocol/gzip.hpp"

#include <gtest/gtest.h>

namespace worktrace::protocol {
namespace {

TEST(GzipTest, InflatesAStream) {
  std::string text;
  for (int line = 0; line < 10'000; ++line) text += "line " + std::to_string(line) + "\n";
  auto inflated = gunzip(gzip(text), 1 << 20);
  ASSERT_TRUE(inflated) << inflated.error().message;
  EXPECT_EQ(*inflated, text);
  EXPECT_EQ(gunzip(gzip(""), 10).value(), "");
  // A gzip stream by its magic bytes, and repetitive records shrink well.
  std::string records;
  for (int record_idx = 0; record_idx < 500; ++record_idx) {
    records += R"({"seq":)" + std::to_string(record_idx + 1) +
               R"(,"type":"span","app":"XTerm","exe":"/usr/bin/xterm","title":"t"},)";
  }
  const std::string packed = gzip(records);
  ASSERT_GE(packed.size(), 2U);
  EXPECT_EQ(static_cast<unsigned char>(packed[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>(packed[1]), 0x8b);
  EXPECT_LT(packed.size() * 10, records.size());
}

TEST(GzipTest, StopsAtTheLimit) {
  const std::string compressed = gzip(std::string(100'000, ' '));
  EXPECT_TRUE(gunzip(compressed, 100'000));
  auto over = gunzip(compressed, 99'999);
  ASSERT_FALSE(over);
  EXPECT_TRUE(over.error().is(Errc::payload_too_large));
  EXPECT_EQ(over.error().message, "body: inflates to more than 99999 bytes");
  // A bomb: 64 MiB of zeros in ~64 KiB stops at the limit.
  auto bomb = gunzip(gzip(std::string(64 << 20, '\0')), 8 << 20);
  ASSERT_FALSE(bomb);
  EXPECT_TRUE(bomb.error().is(Errc::payload_too_large));
}

TEST(GzipTest, RejectsBadStreams) {
  const std::string compressed = gzip("{\"records\":[]}");
  auto truncated = gunzip(compressed.substr(0, compressed.size() - 5), 1 << 20);
  ASSERT_FALSE(truncated);
  EXPECT_TRUE(truncated.error().is(Errc::invalid_argument));
  EXPECT_EQ(truncated.error().message, "body: the gzip stream is truncated");
  auto plain = gunzip("{\"records\":[]}", 1 << 20);
  ASSERT_FALSE(plain);
  EXPECT_EQ(plain.error().message, "body: not a valid gzip stream");
  auto trailing = gunzip(compressed + "junk", 1 << 20);
  ASSERT_FALSE(trailing);
  EXPECT_EQ(trailing.error().message, "body: data after the end of the gzip stream");
  std::string corrupt = compressed;
  corrupt[corrupt.size() - 6] ^= 0x55;  // the CRC
  auto bad_crc = gunzip(corrupt, 1 << 20);
  ASSERT_FALSE(bad_crc);
  EXPECT_TRUE(bad_crc.error().is(Errc::invalid_argument));
  EXPECT_FALSE(gunzip("", 1 << 20));
}

}  // namespace
}  // namespace worktrace::protocol
