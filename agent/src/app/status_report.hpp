#pragma once

#include "core/clock.hpp"
#include "state/agent_config.hpp"
#include "state/agent_status.hpp"

#include <boost/json/object.hpp>

#include <optional>
#include <string>

namespace worktrace::agent {

// What `worktrace-agent status` knows: the enrollment, the last status file and whether the
// process that wrote it is still alive.
struct StatusReport {
  std::optional<state::AgentConfig> config;  // nullopt: not enrolled
  std::optional<state::AgentStatus> status;  // nullopt: never ran
  bool process_alive = false;
};

// True when the report shows a live `run` process that has not written a final state.
[[nodiscard]] bool is_running(const StatusReport& report);

// 0: running and connected; 1: not enrolled; 2: enrolled but not running or not connected.
[[nodiscard]] int status_exit_code(const StatusReport& report);

// Plain sentences for people, times in UTC and relative to `now_ms`. Ends with a newline.
[[nodiscard]] std::string describe(const StatusReport& report, EpochMs now_ms);

// {"enrolled","server","org_id","org_name","device_id","running","connected","state","pid",
//  "connected_since","last_error","next_retry_at","updated_at","tracking","upload",
//  "screenshots","local_api_error"}; absent values are null; tracking (with "url"), upload
// and screenshots as in status.json.
[[nodiscard]] boost::json::object to_json(const StatusReport& report);

// kill(pid, 0): true when a process with that id exists (also when it belongs to another user).
[[nodiscard]] bool process_exists(std::int64_t pid);

}  // namespace worktrace::agent
