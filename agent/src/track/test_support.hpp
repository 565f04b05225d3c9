#pragma once

#include "collect/sources.hpp"

#include <atomic>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

// Test doubles for the tracker's tests (tracker_test.cpp, tracker_web_test.cpp).
namespace worktrace::agent::track::test_support {

// The seam's test double: records wake requests, hands out counts the test adds.
class FakeSource final : public collect::DesktopSource {
 public:
  Result<void> run(collect::CollectorSink& /*sink*/) override { return {}; }
  void stop() override {}
  void wake_at(EpochMs at) override {
    std::lock_guard lock(mutex_);
    wakes_.push_back(at);
  }
  collect::InputCounts take_counts() override {
    std::lock_guard lock(mutex_);
    return std::exchange(counts_, {});
  }
  std::int64_t idle_ms() override { return idle_ms_; }
  std::vector<protocol::Screen> screens() override { return {}; }

  void add(const collect::InputCounts& counts) {
    std::lock_guard lock(mutex_);
    counts_.keys += counts.keys;
    counts_.clicks += counts.clicks;
    counts_.scrolls += counts.scrolls;
    counts_.distance_px += counts.distance_px;
  }
  void set_idle_ms(std::int64_t idle_ms) { idle_ms_ = idle_ms; }
  std::vector<EpochMs> wakes() const {
    std::lock_guard lock(mutex_);
    return wakes_;
  }
  EpochMs last_wake() const {
    std::lock_guard lock(mutex_);
    return wakes_.empty() ? 0 : wakes_.back();
  }

 private:
  mutable std::mutex mutex_;
  collect::InputCounts counts_;
  std::vector<EpochMs> wakes_;
  std::atomic<std::int64_t> idle_ms_ = 0;
};

inline constexpr EpochMs kSecond = 1000;
inline constexpr EpochMs kMinute = 60 * kSecond;
inline constexpr EpochMs kHour = 60 * kMinute;
inline constexpr EpochMs kT0 = 1'767'607'200'000;  // Monday 2026-01-05 10:00:00 UTC

// A focused window of `app` titled `title`, as the X source reports one.
inline collect::FocusedWindow window(const std::string& app, const std::string& title) {
  return {.app = app, .exe = "/usr/bin/" + app, .title = title, .pid = 4242};
}

}  // namespace worktrace::agent::track::test_support
