#pragma once

#include "core/clock.hpp"
#include "track/tracker.hpp"

#include <boost/json/object.hpp>

#include <cstddef>
#include <string_view>

// Events from the local /api/0 buckets (browser extensions, editor plugins) -> the tracker.
namespace worktrace::agent::track {

inline constexpr std::string_view kWebTabBucketType = "web.tab.current";
inline constexpr std::string_view kEditorBucketType = "app.editor.activity";
// Reports with longer values are ignored (the span record's wire limits).
inline constexpr std::size_t kMaxReportUrlBytes = 2048;
inline constexpr std::size_t kMaxReportProjectBytes = 255;
inline constexpr std::size_t kMaxReportFileBytes = 1024;

// Passes one stored or merged event of a bucket of `bucket_type` to `tracker`:
//   "web.tab.current"      data {url, title, audible, incognito, tabCount}
//                          -> on_browser_tab({url, title, event_end}, now);
//                          incognito true -> on_browser_tab as a private marker
//                          ({"", "", event_end, incognito}): its url and title are dropped;
//   "app.editor.activity"  data {file, project, language} -> on_editor({project, file}, now).
// Returns false when the event was ignored: another bucket type, an incognito that is neither
// a boolean nor null, a url that is not a string, or a value over the limits above (a private
// marker's url and title are not checked).
bool route_local_event(Tracker& tracker, std::string_view bucket_type,
                       const boost::json::object& data, EpochMs event_end, EpochMs now);

}  // namespace worktrace::agent::track
