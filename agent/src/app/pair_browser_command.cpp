#include "app/commands.hpp"

#include "local_api/aw_time.hpp"
#include "local_api/pairing.hpp"
#include "state/agent_config.hpp"

#include <fmt/format.h>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <cstdlib>

namespace worktrace::agent {

int pair_browser_command(const std::optional<std::string>& config_dir, bool json) {
  auto dir = state::resolve_config_dir(config_dir, std::getenv);
  if (!dir) {
    fmt::print(stderr, "worktrace-agent: {}\n", dir.error().message);
    return kExitUsage;
  }
  const SystemClock clock;
  auto issued = local_api::issue_pairing_code(*dir, clock);
  if (!issued) {
    fmt::print(stderr, "worktrace-agent: {}\n", issued.error().message);
    return kExitFailed;
  }
  const std::string expires_at = local_api::format_aw_timestamp(issued->expires_ms);
  if (json) {
    const boost::json::object result{
        {"code", issued->code}, {"expires_ms", issued->expires_ms}, {"expires_at", expires_at}};
    fmt::print("{}\n", boost::json::serialize(result));
    return kExitOk;
  }
  fmt::print(
      "Browser pairing code: {}\n"
      "Valid once, for {} minutes (until {}).\n"
      "Enter it in the Worktrace extension's popup while `worktrace-agent run` is running:\n"
      "the extension may then report its tabs to this agent. A new code replaces this one.\n",
      issued->code, local_api::kPairingCodeLifetimeMs / 60'000, expires_at);
  return kExitOk;
}

}  // namespace worktrace::agent
