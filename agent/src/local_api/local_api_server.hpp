#pragma once

#include "core/clock.hpp"
#include "core/result.hpp"
#include "local_api/bucket_store.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

// The agent's local HTTP listener: ActivityWatch's /api/0 (AwApi) on 127.0.0.1, plus browser
// pairing (POST /api/0/worktrace/pair) and the "worktrace" object of GET /api/0/info.
namespace worktrace::agent::local_api {

// The origin of Worktrace's own extension (its manifest "key" fixes the ID), and
// ActivityWatch's published web watcher for Chrome: both allowed without pairing.
inline constexpr std::string_view kWorktraceExtensionOrigin =
    "chrome-extension://ccmhfjohdjjacpajpclbbjeofofekeli";
inline constexpr std::string_view kActivityWatchExtensionOrigin =
    "chrome-extension://nglaklhklhcoonedhgnpgddginnjdadi";

struct LocalApiServerOptions {
  // 0 binds a free port (for tests; port() names it): `run --local-api-port 0` skips the
  // listener instead of calling start().
  std::uint16_t port = 5600;
  std::vector<std::string> extra_origins{};  // --allow-origin, exact Origin values
  std::filesystem::path config_dir{};        // browser_pairing.json, browser_origins.json
  // What GET /api/0/info reports besides "worktrace".
  std::string hostname{};
  std::string version{};
  std::string device_id{};
};

// One event stored or extended in a bucket, with the bucket's type ("web.tab.current",
// "app.editor.activity", ...), called once per stored event and once per heartbeat merge
// (with the extended event). Runs on the listener's thread; must not throw or block long.
using LocalEventHook = std::function<void(std::string_view bucket_type, const AwEvent& event)>;

// The "worktrace" object of GET /api/0/info besides "paired" (which the server fills in):
// {"tracking": "active"|"idle"|"paused"|"outside_work_hours"|"unavailable",
//  "url_mode": "full"|"strip_query"|"domain"}. Called on the listener's thread; may be empty
// ({"tracking":"unavailable"} then).
using LocalInfo = std::function<boost::json::object()>;

class LocalApiServer {
 public:
  // Binds 127.0.0.1:options.port and serves on its own thread until stop() or destruction.
  // Allowed origins: the two above, options.extra_origins and the paired ones read from
  // <config_dir>/browser_origins.json (a malformed file is logged and ignored). Fails with
  // Errc::unavailable naming the address when the port cannot be bound (another agent or
  // ActivityWatch itself holds it). `clock` must outlive the server.
  [[nodiscard]] static Result<std::unique_ptr<LocalApiServer>> start(const Clock& clock,
                                                                     LocalApiServerOptions options,
                                                                     LocalEventHook on_event,
                                                                     LocalInfo info);
  virtual ~LocalApiServer() = default;

  [[nodiscard]] virtual std::uint16_t port() const = 0;
  // Closes the listener and every connection; returns once the thread has ended. Idempotent.
  // Must not be called from the hooks (they run on the thread it joins).
  virtual void stop() = 0;
};

}  // namespace worktrace::agent::local_api
