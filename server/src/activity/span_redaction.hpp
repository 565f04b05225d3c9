#pragma once

#include "core/actor.hpp"
#include "core/result.hpp"
#include "protocol/activity_batch.hpp"
#include "protocol/redaction.hpp"

#include <functional>
#include <memory>

// Defence in depth at ingest: the server applies the organization's url_mode and excluded
// domains to every span again before it is stored, so an old or modified agent cannot store
// more of a URL than the policy allows. Title rules and excluded apps stay the agent's job
// (no regular expression runs at ingest).
namespace worktrace::activity {

// The current redaction policy of an organization (tracking::RedactionCache in the server).
using RedactionSource =
    std::function<Result<std::shared_ptr<const protocol::RedactionPolicy>>(OrgId)>;

// True when `span` carries a url or domain that enforce_redaction may have to change.
[[nodiscard]] inline bool has_web_fields(const protocol::SpanRecord& span) noexcept {
  return !span.is_private && (!span.url.empty() || !span.domain.empty());
}

// True when `domain` is one of `policy.excluded_domains` or a subdomain of one.
[[nodiscard]] bool is_excluded_domain(const protocol::RedactionPolicy& policy,
                                      std::string_view domain) noexcept;

// Applies `policy`'s exclusions and url_mode to a validated span (its domain is
// url_domain(url) when it has a url): an excluded domain makes the span private (every text
// emptied; time and idle flag kept); otherwise the url is reduced as url_mode says.
void enforce_redaction(const protocol::RedactionPolicy& policy, protocol::SpanRecord& span);

}  // namespace worktrace::activity
