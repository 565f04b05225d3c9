#include "protocol/redaction.hpp"

#include "protocol/json_reader.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace worktrace::protocol {
namespace {

RedactionPolicy policy_from(std::string_view text) {
  auto json = parse_json(text);
  EXPECT_TRUE(json) << text;
  if (!json) return {};
  auto parsed = parse_redaction_policy(*json, "$.redaction");
  EXPECT_TRUE(parsed) << parsed.error().message;
  return parsed ? *parsed : RedactionPolicy{};
}

std::string error_of(std::string_view text) {
  auto json = parse_json(text);
  if (!json) return "bad test JSON";
  auto parsed = parse_redaction_policy(*json, "$.redaction");
  if (parsed) return "accepted";
  EXPECT_TRUE(parsed.error().is(Errc::invalid_argument));
  return parsed.error().message;
}

std::string url_after(const RedactionPolicy& policy, std::string url) {
  auto observed = redact(policy, Observed{.app = "firefox", .url = std::move(url)});
  EXPECT_TRUE(observed);
  return observed ? observed->url : "excluded";
}

std::string title_after(const RedactionPolicy& policy, std::string title) {
  auto observed = redact(policy, Observed{.app = "app", .title = std::move(title)});
  EXPECT_TRUE(observed);
  return observed ? observed->title : "excluded";
}

std::string pattern_error(std::string pattern) {
  auto rule = TitleRule::make(std::move(pattern), TitleAction::mask);
  return rule ? "accepted" : rule.error().message;
}

TEST(RedactionTest, DefaultPolicyStripsQueryAndFragment) {
  auto parsed = parse_redaction_policy(boost::json::value(nullptr), "$.redaction");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, RedactionPolicy{});
  EXPECT_EQ(parsed->url_mode, UrlMode::strip_query);
  EXPECT_EQ(policy_from("{}"), RedactionPolicy{});
  EXPECT_EQ(url_after({}, "https://mail.example.com/inbox/42?token=abc&x=1#msg-7"),
            "https://mail.example.com/inbox/42");
}

TEST(RedactionTest, UrlModes) {
  const std::string url = "https://Docs.Example.com:8443/d/abc/edit?usp=sharing#heading=h.1";
  EXPECT_EQ(url_after(policy_from(R"({"url_mode":"full"})"), url), url);
  EXPECT_EQ(url_after(policy_from(R"({"url_mode":"strip_query"})"), url),
            "https://Docs.Example.com:8443/d/abc/edit");
  EXPECT_EQ(url_after(policy_from(R"({"url_mode":"domain"})"), url), "https://docs.example.com");
  EXPECT_EQ(url_after(policy_from(R"({"url_mode":"domain"})"), "HTTP://[::1]:5600/x"),
            "http://[::1]");
  EXPECT_EQ(url_after(policy_from(R"({"url_mode":"domain"})"), "http://127.0.0.1:8080/a?b"),
            "http://127.0.0.1");
  EXPECT_EQ(error_of(R"({"url_mode":"path"})"),
            R"($.redaction.url_mode: must be "full", "strip_query" or "domain")");
}

TEST(RedactionTest, UserinfoIsStrippedInEveryMode) {
  for (const auto* mode : {"full", "strip_query", "domain"}) {
    const auto policy = policy_from(std::string(R"({"url_mode":")") + mode + "\"}");
    const std::string url = url_after(policy, "https://alice:s3cret@example.com/p?q=1");
    EXPECT_EQ(url.find("alice"), std::string::npos) << mode << ": " << url;
    EXPECT_EQ(url.find("s3cret"), std::string::npos) << mode << ": " << url;
  }
  EXPECT_EQ(url_after(policy_from(R"({"url_mode":"full"})"), "https://bob@example.com/p?q=1#f"),
            "https://example.com/p?q=1#f");
}

TEST(RedactionTest, ExcludedDomainsMatchSubdomainsOnly) {
  const auto policy = policy_from(R"({"excluded_domains":["Example.com.","bank.test"]})");
  EXPECT_EQ(policy.excluded_domains, (std::vector<std::string>{"example.com", "bank.test"}));
  for (const auto* url : {"https://example.com/", "http://EXAMPLE.COM./x",
                          "https://a.b.example.com:443/x", "https://u:p@example.com/"}) {
    EXPECT_FALSE(redact(policy, Observed{.app = "firefox", .url = url})) << url;
  }
  for (const auto* url : {"https://evil-example.com/", "https://example.com.evil.test/",
                          "https://notexample.com/", "https://example.co/"}) {
    EXPECT_TRUE(redact(policy, Observed{.app = "firefox", .url = url})) << url;
  }
  EXPECT_EQ(error_of(R"({"excluded_domains":["https://example.com/"]})"),
            "$.redaction.excluded_domains[0]: must be a domain name such as example.com");
  EXPECT_EQ(error_of(R"({"excluded_domains":["ok.test",".example.com"]})"),
            "$.redaction.excluded_domains[1]: must be a domain name such as example.com");
  EXPECT_EQ(error_of(R"({"excluded_domains":[42]})"),
            "$.redaction.excluded_domains[0]: must be a domain name such as example.com");
}

TEST(RedactionTest, ExcludedDomainsMustBeAscii) {
  // Browsers report "bücher.de" as "xn--bcher-kva.de": the Unicode form would never match.
  EXPECT_EQ(error_of(R"({"excluded_domains":["ok.test","bücher.de"]})"),
            "$.redaction.excluded_domains[1]: must be ASCII; write an international domain in "
            "its xn-- form");
  EXPECT_EQ(error_of(R"({"excluded_domains":["ex\u00e4mple.com"]})"),
            "$.redaction.excluded_domains[0]: must be ASCII; write an international domain in "
            "its xn-- form");
  const auto policy = policy_from(R"({"excluded_domains":["XN--BCHER-KVA.de"]})");
  EXPECT_EQ(policy.excluded_domains, (std::vector<std::string>{"xn--bcher-kva.de"}));
  EXPECT_FALSE(redact(policy, Observed{.app = "firefox", .url = "https://www.xn--bcher-kva.de/"}));
}

TEST(RedactionTest, ExcludedAppsAreCaseInsensitive) {
  const auto policy = policy_from(R"({"excluded_apps":["KeePassXC","Signal"]})");
  EXPECT_FALSE(redact(policy, Observed{.app = "keepassxc", .title = "Passwords"}));
  EXPECT_FALSE(redact(policy, Observed{.app = "SIGNAL"}));
  EXPECT_TRUE(redact(policy, Observed{.app = "keepass"}));
  EXPECT_TRUE(redact(policy, Observed{.app = "Signal-desktop"}));
  EXPECT_EQ(error_of(R"({"excluded_apps":[""]})"),
            "$.redaction.excluded_apps[0]: must be an application name (WM_CLASS) of 1 to 255 "
            "bytes without control characters");
}

TEST(RedactionTest, MaskAndDropRulesInOrder) {
  const auto policy = policy_from(R"({"title_rules":[
      {"pattern":"[\\w.]+@[\\w.]+","action":"mask"},
      {"pattern":"#\\d+","action":"mask","replacement":"#N"},
      {"pattern":"^Private","action":"drop"}]})");
  ASSERT_EQ(policy.title_rules.size(), 3U);
  EXPECT_EQ(title_after(policy, "Mail from ann@example.com and bo@x.org - ticket #123"),
            "Mail from ••• and ••• - ticket #N");
  EXPECT_EQ(title_after(policy, "Private notes ann@example.com"), "");
  EXPECT_EQ(title_after(policy, "nothing to hide"), "nothing to hide");

  // Order matters: a mask that runs first can remove what a later drop looks for.
  const auto masked_first = policy_from(R"({"title_rules":[
      {"pattern":"secret","action":"mask","replacement":"x"},
      {"pattern":"secret","action":"drop"}]})");
  EXPECT_EQ(title_after(masked_first, "a secret plan"), "a x plan");
  const auto dropped_first = policy_from(R"({"title_rules":[
      {"pattern":"secret","action":"drop"},
      {"pattern":"secret","action":"mask","replacement":"x"}]})");
  EXPECT_EQ(title_after(dropped_first, "a secret plan"), "");
}

TEST(RedactionTest, ADropRuleEmptiesUrlProjectAndFileToo) {
  const auto policy = policy_from(R"({"url_mode":"full","title_rules":[
      {"pattern":"\\d+","action":"mask","replacement":"N"},
      {"pattern":"^Private","action":"drop"}]})");
  const Observed seen{.app = "Code",
                      .exe = "/usr/bin/code",
                      .title = "Private 42",
                      .url = "https://notes.example/n/1",
                      .project = "secret-project",
                      .file = "/home/ann/secret.md"};
  auto dropped = redact(policy, seen);
  ASSERT_TRUE(dropped);
  EXPECT_EQ(*dropped, (Observed{.app = "Code", .exe = "/usr/bin/code"}));
  // No match: everything is kept (masked).
  Observed kept_seen = seen;
  kept_seen.title = "Public 42";
  auto kept = redact(policy, kept_seen);
  ASSERT_TRUE(kept);
  kept_seen.title = "Public N";
  EXPECT_EQ(*kept, kept_seen);
  // A mask that empties the title is no drop.
  const auto mask_all = policy_from(R"({"title_rules":[{"pattern":".+","action":"mask",
                                                        "replacement":""}]})");
  auto masked = redact(mask_all, seen);
  ASSERT_TRUE(masked);
  EXPECT_EQ(masked->title, "");
  EXPECT_EQ(masked->url, "https://notes.example/n/1");
  EXPECT_EQ(masked->project, "secret-project");
}

TEST(RedactionTest, TheUrlInATitleIsReducedAsTheUrlIs) {
  // Chromium titles a page without <title> by its URL without the scheme.
  const std::string url = "https://x.test/reset?token=abc";
  auto title_with = [&](std::string_view policy, std::string title, std::string with_url) {
    auto observed =
        redact(policy_from(policy),
               Observed{.app = "Chromium", .title = std::move(title), .url = std::move(with_url)});
    EXPECT_TRUE(observed);
    return observed ? observed->title : "excluded";
  };
  EXPECT_EQ(title_with("{}", "x.test/reset?token=abc - Chromium", url), "x.test/reset - Chromium");
  EXPECT_EQ(title_with(R"({"url_mode":"domain"})", "x.test/reset?token=abc - Chromium", url),
            "x.test - Chromium");
  EXPECT_EQ(title_with("{}", "Go to https://x.test/reset?token=abc, x.test/reset?token=abc", url),
            "Go to https://x.test/reset, x.test/reset");
  // Title rules see the reduced title.
  EXPECT_EQ(title_with(R"({"title_rules":[{"pattern":"token","action":"drop"}]})",
                       "x.test/reset?token=abc - Chromium", url),
            "x.test/reset - Chromium");
  // Userinfo goes in every mode, also from the title.
  EXPECT_EQ(
      title_with(R"({"url_mode":"full"})", "u:pw@x.test/a?b - Chromium", "https://u:pw@x.test/a?b"),
      "x.test/a?b - Chromium");
  // Only the URL's own text is replaced; a URL that is not recorded changes nothing.
  EXPECT_EQ(title_with("{}", "x.test/reset?token=ab", url), "x.test/reset?token=ab");
  EXPECT_EQ(title_with("{}", "javascript:1", "javascript:1"), "javascript:1");
}

TEST(RedactionTest, MaskReplacementIsLiteralAndEmptyMatchesReplaceNothing) {
  const auto policy = policy_from(R"json({"title_rules":[
      {"pattern":"(\\d+)","action":"mask","replacement":"$1$&"},
      {"pattern":"z*","action":"mask","replacement":"!"}]})json");
  EXPECT_EQ(title_after(policy, "order 42 shipped"), "order $1$& shipped");
  EXPECT_EQ(title_after(policy, "abzzc"), "ab!c");
}

TEST(RedactionTest, InvalidRegexNamesThePath) {
  EXPECT_EQ(error_of(R"({"title_rules":[{"pattern":"a","action":"mask"},
                                        {"pattern":"b","action":"drop"},
                                        {"pattern":"(unclosed","action":"mask"}]})"),
            "$.redaction.title_rules[2].pattern: is not a valid regular expression");
  EXPECT_EQ(error_of(R"({"title_rules":[{"pattern":"[z-a]","action":"mask"}]})"),
            "$.redaction.title_rules[0].pattern: is not a valid regular expression");
  EXPECT_EQ(error_of(R"({"title_rules":[{"pattern":"a","action":"hide"}]})"),
            R"($.redaction.title_rules[0].action: must be "mask" or "drop")");
  EXPECT_EQ(error_of(R"({"title_rules":[{"pattern":"","action":"drop"}]})"),
            "$.redaction.title_rules[0].pattern: must be 1 to 256 bytes");
  EXPECT_NE(error_of(R"({"title_rules":[{"pattern":")" + std::string(257, 'a') +
                     R"(","action":"drop"}]})"),
            "accepted");
  EXPECT_EQ(error_of(R"({"title_rules":[{"pattern":"a","action":"mask","replacement":"a\nb"}]})"),
            "$.redaction.title_rules[0].replacement: must be at most 64 bytes without control "
            "characters");
  EXPECT_EQ(error_of(R"({"title_rules":[{"pattern":"a","action":"mask","flags":"i"}]})"),
            "$.redaction.title_rules[0].flags: is not a known field");
  EXPECT_EQ(error_of(R"({"url_mode":"full","screenshots":true})"),
            "$.redaction.screenshots: is not a known field");
}

TEST(RedactionTest, CatastrophicPatternsAreRefused) {
  for (const auto* pattern : {"(a+)+", "(a*)*b", "(\\w+\\s?)*$", "(a|aa)+", "((ab)*c)+", "(?:x+y)*",
                              "(a+){2,}", "(.*)\\1"}) {
    EXPECT_EQ(pattern_error(pattern).rfind("pattern: ", 0), 0U) << pattern;
    EXPECT_NE(pattern_error(pattern), "pattern: is not a valid regular expression") << pattern;
  }
  EXPECT_EQ(pattern_error("(a+)+"),
            "pattern: repeats a group that holds a quantifier or alternation (such as (a+)+), "
            "which can take exponential time");
  for (const auto* pattern : {"(foo)+", "(https?://)?", "(?:foo|bar)?", "\\w+@\\w+", "[(a+)]+",
                              "\\(a+\\)+", "^(?:Inbox|Mail) - .*$", "x{2,3}"}) {
    EXPECT_EQ(pattern_error(pattern), "accepted") << pattern;
  }
}

TEST(RedactionTest, ListLimits) {
  std::string rules = R"({"title_rules":[)";
  for (std::size_t rule_idx = 0; rule_idx <= kMaxTitleRules; ++rule_idx) {
    rules += std::string(rule_idx == 0 ? "" : ",") + R"({"pattern":"a","action":"drop"})";
  }
  rules += "]}";
  EXPECT_EQ(error_of(rules), "$.redaction.title_rules: must have at most 50 items");

  std::string domains = R"({"excluded_domains":[)";
  for (std::size_t domain_idx = 0; domain_idx <= kMaxExcludedDomains; ++domain_idx) {
    domains +=
        std::string(domain_idx == 0 ? "" : ",") + "\"d" + std::to_string(domain_idx) + ".test\"";
  }
  domains += "]}";
  EXPECT_EQ(error_of(domains), "$.redaction.excluded_domains: must have at most 500 items");
}

TEST(RedactionTest, MalformedUrlsBecomeEmpty) {
  const RedactionPolicy full = policy_from(R"({"url_mode":"full"})");
  for (const auto* url :
       {"javascript:alert(document.cookie)",
        "data:text/html;base64,PGgxPmhpPC9oMT4=", "file:///home/ann/salaries.ods",
        "ftp://example.com/x", "chrome://settings", "about:blank", "not a url", "https://",
        "http:///path", "https://exa mple.com/", "https://example.com/\n/evil",
        "https://%2F%2Fevil.test/", "//example.com/x", "\xFF\xFEgarbage",
        // Hosts that Boost.URL would percent-decode into something the server refuses.
        "https://%C3%BC.example/", "https://%FF.example/", "https://www%2droot.example.com/",
        "https://b\xC3\xBC"
        "cher.example/"}) {
    EXPECT_EQ(url_after(full, url), "") << url;
    EXPECT_EQ(url_domain(url), "") << url;
  }
  // A malformed URL is dropped but the observation itself is kept.
  auto observed = redact(full, Observed{.app = "chromium", .title = "t", .url = "javascript:1"});
  ASSERT_TRUE(observed);
  EXPECT_EQ(observed->title, "t");
}

TEST(RedactionTest, UrlDomain) {
  EXPECT_EQ(url_domain("https://User:pw@WWW.Example.COM.:8443/a?b#c"), "www.example.com");
  EXPECT_EQ(url_domain("http://127.0.0.1:5600/api"), "127.0.0.1");
  EXPECT_EQ(url_domain("http://[::1]:5600/api"), "[::1]");
  EXPECT_EQ(url_domain("https://xn--bcher-kva.example/"), "xn--bcher-kva.example");
  EXPECT_EQ(url_domain(""), "");
}

TEST(RedactionTest, HugeTitlesAreCutBeforeTheRulesRun) {
  // Patterns whose cost grows with the title's length see only the first 2048 bytes.
  const auto policy = policy_from(R"({"title_rules":[
      {"pattern":"[a-z]+@","action":"mask"},
      {"pattern":"x.*y","action":"drop"}]})");
  const std::string title(100 * 1024, 'a');
  EXPECT_EQ(title_after(policy, title), std::string(kMaxRedactedTitleBytes, 'a'));
}

TEST(RedactionTest, CostlyPatternsThatPassTheScanFailClosed) {
  // Accepted by the pattern scan, yet quadratic or worse for a backtracking matcher (libstdc++'s
  // std::regex took 15 s for the first even in its "__polynomial" mode, minutes for the
  // second). The state limit and the deadline stop them; the title is then not recorded.
  std::string many_dots;
  for (int idx = 0; idx < 120; ++idx) many_dots += ".*";
  std::string counted;
  for (int idx = 0; idx < 5; ++idx) counted += "[^b]{0,9000}";
  const std::string mask = std::string(kDefaultMaskReplacement);
  // With a short title under one rule: a normal result. (".*" x 120 is left out there: whether
  // its ways of matching 7 characters exceed the shared limit depends on how many rules run.)
  const std::vector<std::pair<std::string, std::optional<std::string>>> cases = {
      {many_dots + "b", std::nullopt},
      {counted + "b", mask + mask},
      {"a*a*b", mask + " t" + mask},
  };
  for (const auto& [pattern, short_result] : cases) {
    SCOPED_TRACE(pattern);
    ASSERT_EQ(pattern_error(pattern), "accepted");
    auto rule = TitleRule::make(pattern, TitleAction::mask);
    ASSERT_TRUE(rule);
    RedactionPolicy policy;
    for (std::size_t idx = 0; idx < kMaxTitleRules; ++idx) policy.title_rules.push_back(*rule);
    // How long it takes is the state limit's and the deadline's business (a timed assertion
    // would fail on a slow or sanitized build); that it gives nothing away is this test's.
    EXPECT_EQ(title_after(policy, std::string(kMaxRedactedTitleBytes, 'a')), "");
    // A short title under one such rule stays far inside the deadline even in a sanitized
    // build (ten rules on it took long enough there to hit the deadline and fail closed).
    if (!short_result) continue;
    RedactionPolicy one_rule;
    one_rule.title_rules.push_back(*rule);
    EXPECT_EQ(title_after(one_rule, "aab tab"), *short_result);
  }
}

TEST(RedactionTest, MatchingFollowsEcmaScriptConventions) {
  const auto policy = policy_from(R"({"title_rules":[
      {"pattern":"^x","action":"mask","replacement":"S"},
      {"pattern":"y$","action":"mask","replacement":"E"},
      {"pattern":"a|ab","action":"mask","replacement":"L"},
      {"pattern":"q.r","action":"mask","replacement":"D"},
      {"pattern":"\\bw","action":"mask","replacement":"W"}]})");
  EXPECT_EQ(title_after(policy, "x1\nx2 ab q\nr qzr ww y\ny"), "S1\nx2 Lb q\nr D Ww y\nE");
}

TEST(RedactionTest, TitleCutKeepsUtf8SequencesWhole) {
  // "é" is two bytes; 2047 ASCII bytes then "é" would be split by a cut at 2048.
  const std::string title = std::string(2047, 'a') + "\xC3\xA9" + "tail";
  EXPECT_EQ(title_after({}, title), std::string(2047, 'a'));
}

TEST(RedactionTest, InvalidUtf8IsLeftToTheEncoder) {
  const auto policy = policy_from(R"({"title_rules":[{"pattern":"secret","action":"mask"}]})");
  EXPECT_EQ(title_after(policy, "bad \xFF\xC3 secret"),
            "bad \xFF\xC3 \xE2\x80\xA2\xE2\x80\xA2\xE2\x80\xA2");
  const std::string continuation_only(3000, '\x80');
  EXPECT_EQ(title_after({}, continuation_only).size(), kMaxRedactedTitleBytes);
}

TEST(RedactionTest, JsonRoundTrip) {
  const auto policy = policy_from(R"({"url_mode":"domain",
      "title_rules":[{"pattern":"\\d{4}","action":"mask","replacement":"####"},
                     {"pattern":"^Private","action":"drop"}],
      "excluded_domains":["bank.test"],"excluded_apps":["KeePassXC"]})");
  const auto json = redaction_policy_json(policy);
  auto again = parse_redaction_policy(json, "$");
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(*again, policy);
  EXPECT_EQ(json.at("url_mode"), "domain");
  EXPECT_EQ(json.at("title_rules").at(0).at("replacement"), "####");
  EXPECT_FALSE(json.at("title_rules").at(1).as_object().contains("replacement"));
  EXPECT_EQ(redaction_policy_json({}).at("url_mode"), "strip_query");
}

}  // namespace
}  // namespace worktrace::protocol
