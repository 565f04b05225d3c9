#pragma once

#include "collect/sources.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "spool/outbox.hpp"
#include "track/tracking_config.hpp"

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string_view>

// Turns what the desktop collectors observe into activity records: spans of one focused
// window and one idle state, and per-minute input counts. Pure logic over the collector seams,
// a Clock and the outbox.
namespace worktrace::agent::track {

// What the tracker is doing, in the order it decides it: paused > off_hours > idle > active.
enum class TrackState { active, idle, paused, off_hours };

// "active", "idle", "paused", "off_hours" (the wire names of the `activity` message).
[[nodiscard]] std::string_view track_state_name(TrackState state);

struct TrackSnapshot {
  TrackState state = TrackState::active;
  collect::FocusedWindow window{};  // empty while paused or off hours: never reported then
  EpochMs since = 0;                // when this state, or this window, began
  std::int64_t spans_written = 0;
  std::int64_t minutes_written = 0;

  bool operator==(const TrackSnapshot&) const = default;
};

struct TrackerOptions {
  // A span is cut after this long (the server merges the pieces back); clamped to
  // [1 s, 1 day]. While a span is open the tracker wakes at least this often.
  std::int64_t span_max_ms = 60'000;
};

// The rules, as a CollectorSink:
// - Spans (start, end, window, idle) are recorded in the active and idle states only, and
//   written to the outbox when they end: on a window change, a state change, after
//   span_max_ms, and at finish(). A span of zero length is not written.
// - Idle begins exactly at last input + threshold (never backdated) and ends with the next
//   input. At construction, the last input is now - source.idle_ms().
// - Input counts are taken at the end of each minute that had input and written (when not
//   zero) as an InputRecord for that minute. Counts from paused or off-hours time are
//   discarded; the tracker never learns which keys were pressed (InputCounts are counts).
// - Wake-ups are asked of the source only for the next due rule: the minute's end (after
//   input), the idle transition, the span cut, the next schedule change. Paused: none.
// - Times never go back (an earlier `at` counts as the latest seen). A gap longer than
//   span_max_ms + 5 min while a span is open (the machine slept, or the clock jumped ahead)
//   is not recorded: the span ends at the last time seen and the state is decided anew.
//
// Thread safety: the CollectorSink calls and finish() come from the collector's thread;
// apply_config() and snapshot() may be called from any thread. One mutex guards the state;
// source.take_counts() and outbox writes happen under it, source.wake_at() and on_change
// outside it.
// How long the focus must rest on nothing before it counts as a change (window managers
// clear _NET_ACTIVE_WINDOW for a moment while switching).
inline constexpr EpochMs kBlankFocusGraceMs = 1'000;

class Tracker final : public collect::CollectorSink {
 public:
  // `outbox`, `source` and `clock` must outlive the tracker. `on_change` (may be empty) runs on
  // the collector thread after each state or window change, not after mere span cuts.
  Tracker(spool::Outbox& outbox, collect::DesktopSource& source, const Clock& clock,
          TrackingConfig config, TrackerOptions options,
          std::function<void(const TrackSnapshot&)> on_change);

  // Takes effect at clock.now_ms(): a state change ends the open span there. The on_change
  // call for it follows on the collector thread (this asks the source to wake at once).
  // Does not touch the outbox's seq floor (config.last_seq is the caller's to apply).
  void apply_config(TrackingConfig config);

  [[nodiscard]] TrackSnapshot snapshot() const;

  // Writes the open span and the current minute's counts, then ignores further events. Call
  // on the collector thread after DesktopSource::run() returned.
  void finish(EpochMs at);

  void on_focus(const collect::FocusedWindow& window, EpochMs at) override;
  void on_input(EpochMs at) override;
  void on_wake(EpochMs at) override;

 private:
  struct OpenSpan {
    EpochMs start = 0;
    collect::FocusedWindow window;
    bool idle = false;
  };
  // What an event leaves to do once the mutex is released.
  struct AfterEvent {
    std::optional<EpochMs> wake_at;
    std::optional<TrackSnapshot> changed;
  };

  // Each requires mutex_.
  [[nodiscard]] EpochMs begin_event_locked(EpochMs at);
  void advance_locked(EpochMs at);
  void restart_after_gap_locked(EpochMs at);
  [[nodiscard]] TrackState state_at_locked(EpochMs at) const;
  void set_state_locked(TrackState state, EpochMs at);
  void open_span_locked(EpochMs at);
  void close_span_locked(EpochMs at);
  void write_counts_locked(EpochMs minute);
  [[nodiscard]] std::optional<EpochMs> next_due_locked() const;
  [[nodiscard]] TrackSnapshot snapshot_locked() const;
  [[nodiscard]] AfterEvent end_event_locked();
  void run_after(const AfterEvent& after);

  spool::Outbox& outbox_;
  collect::DesktopSource& source_;
  const Clock& clock_;
  const TrackerOptions options_;
  const std::function<void(const TrackSnapshot&)> on_change_;

  mutable std::mutex mutex_;
  // Guarded by mutex_:
  TrackingConfig config_;
  TrackState state_;
  EpochMs since_;
  EpochMs last_event_ms_;  // the latest time seen
  EpochMs last_input_ms_;
  collect::FocusedWindow window_;
  bool window_known_ = false;               // false until the first on_focus
  std::optional<EpochMs> blank_since_;      // the focus went to nothing then (not yet counted)
  std::optional<OpenSpan> span_;            // open while active or idle (once a window is known)
  std::optional<EpochMs> minute_end_;       // set while the current minute had input
  std::optional<EpochMs> schedule_change_;  // the next change of is_work_time
  std::optional<EpochMs> wake_requested_;   // the last wake_at asked for and not yet delivered
  bool change_pending_ = false;             // on_change owed to the collector thread
  bool finished_ = false;
  std::int64_t spans_written_ = 0;
  std::int64_t minutes_written_ = 0;
};

}  // namespace worktrace::agent::track
