#pragma once

#include "core/result.hpp"
#include "uplink/server_url.hpp"
#include "uplink/tls_context.hpp"

#include <chrono>
#include <string>
#include <string_view>

namespace worktrace::agent::uplink {

struct HttpReply {
  int status = 0;
  std::string body;
};

inline constexpr std::size_t kMaxReplyBodyBytes = 64 * 1024;

// Optional request headers of post_json.
struct PostHeaders {
  std::string bearer;  // "Authorization: Bearer <bearer>" when not empty
  bool gzip = false;   // the body is gzip-compressed: "Content-Encoding: gzip"
};

// POSTs `body` (application/json) to `url.target(path)` on a fresh connection and returns the
// reply, whatever its status. For https the server is checked as `trust` says (the system
// CAs, or `trust.ca_file` alone when it is not empty; with a pin, the server's key must match
// it: see tls_handshake). The whole exchange is bounded by `timeout`. Fails with
// Errc::unavailable when the server cannot be reached, the TLS handshake fails (a pin mismatch
// says so) or the exchange times out (the message says which), Errc::invalid_argument for an
// unreadable `trust.ca_file`, Errc::payload_too_large for a reply body over
// kMaxReplyBodyBytes. Blocks the calling thread.
[[nodiscard]] Result<HttpReply> post_json(const ServerUrl& url, std::string_view path,
                                          std::string body, const ServerTrust& trust,
                                          std::chrono::milliseconds timeout,
                                          const PostHeaders& headers = {});

}  // namespace worktrace::agent::uplink
