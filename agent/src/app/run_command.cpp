#include "app/commands.hpp"

#include "collect/linux_device_info.hpp"
#include "core/clock.hpp"
#include "core/version.hpp"
#include "state/agent_config.hpp"
#include "state/agent_status.hpp"
#include "state/instance_lock.hpp"
#include "uplink/control_client.hpp"
#include "uplink/server_url.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdlib>

namespace worktrace::agent {
namespace {

void print_error(std::string_view message) { fmt::print(stderr, "worktrace-agent: {}\n", message); }

}  // namespace

int run_command(const std::optional<std::string>& config_dir) {
  auto dir = state::resolve_config_dir(config_dir, std::getenv);
  if (!dir) {
    print_error(dir.error().message);
    return kExitUsage;
  }
  auto config = state::load_agent_config(*dir);
  if (!config && config.error().is(Errc::not_found)) {
    print_error("this agent is not enrolled (no " + (*dir / state::kConfigFileName).string() +
                "); run: worktrace-agent enroll --server URL --token TOKEN");
    return kExitFailed;
  }
  if (!config) {
    print_error(config.error().message);
    return kExitFailed;
  }
  auto url = uplink::parse_server_url(config->server);
  if (!url) {
    print_error(std::string(state::kConfigFileName) + ": " + url.error().message);
    return kExitFailed;
  }
  auto lock = state::InstanceLock::acquire(*dir);
  if (!lock) {
    print_error(lock.error().message);
    return kExitFailed;
  }

  const SystemClock clock;
  collect::LinuxDeviceInfoSource source;
  state::AgentStatus status{.server = config->server,
                            .device_id = config->device_id,
                            .pid = static_cast<std::int64_t>(::getpid())};
  auto write_status = [&](const uplink::ChannelEvent& event) {
    status.state = event.state;
    status.connected_since = event.connected_since;
    status.last_error = event.last_error;
    status.next_retry_at = event.next_retry_at;
    status.updated_at = clock.now_ms();
    if (auto saved = state::save_agent_status(*dir, status); !saved) {
      spdlog::warn("cannot write the status file: {}", saved.error().message);
    }
  };

  uplink::ControlOptions options{.url = *url,
                                 .credential = config->credential,
                                 .ca_file = config->ca_file,
                                 .stop_on_signals = true};
  uplink::ControlClient client(
      std::move(options), [&source] { return source.collect(); }, write_status, clock);
  spdlog::info("worktrace-agent {}: device {} of {}", kVersion, config->device_id, config->server);
  auto outcome = client.run();
  if (!outcome) {
    print_error(outcome.error().message);
    return kExitFailed;
  }
  if (*outcome == uplink::RunOutcome::revoked) {
    print_error(
        "the server no longer accepts this device's credential (revoked or removed); "
        "enroll again with a new token");
    return kExitRevoked;
  }
  return kExitOk;
}

}  // namespace worktrace::agent
