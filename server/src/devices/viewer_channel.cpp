#include "devices/viewer_channel.hpp"

#include "auth/person.hpp"
#include "auth/policy.hpp"
#include "core/version.hpp"
#include "devices/session_check.hpp"
#include "protocol/json_reader.hpp"

#include <spdlog/spdlog.h>
#include <boost/json/serialize.hpp>

#include <algorithm>

namespace worktrace::devices {
namespace {

// Bound on remembered check times; past it they are forgotten (the next message checks).
constexpr std::size_t kMaxRememberedSessions = 10'000;

}  // namespace

ViewerChannel::ViewerChannel(auth::AuthService& auth, storage::Db& db, realtime::Hub& hub,
                             const Clock& clock)
    : auth_(auth), db_(db), hub_(hub), clock_(clock) {}

Result<Actor> ViewerChannel::authenticate(const api::Request& upgrade) {
  // Cookies ride along with a WebSocket opened by any page: only our own origin may open it.
  if (!upgrade.same_origin()) {
    return fail(Errc::permission_denied, "WebSocket connections from another origin are refused");
  }
  auto actor = auth_.authenticate(upgrade);
  if (!actor) return actor;
  // A dashboard belongs to a session, which ends (and closes it); an API token does not.
  if (auto session = auth::require_session(*actor); !session) return session.error();
  check_due(actor->session_id, clock_.now_ms());
  return actor;
}

std::string ViewerChannel::on_connected(const Actor& viewer) {
  boost::json::object user = {{"id", viewer.user_id}, {"role", role_name(viewer.role)}};
  auto person = db_.read([&](storage::Connection& connection) {
    return auth::load_person(connection, viewer.org_id, viewer.user_id);
  });
  if (person && *person) {
    user = auth::person_json(**person);
  } else {
    // The viewer was authenticated a moment ago; say hello with what the session told us.
    spdlog::error("devices: cannot load person {} for a dashboard's hello", viewer.user_id);
  }
  const boost::json::object hello = {
      {"type", "hello"}, {"server_version", kVersion}, {"user", std::move(user)}};
  return boost::json::serialize(hello);
}

Result<std::optional<std::string>> ViewerChannel::on_text(const Actor& viewer,
                                                          std::string_view message) {
  if (viewer.session_id != 0 && check_due(viewer.session_id, clock_.now_ms())) {
    const std::int64_t session_ids[] = {viewer.session_id};
    auto ended = ended_sessions(db_, session_ids, clock_.now_ms());
    if (!ended) return ended.error();
    if (!ended->empty()) {
      close_sessions(*ended);
      return fail(Errc::unauthenticated, kSessionEndedReason);
    }
  }
  auto parsed = protocol::read_typed_message(message, kMaxViewerMessageBytes);
  if (!parsed) return parsed.error();
  if (parsed->type == "ping") return std::optional<std::string>(R"({"type":"pong"})");
  return fail(Errc::invalid_argument, "unknown message type '" + parsed->type + "'");
}

Result<std::size_t> ViewerChannel::close_ended_sessions() {
  const std::vector<std::int64_t> session_ids = hub_.viewer_session_ids();
  auto ended = ended_sessions(db_, session_ids, clock_.now_ms());
  if (!ended) return ended.error();
  return close_sessions(*ended);
}

bool ViewerChannel::check_due(std::int64_t session_id, EpochMs now) {
  std::lock_guard lock(mutex_);
  if (checked_at_.size() >= kMaxRememberedSessions) checked_at_.clear();
  auto [found, inserted] = checked_at_.try_emplace(session_id, now);
  if (inserted) return true;
  if (now - found->second < kViewerSessionCheckMs) return false;
  found->second = now;
  return true;
}

std::size_t ViewerChannel::close_sessions(std::span<const std::int64_t> ended) {
  if (ended.empty()) return 0;
  {
    std::lock_guard lock(mutex_);
    for (const std::int64_t session_id : ended) checked_at_.erase(session_id);
  }
  return hub_.disconnect_viewers(
      [&](const Actor& viewer) {
        return std::find(ended.begin(), ended.end(), viewer.session_id) != ended.end();
      },
      kSessionEndedReason);
}

}  // namespace worktrace::devices
