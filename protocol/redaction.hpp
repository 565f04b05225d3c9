#pragma once

#include "core/result.hpp"

#include <boost/json/value.hpp>

#include <cstddef>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

// An organization's on-device redaction policy: what the agent keeps of window titles and
// browser URLs, and what it never records. The server validates it as an org setting; the
// agent applies it to each observation before anything is spooled. Wire form:
//   {"url_mode":"strip_query",
//    "title_rules":[{"pattern":"\\S+@\\S+","action":"mask","replacement":"•••"},
//                   {"pattern":"^Private - ","action":"drop"}],
//    "excluded_domains":["example.com"],
//    "excluded_apps":["KeePassXC"]}
// Every key is optional (missing: the defaults below); unknown keys are rejected, so a policy
// that says more than this code understands is refused instead of half applied.
namespace worktrace::protocol {

inline constexpr std::size_t kMaxTitleRules = 50;
inline constexpr std::size_t kMaxTitlePatternBytes = 256;
inline constexpr std::size_t kMaxMaskReplacementBytes = 64;
inline constexpr std::size_t kMaxExcludedDomains = 500;
inline constexpr std::size_t kMaxExcludedApps = 500;
inline constexpr std::size_t kMaxDomainBytes = 253;
inline constexpr std::size_t kMaxExcludedAppBytes = 255;
// Title rules see at most this many leading bytes of a title (the wire limit of a span's
// title); the rest is cut off before the rules run, so their cost stays bounded.
inline constexpr std::size_t kMaxRedactedTitleBytes = 2048;
inline constexpr std::string_view kDefaultMaskReplacement = "\xE2\x80\xA2\xE2\x80\xA2\xE2\x80\xA2";

// How much of a browser URL is kept. Userinfo ("user:pass@") is removed in every mode.
enum class UrlMode {
  full,         // everything else as reported
  strip_query,  // without "?query" and "#fragment"
  domain,       // "scheme://host" only (no port, path, query or fragment)
};

enum class TitleAction {
  mask,  // each match is replaced by the rule's replacement
  drop,  // a title with any match becomes ""
};

// One title rule: an ECMAScript regular expression, compiled once when the rule is made.
// Copies share the compiled automaton; a rule is immutable, so concurrent use is safe.
//
// Patterns that could take exponential time are refused (std::regex may backtrack):
//   - at most kMaxTitlePatternBytes bytes, not empty;
//   - no backreferences (\1 ... \9);
//   - a group repeated without bound (followed by *, + or {...}) may contain neither a
//     quantifier nor an alternation: "(a+)+", "(a*)*", "(\w+\s?)*", "(a|aa)+" are refused;
//     "(foo)+", "(https?://)?", "(foo|bar)?" and "\w+@\w+" are fine.
// With libstdc++ the rule is matched breadth-first, in polynomial time for any accepted
// pattern (titles are cut to kMaxRedactedTitleBytes first: at most a few hundred ms per rule
// even for adversarial titles; literal patterns take microseconds). That matcher prefers the
// longest of overlapping alternatives ("a|ab" masks "ab"), which only ever masks more.
class TitleRule {
 public:
  // Fails with Errc::invalid_argument naming the field, for use after a path:
  //   "pattern: is not a valid regular expression"
  //   "pattern: repeats a group that holds a quantifier or alternation ((a+)+ can take ...)"
  //   "replacement: must be at most 64 bytes without control characters"
  // The replacement is literal text ("$1" is not a backreference); it matters only for mask.
  [[nodiscard]] static Result<TitleRule> make(
      std::string pattern, TitleAction action,
      std::string replacement = std::string(kDefaultMaskReplacement));

  [[nodiscard]] const std::string& pattern() const { return pattern_; }
  [[nodiscard]] TitleAction action() const { return action_; }
  [[nodiscard]] const std::string& replacement() const { return replacement_; }

  // Applies the rule to `title`: mask replaces every non-empty match (empty matches such as
  // those of "x*" or "^" replace nothing); drop returns "" when there is a match.
  [[nodiscard]] std::string apply(std::string title) const;

  // Compares pattern, action and replacement (the compiled form follows from them).
  [[nodiscard]] bool operator==(const TitleRule& other) const;

 private:
  TitleRule(std::string pattern, TitleAction action, std::string replacement, std::regex regex)
      : pattern_(std::move(pattern)),
        action_(action),
        replacement_(std::move(replacement)),
        regex_(std::move(regex)) {}

  std::string pattern_;
  TitleAction action_;
  std::string replacement_;
  std::regex regex_;
};

struct RedactionPolicy {
  UrlMode url_mode = UrlMode::strip_query;
  std::vector<TitleRule> title_rules;  // applied in order; at most kMaxTitleRules
  // Lowercase domain names; "example.com" matches it and its subdomains ("a.example.com"),
  // never "evil-example.com". At most kMaxExcludedDomains.
  std::vector<std::string> excluded_domains;
  // WM_CLASS names, compared ASCII case-insensitively. At most kMaxExcludedApps.
  std::vector<std::string> excluded_apps;

  bool operator==(const RedactionPolicy&) const = default;
};

// Reads a policy; `value` is null (the default policy) or an object as above. Fails with
// Errc::invalid_argument naming the first bad item under `path` (the path of `value` itself):
//   "$.redaction.title_rules[2].pattern: is not a valid regular expression"
//   "$.redaction.title_rules: must have at most 50 items"
//   "$.redaction.excluded_domains[0]: must be a domain name such as example.com"
// Domains are lowercased and a trailing dot removed; apps are kept as written.
[[nodiscard]] Result<RedactionPolicy> parse_redaction_policy(const boost::json::value& value,
                                                             std::string_view path);

// The wire form, with every key present; parse_redaction_policy reads it back unchanged.
[[nodiscard]] boost::json::value redaction_policy_json(const RedactionPolicy& policy);

// What the agent observed at one moment. `url` is empty unless a browser reported one.
struct Observed {
  std::string app{};  // WM_CLASS
  std::string exe{};
  std::string title{};
  std::string url{};

  bool operator==(const Observed&) const = default;
};

// Applies `policy` to `observed`. nullopt when the app or the URL's domain is excluded: such
// an observation must not be recorded at all. Otherwise the title is cut to
// kMaxRedactedTitleBytes (at a UTF-8 sequence start when there is one) and passed through the
// title rules in order (a drop ends the chain); the URL is reduced per url_mode, and becomes
// "" when it is not an http or https URL with a host (javascript:, data:, file:, garbage):
// such a URL is never passed on as is. Invalid UTF-8 is left for the wire encoder to replace.
[[nodiscard]] std::optional<Observed> redact(const RedactionPolicy& policy, Observed observed);

// The host of an http or https URL, ASCII-lowercased, without port, userinfo or trailing dot
// (IDNA is left as is; IPv6 keeps its brackets: "[::1]"); "" for anything else.
[[nodiscard]] std::string url_domain(std::string_view url);

}  // namespace worktrace::protocol
