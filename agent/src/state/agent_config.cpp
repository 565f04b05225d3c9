#include "state/agent_config.hpp"

#include "protocol/json_reader.hpp"
#include "state/private_file.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <limits>

namespace worktrace::agent::state {
namespace {

constexpr std::size_t kMaxUrlBytes = 2048;
constexpr std::size_t kMaxCredentialBytes = 512;
constexpr std::size_t kMaxPathBytes = 4096;
constexpr std::int64_t kMaxId = std::numeric_limits<std::int64_t>::max();

Error in_file(const Error& error) {
  return fail(Errc::invalid_argument, std::string(kConfigFileName) + ": " + error.message);
}

// The credential goes into an HTTP header: printable ASCII without spaces only.
bool is_header_safe_token(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char ch) { return ch > 0x20 && ch < 0x7f; });
}

constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

}  // namespace

Result<void> check_pin_sha256(std::string_view pin) {
  // 32 bytes: 42 characters of 6 bits, one of 4 bits (its 2 low bits zero), then one '='.
  constexpr std::size_t kPinChars = 44;
  const auto bad = [](std::string_view why) {
    return fail(Errc::invalid_argument,
                "a pin-sha256 is the base64 of a SHA-256 digest (44 characters ending in '='): " +
                    std::string(why));
  };
  if (pin.size() != kPinChars) {
    return bad("this one has " + std::to_string(pin.size()) + " characters");
  }
  if (pin.back() != '=') return bad("this one does not end in '='");
  for (std::size_t char_idx = 0; char_idx + 1 < kPinChars; ++char_idx) {
    if (kBase64Alphabet.find(pin[char_idx]) == std::string_view::npos) {
      return bad("character " + std::to_string(char_idx + 1) + " is not base64");
    }
  }
  if (kBase64Alphabet.find(pin[kPinChars - 2]) % 4 != 0) {
    return bad("it does not encode exactly 32 bytes");
  }
  return {};
}

boost::json::object to_json(const AgentConfig& config) {
  boost::json::object json{
      {"server", config.server},     {"device_id", config.device_id},   {"org_id", config.org_id},
      {"org_name", config.org_name}, {"credential", config.credential},
  };
  if (!config.ca_file.empty()) json["ca_file"] = config.ca_file;
  if (!config.tls_pin_sha256.empty()) json["tls_pin_sha256"] = config.tls_pin_sha256;
  return json;
}

Result<AgentConfig> parse_agent_config(std::string_view text) {
  auto document = protocol::parse_json(text);
  if (!document) return in_file(document.error());
  auto reader = protocol::ObjectReader::open(*document);
  if (!reader) return in_file(reader.error());
  AgentConfig config;
  auto server = reader->required_string("server", kMaxUrlBytes);
  if (!server) return in_file(server.error());
  config.server = std::move(*server);
  auto device_id = reader->required_int("device_id", 1, kMaxId);
  if (!device_id) return in_file(device_id.error());
  config.device_id = *device_id;
  auto org_id = reader->required_int("org_id", 1, kMaxId);
  if (!org_id) return in_file(org_id.error());
  config.org_id = *org_id;
  auto org_name = reader->optional_string("org_name", 255);
  if (!org_name) return in_file(org_name.error());
  config.org_name = org_name->value_or("");
  auto credential = reader->required_string("credential", kMaxCredentialBytes);
  if (!credential) return in_file(credential.error());
  if (!is_header_safe_token(*credential)) {
    return fail(Errc::invalid_argument,
                std::string(kConfigFileName) + ": $.credential: must be printable ASCII");
  }
  config.credential = std::move(*credential);
  auto ca_file = reader->optional_string("ca_file", kMaxPathBytes);
  if (!ca_file) return in_file(ca_file.error());
  config.ca_file = ca_file->value_or("");
  auto pin = reader->optional_string("tls_pin_sha256", kMaxPathBytes);
  if (!pin) return in_file(pin.error());
  if (*pin) {
    if (auto valid = check_pin_sha256(**pin); !valid) {
      return fail(Errc::invalid_argument,
                  std::string(kConfigFileName) + ": $.tls_pin_sha256: " + valid.error().message);
    }
    config.tls_pin_sha256 = std::move(**pin);
  }
  return config;
}

Result<AgentConfig> load_agent_config(const std::filesystem::path& dir) {
  auto text = read_small_file(dir / kConfigFileName, kMaxStateFileBytes);
  if (!text) return text.error();
  return parse_agent_config(*text);
}

Result<void> save_agent_config(const std::filesystem::path& dir, const AgentConfig& config) {
  if (auto made = ensure_private_dir(dir); !made) return made.error();
  return write_private_file(dir / kConfigFileName, boost::json::serialize(to_json(config)) + "\n");
}

Result<std::filesystem::path> resolve_config_dir(const std::optional<std::string>& flag,
                                                 const EnvLookup& env) {
  auto variable = [&](const char* name) -> std::string {
    const char* value = env(name);
    return value == nullptr ? std::string() : std::string(value);
  };
  if (flag && !flag->empty()) return std::filesystem::path(*flag);
  if (auto dir = variable("WORKTRACE_AGENT_DIR"); !dir.empty()) return std::filesystem::path(dir);
  if (auto xdg = variable("XDG_CONFIG_HOME"); !xdg.empty()) {
    return std::filesystem::path(xdg) / "worktrace-agent";
  }
  if (auto home = variable("HOME"); !home.empty()) {
    return std::filesystem::path(home) / ".config" / "worktrace-agent";
  }
  return fail(Errc::invalid_argument,
              "no configuration directory: pass --config-dir or set WORKTRACE_AGENT_DIR or HOME");
}

}  // namespace worktrace::agent::state
