#include "track/tracker.hpp"

#include "protocol/activity_batch.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
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

bool iequals(std::string_view lhs, std::string_view rhs) {
  auto lower = [](char ch) {
    return (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch - 'A' + 'a') : ch;
  };
  return lhs.size() == rhs.size() &&
         std::equal(lhs.begin(), lhs.end(), rhs.begin(),
                    [&](char a, char b) { return lower(a) == lower(b); });
}

template <std::size_t N>
bool in_list(const std::array<std::string_view, N>& names, std::string_view app) {
  return std::any_of(names.begin(), names.end(),
                     [app](std::string_view name) { return iequals(name, app); });
}

constexpr std::array<std::string_view, 13> kBrowsers = {"chromium",
                                                        "chromium-browser",
                                                        "google-chrome",
                                                        "google-chrome-beta",
                                                        "brave-browser",
                                                        "microsoft-edge",
                                                        "vivaldi",
                                                        "opera",
                                                        "firefox",
                                                        "firefox-esr",
                                                        "navigator",
                                                        "librewolf",
                                                        "zen"};
constexpr std::array<std::string_view, 6> kEditors = {"code",  "code-oss", "vscodium",
                                                      "emacs", "gvim",     "sublime_text"};
constexpr std::string_view kJetBrainsPrefix = "jetbrains-";

// The span as it is recorded: redacted, times and seq left to the caller.
// `is_private` (a private marker) makes it private whatever the policy says.
protocol::SpanRecord redacted_record(const protocol::RedactionPolicy& policy,
                                     const collect::FocusedWindow& window, const std::string& url,
                                     const std::string& project, const std::string& file,
                                     bool is_private, bool idle) {
  protocol::SpanRecord record;
  record.idle = idle;
  if (is_private) {
    record.is_private = true;
    return record;
  }
  auto observed = protocol::redact(policy, protocol::Observed{.app = window.app,
                                                              .exe = window.exe,
                                                              .title = window.title,
                                                              .url = url,
                                                              .project = project,
                                                              .file = file});
  if (!observed) {
    record.is_private = true;
    return record;
  }
  record.domain = protocol::url_domain(observed->url);
  record.app = std::move(observed->app);
  record.exe = std::move(observed->exe);
  record.title = std::move(observed->title);
  record.url = std::move(observed->url);
  record.project = std::move(observed->project);
  record.file = std::move(observed->file);
  return record;
}

TrackerOptions clamped(TrackerOptions options) {
  options.span_max_ms = std::clamp<std::int64_t>(options.span_max_ms, 1000, protocol::kMaxSpanMs);
  return options;
}

}  // namespace

bool is_browser_app(std::string_view app) { return in_list(kBrowsers, app); }

bool tab_matches_window(std::string_view window_title, std::string_view tab_title) {
  auto trimmed = [](std::string_view text) {
    constexpr std::string_view kSpace = " \t\n\r\f\v";
    const auto first = text.find_first_not_of(kSpace);
    if (first == std::string_view::npos) return std::string_view{};
    return text.substr(first, text.find_last_not_of(kSpace) - first + 1);
  };
  window_title = trimmed(window_title);
  tab_title = trimmed(tab_title);
  if (tab_title.empty() || !window_title.starts_with(tab_title)) return false;
  const std::string_view rest = window_title.substr(tab_title.size());
  return rest.empty() || rest.starts_with(" - ") || rest.starts_with(" \xE2\x80\x94 ");
}

bool is_editor_app(std::string_view app) {
  return in_list(kEditors, app) ||
         (app.size() > kJetBrainsPrefix.size() &&
          iequals(app.substr(0, kJetBrainsPrefix.size()), kJetBrainsPrefix));
}

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
    bool cut = false;
    if (!finished_ && span_ && !(config.redaction == config_.redaction)) {
      const auto& window = span_->window;
      const auto& context = span_->context;
      const bool differs = redacted_record(config_.redaction, window, context.url, context.project,
                                           context.file, context.is_private, span_->idle) !=
                           redacted_record(config.redaction, window, context.url, context.project,
                                           context.file, context.is_private, span_->idle);
      // What was recorded so far stays under the policy it was observed under.
      if (differs) {
        close_span_locked(now);
        cut = true;
      }
    }
    config_ = std::move(config);
    if (finished_) return;
    if (cut) open_span_locked(now);
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
      note_extension_locked(at);
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

void Tracker::on_browser_tab(BrowserTab tab, EpochMs now) {
  AfterEvent after;
  {
    std::lock_guard lock(mutex_);
    if (finished_) return;
    now = begin_event_locked(now);
    tab.reported_at = std::min(tab.reported_at, now);
    if (tab.incognito) {  // nothing of a private window is kept
      tab.url.clear();
      tab.title.clear();
    }
    const bool stale = now - tab.reported_at > kReportFreshMs;
    const bool older = tab_ && tab.reported_at < tab_->reported_at;
    if (!stale && !older) {
      tab_ = std::move(tab);
      note_extension_locked(now);
    }
    if (span_ && is_browser_app(span_->window.app)) refresh_context_locked(now);
    after = end_foreign_event_locked();
  }
  run_after(after);
}

void Tracker::on_editor(EditorActivity activity, EpochMs now) {
  AfterEvent after;
  {
    std::lock_guard lock(mutex_);
    if (finished_) return;
    now = begin_event_locked(now);
    editor_ = EditorReport{.activity = std::move(activity), .reported_at = now};
    if (span_ && is_editor_app(span_->window.app)) refresh_context_locked(now);
    after = end_foreign_event_locked();
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
    } else if (span_ && span_->context.stale_at == when) {
      // The report grew stale (the extension or plugin went quiet): the span goes on
      // without what it said. The next context's stale_at, if any, lies after `when`.
      SpanContext context = context_at_locked(when);
      if (same_record_locked(context, span_->context)) {
        span_->context = std::move(context);
      } else {
        close_span_locked(when);
        open_span_locked(when);
        change_pending_ = true;
      }
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
  if (span_ && span_->context.stale_at) consider(*span_->context.stale_at);
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
  span_ = OpenSpan{.start = at,
                   .window = window_,
                   .idle = state_ == TrackState::idle,
                   .context = context_at_locked(at)};
}

Tracker::SpanContext Tracker::context_at_locked(EpochMs at) const {
  SpanContext context;
  if (is_browser_app(window_.app)) {
    // A browser whose extension is there, in a window no fresh report names: an incognito
    // window the extension may not see (it then sends nothing, and its last report grows
    // stale), or one it has not reported yet. Its title is not kept until a report names it
    // (fail closed); the report that follows a title change within kReportAttachMs still
    // covers the span from its start. A normal window that keeps the focus is reported again
    // every 30 s, so it never goes without a fresh report.
    const bool has_extension =
        std::any_of(extension_apps_.begin(), extension_apps_.end(),
                    [&](const std::string& app) { return iequals(app, window_.app); });
    if (tab_ && at - tab_->reported_at <= kReportFreshMs) {
      const bool named = !tab_->incognito && tab_matches_window(window_.title, tab_->title);
      context.url = named ? tab_->url : std::string();
      // Until a report has named a window of some browser, the report is taken to come from
      // this one (nearly always the case with a single browser).
      context.is_private = !named && (tab_->incognito || has_extension || extension_apps_.empty());
      context.stale_at = tab_->reported_at + kReportFreshMs + 1;
    } else {
      context.is_private = has_extension;
    }
  } else if (is_editor_app(window_.app)) {
    if (editor_ && at - editor_->reported_at <= kReportFreshMs) {
      context.project = editor_->activity.project;
      context.file = editor_->activity.file;
      context.stale_at = editor_->reported_at + kReportFreshMs + 1;
    }
  }
  return context;
}

bool Tracker::same_record_locked(const SpanContext& lhs, const SpanContext& rhs) const {
  auto record_with = [&](const SpanContext& with) {
    return redacted_record(config_.redaction, span_->window, with.url, with.project, with.file,
                           with.is_private, span_->idle);
  };
  return record_with(lhs) == record_with(rhs);
}

void Tracker::note_extension_locked(EpochMs at) {
  if (!window_known_ || !is_browser_app(window_.app) || !tab_ || tab_->incognito) return;
  if (at - tab_->reported_at > kReportFreshMs || !tab_matches_window(window_.title, tab_->title)) {
    return;
  }
  const bool known = std::any_of(extension_apps_.begin(), extension_apps_.end(),
                                 [&](const std::string& app) { return iequals(app, window_.app); });
  if (!known && extension_apps_.size() < kBrowsers.size()) extension_apps_.push_back(window_.app);
}

void Tracker::refresh_context_locked(EpochMs at) {
  SpanContext context = context_at_locked(at);
  if (same_record_locked(context, span_->context)) {
    span_->context = std::move(context);  // the same record, fresher
    return;
  }
  change_pending_ = true;
  if (at - span_->start <= kReportAttachMs) {
    span_->context = std::move(context);  // it describes this span from its start
    return;
  }
  close_span_locked(at);
  open_span_locked(at);
}

void Tracker::close_span_locked(EpochMs at) {
  if (!span_) return;
  OpenSpan span = std::move(*span_);
  span_.reset();
  if (at <= span.start) return;
  // Text beyond the wire's limits, or invalid UTF-8, is cut or replaced by the encoder.
  protocol::SpanRecord record =
      redacted_record(config_.redaction, span.window, span.context.url, span.context.project,
                      span.context.file, span.context.is_private, span.idle);
  record.seq = 0;
  record.start = span.start;
  record.end = at;
  auto written = outbox_.append(std::move(record));
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
  if (!is_recording(state_)) return snapshot;
  const SpanContext context = span_ ? span_->context : SpanContext{};
  const protocol::SpanRecord record =
      redacted_record(config_.redaction, window_, context.url, context.project, context.file,
                      context.is_private, false);
  if (record.is_private) {
    snapshot.is_private = true;
    return snapshot;
  }
  snapshot.window = collect::FocusedWindow{
      .app = record.app, .exe = record.exe, .title = record.title, .pid = window_.pid};
  snapshot.url = record.url;
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

Tracker::AfterEvent Tracker::end_foreign_event_locked() {
  // on_change belongs to the collector thread: wake it now and let it report.
  if (!change_pending_) return end_event_locked();
  AfterEvent after;
  wake_requested_ = last_event_ms_;
  after.wake_at = last_event_ms_;
  return after;
}

void Tracker::run_after(const AfterEvent& after) {
  if (after.wake_at) source_.wake_at(*after.wake_at);
  if (after.changed && on_change_) on_change_(*after.changed);
}

}  // namespace worktrace::agent::track
