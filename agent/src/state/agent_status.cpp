#include "state/agent_status.hpp"

#include "protocol/json_reader.hpp"
#include "state/agent_config.hpp"
#include "state/private_file.hpp"

#include <boost/json/serialize.hpp>

#include <limits>

namespace worktrace::agent::state {
namespace {

constexpr std::int64_t kMaxInt = std::numeric_limits<std::int64_t>::max();
constexpr std::size_t kMaxErrorBytes = 1024;

Error in_file(const Error& error) {
  return fail(Errc::invalid_argument, std::string(kStatusFileName) + ": " + error.message);
}

boost::json::value nullable(const std::optional<EpochMs>& value) {
  if (!value) return nullptr;
  return *value;
}

}  // namespace

std::string_view state_name(AgentState state) noexcept {
  switch (state) {
    case AgentState::connecting:
      return "connecting";
    case AgentState::connected:
      return "connected";
    case AgentState::backoff:
      return "backoff";
    case AgentState::stopped:
      return "stopped";
    case AgentState::revoked:
      return "revoked";
  }
  return "stopped";
}

std::optional<AgentState> parse_state(std::string_view name) noexcept {
  for (const AgentState state : {AgentState::connecting, AgentState::connected, AgentState::backoff,
                                 AgentState::stopped, AgentState::revoked}) {
    if (state_name(state) == name) return state;
  }
  return std::nullopt;
}

boost::json::object to_json(const AgentStatus& status) {
  boost::json::value last_error = nullptr;
  if (!status.last_error.empty()) last_error = status.last_error;
  return {
      {"state", state_name(status.state)},
      {"server", status.server},
      {"device_id", status.device_id},
      {"pid", status.pid},
      {"connected_since", nullable(status.connected_since)},
      {"last_error", std::move(last_error)},
      {"next_retry_at", nullable(status.next_retry_at)},
      {"updated_at", status.updated_at},
  };
}

Result<AgentStatus> parse_agent_status(std::string_view text) {
  auto document = protocol::parse_json(text);
  if (!document) return in_file(document.error());
  auto reader = protocol::ObjectReader::open(*document);
  if (!reader) return in_file(reader.error());
  AgentStatus status;
  auto state = reader->required_string("state", 32);
  if (!state) return in_file(state.error());
  const auto parsed_state = parse_state(*state);
  if (!parsed_state) {
    return fail(Errc::invalid_argument,
                std::string(kStatusFileName) + ": $.state: unknown state \"" + *state + "\"");
  }
  status.state = *parsed_state;
  auto server = reader->optional_string("server", 2048);
  if (!server) return in_file(server.error());
  status.server = server->value_or("");
  auto last_error = reader->optional_string("last_error", kMaxErrorBytes);
  if (!last_error) return in_file(last_error.error());
  status.last_error = last_error->value_or("");

  auto read_int = [&](std::string_view key,
                      std::int64_t min) -> Result<std::optional<std::int64_t>> {
    auto value = reader->optional_int(key, min, kMaxInt);
    if (!value) return in_file(value.error());
    return *value;
  };
  auto device_id = read_int("device_id", 0);
  if (!device_id) return device_id.error();
  status.device_id = device_id->value_or(0);
  auto pid = read_int("pid", 0);
  if (!pid) return pid.error();
  status.pid = pid->value_or(0);
  auto connected_since = read_int("connected_since", 0);
  if (!connected_since) return connected_since.error();
  status.connected_since = *connected_since;
  auto next_retry_at = read_int("next_retry_at", 0);
  if (!next_retry_at) return next_retry_at.error();
  status.next_retry_at = *next_retry_at;
  auto updated_at = read_int("updated_at", 0);
  if (!updated_at) return updated_at.error();
  status.updated_at = updated_at->value_or(0);
  return status;
}

Result<AgentStatus> load_agent_status(const std::filesystem::path& dir) {
  auto text = read_small_file(dir / kStatusFileName, kMaxStateFileBytes);
  if (!text) return text.error();
  return parse_agent_status(*text);
}

Result<void> save_agent_status(const std::filesystem::path& dir, const AgentStatus& status) {
  if (auto made = ensure_private_dir(dir); !made) return made.error();
  return write_private_file(dir / kStatusFileName, boost::json::serialize(to_json(status)) + "\n");
}

}  // namespace worktrace::agent::state
