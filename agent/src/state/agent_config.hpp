#pragma once

#include "core/actor.hpp"
#include "core/result.hpp"

#include <boost/json/object.hpp>

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace worktrace::agent::state {

inline constexpr std::string_view kConfigFileName = "agent.json";
// What `run` keeps beside it for the enrolled device: the organization's tracking policy as
// last received, and the activity not yet acknowledged (with SQLite's -wal and -shm files).
inline constexpr std::string_view kPolicyFileName = "policy.json";
inline constexpr std::string_view kOutboxFileName = "outbox.db";
inline constexpr std::size_t kMaxStateFileBytes = 64 * 1024;

// What enrollment leaves behind for `run`: where the server is and the device credential.
struct AgentConfig {
  std::string server{};  // the URL given to `enroll`, e.g. "https://wt.example.com"
  DeviceId device_id = 0;
  OrgId org_id = 0;
  std::string org_name{};
  std::string credential{};  // "wtd_..."; sent only in the Authorization header
  std::string ca_file{};     // a PEM bundle to trust instead of the system CAs; empty for those
  std::string tls_pin_sha256{};  // the server's pin-sha256 given at enrolment; empty: none

  bool operator==(const AgentConfig&) const = default;
};

// Checks that `pin` is a pin-sha256: the 44-character base64 (with its one '=') of a SHA-256
// digest. Errc::invalid_argument saying what is wrong otherwise.
[[nodiscard]] Result<void> check_pin_sha256(std::string_view pin);

[[nodiscard]] boost::json::object to_json(const AgentConfig& config);

// Decodes agent.json. Fails with Errc::invalid_argument naming the bad field
// ("agent.json: $.device_id: must be between 1 and ...", also a tls_pin_sha256 that is not a
// pin-sha256). Unknown keys are ignored.
[[nodiscard]] Result<AgentConfig> parse_agent_config(std::string_view text);

// Reads DIR/agent.json. Fails with Errc::not_found when the agent is not enrolled, and as
// parse_agent_config or read_small_file otherwise.
[[nodiscard]] Result<AgentConfig> load_agent_config(const std::filesystem::path& dir);

// Writes DIR/agent.json with mode 0600, creating DIR with mode 0700 when missing.
[[nodiscard]] Result<void> save_agent_config(const std::filesystem::path& dir,
                                             const AgentConfig& config);

// Looks up an environment variable; nullptr when unset. A seam over std::getenv for tests.
using EnvLookup = std::function<const char*(const char*)>;

// The configuration directory: `flag` when given, else $WORKTRACE_AGENT_DIR, else
// $XDG_CONFIG_HOME/worktrace-agent, else $HOME/.config/worktrace-agent. Empty variables count
// as unset. Fails with Errc::invalid_argument when none of them is set.
[[nodiscard]] Result<std::filesystem::path> resolve_config_dir(
    const std::optional<std::string>& flag, const EnvLookup& env);

}  // namespace worktrace::agent::state
