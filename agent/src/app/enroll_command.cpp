#include "app/commands.hpp"

#include "collect/linux_device_info.hpp"
#include "collect/linux_parsers.hpp"
#include "state/agent_config.hpp"
#include "state/instance_lock.hpp"
#include "state/private_file.hpp"
#include "uplink/http_client.hpp"
#include "uplink/messages.hpp"
#include "uplink/server_url.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>

namespace worktrace::agent {
namespace {

constexpr std::size_t kMaxTokenBytes = 512;
constexpr std::chrono::seconds kEnrollTimeout{30};

void print_error(std::string_view message) { fmt::print(stderr, "worktrace-agent: {}\n", message); }

}  // namespace

int enroll_command(const EnrollArgs& args) {
  auto url = uplink::parse_server_url(args.server);
  if (!url) {
    print_error(url.error().message);
    return kExitUsage;
  }
  if (!args.pin_sha256.empty()) {
    if (auto valid = state::check_pin_sha256(args.pin_sha256); !valid) {
      print_error("--pin-sha256: " + valid.error().message);
      return kExitUsage;
    }
    if (!url->tls) {
      print_error("--pin-sha256 pins the server's TLS key: it needs an https:// server URL");
      return kExitUsage;
    }
  }
  // The same rule as the server's: plain HTTP only on this machine unless asked for.
  if (!url->tls && !url->is_loopback() && !args.insecure_http) {
    print_error("refusing to send the enrollment token and device credential unencrypted to " +
                url->host + ": use an https:// URL, or --insecure-http if you accept that risk");
    return kExitUsage;
  }
  const bool token_ok = !args.token.empty() && args.token.size() <= kMaxTokenBytes &&
                        std::all_of(args.token.begin(), args.token.end(),
                                    [](char ch) { return ch > 0x20 && ch < 0x7f; });
  if (!token_ok) {
    print_error("the token must be 1 to 512 printable characters without spaces");
    return kExitUsage;
  }
  const std::string name = collect::clean_text(args.name, protocol::kMaxDeviceTextBytes);
  if (name != args.name) {
    print_error("--name must be at most 255 bytes of printable UTF-8 without surrounding spaces");
    return kExitUsage;
  }
  auto dir = state::resolve_config_dir(args.config_dir, std::getenv);
  if (!dir) {
    print_error(dir.error().message);
    return kExitUsage;
  }
  std::string ca_file;
  if (!args.ca_file.empty()) {
    std::error_code ec;
    ca_file = std::filesystem::absolute(args.ca_file, ec).string();  // run may start elsewhere
    if (ec || !std::filesystem::is_regular_file(ca_file, ec)) {
      print_error("--ca-file " + args.ca_file + " is not a readable file");
      return kExitUsage;
    }
  }

  // Not while `run` uses DIR: the new credential and the old device's outbox must not mix.
  if (auto made = state::ensure_private_dir(*dir); !made) {
    print_error(made.error().message);
    return kExitFailed;
  }
  auto lock = state::InstanceLock::acquire(*dir);
  if (!lock) {
    print_error(lock.error().message + "; stop the running agent before enrolling again");
    return kExitFailed;
  }

  collect::LinuxDeviceInfoSource source;
  const protocol::DeviceInfo device = source.collect();
  spdlog::debug("enrolling {} with {}", device.hostname, url->authority());
  auto reply = uplink::post_json(*url, uplink::kEnrollPath,
                                 uplink::enroll_request_body(args.token, device, name),
                                 uplink::ServerTrust{ca_file, args.pin_sha256}, kEnrollTimeout);
  if (!reply) {
    print_error(reply.error().message);
    return reply.error().is(Errc::invalid_argument) ? kExitUsage : kExitFailed;
  }
  auto enrollment = uplink::parse_enroll_reply(reply->status, reply->body);
  if (!enrollment) {
    print_error(enrollment.error().message);
    return kExitFailed;
  }
  const state::AgentConfig config{.server = args.server,
                                  .device_id = enrollment->device_id,
                                  .org_id = enrollment->org_id,
                                  .org_name = enrollment->org_name,
                                  .credential = enrollment->credential,
                                  .ca_file = ca_file,
                                  .tls_pin_sha256 = args.pin_sha256};
  if (auto saved = state::save_agent_config(*dir, config); !saved) {
    print_error("enrolled, but the credential could not be saved: " + saved.error().message);
    return kExitFailed;
  }
  // What an earlier enrollment left belongs to that device (and maybe to another
  // organization): its unsent activity must never be credited to this one.
  for (const std::string suffix : {"", "-wal", "-shm"}) {
    std::error_code ec;
    const auto file = *dir / (std::string(state::kOutboxFileName) + suffix);
    if (std::filesystem::remove(file, ec) && suffix.empty()) {
      fmt::print("Removed the previous device's unsent activity ({})\n", file.string());
    }
  }
  std::error_code ec;
  std::filesystem::remove(*dir / state::kPolicyFileName, ec);
  fmt::print("Enrolled device {} in {}\n", config.device_id,
             uplink::printable(config.org_name, 255));
  return kExitOk;
}

}  // namespace worktrace::agent
