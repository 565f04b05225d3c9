#include "net/metrics.hpp"

#include <gtest/gtest.h>

#include <string>

namespace worktrace::net {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

bool has_line(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

TEST(MetricsTest, CountsRequestsAndFillsCumulativeBuckets) {
  Metrics metrics;
  metrics.record_request("/api/v1/devices", "GET", 200, microseconds(300));
  metrics.record_request("/api/v1/devices", "GET", 200, milliseconds(3));
  metrics.record_request("/api/v1/devices", "GET", 500, milliseconds(7000));
  const std::string text = metrics.render("1.2.3");
  EXPECT_TRUE(has_line(
      text,
      R"(worktrace_http_requests_total{route="/api/v1/devices",method="GET",status="200"} 2)"))
      << text;
  EXPECT_TRUE(has_line(
      text,
      R"(worktrace_http_requests_total{route="/api/v1/devices",method="GET",status="500"} 1)"));
  const std::string bucket =
      R"(worktrace_http_request_duration_seconds_bucket{route="/api/v1/devices",le=)";
  EXPECT_TRUE(has_line(text, bucket + R"("0.0005"} 1)")) << text;
  EXPECT_TRUE(has_line(text, bucket + R"("0.001"} 1)"));
  EXPECT_TRUE(has_line(text, bucket + R"("0.005"} 2)"));
  EXPECT_TRUE(has_line(text, bucket + R"("5"} 2)"));
  EXPECT_TRUE(has_line(text, bucket + R"("+Inf"} 3)"));
  EXPECT_TRUE(has_line(
      text, R"(worktrace_http_request_duration_seconds_count{route="/api/v1/devices"} 3)"));
  EXPECT_NE(
      text.find(R"(worktrace_http_request_duration_seconds_sum{route="/api/v1/devices"} 7.0033)"),
      std::string::npos)
      << text;
  EXPECT_TRUE(has_line(text, R"(worktrace_build_info{version="1.2.3"} 1)"));
  EXPECT_TRUE(has_line(text, "# TYPE worktrace_http_request_duration_seconds histogram"));
}

TEST(MetricsTest, TracksGaugesAndDrops) {
  Metrics metrics;
  metrics.connection_opened();
  metrics.connection_opened();
  metrics.connection_closed();
  metrics.channel_opened(ChannelKind::agent);
  metrics.channel_opened(ChannelKind::dashboard);
  metrics.channel_opened(ChannelKind::dashboard);
  metrics.channel_closed(ChannelKind::dashboard);
  metrics.frame_dropped();
  metrics.frame_dropped();
  const std::string text = metrics.render("v");
  EXPECT_TRUE(has_line(text, "worktrace_http_open_connections 1"));
  EXPECT_TRUE(has_line(text, R"(worktrace_ws_open_connections{kind="agent"} 1)"));
  EXPECT_TRUE(has_line(text, R"(worktrace_ws_open_connections{kind="dashboard"} 1)"));
  EXPECT_TRUE(has_line(text, "worktrace_ws_frames_dropped_total 2"));
}

TEST(MetricsTest, BoundsMethodLabelsAndEscapesLabelValues) {
  EXPECT_EQ(method_label("GET"), "GET");
  EXPECT_EQ(method_label("DELETE"), "DELETE");
  EXPECT_EQ(method_label("BREW"), "other");
  EXPECT_EQ(method_label("get"), "other");
  Metrics metrics;
  metrics.record_request("a\"b\\c\nd", "GET", 200, microseconds(1));
  EXPECT_NE(metrics.render("v").find(R"(route="a\"b\\c\nd")"), std::string::npos);
}

}  // namespace
}  // namespace worktrace::net
