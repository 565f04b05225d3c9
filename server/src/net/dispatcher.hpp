#pragma once

#include "api/http_types.hpp"
#include "api/router.hpp"
#include "net/metrics.hpp"
#include "net/rate_limiter.hpp"
#include "net/static_files.hpp"

#include <atomic>
#include <map>
#include <string>
#include <string_view>

namespace worktrace::net {

// What the server does with one request, decided without blocking.
struct Plan {
  enum class Target {
    healthz,
    metrics,
    agent_channel,      // GET /ws/agent: a WebSocket upgrade
    dashboard_channel,  // GET /ws/dashboard
    handler,            // a router handler (blocks)
    static_file,        // a file from the web root (blocks)
    not_found,
    method_not_allowed,
    rate_limited,  // the client is over its request rate: 429
  };
  Target target = Target::not_found;
  // The metrics label: a router pattern or a fixed name, never the raw path. Refers to the
  // router or to a literal, so it lives as long as the router.
  std::string_view route;
  const api::Handler* handler = nullptr;                   // for Target::handler
  std::map<std::string, std::string, std::less<>> params;  // for Target::handler
  std::string allow;                                       // for Target::method_not_allowed

  // True for the targets whose response needs the blocking pool (handlers and file reads).
  [[nodiscard]] bool blocks() const noexcept {
    return target == Target::handler || target == Target::static_file;
  }
};

// Routes plain requests: the built-in /healthz and /metrics, the router's handlers, static
// files, and the 404/405 answers. Knows nothing of sockets. Thread-safe; `router`, `metrics`,
// `draining` and `limiter` must outlive it. Handlers and upgrades are rate-limited per client.
class Dispatcher {
 public:
  Dispatcher(const api::Router& router, const std::filesystem::path& web_root,
             const Metrics& metrics, const std::atomic<bool>& draining, RateLimiter& limiter);

  [[nodiscard]] Plan plan(const api::Request& request) const;

  // The response for a plan that is not a channel. Runs the handler or reads the file when
  // plan.blocks(): call it on the blocking pool then. A handler that throws is logged as a
  // warning and answered 500; the exception does not escape.
  [[nodiscard]] api::Response respond(const Plan& plan, api::Request& request) const;

 private:
  [[nodiscard]] api::Response healthz() const;

  const api::Router& router_;
  StaticFiles static_files_;
  const Metrics& metrics_;
  const std::atomic<bool>& draining_;
  RateLimiter& limiter_;
};

// Adds the headers every response carries: Server, the security headers (CSP, nosniff,
// referrer policy, frame denial, COOP) and, when `secure`, Strict-Transport-Security.
void add_standard_headers(api::Response& response, bool secure);

// The response for a request whose method is not allowed, with its Allow header.
[[nodiscard]] api::Response method_not_allowed(std::string allow);

}  // namespace worktrace::net
