#include "app/commands.hpp"

#include "app/status_report.hpp"
#include "state/agent_config.hpp"
#include "state/agent_status.hpp"

#include <fmt/format.h>
#include <boost/json/serialize.hpp>

#include <cstdlib>

namespace worktrace::agent {

int status_command(const std::optional<std::string>& config_dir, bool json) {
  auto dir = state::resolve_config_dir(config_dir, std::getenv);
  if (!dir) {
    fmt::print(stderr, "worktrace-agent: {}\n", dir.error().message);
    return kExitUsage;
  }
  StatusReport report;
  auto config = state::load_agent_config(*dir);
  if (config) {
    report.config = std::move(*config);
  } else if (!config.error().is(Errc::not_found)) {
    // A damaged agent.json is as good as none: say why, then report "not enrolled".
    fmt::print(stderr, "worktrace-agent: {}\n", config.error().message);
  }
  auto status = state::load_agent_status(*dir);
  if (status) {
    report.process_alive = process_exists(status->pid);
    report.status = std::move(*status);
  } else if (!status.error().is(Errc::not_found)) {
    fmt::print(stderr, "worktrace-agent: {}\n", status.error().message);
  }
  if (json) {
    fmt::print("{}\n", boost::json::serialize(to_json(report)));
  } else {
    fmt::print("{}", describe(report, SystemClock().now_ms()));
  }
  return status_exit_code(report);
}

}  // namespace worktrace::agent
