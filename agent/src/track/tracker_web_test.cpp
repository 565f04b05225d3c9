#include "track/local_events.hpp"
#include "track/tracker.hpp"

#include "protocol/activity_batch.hpp"
#include "protocol/json_reader.hpp"
#include "testing/temp_dir.hpp"
#include "track/test_support.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <thread>
#include <vector>

// Browser tabs and editor reports combined with the focused window, and redaction.
namespace worktrace::agent::track {
namespace {

using agent::testing::TempDir;
using test_support::FakeSource;
using test_support::kHour;
using test_support::kSecond;
using test_support::kT0;
using test_support::window;

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
    config.idle_threshold_s = 3600;  // spans over the extension's 10-minute presence stay active
    config.redaction = std::move(redaction);
    tracker_ = std::make_unique<Tracker>(
        *outbox_, source_, clock_, std::move(config), TrackerOptions{.span_max_ms = kHour},
        [this](const TrackSnapshot& snapshot) { changes_.push_back(snapshot); });
  }

  // A report of the tab titled `title` (it names the windows tab_matches_window accepts).
  void tab(const std::string& url, EpochMs at, const std::string& title) {
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
  tab("https://docs.example.com/guide?session=42#part-2", kT0 + 5 * kSecond, "Guide");
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
  // Reported 91 s ago (an event stored late): ignored, and no fresh report has named a window
  // of this browser yet, so it counts as one without the extension: its title is kept.
  clock_.set(kT0);
  tracker_->on_browser_tab(
      BrowserTab{.url = "https://old.example/", .title = "Old", .reported_at = kT0 - 91 * kSecond},
      kT0);
  tracker_->on_focus(window("Firefox", "Old"), kT0);
  EXPECT_FALSE(tracker_->snapshot().is_private);
  EXPECT_EQ(tracker_->snapshot().url, "");
  tab("https://new.example/", kT0 + 10 * kSecond, "Old");  // cuts: a new URL
  // An older report than the latest one changes nothing.
  tracker_->on_browser_tab(
      BrowserTab{.url = "https://older.example/", .title = "Old", .reported_at = kT0 + 5 * kSecond},
      kT0 + 11 * kSecond);
  // The extension goes quiet: 90 s after its last report the URL ends, and as no fresh report
  // names the window while the extension is there, the span goes on as private.
  const EpochMs stale_at = kT0 + 10 * kSecond + kReportFreshMs + 1;
  EXPECT_EQ(source_.last_wake(), kT0 + 11 * kSecond);  // to report the new URL
  tracker_->on_wake(kT0 + 11 * kSecond);
  EXPECT_EQ(source_.last_wake(), stale_at);
  clock_.set(stale_at);
  tracker_->on_wake(stale_at);
  EXPECT_TRUE(tracker_->snapshot().is_private);
  // However long the extension stays silent, this browser has it: still private 30 min on.
  const EpochMs later = stale_at + 1'800'000;
  clock_.set(later);
  tracker_->on_wake(later);
  EXPECT_TRUE(tracker_->snapshot().is_private);
  tracker_->finish(later);
  EXPECT_EQ(spans(),
            (std::vector<Web>{
                browser(kT0, kT0 + 10 * kSecond, "Old", "", ""),
                browser(kT0 + 10 * kSecond, stale_at, "Old", "https://new.example/", "new.example"),
                private_span(stale_at, later),
            }));
}

TEST_F(TrackerWebTest, NewUrlsCutSpansUnlessTheyArriveWithinASecondOfItsStart) {
  start();
  tracker_->on_focus(window("Firefox", "A"), kT0);
  tab("https://a.example/", kT0 + 500, "A");  // the report trails the title change: attached
  tab("https://a.example/", kT0 + 5 * kSecond, "A");       // the same URL again: no cut
  tab("https://b.example/", kT0 + 10 * kSecond, "A");      // a new URL: cut
  tab("https://b.example/?q=2", kT0 + 12 * kSecond, "A");  // differs only in what is stripped
  tracker_->on_focus(window("Firefox", "C"), kT0 + 20 * kSecond);
  tab("https://c.example/", kT0 + 21 * kSecond, "C");  // exactly 1 s later: still attached
  tab("https://d.example/", kT0 + 22 * kSecond + 1, "C");
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
      data(R"({"url":"https://open.example/p","title":"Page","audible":false,"incognito":false,
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
  tab("https://mail.example.com/inbox/42?token=abc", kT0 + 100, "Inbox of ann@example.com");
  // A drop rule empties the title and the URL and domain with it.
  tracker_->on_focus(window("Firefox", "Private notes"), kT0 + 10 * kSecond);
  tab("https://notes.example/n/7", kT0 + 10 * kSecond + 100, "Private notes");
  tracker_->on_focus(window("Firefox", "Account"), kT0 + 20 * kSecond);
  tab("https://online.bank.example/account", kT0 + 20 * kSecond + 100, "Account");
  tracker_->on_focus(window("KeePassXC", "Passwords.kdbx"), kT0 + 30 * kSecond);
  source_.set_idle_ms(0);
  tracker_->finish(kT0 + 40 * kSecond);
  EXPECT_EQ(spans(), (std::vector<Web>{
                         browser(kT0, kT0 + 10 * kSecond, "Inbox of <mail>",
                                 "https://mail.example.com", "mail.example.com"),
                         browser(kT0 + 10 * kSecond, kT0 + 20 * kSecond, "", "", ""),
                         private_span(kT0 + 20 * kSecond, kT0 + 30 * kSecond),
                         private_span(kT0 + 30 * kSecond, kT0 + 40 * kSecond),
                     }));
}

TEST_F(TrackerWebTest, DefaultPolicyStripsQueriesAndSnapshotsShowTheRedactedUrl) {
  start();
  tracker_->on_focus(window("Firefox", "Results"), kT0);
  changes_.clear();
  tab("https://search.example/results?q=salary+negotiation#top", kT0 + 2 * kSecond, "Results");
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
  tab("https://bank.example/statement", kT0 + 100, "Statement");
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

TEST(TabMatchesWindowTest, TheWindowTitleMustBeTheTabTitleAndTheBrowsersSuffix) {
  EXPECT_TRUE(tab_matches_window("Inbox - Chromium", "Inbox"));
  EXPECT_TRUE(tab_matches_window("Inbox - Google Chrome", "Inbox"));
  EXPECT_TRUE(tab_matches_window("a - b - Brave", "a - b"));
  EXPECT_TRUE(tab_matches_window("Guide — Mozilla Firefox", "  Guide "));
  EXPECT_TRUE(tab_matches_window("  Guide — Mozilla Firefox ", "Guide — Mozilla Firefox"));
  EXPECT_TRUE(tab_matches_window("Inbox", "Inbox"));
  EXPECT_FALSE(tab_matches_window("Inbox - Chromium", "Calendar"));
  EXPECT_FALSE(tab_matches_window("Inbox - Chromium", "inbox"));  // exact, case included
  EXPECT_FALSE(tab_matches_window("Inbox - Chromium", "Inbox (3)"));
  // Contained elsewhere in the title: an incognito window showing a page of the same site.
  EXPECT_FALSE(tab_matches_window("cats - YouTube - Chromium", "YouTube"));
  EXPECT_FALSE(tab_matches_window("Chromium - Inbox", "Inbox"));
  // A prefix without the separator right after it.
  EXPECT_FALSE(tab_matches_window("Inboxes - Chromium", "Inbox"));
  EXPECT_FALSE(tab_matches_window("Inbox-Chromium", "Inbox"));
  EXPECT_FALSE(tab_matches_window("Inbox  - Chromium", "Inbox"));
  // Empty titles name nothing: such a window stays private while the extension is there.
  EXPECT_FALSE(tab_matches_window("Inbox - Chromium", ""));
  EXPECT_FALSE(tab_matches_window("Inbox - Chromium", "   "));
  EXPECT_FALSE(tab_matches_window("", "Calendar"));
  EXPECT_FALSE(tab_matches_window(" ", "Calendar"));
  EXPECT_FALSE(tab_matches_window("", ""));
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
  EXPECT_EQ(spans(), (std::vector<Web>{
                         private_span(kT0, kT0 + 10 * kSecond),
                         chromium(kT0 + 10 * kSecond, kT0 + 20 * kSecond, "Inbox - Chromium",
                                  "https://mail.example/inbox", "mail.example"),
                         private_span(kT0 + 20 * kSecond, kT0 + 30 * kSecond),
                         chromium(kT0 + 30 * kSecond, kT0 + 40 * kSecond, "Calendar - Chromium",
                                  "https://calendar.example/week", "calendar.example"),
                     }));
}

TEST_F(TrackerWebTest, EmptyTitlesMatchNothing) {
  start();
  // A report without a title names no window: the focused one stays private.
  tracker_->on_focus(window("Firefox", "Guide — Mozilla Firefox"), kT0);
  tab("https://a.example/", kT0 + 100, "");
  EXPECT_TRUE(tracker_->snapshot().is_private);
  // A window without a title is named by no report.
  tracker_->on_focus(window("Firefox", ""), kT0 + 10 * kSecond);
  tab("https://b.example/", kT0 + 10 * kSecond + 500, "Some tab");
  EXPECT_TRUE(tracker_->snapshot().is_private);
  // A title matching the window attaches within 1 s of the title change.
  tracker_->on_focus(window("Firefox", "Docs — Mozilla Firefox"), kT0 + 20 * kSecond);
  tab("https://c.example/", kT0 + 21 * kSecond, "Docs");
  tracker_->finish(kT0 + 30 * kSecond);
  EXPECT_EQ(spans(), (std::vector<Web>{
                         private_span(kT0, kT0 + 10 * kSecond),
                         private_span(kT0 + 10 * kSecond, kT0 + 20 * kSecond),
                         browser(kT0 + 20 * kSecond, kT0 + 30 * kSecond, "Docs — Mozilla Firefox",
                                 "https://c.example/", "c.example"),
                     }));
}

// The extension is not allowed in incognito (the browsers' default): while an incognito window
// has the focus it sends nothing at all, and its last report of a normal window grows stale.
TEST_F(TrackerWebTest, AnIncognitoWindowTheExtensionCannotSeeStaysPrivateWhileItIsThere) {
  start();
  tracker_->on_focus(window("Chromium", "Docs - Chromium"), kT0);
  tab("https://docs.example/", kT0 + 100, "Docs");
  // A normal window that keeps the focus is reported every 30 s: its URL never goes stale.
  tab("https://docs.example/", kT0 + 30 * kSecond, "Docs");
  tab("https://docs.example/", kT0 + 60 * kSecond, "Docs");
  tracker_->on_focus(window("Chromium", "Secret - Chromium"), kT0 + 70 * kSecond);
  EXPECT_TRUE(tracker_->snapshot().is_private);
  // The last report grows stale: no fresh report names the window, the extension is there.
  const EpochMs stale_at = kT0 + 60 * kSecond + kReportFreshMs + 1;
  EXPECT_EQ(source_.last_wake(), stale_at);
  clock_.set(stale_at);
  tracker_->on_wake(stale_at);
  EXPECT_TRUE(tracker_->snapshot().is_private);
  EXPECT_EQ(tracker_->snapshot().window, collect::FocusedWindow{});
  // Half an hour in the incognito window later, its title is still never recorded.
  const EpochMs later = stale_at + 1'800'000;
  clock_.set(later);
  tracker_->on_wake(later);
  EXPECT_TRUE(tracker_->snapshot().is_private);
  tracker_->finish(later);
  EXPECT_EQ(spans(), (std::vector<Web>{
                         chromium(kT0, kT0 + 70 * kSecond, "Docs - Chromium",
                                  "https://docs.example/", "docs.example"),
                         private_span(kT0 + 70 * kSecond, later),
                     }));
}

// Two browsers, one with the extension: the other's windows keep their titles, even while the
// first one's report is fresh.
TEST_F(TrackerWebTest, ABrowserWithoutTheExtensionKeepsItsTitles) {
  start();
  tracker_->on_focus(window("Chromium", "Docs - Chromium"), kT0);
  tab("https://docs.example/", kT0 + 100, "Docs");
  tracker_->on_focus(window("Firefox", "News — Mozilla Firefox"), kT0 + 10 * kSecond);
  EXPECT_FALSE(tracker_->snapshot().is_private);
  tracker_->on_focus(window("Chromium", "Secret - Chromium"), kT0 + 20 * kSecond);
  EXPECT_TRUE(tracker_->snapshot().is_private);
  tracker_->finish(kT0 + 30 * kSecond);
  EXPECT_EQ(spans(),
            (std::vector<Web>{
                chromium(kT0, kT0 + 10 * kSecond, "Docs - Chromium", "https://docs.example/",
                         "docs.example"),
                browser(kT0 + 10 * kSecond, kT0 + 20 * kSecond, "News — Mozilla Firefox", "", ""),
                private_span(kT0 + 20 * kSecond, kT0 + 30 * kSecond),
            }));
}

// A normal tab's title inside an incognito window's title does not name that window.
TEST_F(TrackerWebTest, ATabTitleInsideAnotherWindowsTitleDoesNotNameIt) {
  start();
  tracker_->on_focus(window("Chromium", "YouTube - Chromium"), kT0);
  tab("https://www.youtube.com/", kT0 + 100, "YouTube");
  tracker_->on_focus(window("Chromium", "cats - YouTube - Chromium"), kT0 + 10 * kSecond);
  EXPECT_TRUE(tracker_->snapshot().is_private);
  tracker_->finish(kT0 + 20 * kSecond);
  EXPECT_EQ(spans(), (std::vector<Web>{
                         chromium(kT0, kT0 + 10 * kSecond, "YouTube - Chromium",
                                  "https://www.youtube.com/", "www.youtube.com"),
                         private_span(kT0 + 10 * kSecond, kT0 + 20 * kSecond),
                     }));
}

// Chromium titles a page without <title> by its URL without the scheme.
TEST_F(TrackerWebTest, AUrlInTheTitleLosesWhatTheUrlModeRemoves) {
  start();
  tracker_->on_focus(window("Chromium", "x.test/reset?token=abc - Chromium"), kT0);
  tab("https://x.test/reset?token=abc", kT0 + 100, "x.test/reset?token=abc");
  EXPECT_EQ(tracker_->snapshot().window.title, "x.test/reset - Chromium");
  EXPECT_EQ(tracker_->snapshot().url, "https://x.test/reset");
  TrackingConfig config;
  config.idle_threshold_s = 3600;
  config.redaction = policy_from(R"({"url_mode":"domain"})");
  clock_.set(kT0 + 10 * kSecond);
  tracker_->apply_config(config);
  tracker_->finish(kT0 + 20 * kSecond);
  EXPECT_EQ(spans(), (std::vector<Web>{
                         chromium(kT0, kT0 + 10 * kSecond, "x.test/reset - Chromium",
                                  "https://x.test/reset", "x.test"),
                         chromium(kT0 + 10 * kSecond, kT0 + 20 * kSecond, "x.test - Chromium",
                                  "https://x.test", "x.test"),
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
  EXPECT_EQ(spans(), (std::vector<Web>{
                         chromium(kT0, kT0 + 10 * kSecond, "Docs - Chromium",
                                  "https://docs.example/", "docs.example"),
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
  // The marker grows stale: no fresh report names the window of this browser, which has the
  // extension, so the span stays private (without a cut).
  const EpochMs stale_at = kT0 + 11 * kSecond + kReportFreshMs + 1;
  const auto written = tracker_->snapshot().spans_written;
  clock_.set(stale_at);
  tracker_->on_wake(stale_at);
  EXPECT_TRUE(tracker_->snapshot().is_private);
  EXPECT_EQ(tracker_->snapshot().spans_written, written);
  // The next normal report that names the window ends it.
  tab("https://docs.example/", stale_at + 5 * kSecond, "Docs");
  EXPECT_FALSE(tracker_->snapshot().is_private);
  tracker_->finish(stale_at + 10 * kSecond);
  EXPECT_EQ(
      spans(),
      (std::vector<Web>{
          chromium(kT0, kT0 + 10 * kSecond, "Docs - Chromium", "https://docs.example/",
                   "docs.example"),
          private_span(kT0 + 10 * kSecond, kT0 + 20 * kSecond),
          {.start = kT0 + 20 * kSecond, .end = kT0 + 30 * kSecond, .app = "XTerm", .title = "make"},
          private_span(kT0 + 30 * kSecond, stale_at + 5 * kSecond),
          chromium(stale_at + 5 * kSecond, stale_at + 10 * kSecond, "Docs - Chromium",
                   "https://docs.example/", "docs.example"),
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
