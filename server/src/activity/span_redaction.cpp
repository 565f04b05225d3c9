#include "activity/span_redaction.hpp"

#include <array>
#include <utility>

namespace worktrace::activity {
namespace {

protocol::RedactionPolicy with_url_mode(protocol::UrlMode mode) {
  protocol::RedactionPolicy policy;
  policy.url_mode = mode;
  return policy;
}

// A policy with only a url_mode, per mode: redact() on it only reduces the URL.
const protocol::RedactionPolicy& url_only_policy(protocol::UrlMode mode) {
  static const std::array<protocol::RedactionPolicy, 3> kPolicies = {
      with_url_mode(protocol::UrlMode::full), with_url_mode(protocol::UrlMode::strip_query),
      with_url_mode(protocol::UrlMode::domain)};
  return kPolicies[static_cast<std::size_t>(mode)];
}

}  // namespace

bool is_excluded_domain(const protocol::RedactionPolicy& policy,
                        std::string_view domain) noexcept {
  if (domain.empty()) return false;
  for (const std::string& excluded : policy.excluded_domains) {
    if (domain == excluded) return true;
    if (domain.size() > excluded.size() && domain.ends_with(excluded) &&
        domain[domain.size() - excluded.size() - 1] == '.') {
      return true;
    }
  }
  return false;
}

void enforce_redaction(const protocol::RedactionPolicy& policy, protocol::SpanRecord& span) {
  if (!has_web_fields(span)) return;
  if (is_excluded_domain(policy, span.domain)) {
    protocol::SpanRecord hidden;
    hidden.seq = span.seq;
    hidden.start = span.start;
    hidden.end = span.end;
    hidden.idle = span.idle;
    hidden.is_private = true;
    span = std::move(hidden);
    return;
  }
  if (span.url.empty()) return;
  auto reduced = protocol::redact(url_only_policy(policy.url_mode),
                                  protocol::Observed{.app = {}, .exe = {}, .title = {},
                                                     .url = std::move(span.url)});
  span.url = reduced ? std::move(reduced->url) : std::string();
  if (!span.url.empty()) span.domain = protocol::url_domain(span.url);
}

}  // namespace worktrace::activity
