#include "uplink/server_url.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <charconv>

namespace worktrace::agent::uplink {
namespace {

constexpr std::size_t kMaxUrlBytes = 2048;

std::string bracketed(const ServerUrl& url) {
  if (url.host.find(':') != std::string::npos) return "[" + url.host + "]";
  return url.host;
}

}  // namespace

std::string ServerUrl::host_header() const {
  const std::uint16_t default_port = tls ? 443 : 80;
  if (port == default_port) return bracketed(*this);
  return authority();
}

std::string ServerUrl::authority() const { return bracketed(*this) + ":" + std::to_string(port); }

bool ServerUrl::is_loopback() const {
  return host == "localhost" || host == "::1" || (host_is_ip && host.starts_with("127."));
}

std::string ServerUrl::target(std::string_view path) const {
  return path_prefix + std::string(path);
}

Result<ServerUrl> parse_server_url(std::string_view text) {
  auto bad = [&](std::string_view why) {
    const std::string shown(text.substr(0, 200));
    return fail(Errc::invalid_argument, "server URL \"" + shown + "\": " + std::string(why));
  };
  if (text.size() > kMaxUrlBytes) return bad("is longer than 2048 bytes");
  if (text.find('#') != std::string_view::npos) return bad("must not contain a fragment");
  const auto parsed = boost::urls::parse_absolute_uri(text);
  if (!parsed) return bad("is not an absolute URL such as https://worktrace.example.com");
  const boost::urls::url_view& view = *parsed;

  ServerUrl url;
  if (view.scheme_id() == boost::urls::scheme::https) {
    url.tls = true;
  } else if (view.scheme_id() != boost::urls::scheme::http) {
    return bad("the scheme must be http or https");
  }
  if (view.has_userinfo()) return bad("must not contain a user name or password");
  if (view.has_query()) return bad("must not contain a query");

  switch (view.host_type()) {
    case boost::urls::host_type::name:
      if (view.encoded_host().find('%') != std::string_view::npos) {
        return bad("the host must not be percent-encoded");
      }
      break;
    case boost::urls::host_type::ipv4:
    case boost::urls::host_type::ipv6:
      url.host_is_ip = true;
      break;
    default:
      return bad("has no usable host");
  }
  url.host = view.host_address();
  if (url.host.empty()) return bad("has no host");

  url.port = url.tls ? 443 : 80;
  if (view.has_port()) {
    const std::string_view port = view.port();
    unsigned number = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() || number == 0 ||
        number > 65535) {
      return bad("the port must be a number from 1 to 65535");
    }
    url.port = static_cast<std::uint16_t>(number);
  }

  std::string_view path = view.encoded_path();
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  url.path_prefix = std::string(path);
  return url;
}

}  // namespace worktrace::agent::uplink
