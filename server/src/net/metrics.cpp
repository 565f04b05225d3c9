#include "net/metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

namespace worktrace::net {
namespace {

constexpr std::array<std::string_view, Metrics::kBucketBounds.size()> kBucketLabels{
    "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05",
    "0.1",    "0.25",  "0.5",    "1",     "2.5",  "5"};

// A label value escaped as the exposition format requires (backslash, quote, newline).
std::string escape_label(std::string_view value) {
  std::string escaped;
  escaped.reserve(value.size());
  for (const char ch : value) {
    switch (ch) {
      case '\\':
        escaped += "\\\\";
        break;
      case '"':
        escaped += "\\\"";
        break;
      case '\n':
        escaped += "\\n";
        break;
      default:
        escaped += ch;
    }
  }
  return escaped;
}

template <class... Args>
void append(fmt::memory_buffer& out, fmt::format_string<Args...> format, Args&&... args) {
  fmt::format_to(std::back_inserter(out), format, std::forward<Args>(args)...);
}

}  // namespace

std::string_view channel_kind_name(ChannelKind kind) noexcept {
  return kind == ChannelKind::agent ? "agent" : "dashboard";
}

std::string_view method_label(std::string_view method) noexcept {
  static constexpr std::array<std::string_view, 9> kMethods{
      "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE"};
  const auto found = std::find(kMethods.begin(), kMethods.end(), method);
  return found == kMethods.end() ? std::string_view("other") : *found;
}

void Metrics::record_request(std::string_view route, std::string_view method, int status,
                             std::chrono::nanoseconds duration) {
  const double duration_s = std::chrono::duration<double>(duration).count();
  const auto bucket = std::lower_bound(kBucketBounds.begin(), kBucketBounds.end(), duration_s);
  const std::lock_guard lock(mutex_);
  ++requests_[RequestKey(route, method, status)];
  Histogram& histogram = durations_[route];
  if (bucket != kBucketBounds.end())
    ++histogram.bucket_counts[std::distance(kBucketBounds.begin(), bucket)];
  ++histogram.count;
  histogram.sum_s += duration_s;
}

std::string Metrics::render(std::string_view version) const {
  fmt::memory_buffer out;
  {
    const std::lock_guard lock(mutex_);
    append(out, "# HELP worktrace_http_requests_total HTTP requests answered, by route pattern.\n");
    append(out, "# TYPE worktrace_http_requests_total counter\n");
    for (const auto& [key, count] : requests_) {
      const auto& [route, method, status] = key;
      append(out, "worktrace_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{}\"}} {}\n",
             escape_label(route), method, status, count);
    }
    append(out,
           "# HELP worktrace_http_request_duration_seconds Time from a complete request to its "
           "response, by route pattern.\n");
    append(out, "# TYPE worktrace_http_request_duration_seconds histogram\n");
    for (const auto& [route, histogram] : durations_) {
      const std::string label = escape_label(route);
      std::uint64_t cumulative = 0;
      for (std::size_t bucket_idx = 0; bucket_idx < kBucketBounds.size(); ++bucket_idx) {
        cumulative += histogram.bucket_counts[bucket_idx];
        append(out, "worktrace_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n",
               label, kBucketLabels[bucket_idx], cumulative);
      }
      append(out, "worktrace_http_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n",
             label, histogram.count);
      append(out, "worktrace_http_request_duration_seconds_sum{{route=\"{}\"}} {}\n", label,
             histogram.sum_s);
      append(out, "worktrace_http_request_duration_seconds_count{{route=\"{}\"}} {}\n", label,
             histogram.count);
    }
  }
  append(out,
         "# HELP worktrace_http_open_connections Open client connections (HTTP and WebSocket).\n");
  append(out, "# TYPE worktrace_http_open_connections gauge\n");
  append(out, "worktrace_http_open_connections {}\n", open_connections_.load());
  append(out, "# HELP worktrace_ws_open_connections Open WebSocket channels, by kind.\n");
  append(out, "# TYPE worktrace_ws_open_connections gauge\n");
  append(out, "worktrace_ws_open_connections{{kind=\"agent\"}} {}\n", agent_channels_.load());
  append(out, "worktrace_ws_open_connections{{kind=\"dashboard\"}} {}\n",
         dashboard_channels_.load());
  append(
      out,
      "# HELP worktrace_ws_frames_dropped_total WebSocket frames dropped from full send queues.\n");
  append(out, "# TYPE worktrace_ws_frames_dropped_total counter\n");
  append(out, "worktrace_ws_frames_dropped_total {}\n", frames_dropped_.load());
  append(out,
         "# HELP worktrace_ws_frames_replaced_total Queued WebSocket frames replaced by a newer "
         "frame of the same stream.\n");
  append(out, "# TYPE worktrace_ws_frames_replaced_total counter\n");
  append(out, "worktrace_ws_frames_replaced_total {}\n", frames_replaced_.load());
  append(out,
         "# HELP worktrace_ws_binary_refused_total Binary WebSocket messages from agents refused "
         "(too large or over the rate).\n");
  append(out, "# TYPE worktrace_ws_binary_refused_total counter\n");
  append(out, "worktrace_ws_binary_refused_total {}\n", binary_refused_.load());
  append(out, "# HELP worktrace_build_info The running server's version.\n");
  append(out, "# TYPE worktrace_build_info gauge\n");
  append(out, "worktrace_build_info{{version=\"{}\"}} 1\n", escape_label(version));
  return fmt::to_string(out);
}

}  // namespace worktrace::net
