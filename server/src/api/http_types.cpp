#include "api/http_types.hpp"

#include "protocol/json_reader.hpp"

#include <spdlog/spdlog.h>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>

namespace worktrace::api {

std::string_view Request::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return {};
}

std::string Request::cookie(std::string_view name) const {
  std::string_view cookies = header("cookie");
  while (!cookies.empty()) {
    const auto end = cookies.find(';');
    std::string_view pair = cookies.substr(0, end);
    cookies = end == std::string_view::npos ? std::string_view() : cookies.substr(end + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    if (pair.substr(0, eq) == name) return std::string(pair.substr(eq + 1));
  }
  return {};
}

std::string Request::bearer_token() const {
  constexpr std::string_view kPrefix = "Bearer ";
  const std::string_view value = header("authorization");
  if (value.size() <= kPrefix.size() || value.substr(0, kPrefix.size()) != kPrefix) return {};
  return std::string(value.substr(kPrefix.size()));
}

bool Request::same_origin() const {
  const std::string_view origin = header("origin");
  if (origin.empty()) return true;
  const auto scheme_end = origin.find("://");
  if (scheme_end == std::string_view::npos) return false;  // "null" and other opaque origins
  const std::string_view scheme = origin.substr(0, scheme_end);
  const std::string_view authority = origin.substr(scheme_end + 3);
  if (scheme != (secure ? "https" : "http")) return false;
  const std::string_view host = header("host");
  if (host.empty() || authority.size() != host.size()) return false;
  // Host names compare case-insensitively.
  for (std::size_t idx = 0; idx < host.size(); ++idx) {
    if (std::tolower(static_cast<unsigned char>(host[idx])) !=
        std::tolower(static_cast<unsigned char>(authority[idx]))) {
      return false;
    }
  }
  return true;
}

void Response::set_header(std::string name, std::string value) {
  for (auto& [key, existing] : headers) {
    if (key == name) {
      existing = std::move(value);
      return;
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
}

Response Response::json(int status, const boost::json::value& body) {
  Response response;
  response.status = status;
  response.body = boost::json::serialize(body);
  return response;
}

Response Response::no_content() {
  Response response;
  response.status = 204;
  response.content_type.clear();
  return response;
}

Response Response::from_error(const Error& error) {
  const int status = http_status(error);
  const bool ours = error.code.category() == worktrace_category();
  // Foreign errors (SQLite, Asio) carry internal detail: the client sees a generic message.
  const char* code = ours ? errc_name(static_cast<Errc>(error.code.value())) : "internal";
  const std::string message = ours && status < 500 ? error.message : "internal server error";
  return json(status, {{"error", {{"code", code}, {"message", message}}}});
}

Response respond(Result<Response> outcome, std::string_view domain) {
  if (outcome) return std::move(*outcome);
  if (http_status(outcome.error()) >= 500) {
    spdlog::error("{}: {} ({})", domain, outcome.error().message, outcome.error().code.message());
  }
  return Response::from_error(outcome.error());
}

Result<boost::json::value> json_body(const Request& request) {
  const std::string_view type = request.header("content-type");
  if (type.substr(0, type.find(';')) != "application/json") {
    return fail(Errc::unsupported_media, "Content-Type must be application/json");
  }
  return protocol::parse_json(request.body);
}

}  // namespace worktrace::api
