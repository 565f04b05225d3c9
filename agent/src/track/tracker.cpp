#include "track/tracker.hpp"

#include "protocol/activity_batch.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

namespace worktrace::agent::track {
namespace {

constexpr std::int64_t kMinuteMs = protocol::kMinuteMs;
// How late a requested wake-up may come before the time in between counts as not observed.
constexpr std::int64_t kMaxWakeLatenessMs = 5 * 60'000;

bool is_recording(TrackState state) {
  return state == TrackState::active || state == TrackState::idle;
}

EpochMs minute_of(EpochMs at) {
  EpochMs minute = at - at % kMinuteMs;
  if (at % kMinuteMs < 0) minute -= kMinuteMs;  // floor, also before 1970
  return minute;
}

TrackerOptions clamped(TrackerOptions options) {
  options.span_max_ms = std::clamp<std::int64_t>(options.span_max_ms, 1000, protocol::kMaxSpanMs);
  return options;
}

}  // namespace

std::string_view track_state_name(TrackState state) {
  switch (state) {
    case TrackState::active:
      return "active";
    case TrackState::idle:
      return "idle";
    case TrackState::paused:
      return "paused";
    case TrackState::off_hours:
      return "off_hours";
  }
  return "active";
}

Tracker::Tracker(spool::Outbox& outbox, collect::DesktopSource& source, const Clock& clock,
                 TrackingConfig config, TrackerOptions options,
                 std::function<void(const TrackSnapshot&)> on_change)
    : outbox_(outbox),
      source_(source),
      clock_(clock),
      options_(clamped(options)),
      on_change_(std::move(on_change)),
      config_(std::move(config)) {
  const EpochMs now = clock_.now_ms();
  last_event_ms_ = now;
  last_input_ms_ = now - std::max<std::int64_t>(0, source_.idle_ms());
  schedule_change_ = protocol::next_work_change(config_.schedule, now);
  state_ = state_at_locked(now);  // no other thread can see the tracker yet
  since_ = now;
}

void Tracker::apply_config(TrackingConfig config) {
  AfterEvent after;
  {
    std::lock_guard lock(mutex_);
    const EpochMs now = begin_event_locked(clock_.now_ms());
    config_ = std::move(config);
    if (finished_) return;
    schedule_change_ = protocol::next_work_change(config_.schedule, now);
    set_state_locked(state_at_locked(now), now);
    // The collector thread reports the state again (a device given to another person must
    // say what it shows now) and re-plans its wake-ups.
    change_pending_ = true;
    wake_requested_ = now;
    after.wake_at = now;
  }
  run_after(after);
}

TrackSnapshot Tracker::snapshot() const {
  std::lock_guard lock(mutex_);
  return snapshot_locked();
}

void Tracker::finish(EpochMs at) {
  std::lock_guard lock(mutex_);
  if (finished_) return;
  at = begin_event_locked(at);
  close_span_locked(at);
  if (is_recording(state_)) {
    write_counts_locked(minute_end_ ? *minute_end_ - kMinuteMs : minute_of(at));
  } else {
    (void)source_.take_counts();  // taken while paused or off hours: discarded
  }
  minute_end_.reset();
  finished_ = true;
}

void Tracker::on_focus(const collect::FocusedWindow& window, EpochMs at) {
  AfterEvent after;
  {
    std::lock_guard lock(mutex_);
    if (finished_) return;
    at = begin_event_locked(at);
    const bool blank = window == collect::FocusedWindow{};
    if (blank && window_known_ && window_ != collect::FocusedWindow{}) {
      // Window managers drop the focus for a moment while switching: "nothing focused" counts
      // only once it has lasted kBlankFocusGraceMs (then from its start).
      if (!blank_since_) blank_since_ = at;
      after = end_event_locked();
    } else if (blank_since_ && !blank && window == window_) {
      blank_since_.reset();  // the same window came back: nothing happened
      after = end_event_locked();
    } else if (!window_known_ || window != window_) {
      blank_since_.reset();
      if (!window_known_) change_pending_ = true;  // the first report, whatever the state
      window_ = window;
      window_known_ = true;
      if (is_recording(state_)) {
        close_span_locked(at);
        open_span_locked(at);
        since_ = at;
        change_pending_ = true;
      }
      after = end_event_locked();
    } else {
      after = end_event_locked();
    }
  }
  run_after(after);
}

void Tracker::on_input(EpochMs at) {
  AfterEvent after;
  {
    std::lock_guard lock(mutex_);
    if (finished_) return;
    at = begin_event_locked(at);
    last_input_ms_ = at;
    if (is_recording(state_) && !minute_end_) minute_end_ = minute_of(at) + kMinuteMs;
    set_state_locked(state_at_locked(at), at);  // idle ends here
    after = end_event_locked();
  }
  run_after(after);
}

void Tracker::on_wake(EpochMs at) {
  AfterEvent after;
  {
    std::lock_guard lock(mutex_);
    if (finished_) return;
    wake_requested_.reset();  // delivered: a new request is needed even for the same time
    (void)begin_event_locked(at);
    after = end_event_locked();
  }
  run_after(after);
}

EpochMs Tracker::begin_event_locked(EpochMs at) {
  // While a span is open a wake-up is due within span_max_ms; a longer silence means the
  // machine slept or the clock jumped, and what happened then is unknown.
  if (!finished_ && span_ && at - last_event_ms_ > options_.span_max_ms + kMaxWakeLatenessMs) {
    restart_after_gap_locked(at);
  }
  at = std::max(at, last_event_ms_);
  if (!finished_) advance_locked(at);
  last_event_ms_ = at;
  return at;
}

void Tracker::restart_after_gap_locked(EpochMs at) {
  close_span_locked(last_event_ms_);
  if (minute_end_) {
    write_counts_locked(*minute_end_ - kMinuteMs);
    minute_end_.reset();
  }
  schedule_change_ = protocol::next_work_change(config_.schedule, at);
  const TrackState state = state_at_locked(at);
  if (state != state_) {
    set_state_locked(state, at);
  } else {
    open_span_locked(at);
    since_ = at;
    change_pending_ = true;
  }
  last_event_ms_ = at;
}

void Tracker::advance_locked(EpochMs at) {
  // The timed rules due by `at`, in time order, each at its own instant. Each step moves its
  // own deadline past the instant it ran at, so the loop ends.
  for (;;) {
    const auto due = next_due_locked();
    if (!due || *due > at) return;
    const EpochMs when = *due;
    if (blank_since_ && *blank_since_ + kBlankFocusGraceMs == when) {
      // Nothing has had the focus since blank_since_ (or since the span's start, if it was
      // cut meanwhile).
      const EpochMs from = span_ ? std::max(*blank_since_, span_->start) : *blank_since_;
      blank_since_.reset();
      window_ = collect::FocusedWindow{};
      if (is_recording(state_)) {
        close_span_locked(from);
        open_span_locked(from);
        since_ = from;
        change_pending_ = true;
      }
    } else if (minute_end_ && *minute_end_ == when) {
      write_counts_locked(when - kMinuteMs);
      minute_end_.reset();
    } else if (!config_.paused && schedule_change_ && *schedule_change_ == when) {
      schedule_change_ = protocol::next_work_change(config_.schedule, when);
      set_state_locked(state_at_locked(when), when);
    } else if (state_ == TrackState::active &&
               last_input_ms_ + config_.idle_threshold_s * 1000 == when) {
      set_state_locked(state_at_locked(when), when);
    } else {  // the span cut
      close_span_locked(when);
      open_span_locked(when);
    }
  }
}

std::optional<EpochMs> Tracker::next_due_locked() const {
  std::optional<EpochMs> due;
  auto consider = [&due](EpochMs when) {
    if (!due || when < *due) due = when;
  };
  if (minute_end_) consider(*minute_end_);
  if (blank_since_) consider(*blank_since_ + kBlankFocusGraceMs);
  if (!config_.paused && schedule_change_) consider(*schedule_change_);
  if (state_ == TrackState::active) consider(last_input_ms_ + config_.idle_threshold_s * 1000);
  if (span_) consider(span_->start + options_.span_max_ms);
  return due;
}

TrackState Tracker::state_at_locked(EpochMs at) const {
  if (config_.paused) return TrackState::paused;
  if (!protocol::is_work_time(config_.schedule, at)) return TrackState::off_hours;
  if (at >= last_input_ms_ + config_.idle_threshold_s * 1000) return TrackState::idle;
  return TrackState::active;
}

void Tracker::set_state_locked(TrackState state, EpochMs at) {
  if (state == state_) return;
  close_span_locked(at);
  if (is_recording(state_) && !is_recording(state)) {
    write_counts_locked(minute_end_ ? *minute_end_ - kMinuteMs : minute_of(at));
    minute_end_.reset();
  } else if (!is_recording(state_) && is_recording(state)) {
    (void)source_.take_counts();  // taken while paused or off hours: discarded
    minute_end_.reset();
  }
  state_ = state;
  since_ = at;
  change_pending_ = true;
  open_span_locked(at);
}

void Tracker::open_span_locked(EpochMs at) {
  if (!is_recording(state_) || !window_known_) return;
  span_ = OpenSpan{.start = at, .window = window_, .idle = state_ == TrackState::idle};
}

void Tracker::close_span_locked(EpochMs at) {
  if (!span_) return;
  OpenSpan span = std::move(*span_);
  span_.reset();
  if (at <= span.start) return;
  // Text beyond the wire's limits, or invalid UTF-8, is cut or replaced by the encoder.
  auto written = outbox_.append(protocol::SpanRecord{.seq = 0,
                                                     .start = span.start,
                                                     .end = at,
                                                     .app = std::move(span.window.app),
                                                     .exe = std::move(span.window.exe),
                                                     .title = std::move(span.window.title),
                                                     .idle = span.idle});
  if (!written) {
    spdlog::error("activity span lost: {}", written.error().message);
    return;
  }
  ++spans_written_;
}

void Tracker::write_counts_locked(EpochMs minute) {
  const collect::InputCounts counts = source_.take_counts();
  if (counts == collect::InputCounts{}) return;
  auto in_range = [](std::int64_t count, std::int64_t max) {
    return std::clamp<std::int64_t>(count, 0, max);
  };
  auto written = outbox_.append(
      protocol::InputRecord{.seq = 0,
                            .minute = minute,
                            .keys = in_range(counts.keys, protocol::kMaxInputCount),
                            .clicks = in_range(counts.clicks, protocol::kMaxInputCount),
                            .scrolls = in_range(counts.scrolls, protocol::kMaxInputCount),
                            .distance_px = in_range(counts.distance_px, protocol::kMaxDistancePx)});
  if (!written) {
    spdlog::error("input minute lost: {}", written.error().message);
    return;
  }
  ++minutes_written_;
}

TrackSnapshot Tracker::snapshot_locked() const {
  TrackSnapshot snapshot{.state = state_,
                         .window = {},
                         .since = since_,
                         .spans_written = spans_written_,
                         .minutes_written = minutes_written_};
  if (is_recording(state_)) snapshot.window = window_;
  return snapshot;
}

Tracker::AfterEvent Tracker::end_event_locked() {
  AfterEvent after;
  const auto due = next_due_locked();
  if (due && due != wake_requested_) {
    wake_requested_ = due;
    after.wake_at = due;
  }
  if (change_pending_) {
    change_pending_ = false;
    after.changed = snapshot_locked();
  }
  return after;
}

void Tracker::run_after(const AfterEvent& after) {
  if (after.wake_at) source_.wake_at(*after.wake_at);
  if (after.changed && on_change_) on_change_(*after.changed);
}

}  // namespace worktrace::agent::track
