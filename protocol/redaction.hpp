#pragma once

#include "core/result.hpp"

#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
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

// The wire name of `mode`: "full", "strip_query" or "domain".
[[nodiscard]] std::string_view url_mode_name(UrlMode mode) noexcept;

enum class TitleAction {
  mask,  // each match is replaced by the rule's replacement
  drop,  // a title with any match becomes "", and so do the URL, domain, project and file
};

// One title rule: a regular expression in ECMAScript (Perl) syntax, compiled once when the rule
// is made with Boost.Regex (header-only; std::regex is not used: its backtracking matcher takes
// exponential time and recurses once per character, and libstdc++'s non-standard
// `__polynomial` mode still took 15 s for ".*" x 120 and minutes for "[^b]{0,9000}" x 5 on a
// 2 KB title). Copies share the compiled automaton; a rule is immutable, so concurrent use is
// safe.
//
// Cost is bounded three ways:
//   - patterns are at most kMaxTitlePatternBytes bytes, not empty, and refused when they use a
//     backreference (\1 ... \9) or repeat a group that holds a quantifier or an alternation
//     without bound ("(a+)+", "(a*)*", "(\w+\s?)*", "(a|aa)+"; "(foo)+", "(https?://)?",
//     "(foo|bar)?" and "\w+@\w+" are fine): the usual catastrophic shapes, with a clear error;
//   - each search may visit at most kMaxRegexStates states of the matcher (Boost.Regex's own
//     complexity limit), whatever the pattern: a few ms to ~0.2 s on this machine;
//   - all rules together get kMaxTitleRulesMs of wall time per title.
// A rule that hits a limit fails closed: the title becomes "" (nothing of it is recorded),
// never passed on unredacted (and when a drop rule had not run yet, the URL, project and file
// are emptied as if it had fired). Matching is leftmost-first as in ECMAScript ("a|ab" masks "a"
// of "ab"); '^' and '$' match only at the title's ends and '.' matches no newline.
inline constexpr std::int64_t kMaxRegexStates = 1'000'000;
inline constexpr std::int64_t kMaxTitleRulesMs = 250;

struct CompiledPattern;  // the Boost.Regex automaton (redaction.cpp)

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
  // those of "x*" or "^" replace nothing); drop returns "" when there is a match. nullopt when
  // the matcher gave up (its state limit, or `deadline` on a steady clock passed): the caller
  // must then record no title at all.
  [[nodiscard]] std::optional<std::string> apply(std::string title,
                                                 std::int64_t deadline_steady_ms) const;

  // Compares pattern, action and replacement (the compiled form follows from them).
  [[nodiscard]] bool operator==(const TitleRule& other) const;

 private:
  TitleRule(std::string pattern, TitleAction action, std::string replacement,
            std::shared_ptr<const CompiledPattern> regex)
      : pattern_(std::move(pattern)),
        action_(action),
        replacement_(std::move(replacement)),
        regex_(std::move(regex)) {}

  std::string pattern_;
  TitleAction action_;
  std::string replacement_;
  std::shared_ptr<const CompiledPattern> regex_;  // never null
};

struct RedactionPolicy {
  UrlMode url_mode = UrlMode::strip_query;
  std::vector<TitleRule> title_rules;  // applied in order; at most kMaxTitleRules
  // Lowercase ASCII domain names (an international one in its xn-- form, as browsers report
  // hosts); "example.com" matches it and its subdomains ("a.example.com"), never
  // "evil-example.com". At most kMaxExcludedDomains.
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
//   "$.redaction.excluded_domains[1]: must be ASCII; write an international domain in its xn--
//    form"
// Domains are lowercased and a trailing dot removed; apps are kept as written.
[[nodiscard]] Result<RedactionPolicy> parse_redaction_policy(const boost::json::value& value,
                                                             std::string_view path);

// The wire form, with every key present; parse_redaction_policy reads it back unchanged.
[[nodiscard]] boost::json::value redaction_policy_json(const RedactionPolicy& policy);

// What the agent observed at one moment. `url` is empty unless a browser reported one,
// `project` and `file` unless an editor did.
struct Observed {
  std::string app{};  // WM_CLASS
  std::string exe{};
  std::string title{};
  std::string url{};
  std::string project{};
  std::string file{};

  bool operator==(const Observed&) const = default;
};

// Applies `policy` to `observed`. nullopt when the app or the URL's domain is excluded: such
// an observation must not be recorded at all. Otherwise:
// - the URL is reduced per url_mode, and becomes "" when it is not an http or https URL with
//   an ASCII host that needs no percent-decoding (javascript:, data:, file:, garbage): such a
//   URL is never passed on as is;
// - every occurrence in the title of the raw URL, and of the raw URL without its "scheme://"
//   (Chromium's title for a page without <title>), is replaced by the reduced URL (without
//   its scheme for the latter), so what url_mode removes does not stay in the title;
// - the title is cut to kMaxRedactedTitleBytes (at a UTF-8 sequence start when there is one)
//   and passed through the title rules in order. A drop rule that fires ends the chain and
//   empties the title, the URL (and so the domain), the project and the file: only app and
//   exe remain. A rule that hits its limits empties the title, and the URL, project and file
//   too when a drop rule had not run yet.
// Invalid UTF-8 is left for the wire encoder to replace.
[[nodiscard]] std::optional<Observed> redact(const RedactionPolicy& policy, Observed observed);

// The host of an http or https URL, ASCII-lowercased, without port, userinfo or trailing dot
// (IPv6 keeps its brackets: "[::1]"); "" for anything else, including a host name that is
// percent-encoded or not ASCII (such a URL is not recorded: the server refuses non-ASCII
// domains, and browsers report international names in their xn-- form).
[[nodiscard]] std::string url_domain(std::string_view url);

}  // namespace worktrace::protocol
