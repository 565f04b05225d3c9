#include "activity/span_redaction.hpp"

#include <gtest/gtest.h>

namespace worktrace::activity {
namespace {

protocol::RedactionPolicy policy(protocol::UrlMode mode, std::vector<std::string> excluded = {}) {
  protocol::RedactionPolicy result;
  result.url_mode = mode;
  result.excluded_domains = std::move(excluded);
  return result;
}

protocol::SpanRecord web(std::string url, std::string domain) {
  protocol::SpanRecord span;
  span.seq = 7;
  span.start = 1000;
  span.end = 5000;
  span.app = "chromium";
  span.exe = "/usr/bin/chromium";
  span.title = "Inbox";
  span.idle = true;
  span.url = std::move(url);
  span.domain = std::move(domain);
  return span;
}

TEST(SpanRedactionTest, MatchesExcludedDomainsAndTheirSubdomainsOnly) {
  const auto excluded = policy(protocol::UrlMode::full, {"example.com", "bank.test"});
  EXPECT_TRUE(is_excluded_domain(excluded, "example.com"));
  EXPECT_TRUE(is_excluded_domain(excluded, "mail.example.com"));
  EXPECT_TRUE(is_excluded_domain(excluded, "a.b.bank.test"));
  EXPECT_FALSE(is_excluded_domain(excluded, "evil-example.com"));
  EXPECT_FALSE(is_excluded_domain(excluded, "example.com.evil"));
  EXPECT_FALSE(is_excluded_domain(excluded, "com"));
  EXPECT_FALSE(is_excluded_domain(excluded, ""));
}

TEST(SpanRedactionTest, AnExcludedDomainMakesTheSpanPrivateButKeepsItsTime) {
  auto span = web("https://mail.example.com/inbox?id=3", "mail.example.com");
  span.project = "p";
  span.file = "f";
  enforce_redaction(policy(protocol::UrlMode::full, {"example.com"}), span);
  protocol::SpanRecord expected;
  expected.seq = 7;
  expected.start = 1000;
  expected.end = 5000;
  expected.idle = true;
  expected.is_private = true;
  EXPECT_EQ(span, expected);
  // A domain reported without a url is checked too.
  auto bare = web("", "example.com");
  enforce_redaction(policy(protocol::UrlMode::full, {"example.com"}), bare);
  EXPECT_TRUE(bare.is_private);
  EXPECT_EQ(bare.app, "");
}

TEST(SpanRedactionTest, CutsTheUrlAsTheModeSays) {
  const std::string url = "https://user:pw@Example.com:8443/a/b?q=1#frag";
  auto full = web(url, "example.com");
  enforce_redaction(policy(protocol::UrlMode::full), full);
  // The host keeps its case in the URL (the domain is lowercase); userinfo always goes.
  EXPECT_EQ(full.url, "https://Example.com:8443/a/b?q=1#frag");
  EXPECT_EQ(full.domain, "example.com");
  EXPECT_EQ(full.title, "Inbox");
  EXPECT_FALSE(full.is_private);

  auto stripped = web(url, "example.com");
  enforce_redaction(policy(protocol::UrlMode::strip_query), stripped);
  EXPECT_EQ(stripped.url, "https://Example.com:8443/a/b");

  auto domain_only = web(url, "example.com");
  enforce_redaction(policy(protocol::UrlMode::domain), domain_only);
  EXPECT_EQ(domain_only.url, "https://example.com");
  EXPECT_EQ(domain_only.domain, "example.com");
}

TEST(SpanRedactionTest, LeavesSpansWithoutWebFieldsAlone) {
  auto plain = web("", "");
  const auto before = plain;
  enforce_redaction(policy(protocol::UrlMode::domain, {"chromium"}), plain);
  EXPECT_EQ(plain, before);
  EXPECT_FALSE(has_web_fields(plain));
  EXPECT_TRUE(has_web_fields(web("", "example.com")));
  EXPECT_TRUE(has_web_fields(web("https://example.com/", "example.com")));
}

}  // namespace
}  // namespace worktrace::activity
