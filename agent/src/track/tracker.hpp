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
#include <string>
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
  // As recorded (after redaction); empty while paused or off hours: never reported then, and
  // for a private span (an excluded app or domain).
  collect::FocusedWindow window{};
  std::string url{};        // the redacted URL of the focused browser tab, "" when none
  bool is_private = false;  // the focus is on an excluded app or domain
  EpochMs since = 0;        // when this state, or this window, began
  std::int64_t spans_written = 0;
  std::int64_t minutes_written = 0;

  bool operator==(const TrackSnapshot&) const = default;
};

// A browser's report of its active tab, through the local API ("web.tab.current").
struct BrowserTab {
  std::string url{};
  std::string title{};      // the tab's title: the report applies to windows whose title has it
  EpochMs reported_at = 0;  // the end of the reporting event
  // A private marker: an incognito (private) window is the browser's focused one. Its url and
  // title are never used.
  bool incognito = false;
};

// An editor plugin's report ("app.editor.activity").
struct EditorActivity {
  std::string project{};
  std::string file{};
};

// A report is used while it is at most this old.
inline constexpr EpochMs kReportFreshMs = 90'000;
// A report arriving this soon after a span opened describes that span (the window's title
// change and the report race): it is attached instead of cutting the span.
inline constexpr EpochMs kReportAttachMs = 1'000;

// WM_CLASS names, ASCII case-insensitive: chromium, chromium-browser, google-chrome,
// google-chrome-beta, brave-browser, microsoft-edge, vivaldi, opera, firefox, firefox-esr,
// navigator, librewolf, zen.
[[nodiscard]] bool is_browser_app(std::string_view app);
// code, code-oss, vscodium, jetbrains-*, emacs, gvim, sublime_text (case-insensitive).
[[nodiscard]] bool is_editor_app(std::string_view app);
// Whether a tab report titled `tab_title` describes a browser window titled `window_title`
// (Chromium, Chrome, Brave and Edge title their windows "<tab title> - <Browser>", Firefox
// "<tab title> — Mozilla Firefox"; the extension's last focused window may not be the one X
// has focused). Both without leading and trailing whitespace, the window title equals the tab
// title or starts with it followed at once by " - " or " — " (exact bytes, case included). An
// empty tab title or an empty window title matches nothing.
[[nodiscard]] bool tab_matches_window(std::string_view window_title, std::string_view tab_title);

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
// - Reports (on_browser_tab, on_editor): while the focused app is a browser, the latest tab
//   report is at most kReportFreshMs old and it describes that window (tab_matches_window),
//   the open span carries its URL. A browser with the extension (a fresh report has named one
//   of its windows since the tracker started) whose focused window no fresh report names
//   (another window's tab, or no fresh report at all), or any browser while the newest fresh
//   report is a private marker, gives a private span (as an excluded domain does): it may be
//   an incognito window the extension cannot see. Other browsers' spans carry their titles
//   only (no extension). An editor's span carries the latest editor report's project and
//   file the same way (no title rule). A report that changes what the span would record cuts
//   it there, unless the span opened at most kReportAttachMs earlier (then the span takes it
//   from its start); when the report grows stale the span is cut and goes on without it,
//   unless that changes nothing that is recorded. Older or stale reports are ignored.
// - Every span is passed through protocol::redact (config.redaction) when it is written; an
//   excluded app or domain gives a private span (time and idle kept, every text empty). A
//   policy change cuts the open span when its redacted form changes.
//
// Thread safety: the CollectorSink calls and finish() come from the collector's thread;
// apply_config(), on_browser_tab(), on_editor() and snapshot() may be called from any thread. One
// mutex guards the state; source.take_counts() and outbox writes happen under it, source.wake_at()
// and on_change outside it. How long the focus must rest on nothing before it counts as a change
// (window managers clear _NET_ACTIVE_WINDOW for a moment while switching).
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

  // A report from the local API at `now`. Any on_change call it causes follows on the
  // collector thread (this asks the source to wake at once).
  void on_browser_tab(BrowserTab tab, EpochMs now);
  void on_editor(EditorActivity activity, EpochMs now);

  // Writes the open span and the current minute's counts, then ignores further events. Call
  // on the collector thread after DesktopSource::run() returned.
  void finish(EpochMs at);

  void on_focus(const collect::FocusedWindow& window, EpochMs at) override;
  void on_input(EpochMs at) override;
  void on_wake(EpochMs at) override;

 private:
  // What a report adds to the span of the app it belongs to (raw; redacted when written).
  struct SpanContext {
    std::string url{};
    std::string project{};
    std::string file{};
    bool is_private = false;            // a private marker: every text of the span is empty
    std::optional<EpochMs> stale_at{};  // when the report it comes from grows stale

    bool operator==(const SpanContext&) const = default;
  };
  struct OpenSpan {
    EpochMs start = 0;
    collect::FocusedWindow window;
    bool idle = false;
    SpanContext context{};
  };
  struct EditorReport {
    EditorActivity activity;
    EpochMs reported_at = 0;
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
  [[nodiscard]] SpanContext context_at_locked(EpochMs at) const;
  // Whether the open span records the same with either context.
  [[nodiscard]] bool same_record_locked(const SpanContext& lhs, const SpanContext& rhs) const;
  // Adds the focused browser to extension_apps_ when the latest report is fresh and names
  // its window.
  void note_extension_locked(EpochMs at);
  void refresh_context_locked(EpochMs at);
  [[nodiscard]] AfterEvent end_foreign_event_locked();
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
  std::optional<BrowserTab> tab_;           // the latest tab report that was fresh on arrival
  // The browsers (WM_CLASS) whose windows a fresh tab report has named since this tracker
  // started: they have the extension, so a window of theirs that no fresh report names is kept
  // private, however long the extension has been silent (it sends nothing for an incognito
  // window it may not see).
  std::vector<std::string> extension_apps_;
  std::optional<EditorReport> editor_;  // the latest editor report
  bool change_pending_ = false;         // on_change owed to the collector thread
  bool finished_ = false;
  std::int64_t spans_written_ = 0;
  std::int64_t minutes_written_ = 0;
};

}  // namespace worktrace::agent::track
