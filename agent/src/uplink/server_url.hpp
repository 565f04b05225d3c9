#pragma once

#include "core/result.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace worktrace::agent::uplink {

// The server address given to `enroll`: http or https, a host, an optional port and an
// optional path prefix for servers behind a reverse proxy ("https://corp.example/worktrace").
struct ServerUrl {
  bool tls = false;
  std::string host;         // a DNS name or an IP address; IPv6 without brackets
  bool host_is_ip = false;  // then no SNI is sent and the certificate must name the address
  std::uint16_t port = 0;   // explicit, or 80/443 by scheme
  std::string path_prefix;  // "" or "/a/b": no trailing slash, still percent-encoded

  // The Host header: "h", or "h:8080" when the port is not the scheme's default ("[::1]:8080").
  [[nodiscard]] std::string host_header() const;
  // The request target for an API path such as "/api/v1/agent/enroll".
  [[nodiscard]] std::string target(std::string_view path) const;
  // "host:port" for messages ("[::1]:8080").
  [[nodiscard]] std::string authority() const;
  // True for localhost, 127.0.0.0/8 and ::1: the only hosts plain HTTP may go to by default.
  [[nodiscard]] bool is_loopback() const;
};

// Fails with Errc::invalid_argument and a message that quotes `text` and says what is wrong:
// not an absolute URL, a scheme other than http/https, no host, a port of 0 or above 65535,
// user info, a query or a fragment.
[[nodiscard]] Result<ServerUrl> parse_server_url(std::string_view text);

}  // namespace worktrace::agent::uplink
