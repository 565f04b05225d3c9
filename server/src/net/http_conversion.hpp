#pragma once

#include "api/http_types.hpp"
#include "core/result.hpp"

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <string>

namespace worktrace::net {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;
using BeastResponse = boost::beast::http::response<boost::beast::http::string_body>;

// The api::Request for `request` (whose body is moved out): lower-case header names, the
// percent-decoded path without the query, the query parsed into `query` ('+' is a space; the
// first of repeated keys wins). Errors (400): a target that is not an absolute path with an
// optional query, or a path holding NUL once decoded.
[[nodiscard]] Result<api::Request> to_api_request(BeastRequest& request, std::string remote_ip,
                                                  bool secure);

// The wire response for `response` (moved from). `head`: a HEAD request, so the body is
// dropped but Content-Length still tells its size. Bodies of 1xx, 204 and 304 are dropped.
[[nodiscard]] BeastResponse to_beast_response(api::Response& response, unsigned http_version,
                                              bool keep_alive, bool head);

}  // namespace worktrace::net
