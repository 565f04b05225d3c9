#include "devices/viewer_channel.hpp"

#include "auth/person.hpp"
#include "auth/policy.hpp"
#include "core/version.hpp"
#include "protocol/json_reader.hpp"

#include <spdlog/spdlog.h>
#include <boost/json/serialize.hpp>

#include <algorithm>

namespace worktrace::devices {

ViewerChannel::ViewerChannel(auth::AuthService& auth, storage::Db& db, realtime::Hub& hub)
    : auth_(auth), db_(db), hub_(hub) {}

Result<Actor> ViewerChannel::authenticate(const api::Request& upgrade) {
  // Cookies ride along with a WebSocket opened by any page: only our own origin may open it.
  if (!upgrade.same_origin()) {
    return fail(Errc::permission_denied, "WebSocket connections from another origin are refused");
  }
  auto actor = auth_.authenticate(upgrade);
  if (!actor) return actor;
  // A dashboard belongs to a session, which ends (and closes it); an API token does not.
  if (auto session = auth::require_session(*actor); !session) return session.error();
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

void ViewerChannel::add_handler(realtime::ViewerMessageHandler& handler) {
  handlers_.push_back(&handler);
}

Result<std::optional<std::string>> ViewerChannel::on_text(const Actor& viewer,
                                                          realtime::ViewerId viewer_id,
                                                          std::string_view message) {
  auto parsed = protocol::read_typed_message(message, kMaxViewerMessageBytes);
  if (!parsed) return parsed.error();
  if (parsed->type == "ping") return std::optional<std::string>(R"({"type":"pong"})");
  for (auto* handler : handlers_) {
    if (handler->handles(parsed->type)) {
      return handler->on_message(viewer, viewer_id, parsed->type, parsed->json);
    }
  }
  return fail(Errc::invalid_argument, "unknown message type '" + parsed->type + "'");
}

void ViewerChannel::on_disconnected(const Actor& viewer, realtime::ViewerId viewer_id) {
  for (auto* handler : handlers_) handler->on_disconnected(viewer, viewer_id);
}

Result<std::size_t> ViewerChannel::close_ended_sessions() {
  const std::vector<std::int64_t> session_ids = hub_.viewer_session_ids();
  auto ended = auth_.ended_sessions(session_ids);
  if (!ended) return ended.error();
  if (ended->empty()) return std::size_t{0};
  return hub_.disconnect_viewers(
      [&](const Actor& viewer) {
        return std::find(ended->begin(), ended->end(), viewer.session_id) != ended->end();
      },
      kSessionEndedReason);
}

}  // namespace worktrace::devices
