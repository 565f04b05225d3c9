#pragma once

#include "core/clock.hpp"
#include "protocol/screenshot_policy.hpp"

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

// Live screenshots on the device: when to take them, and taking them. Nothing of a screenshot
// is ever written to disk: frames go from memory to the sink.
namespace worktrace::agent::capture {

// What the tracker says the person is doing (run_command maps the tracker's state onto it).
enum class DeskState {
  active,      // at the computer: screenshots allowed
  idle,        // no input for the idle threshold
  paused,      // the organization paused tracking for this person
  off_hours,   // outside the organization's work hours
  no_display,  // no X display (not started, lost, or --no-tracking)
};

// Why a capture_now was not served; the names are the wire's ("idle", "busy", ...).
enum class Refusal { idle, paused, off_hours, disabled, no_display, capture_failed, busy };
[[nodiscard]] std::string_view refusal_name(Refusal refusal) noexcept;

// Where the service's output goes (the control client in the agent, a recorder in tests).
// Both methods are called on the service's thread, except that capture_now() refuses a demand
// on its caller's thread when kMaxPendingDemands are already waiting: implementations must be
// thread-safe.
class ScreenshotSink {
 public:
  virtual ~ScreenshotSink() = default;
  // One encoded agent frame (protocol::encode_agent_frame): "WTS1", header, JPEG.
  virtual void send_frame(std::string message) = 0;
  // A demand that was not served.
  virtual void send_refusal(const std::string& request_id, Refusal reason) = 0;
};

struct ScreenshotServiceOptions {
  std::string display;     // the X display to capture ("" : $DISPLAY)
  std::uint64_t seed = 0;  // the schedule's random moments
};

// Takes screenshots on its own thread with its own X connection (opened on first use and
// reopened after a loss). Scheduled shots: at the ScreenshotSchedule's moments, only while the
// policy is enabled, someone watches (set_watching) and the desk is active. Demands
// (capture_now): served at once while enabled and active, else refused with the reason; at
// most one per second (by `clock`), else refused as busy. Each capture sends one frame per
// RandR monitor (monitor 0, 1, ...; the whole screen as monitor 0 when there are none),
// downscaled, blurred when the policy says so, and JPEG-encoded at the policy's quality;
// taken_at comes from `clock`. The thread sleeps on a condition variable until the next
// moment or a change; it never polls. The setters are thread-safe. `clock` and `sink` must
// outlive the service; the destructor stops and joins the thread.
class ScreenshotService {
 public:
  static constexpr std::size_t kMaxPendingDemands = 8;
  static constexpr EpochMs kMinDemandGapMs = 1'000;

  // Starts the thread. Initially: the default policy, nobody watching, DeskState::no_display.
  ScreenshotService(const Clock& clock, ScreenshotSink& sink, ScreenshotServiceOptions options);
  ~ScreenshotService();
  ScreenshotService(const ScreenshotService&) = delete;
  ScreenshotService& operator=(const ScreenshotService&) = delete;

  void set_policy(const protocol::ScreenshotPolicy& policy);
  void set_watching(bool watching);
  void set_desk_state(DeskState state);
  // Queues a demand; `request_id` comes from the server's capture_now.
  void capture_now(std::string request_id);
  // The wall clock may have jumped (a resumed laptop, or a test's ManualClock): look at it
  // again now instead of at the end of the current wait.
  void recheck_clock();

 private:
  struct Worker;  // the thread's X connection, capture and encoder (Xlib stays in the .cpp)

  void run();

  const Clock& clock_;
  ScreenshotSink& sink_;
  const ScreenshotServiceOptions options_;

  // Guarded by mutex_.
  std::mutex mutex_;
  std::condition_variable changed_;
  protocol::ScreenshotPolicy policy_{};
  bool watching_ = false;
  DeskState desk_ = DeskState::no_display;
  std::deque<std::string> demands_;
  std::uint64_t generation_ = 0;  // bumped by every change, so the thread never misses one
  bool stopping_ = false;

  std::thread thread_;
};

}  // namespace worktrace::agent::capture
