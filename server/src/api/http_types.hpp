#pragma once

#include "core/http_status.hpp"
#include "core/result.hpp"

#include <boost/json/value.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace worktrace::api {

// One HTTP request as the domains see it: no Beast types. Built by net/ from the wire;
// header names are lower-case; `path` is percent-decoded and has no query string.
struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as received, e.g. "/api/v1/devices?limit=10"
  std::string path;    // "/api/v1/devices"
  std::map<std::string, std::string, std::less<>> query;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string remote_ip;  // the peer's address as the server saw it
  bool secure = false;    // arrived over TLS
  std::map<std::string, std::string, std::less<>> params;  // from the route pattern, e.g. {id}

  // The first header named `name` (lower-case), or empty.
  [[nodiscard]] std::string_view header(std::string_view name) const;
  // The value of cookie `name` from the Cookie header, or empty.
  [[nodiscard]] std::string cookie(std::string_view name) const;
  // The token of an `Authorization: Bearer <token>` header, or empty.
  [[nodiscard]] std::string bearer_token() const;
  // False when the request carries an Origin header naming another site than its Host (a
  // browser on another origin, cookies attached); true without Origin (not a browser).
  [[nodiscard]] bool same_origin() const;
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // besides Content-Type/Length
  std::string content_type = "application/json";
  std::string body;

  void set_header(std::string name, std::string value);

  [[nodiscard]] static Response json(int status, const boost::json::value& body);
  [[nodiscard]] static Response no_content();
  // The one rendering of a failure: {"error":{"code","message"}} with the status of its code.
  [[nodiscard]] static Response from_error(const Error& error);
};

// Renders a handler's outcome: the response, or the failure as `Response::from_error`.
// Failures whose cause the client cannot see (5xx) are logged as "<domain>: ...".
[[nodiscard]] Response respond(Result<Response> outcome, std::string_view domain);

// Parses the request body as a JSON object, checking Content-Type; errors are 400/415.
[[nodiscard]] Result<boost::json::value> json_body(const Request& request);

}  // namespace worktrace::api
