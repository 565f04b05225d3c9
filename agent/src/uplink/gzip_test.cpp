#include "uplink/gzip.hpp"

#include <zlib.h>

#include <gtest/gtest.h>

#include <string>

namespace worktrace::agent::uplink {
namespace {

// Inflates with zlib's own reader, as a server would.
std::string gunzip(const std::string& data) {
  z_stream stream{};
  EXPECT_EQ(inflateInit2(&stream, 15 + 16), Z_OK);
  std::string out(1 << 20, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&stream, Z_FINISH), Z_STREAM_END);
  out.resize(stream.total_out);
  inflateEnd(&stream);
  return out;
}

TEST(GzipTest, RoundTripsAndShrinksRepetitiveRecords) {
  std::string body = "{\"records\":[";
  for (int record_idx = 0; record_idx < 500; ++record_idx) {
    body +=
        R"({"seq":)" + std::to_string(record_idx + 1) +
        R"(,"type":"span","start":1,"end":2,"app":"XTerm","exe":"/usr/bin/xterm","title":"t","idle":false},)";
  }
  body.back() = ']';
  body += "}";
  const std::string packed = gzip(body);
  ASSERT_GE(packed.size(), 2U);
  EXPECT_EQ(static_cast<unsigned char>(packed[0]), 0x1f);  // the gzip magic
  EXPECT_EQ(static_cast<unsigned char>(packed[1]), 0x8b);
  EXPECT_LT(packed.size() * 10, body.size());
  EXPECT_EQ(gunzip(packed), body);
  EXPECT_EQ(gunzip(gzip("")), "");
}

}  // namespace
}  // namespace worktrace::agent::uplink
