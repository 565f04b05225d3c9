#include "net/dispatcher.hpp"

#include "core/version.hpp"

#include <spdlog/spdlog.h>
#include <boost/json/value.hpp>

#include <exception>
#include <utility>

namespace worktrace::net {
namespace {

constexpr std::string_view kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' "
    "data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

bool is_get_or_head(std::string_view method) { return method == "GET" || method == "HEAD"; }

// True for `prefix` itself and everything below it ("/api", "/api/...").
bool is_under(std::string_view path, std::string_view prefix) {
  return path.substr(0, prefix.size()) == prefix &&
         (path.size() == prefix.size() || path[prefix.size()] == '/');
}

Plan fixed(Plan::Target target, std::string_view route) {
  Plan plan;
  plan.target = target;
  plan.route = route;
  return plan;
}

Plan not_allowed(std::string allow) {
  Plan plan = fixed(Plan::Target::method_not_allowed, "method_not_allowed");
  plan.allow = std::move(allow);
  return plan;
}

}  // namespace

Dispatcher::Dispatcher(const api::Router& router, const std::filesystem::path& web_root,
                       const Metrics& metrics, const std::atomic<bool>& draining,
                       RateLimiter& limiter)
    : router_(router),
      static_files_(web_root),
      metrics_(metrics),
      draining_(draining),
      limiter_(limiter) {}

Plan Dispatcher::plan(const api::Request& request) const {
  const std::string_view path = request.path;
  const std::string_view method = request.method;
  if (path == "/healthz" || path == "/metrics") {
    if (!is_get_or_head(method)) return not_allowed("GET, HEAD");
    return path == "/healthz" ? fixed(Plan::Target::healthz, "/healthz")
                              : fixed(Plan::Target::metrics, "/metrics");
  }
  if (path == "/ws/agent" || path == "/ws/dashboard") {
    if (method != "GET") return not_allowed("GET");
    if (!limiter_.allow(request.remote_ip, std::chrono::steady_clock::now())) {
      return fixed(Plan::Target::rate_limited, "rate_limited");
    }
    return path == "/ws/agent" ? fixed(Plan::Target::agent_channel, "/ws/agent")
                               : fixed(Plan::Target::dashboard_channel, "/ws/dashboard");
  }
  auto match = router_.match(method, path);
  if (match.handler != nullptr) {
    if (!limiter_.allow(request.remote_ip, std::chrono::steady_clock::now())) {
      return fixed(Plan::Target::rate_limited, "rate_limited");
    }
    Plan plan = fixed(Plan::Target::handler, match.pattern);
    plan.handler = match.handler;
    plan.params = std::move(match.params);
    return plan;
  }
  if (match.path_known) return not_allowed(std::move(match.allow));
  if (is_under(path, "/api") || is_under(path, "/ws") || !static_files_.enabled()) {
    return fixed(Plan::Target::not_found, "not_found");
  }
  if (!is_get_or_head(method)) return not_allowed("GET, HEAD");
  return fixed(Plan::Target::static_file, "static");
}

api::Response Dispatcher::respond(const Plan& plan, api::Request& request) const {
  switch (plan.target) {
    case Plan::Target::healthz:
      return healthz();
    case Plan::Target::metrics: {
      api::Response response;
      response.content_type = "text/plain; version=0.0.4; charset=utf-8";
      response.body = metrics_.render(kVersion);
      response.set_header("Cache-Control", "no-store");
      return response;
    }
    case Plan::Target::handler:
      request.params = plan.params;
      try {
        return (*plan.handler)(request);
      } catch (const std::exception& error) {
        spdlog::warn("handler {} {} threw: {}", request.method, plan.route, error.what());
      } catch (...) {
        spdlog::warn("handler {} {} threw a non-standard exception", request.method, plan.route);
      }
      return api::Response::from_error(fail(Errc::internal, "internal server error"));
    case Plan::Target::static_file:
      return static_files_.serve(request.path, request.header("if-none-match"));
    case Plan::Target::method_not_allowed:
      return method_not_allowed(plan.allow);
    case Plan::Target::rate_limited: {
      auto response = api::Response::from_error(
          fail(Errc::rate_limited, "too many requests from this address; retry in a second"));
      response.set_header("Retry-After", "1");
      return response;
    }
    case Plan::Target::agent_channel:
    case Plan::Target::dashboard_channel:
      // Only reached for a plain GET without an upgrade; upgrades never get here.
      return api::Response::from_error(
          fail(Errc::invalid_argument, "this path accepts only WebSocket upgrades"));
    case Plan::Target::not_found:
      break;
  }
  return api::Response::from_error(fail(Errc::not_found, "no route for " + request.path));
}

api::Response Dispatcher::healthz() const {
  const bool draining = draining_.load();
  auto response = api::Response::json(
      draining ? 503 : 200, {{"status", draining ? "draining" : "ok"}, {"version", kVersion}});
  response.set_header("Cache-Control", "no-store");
  return response;
}

void add_standard_headers(api::Response& response, bool secure) {
  response.set_header("Server", "worktrace");
  response.set_header("Content-Security-Policy", std::string(kContentSecurityPolicy));
  response.set_header("X-Content-Type-Options", "nosniff");
  response.set_header("Referrer-Policy", "no-referrer");
  response.set_header("X-Frame-Options", "DENY");
  response.set_header("Cross-Origin-Opener-Policy", "same-origin");
  if (secure) response.set_header("Strict-Transport-Security", "max-age=31536000");
}

api::Response method_not_allowed(std::string allow) {
  auto response = api::Response::from_error(fail(Errc::method_not_allowed, "method not allowed"));
  response.set_header("Allow", std::move(allow));
  return response;
}

}  // namespace worktrace::net
