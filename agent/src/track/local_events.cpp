#include "track/local_events.hpp"

#include <optional>
#include <string>

namespace worktrace::agent::track {
namespace {

// The string at `key` ("" when absent or null), or nullopt when it is something else or
// longer than `max_bytes`.
std::optional<std::string> string_field(const boost::json::object& data, std::string_view key,
                                        std::size_t max_bytes) {
  const auto* found = data.if_contains(key);
  if (found == nullptr || found->is_null()) return std::string();
  const auto* text = found->if_string();
  if (text == nullptr || text->size() > max_bytes) return std::nullopt;
  return std::string(*text);
}

}  // namespace

bool route_local_event(Tracker& tracker, std::string_view bucket_type,
                       const boost::json::object& data, EpochMs event_end, EpochMs now) {
  if (bucket_type == kWebTabBucketType) {
    const auto* incognito = data.if_contains("incognito");
    if (incognito != nullptr && incognito->is_bool() && incognito->get_bool()) {
      // A private marker: whatever url or title came with it is dropped here.
      tracker.on_browser_tab(BrowserTab{.reported_at = event_end, .incognito = true}, now);
      return true;
    }
    if (incognito != nullptr && !incognito->is_bool() && !incognito->is_null()) {
      return false;  // neither true nor false: it might mean private, so nothing is used
    }
    const auto* url = data.if_contains("url");
    if (url == nullptr || !url->is_string()) return false;
    auto text = string_field(data, "url", kMaxReportUrlBytes);
    auto title = string_field(data, "title", kMaxReportUrlBytes);
    if (!text || !title) return false;
    tracker.on_browser_tab(
        BrowserTab{.url = std::move(*text), .title = std::move(*title), .reported_at = event_end},
        now);
    return true;
  }
  if (bucket_type == kEditorBucketType) {
    auto project = string_field(data, "project", kMaxReportProjectBytes);
    auto file = string_field(data, "file", kMaxReportFileBytes);
    if (!project || !file) return false;
    tracker.on_editor(EditorActivity{.project = std::move(*project), .file = std::move(*file)},
                      now);
    return true;
  }
  return false;
}

}  // namespace worktrace::agent::track
