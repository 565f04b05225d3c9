#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

namespace worktrace::net {

// The two kinds of WebSocket channel the server accepts.
enum class ChannelKind { agent, dashboard };

// "agent" or "dashboard": the metrics label and the log name of `kind`.
[[nodiscard]] std::string_view channel_kind_name(ChannelKind kind) noexcept;

// The method as a bounded metrics label: the standard methods as themselves, anything else
// "other" (clients choose the method, so it must not create label values at will).
[[nodiscard]] std::string_view method_label(std::string_view method) noexcept;

// The server's Prometheus metrics. Thread-safe: gauges and the frame counters are
// atomics; the per-route request tables share one mutex held for a map update only.
class Metrics {
 public:
  // Upper bounds (seconds) of the request-duration histogram buckets, besides +Inf.
  static constexpr std::array<double, 13> kBucketBounds{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};

  // Counts one answered request. `route` and `method` are bounded labels that must outlive
  // these metrics: a router pattern (the router outlives the server) or a string literal;
  // `method` comes from method_label().
  void record_request(std::string_view route, std::string_view method, int status,
                      std::chrono::nanoseconds duration);

  void connection_opened() noexcept { open_connections_.fetch_add(1); }
  void connection_closed() noexcept { open_connections_.fetch_sub(1); }
  void channel_opened(ChannelKind kind) noexcept { channel_gauge(kind).fetch_add(1); }
  void channel_closed(ChannelKind kind) noexcept { channel_gauge(kind).fetch_sub(1); }
  void frame_dropped() noexcept { frames_dropped_.fetch_add(1); }
  void frame_replaced() noexcept { frames_replaced_.fetch_add(1); }
  void binary_refused() noexcept { binary_refused_.fetch_add(1); }

  [[nodiscard]] std::int64_t open_connections() const noexcept { return open_connections_.load(); }
  [[nodiscard]] std::uint64_t frames_dropped() const noexcept { return frames_dropped_.load(); }
  [[nodiscard]] std::uint64_t frames_replaced() const noexcept { return frames_replaced_.load(); }
  [[nodiscard]] std::uint64_t binary_refused() const noexcept { return binary_refused_.load(); }

  // The whole exposition in the Prometheus text format 0.0.4.
  [[nodiscard]] std::string render(std::string_view version) const;

 private:
  struct Histogram {
    std::array<std::uint64_t, kBucketBounds.size()> bucket_counts{};  // not cumulative
    std::uint64_t count = 0;
    double sum_s = 0;
  };
  using RequestKey = std::tuple<std::string_view, std::string_view, int>;  // route, method, status

  std::atomic<std::int64_t>& channel_gauge(ChannelKind kind) noexcept {
    return kind == ChannelKind::agent ? agent_channels_ : dashboard_channels_;
  }

  std::atomic<std::int64_t> open_connections_{0};
  std::atomic<std::int64_t> agent_channels_{0};
  std::atomic<std::int64_t> dashboard_channels_{0};
  std::atomic<std::uint64_t> frames_dropped_{0};
  std::atomic<std::uint64_t> frames_replaced_{0};
  std::atomic<std::uint64_t> binary_refused_{0};

  mutable std::mutex mutex_;
  // Guarded by mutex_:
  std::map<RequestKey, std::uint64_t> requests_;
  std::map<std::string_view, Histogram> durations_;
};

}  // namespace worktrace::net
