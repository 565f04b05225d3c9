#include "track/local_events.hpp"
#include "track/tracker.hpp"

#include "protocol/activity_batch.hpp"
#include "protocol/json_reader.hpp"
#include "spool/test_support.hpp"
#include "track/test_support.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <thread>
#include <vector>

// Browser tabs and editor reports combined with the focused window, and redaction.
namespace worktrace::agent::track {
namespace {

constexpr EpochMs kSecond = 1000;
constexpr EpochMs kHour = 3600 * kSecond;
constexpr EpochMs kT0 = 1'767'607'200'000;  // Monday 2026-01-05 10:00:00 UTC

using spool::test_support::TempDir;
using test_support::FakeSource;

collect::FocusedWindow window(const std::string& app, const std::string& title) {
  return {.app = app, .exe = "/usr/bin/" + app, .title = title, .pid = 7};
}

// A written span's times and what it says beyond the window's app.
struct Web {
  EpochMs start = 0;
  EpochMs end = 0;
  std::string app{};
  std::string title{};
  std::string url{};
  std::string domain{};
  std::string project{};
  std::string file{};
  bool is_private = false;

  bool operator==(const Web&) const = default;
};

std::ostream& operator<<(std::ostream& out, const Web& span) {
  return out << "{" << (span.start - kT0) << ".." << (span.end - kT0) << " " << span.app << " '"
             << span.title << "' url=" << span.url << " domain=" << span.domain
             << " project=" << span.project << " file=" << span.file
             << (span.is_private ? " private" : "") << "}";
}

Web browser(EpochMs start, EpochMs end, const std::string& title, const std::string& url,
            const std::string& domain) {
  return {
      .start = start, .end = end, .app = "Firefox", .title = title, .url = url, .domain = domain};
}

Web private_span(EpochMs start, EpochMs end) {
  return {.start = start, .end = end, .is_private = true};
}

protocol::RedactionPolicy policy_from(std::string_view text) {
  auto json = protocol::parse_json(text);
  EXPECT_TRUE(json) << text;
  auto policy = protocol::parse_redaction_policy(*json, "$.redaction");
  EXPECT_TRUE(policy) << policy.error().message;
  return policy ? *policy : protocol::RedactionPolicy{};
}

class TrackerWebTest : public ::testing::Test {
 protected:
  void start(protocol::RedactionPolicy redaction = {}) {
    TrackingConfig config;
    config.redaction = std::move(redaction);
    tracker_ = std::make_unique<Tracker>(
        *outbox_, source_, clock_, std::move(config), TrackerOptions{.span_max_ms = kHour},
        [this](const TrackSnapshot& snapshot) { changes_.push_back(snapshot); });
  }

  // A report of the tab titled `title` ("" matches every window).
  void tab(const std::string& url, EpochMs at, const std::string& title = "") {
    clock_.set(at);
    tracker_->on_browser_tab(BrowserTab{.url = url, .title = title, .reported_at = at}, at);
  }

  // The extension's report that an incognito window is the browser's focused one.
  void incognito(EpochMs at) {
    clock_.set(at);
    tracker_->on_browser_tab(BrowserTab{.reported_at = at, .incognito = true}, at);
  }

  // Everything written, through the server's own validation.
  std::vector<Web> spans() {
    auto pending = outbox_->peek(5000, std::size_t{1} << 30);
    EXPECT_TRUE(pending);
    if (!pending || pending->records.empty()) return {};
    auto batch = protocol::parse_activity_batch(
        protocol::activity_batch_body(pending->records, pending->dropped_total),
        clock_.now_ms() + 4 * 24 * kHour);
    EXPECT_TRUE(batch) << batch.error().message;
    std::vector<Web> out;
    if (!batch) return out;
    for (const auto& span : batch->spans) {
      out.push_back({span.start, span.end, span.app, span.title, span.url, span.domain,
                     span.project, span.file, span.is_private});
    }
    return out;
  }

  TempDir dir_;
  ManualClock clock_{kT0};
  std::unique_ptr<spool::Outbox> outbox_ =
      std::move(spool::Outbox::open(dir_.path() / "outbox.db", {}, clock_).value());
  FakeSource source_;
  std::vector<TrackSnapshot> changes_;
  std::unique_ptr<Tracker> tracker_;
};

TEST(TrackerAppsTest, BrowsersAndEditorsByWmClass) {
  for (const char* app : {"Firefox", "firefox-esr", "Navigator", "Chromium", "Google-chrome",
                          "Brave-browser", "zen"}) {
    EXPECT_TRUE(is_browser_app(app)) << app;
  }
  for (const char* app : {"XTerm", "", "firefoxx", "chrome"}) EXPECT_FALSE(is_browser_app(app));
  for (const char* app :
       {"Code", "code-oss", "VSCodium", "jetbrains-idea", "Emacs", "Gvim", "Sublime_text"}) {
    EXPECT_TRUE(is_editor_app(app)) << app;
  }
  for (const char* app : {"jetbrains-", "vim", "Firefox"}) EXPECT_FALSE(is_editor_app(app));
}

TEST_F(TrackerWebTest, UrlOnlyWhileABrowserIsFocused) {
  start();
  tracker_->on_focus(window("XTerm", "make"), kT0);
  tab("https://docs.example.com/guide?session=42#part-2", kT0 + 5 * kSecond);
  tracker_->on_focus(window("Firefox", "Guide"), kT0 + 10 * kSecond);
  tracker_->on_focus(window("XTerm", "make"), kT0 + 20 * kSecond);
  tracker_->finish(kT0 + 30 * kSecond);
  EXPECT_EQ(
      spans(),
      (std::vector<Web>{
          {.start = kT0, .end = kT0 + 10 * kSecond, .app = "XTerm", .title = "make"},
          browser(kT0 + 10 * kSecond, kT0 + 20 * kSecond, "Guide", "https://docs.example.com/guide",
                  "docs.example.com"),
          {.start = kT0 + 20 * kSecond, .end = kT0 + 30 * kSecond, .app = "XTerm", .title = "make"},
      }));
}

TEST_F(TrackerWebTest, StaleReportsAreIgnoredAndAReportThatGoesStaleEndsItsUrl) {
  start();
  // Reported 91 s ago (an event stored late): ignored.
  clock_.set(kT0);
  tracker_->on_browser_tab(
      BrowserTab{.url = "https://old.example/", .reported_at = kT0 - 91 * kSecond}, kT0);
  tracker_->on_focus(window("Firefox", "Old"), kT0);
  tab("https://new.example/", kT0 + 10 * kSecond);  // cuts: a new URL
  // An older report than the latest one changes nothing.
  tracker_->on_browser_tab(
      BrowserTab{.url = "https://older.example/", .reported_at = kT0 + 5 * kSecond},
      kT0 + 11 * kSecond);
  // The extension goes quiet: 90 s after its last report the span goes on without the URL.
  const EpochMs stale_at = kT0 + 10 * kSecond + kReportFreshMs + 1;
  EXPECT_EQ(source_.last_wake(), kT0 + 11 * kSecond);  // to report the new URL
  tracker_->on_wake(kT0 + 11 * kSecond);
  EXPECT_EQ(source_.last_wake(), stale_at);
  clock_.set(stale_at);
  tracker_->on_wake(stale_at);
  tracker_->finish(stale_at + 10 * kSecond);
  EXPECT_EQ(spans(),
            (std::vector<Web>{
                browser(kT0, kT0 + 10 * kSecond, "Old", "", ""),
                browser(kT0 + 10 * kSecond, stale_at, "Old", "https://new.example/", "new.example"),
                browser(stale_at, stale_at + 10 * kSecond, "Old", "", ""),
            }));
}

TEST_F(TrackerWebTest, NewUrlsCutSpansUnlessTheyArriveWithinASecondOfItsStart) {
  start();
  tracker_->on_focus(window("Firefox", "A"), kT0);
  tab("https://a.example/", kT0 + 500);           // the report trails the title change: attached
  tab("https://a.example/", kT0 + 5 * kSecond);   // the same URL again: no cut
  tab("https://b.example/", kT0 + 10 * kSecond);  // a new URL: cut
  tab("https://b.example/?q=2", kT0 + 12 * kSecond);  // differs only in what is stripped
  tracker_->on_focus(window("Firefox", "C"), kT0 + 20 * kSecond);
  tab("https://c.example/", kT0 + 21 * kSecond);  // exactly 1 s later: still attached
  tab("https://d.example/", kT0 + 22 * kSecond + 1);
  tracker_->finish(kT0 + 30 * kSecond);
  EXPECT_EQ(
      spans(),
      (std::vector<Web>{
          browser(kT0, kT0 + 10 * kSecond, "A", "https://a.example/", "a.example"),
          browser(kT0 + 10 * kSecond, kT0 + 20 * kSecond, "A", "https://b.example/", "b.example"),
          browser(kT0 + 20 * kSecond, kT0 + 22 * kSecond + 1, "C", "https://c.example/",
                  "c.example"),
          browser(kT0 + 22 * kSecond + 1, kT0 + 30 * kSecond, "C", "https://d.example/",
                  "d.example"),
      }));
}

TEST_F(TrackerWebTest, EditorsCarryProjectAndFile) {
  start();
  clock_.set(kT0);
  tracker_->on_editor({.project = "worktrace", .file = "/src/a.cpp"}, kT0);
  tracker_->on_focus(window("Code", "a.cpp - worktrace"), kT0);
  clock_.set(kT0 + 10 * kSecond);
  tracker_->on_editor({.project = "worktrace", .file = "/src/b.cpp"}, kT0 + 10 * kSecond);
  tracker_->on_focus(window("XTerm", "make"), kT0 + 20 * kSecond);
  clock_.set(kT0 + 25 * kSecond);
  tracker_->on_editor({.project = "other", .file = "/x.py"}, kT0 + 25 * kSecond);  // not focused
  tracker_->finish(kT0 + 30 * kSecond);
  const auto got = spans();
  ASSERT_EQ(got.size(), 3U);
  EXPECT_EQ(got[0], (Web{.start = kT0,
                         .end = kT0 + 10 * kSecond,
                         .app = "Code",
                         .title = "a.cpp - worktrace",
                         .project = "worktrace",
                         .file = "/src/a.cpp"}));
  EXPECT_EQ(got[1].file, "/src/b.cpp");
  EXPECT_EQ(got[1].end, kT0 + 20 * kSecond);
  EXPECT_EQ(got[2], (Web{.start = kT0 + 20 * kSecond,
                         .end = kT0 + 30 * kSecond,
                         .app = "XTerm",
                         .title = "make"}));
}

TEST_F(TrackerWebTest, LocalEventsAreRoutedAndIncognitoIsAPrivateMarker) {
  start();
  tracker_->on_focus(window("Firefox", "Page"), kT0);
  auto data = [](std::string_view text) { return protocol::parse_json(text).value().as_object(); };
  // Incognito: a private marker; its url and title are never used (the span is private).
  EXPECT_TRUE(route_local_event(
      *tracker_, kWebTabBucketType,
      data(R"({"url":"https://secret.example/","title":"S","incognito":true,"tabCount":1})"),
      kT0 + 200, kT0 + 200));
  EXPECT_TRUE(tracker_->snapshot().is_private);
  EXPECT_EQ(tracker_->snapshot().url, "");
  EXPECT_EQ(tracker_->snapshot().window, collect::FocusedWindow{});
  // A marker's url need not be a string (it is dropped anyway).
  EXPECT_TRUE(route_local_event(*tracker_, kWebTabBucketType, data(R"({"url":7,"incognito":true})"),
                                kT0 + 250, kT0 + 250));
  // An incognito that is neither a boolean nor null: nothing of the report is used.
  EXPECT_FALSE(
      route_local_event(*tracker_, kWebTabBucketType,
                        data(R"({"url":"https://secret.example/","title":"S","incognito":"yes"})"),
                        kT0 + 300, kT0 + 300));
  EXPECT_TRUE(tracker_->snapshot().is_private);
  EXPECT_FALSE(route_local_event(*tracker_, "currentwindow",
                                 data(R"({"url":"https://x.example/"})"), kT0 + 300, kT0 + 300));
  EXPECT_FALSE(
      route_local_event(*tracker_, kWebTabBucketType, data(R"({"url":7})"), kT0 + 300, kT0 + 300));
  EXPECT_FALSE(route_local_event(
      *tracker_, kWebTabBucketType,
      data(R"({"url":"https://x.example/)" + std::string(2048, 'a') + R"("})"), kT0, kT0));
  EXPECT_TRUE(route_local_event(
      *tracker_, kWebTabBucketType,
      data(R"({"url":"https://open.example/p","title":"P","audible":false,"incognito":false,
               "tabCount":3})"),
      kT0 + 400, kT0 + 400));
  EXPECT_TRUE(route_local_event(*tracker_, kEditorBucketType,
                                data(R"({"file":"/a.rs","project":"p","language":"rust"})"),
                                kT0 + 500, kT0 + 500));
  tracker_->finish(kT0 + 10 * kSecond);
  EXPECT_EQ(spans(), (std::vector<Web>{browser(kT0, kT0 + 10 * kSecond, "Page",
                                               "https://open.example/p", "open.example")}));
}

TEST_F(TrackerWebTest, RedactionModesApplyToEverySpan) {
  start(policy_from(R"({"url_mode":"domain",
      "title_rules":[{"pattern":"[\\w.]+@[\\w.]+","action":"mask","replacement":"<mail>"},
                     {"pattern":"^Private","action":"drop"}],
      "excluded_domains":["bank.example"],"excluded_apps":["KeePassXC"]})"));
  tracker_->on_focus(window("Firefox", "Inbox of ann@example.com"), kT0);
  tab("https://mail.example.com/inbox/42?token=abc", kT0 + 100);
  tracker_->on_focus(window("Firefox", "Private notes"), kT0 + 10 * kSecond);
  tab("https://online.bank.example/account", kT0 + 20 * kSecond);
  tracker_->on_focus(window("KeePassXC", "Passwords.kdbx"), kT0 + 30 * kSecond);
  source_.set_idle_ms(0);
  tracker_->finish(kT0 + 40 * kSecond);
  EXPECT_EQ(spans(), (std::vector<Web>{
                         browser(kT0, kT0 + 10 * kSecond, "Inbox of <mail>",
                                 "https://mail.example.com", "mail.example.com"),
                         browser(kT0 + 10 * kSecond, kT0 + 20 * kSecond, "",
                                 "https://mail.example.com", "mail.example.com"),
                         private_span(kT0 + 20 * kSecond, kT0 + 30 * kSecond),
                         private_span(kT0 + 30 * kSecond, kT0 + 40 * kSecond),
                     }));
}

TEST_F(TrackerWebTest, DefaultPolicyStripsQueriesAndSnapshotsShowTheRedactedUrl) {
  start();
  tracker_->on_focus(window("Firefox", "Results"), kT0);
  changes_.clear();
  tab("https://search.example/results?q=salary+negotiation#top", kT0 + 2 * kSecond);
  // The report came from another thread: on_change waits for the collector thread's wake-up.
  EXPECT_TRUE(changes_.empty());
  EXPECT_EQ(source_.last_wake(), kT0 + 2 * kSecond);
  tracker_->on_wake(kT0 + 2 * kSecond);
  ASSERT_EQ(changes_.size(), 1U);
  EXPECT_EQ(changes_[0].url, "https://search.example/results");
  EXPECT_EQ(tracker_->snapshot().url, "https://search.example/results");
  EXPECT_FALSE(tracker_->snapshot().is_private);
}

TEST_F(TrackerWebTest, APolicyChangeCutsTheSpanOnlyWhenItsRecordChanges) {
  start();
  tracker_->on_focus(window("Firefox", "Statement"), kT0);
  tab("https://bank.example/statement", kT0 + 100);
  TrackingConfig config;
  // Excluding another domain changes nothing of this span: no cut.
  config.redaction = policy_from(R"({"excluded_domains":["other.example"]})");
  clock_.set(kT0 + 10 * kSecond);
  tracker_->apply_config(config);
  // Excluding this one does: the span so far is kept as it was recorded, the rest is private.
  config.redaction = policy_from(R"({"excluded_domains":["bank.example"]})");
  clock_.set(kT0 + 20 * kSecond);
  tracker_->apply_config(config);
  EXPECT_TRUE(tracker_->snapshot().is_private);
  EXPECT_EQ(tracker_->snapshot().window, collect::FocusedWindow{});
  tracker_->finish(kT0 + 30 * kSecond);
  EXPECT_EQ(spans(), (std::vector<Web>{
                         browser(kT0, kT0 + 20 * kSecond, "Statement",
                                 "https://bank.example/statement", "bank.example"),
                         private_span(kT0 + 20 * kSecond, kT0 + 30 * kSecond),
                     }));
}

Web chromium(EpochMs start, EpochMs end, const std::string& title, const std::string& url,
             const std::string& domain) {
  return {
      .start = start, .end = end, .app = "Chromium", .title = title, .url = url, .domain = domain};
}

TEST(TabMatchesWindowTest, TheWindowTitleMustContainTheTabTitle) {
  EXPECT_TRUE(tab_matches_window("Inbox - Chromium", "Inbox"));
  EXPECT_TRUE(tab_matches_window("Guide — Mozilla Firefox", "  Guide "));
  EXPECT_TRUE(tab_matches_window("  Guide — Mozilla Firefox ", "Guide — Mozilla Firefox"));
  EXPECT_FALSE(tab_matches_window("Inbox - Chromium", "Calendar"));
  EXPECT_FALSE(tab_matches_window("Inbox - Chromium", "inbox"));  // exact, case included
  EXPECT_FALSE(tab_matches_window("Inbox - Chromium", "Inbox (3)"));
  EXPECT_TRUE(tab_matches_window("Inbox - Chromium", ""));     // a page without a title
  EXPECT_TRUE(tab_matches_window("Inbox - Chromium", "   "));  // the same, after trimming
  EXPECT_TRUE(tab_matches_window("", "Calendar"));             // a window without a title
  EXPECT_TRUE(tab_matches_window(" ", "Calendar"));
}

// Chromium's last focused window lags X's: a report of another window's tab gives no URL.
TEST_F(TrackerWebTest, AReportOfAnotherWindowsTabGivesNoUrl) {
  start();
  tracker_->on_focus(window("Chromium", "Inbox - Chromium"), kT0);
  tab("https://calendar.example/week", kT0 + 100, "Calendar");  // the other window's tab
  // Not named by the reporting extension: maybe a window it cannot see, so nothing is kept.
  EXPECT_EQ(tracker_->snapshot().url, "");
  EXPECT_TRUE(tracker_->snapshot().is_private);
  tab("https://mail.example/inbox", kT0 + 10 * kSecond, " Inbox ");  // this window's: cuts
  EXPECT_EQ(tracker_->snapshot().url, "https://mail.example/inbox");
  // The other window's tab reported again: the span goes on as private.
  tab("https://calendar.example/week", kT0 + 20 * kSecond, "Calendar");
  // The other window gets the X focus: its title matches the latest report.
  tracker_->on_focus(window("Chromium", "Calendar - Chromium"), kT0 + 30 * kSecond);
  tracker_->finish(kT0 + 40 * kSecond);
  EXPECT_EQ(spans(),
            (std::vector<Web>{
                private_span(kT0, kT0 + 10 * kSecond),
                chromium(kT0 + 10 * kSecond, kT0 + 20 * kSecond, "Inbox - Chromium",
                         "https://mail.example/inbox", "mail.example"),
                private_span(kT0 + 20 * kSecond, kT0 + 30 * kSecond),
                chromium(kT0 + 30 * kSecond, kT0 + 40 * kSecond, "Calendar - Chromium",
                         "https://calendar.example/week", "calendar.example"),
            }));
}

TEST_F(TrackerWebTest, EmptyTitlesMatchAnything) {
  start();
  // A page without a title matches any window.
  tracker_->on_focus(window("Firefox", "Guide — Mozilla Firefox"), kT0);
  tab("https://a.example/", kT0 + 100, "");
  // A window without a title matches any report.
  tracker_->on_focus(window("Firefox", ""), kT0 + 10 * kSecond);
  tab("https://b.example/", kT0 + 10 * kSecond + 500, "Some tab");  // within 1 s: attached
  // A title matching the window attaches within 1 s of the title change, too.
  tracker_->on_focus(window("Firefox", "Docs — Mozilla Firefox"), kT0 + 20 * kSecond);
  tab("https://c.example/", kT0 + 21 * kSecond, "Docs");
  tracker_->finish(kT0 + 30 * kSecond);
  EXPECT_EQ(
      spans(),
      (std::vector<Web>{
          browser(kT0, kT0 + 10 * kSecond, "Guide — Mozilla Firefox", "https://a.example/",
                  "a.example"),
          browser(kT0 + 10 * kSecond, kT0 + 20 * kSecond, "", "https://b.example/", "b.example"),
          browser(kT0 + 20 * kSecond, kT0 + 30 * kSecond, "Docs — Mozilla Firefox",
                  "https://c.example/", "c.example"),
      }));
}

TEST_F(TrackerWebTest, AnIncognitoMarkerMakesThePrivateSpanUntilTheNextNormalReport) {
  start();
  tracker_->on_focus(window("Chromium", "Docs - Chromium"), kT0);
  tab("https://docs.example/", kT0 + 100, "Docs");
  changes_.clear();
  incognito(kT0 + 10 * kSecond);
  EXPECT_TRUE(tracker_->snapshot().is_private);
  EXPECT_EQ(tracker_->snapshot().window, collect::FocusedWindow{});
  EXPECT_EQ(tracker_->snapshot().url, "");
  tracker_->on_wake(kT0 + 10 * kSecond);  // the collector thread reports the change
  ASSERT_EQ(changes_.size(), 1U);
  EXPECT_TRUE(changes_[0].is_private);
  // Another window's title while the marker is the latest report: still private.
  tracker_->on_focus(window("Chromium", "Secret - Chromium"), kT0 + 15 * kSecond);
  EXPECT_TRUE(tracker_->snapshot().is_private);
  // A normal report of another window ends the marker, not the privacy of this window.
  tab("https://docs.example/", kT0 + 20 * kSecond, "Docs");
  EXPECT_TRUE(tracker_->snapshot().is_private);
  tracker_->on_focus(window("Chromium", "Docs - Chromium"), kT0 + 25 * kSecond);
  EXPECT_FALSE(tracker_->snapshot().is_private);
  tracker_->finish(kT0 + 30 * kSecond);
  EXPECT_EQ(spans(),
            (std::vector<Web>{
                chromium(kT0, kT0 + 10 * kSecond, "Docs - Chromium", "https://docs.example/",
                         "docs.example"),
                private_span(kT0 + 10 * kSecond, kT0 + 15 * kSecond),
                private_span(kT0 + 15 * kSecond, kT0 + 25 * kSecond),
                chromium(kT0 + 25 * kSecond, kT0 + 30 * kSecond, "Docs - Chromium",
                         "https://docs.example/", "docs.example"),
            }));
}

TEST_F(TrackerWebTest, AMarkerWithinASecondOfAFocusChangeCoversThatSpanFromItsStart) {
  start();
  tracker_->on_focus(window("Chromium", "Docs - Chromium"), kT0);
  tab("https://docs.example/", kT0 + 100, "Docs");
  // The incognito window gets the X focus; the extension's marker trails it.
  tracker_->on_focus(window("Chromium", "Secret page - Chromium"), kT0 + 10 * kSecond);
  incognito(kT0 + 11 * kSecond);  // exactly 1 s later: still attached
  EXPECT_TRUE(tracker_->snapshot().is_private);
  tracker_->on_focus(window("XTerm", "make"), kT0 + 20 * kSecond);
  EXPECT_FALSE(tracker_->snapshot().is_private);  // outside a browser the marker does nothing
  // Back to a browser while the marker is still the newest fresh report: private again.
  tracker_->on_focus(window("Chromium", "Docs - Chromium"), kT0 + 30 * kSecond);
  EXPECT_TRUE(tracker_->snapshot().is_private);
  // The marker grows stale: the span goes on as the window shows.
  const EpochMs stale_at = kT0 + 11 * kSecond + kReportFreshMs + 1;
  clock_.set(stale_at);
  tracker_->on_wake(stale_at);
  EXPECT_FALSE(tracker_->snapshot().is_private);
  tracker_->finish(stale_at + 10 * kSecond);
  EXPECT_EQ(
      spans(),
      (std::vector<Web>{
          chromium(kT0, kT0 + 10 * kSecond, "Docs - Chromium", "https://docs.example/",
                   "docs.example"),
          private_span(kT0 + 10 * kSecond, kT0 + 20 * kSecond),
          {.start = kT0 + 20 * kSecond, .end = kT0 + 30 * kSecond, .app = "XTerm", .title = "make"},
          private_span(kT0 + 30 * kSecond, stale_at),
          chromium(stale_at, stale_at + 10 * kSecond, "Docs - Chromium", "", ""),
      }));
}

TEST_F(TrackerWebTest, AMarkerWhileAnotherAppIsFocusedChangesNothing) {
  start();
  tracker_->on_focus(window("XTerm", "make"), kT0);
  changes_.clear();
  const auto wakes = source_.wakes().size();
  incognito(kT0 + 5 * kSecond);
  EXPECT_FALSE(tracker_->snapshot().is_private);
  EXPECT_EQ(tracker_->snapshot().window.title, "make");
  EXPECT_EQ(source_.wakes().size(), wakes);  // no change to report
  tracker_->finish(kT0 + 10 * kSecond);
  EXPECT_TRUE(changes_.empty());
  EXPECT_EQ(spans(),
            (std::vector<Web>{
                {.start = kT0, .end = kT0 + 10 * kSecond, .app = "XTerm", .title = "make"}}));
}

// Reports come from the local API's thread while the desktop thread reports windows.
TEST_F(TrackerWebTest, ReportsFromAnotherThreadInterleaveSafely) {
  start();
  tracker_->on_focus(window("Firefox", "0"), kT0);
  std::thread api([&] {
    for (int idx = 0; idx < 2000; ++idx) {
      const EpochMs at = kT0 + idx * 10;
      tracker_->on_browser_tab(
          BrowserTab{.url = "https://s" + std::to_string(idx % 7) + ".example/", .reported_at = at},
          at);
      tracker_->on_editor({.project = "p", .file = std::to_string(idx)}, at);
    }
  });
  for (int idx = 0; idx < 2000; ++idx) {
    const EpochMs at = kT0 + idx * 10 + 5;
    tracker_->on_focus(window(idx % 3 == 0 ? "Code" : "Firefox", std::to_string(idx / 50)), at);
    tracker_->on_wake(at);
  }
  api.join();
  tracker_->finish(kT0 + 30 * kSecond);
  const auto got = spans();  // every record passes the server's validation
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.front().start, kT0);
  EXPECT_EQ(got.back().end, kT0 + 30 * kSecond);
  for (std::size_t idx = 1; idx < got.size(); ++idx) {
    EXPECT_EQ(got[idx].start, got[idx - 1].end);  // no gaps, no overlaps
  }
  EXPECT_EQ(tracker_->snapshot().spans_written, static_cast<std::int64_t>(got.size()));
}

}  // namespace
}  // namespace worktrace::agent::track
