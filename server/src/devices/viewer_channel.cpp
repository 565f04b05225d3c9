#include "devices/viewer_channel.hpp"

#include "core/version.hpp"
#include "protocol/json_reader.hpp"

#include <spdlog/spdlog.h>
#include <boost/json/serialize.hpp>

namespace worktrace::devices {

ViewerChannel::ViewerChannel(auth::AuthService& auth) : auth_(auth) {}

Result<Actor> ViewerChannel::authenticate(const api::Request& upgrade) {
  // Cookies ride along with a WebSocket opened by any page: only our own origin may open it.
  if (!upgrade.same_origin()) {
    return fail(Errc::permission_denied, "WebSocket connections from another origin are refused");
  }
  return auth_.authenticate(upgrade);
}

std::string ViewerChannel::on_connected(const Actor& viewer) {
  auto profile = auth_.profile(viewer);
  if (!profile) {
    // The viewer was authenticated a moment ago; say hello with what the session told us.
    spdlog::error("devices: cannot load the profile of user {}: {}", viewer.user_id,
                  profile.error().message);
    profile = auth::UserProfile{viewer.user_id, viewer.org_id, {}, {}, viewer.role, {}};
  }
  const boost::json::object hello = {
      {"type", "hello"}, {"server_version", kVersion}, {"user", auth::user_json(*profile)}};
  return boost::json::serialize(hello);
}

Result<std::optional<std::string>> ViewerChannel::on_text(const Actor&, std::string_view message) {
  auto parsed = protocol::read_typed_message(message, kMaxViewerMessageBytes);
  if (!parsed) return parsed.error();
  if (parsed->type == "ping") return std::optional<std::string>(R"({"type":"pong"})");
  return fail(Errc::invalid_argument, "unknown message type '" + parsed->type + "'");
}

}  // namespace worktrace::devices
