#include "net/http_conversion.hpp"

#include <boost/url/parse.hpp>

#include <algorithm>
#include <cctype>
#include <utility>

namespace worktrace::net {

namespace http = boost::beast::http;

Result<api::Request> to_api_request(BeastRequest& request, std::string remote_ip, bool secure) {
  api::Request out;
  out.method = std::string(request.method_string());
  out.target = std::string(request.target());
  const auto url = boost::urls::parse_origin_form(out.target);
  if (!url) {
    return fail(Errc::invalid_argument, "request target must be a path with an optional query");
  }
  out.path = url->encoded_path().decode();
  if (out.path.find('\0') != std::string::npos) {
    return fail(Errc::invalid_argument, "request path must not contain NUL");
  }
  boost::urls::encoding_opts query_options;
  query_options.space_as_plus = true;
  for (const auto param : url->params(query_options)) {
    out.query.emplace(param.key, param.value);
  }
  out.headers.reserve(static_cast<std::size_t>(std::distance(request.begin(), request.end())));
  for (const auto& field : request) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    out.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  out.body = std::move(request.body());
  out.remote_ip = std::move(remote_ip);
  out.secure = secure;
  return out;
}

BeastResponse to_beast_response(api::Response& response, unsigned http_version, bool keep_alive,
                                bool head) {
  BeastResponse out;
  out.version(http_version);
  out.result(static_cast<unsigned>(response.status));
  if (!response.content_type.empty()) out.set(http::field::content_type, response.content_type);
  for (auto& [name, value] : response.headers) out.insert(name, value);
  out.keep_alive(keep_alive);
  const bool bodiless = response.status < 200 || response.status == 204 || response.status == 304;
  if (bodiless) return out;
  out.body() = std::move(response.body);
  out.prepare_payload();
  if (head) out.body().clear();  // Content-Length stays the size of the GET body.
  return out;
}

}  // namespace worktrace::net
