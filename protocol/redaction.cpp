#include "protocol/redaction.hpp"

#include "protocol/json_reader.hpp"

// Boost.Regex's per-search complexity limit (states visited before it throws
// error_complexity); it must be set before the first Boost.Regex include, and this is the only
// file that includes Boost.Regex.
#define BOOST_REGEX_MAX_STATE_COUNT 1000000
#include <boost/regex.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <iterator>
#include <utility>

namespace worktrace::protocol {

struct CompiledPattern {
  boost::regex regex;
};

namespace {

constexpr std::array<std::pair<UrlMode, std::string_view>, 3> kUrlModes = {{
    {UrlMode::full, "full"},
    {UrlMode::strip_query, "strip_query"},
    {UrlMode::domain, "domain"},
}};

static_assert(BOOST_REGEX_MAX_STATE_COUNT == kMaxRegexStates);

// Perl (ECMAScript) syntax; '^' and '$' only at the ends of the title, as in ECMAScript.
constexpr auto kRegexFlags = boost::regex::perl | boost::regex::no_mod_m;
// '.' does not match a newline, as in ECMAScript.
const boost::match_flag_type kMatchFlags = boost::match_default | boost::match_not_dot_newline;

std::int64_t steady_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

char ascii_lower(char ch) {
  return (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch - 'A' + 'a') : ch;
}

std::string ascii_lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), ascii_lower);
  return out;
}

bool iequals(std::string_view lhs, std::string_view rhs) {
  return lhs.size() == rhs.size() &&
         std::equal(lhs.begin(), lhs.end(), rhs.begin(),
                    [](char a, char b) { return ascii_lower(a) == ascii_lower(b); });
}

Error bad(const std::string& path, std::string_view what) {
  return fail(Errc::invalid_argument, path + ": " + std::string(what));
}

// Why `pattern` could make Boost.Regex (a backtracking matcher) take exponential time, or ""
// when it passes the rules stated on TitleRule. Assumes ECMAScript syntax; a pattern this scan
// misreads is still compiled by Boost.Regex afterwards, which rejects what is malformed, and
// its state limit bounds what this scan lets through.
std::string_view catastrophe_in(std::string_view pattern) {
  struct Group {
    bool has_quantifier = false;
    bool has_alternation = false;
  };
  std::vector<Group> groups(1);  // groups[0]: the whole pattern
  bool in_class = false;
  for (std::size_t char_idx = 0; char_idx < pattern.size(); ++char_idx) {
    const char ch = pattern[char_idx];
    if (ch == '\\') {
      if (char_idx + 1 < pattern.size() && !in_class && pattern[char_idx + 1] >= '1' &&
          pattern[char_idx + 1] <= '9') {
        return "uses a backreference, which is not supported";
      }
      ++char_idx;  // the escaped character is a literal or a class, never syntax
      continue;
    }
    if (in_class) {
      if (ch == ']') in_class = false;
      continue;
    }
    switch (ch) {
      case '[':
        in_class = true;
        // "[]" and "[^]" are complete classes in ECMAScript; a ']' right after "[" or "[^"
        // therefore closes the class, which the loop handles as usual.
        break;
      case '(':
        groups.emplace_back();
        // "(?:", "(?=", "(?!": the '?' opens the group kind, it is no quantifier.
        if (char_idx + 1 < pattern.size() && pattern[char_idx + 1] == '?') char_idx += 2;
        break;
      case ')': {
        if (groups.size() == 1) break;  // unbalanced: Boost.Regex reports it
        const Group closed = groups.back();
        groups.pop_back();
        const char next = char_idx + 1 < pattern.size() ? pattern[char_idx + 1] : '\0';
        const bool repeated = next == '*' || next == '+' || next == '{';
        if (repeated && (closed.has_quantifier || closed.has_alternation)) {
          return "repeats a group that holds a quantifier or alternation (such as (a+)+), "
                 "which can take exponential time";
        }
        groups.back().has_quantifier |= closed.has_quantifier;
        groups.back().has_alternation |= closed.has_alternation;
        break;
      }
      case '*':
      case '+':
      case '?':
      case '{':
        groups.back().has_quantifier = true;
        break;
      case '|':
        groups.back().has_alternation = true;
        break;
      default:
        break;
    }
  }
  return "";
}

// The first `max_bytes` of `text`, moved back to the start of a UTF-8 sequence when the cut
// would split one (invalid UTF-8 is left as it is).
void truncate_utf8(std::string& text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return;
  std::size_t cut = max_bytes;
  for (int back = 0; back < 3 && cut > 0; ++back) {
    if ((static_cast<unsigned char>(text[cut]) & 0xC0) != 0x80) break;
    --cut;
  }
  if ((static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) cut = max_bytes;  // not UTF-8
  text.resize(cut);
}

bool is_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char ch) { return static_cast<unsigned char>(ch) < 0x80; });
}

bool is_host_char(char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' ||
         ch == '_';
}

// A lowercase host name: labels of host characters, no empty label.
bool is_domain_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxDomainBytes) return false;
  if (name.front() == '.' || name.back() == '.' || name.find("..") != std::string_view::npos) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), is_host_char);
}

struct ParsedUrl {
  boost::urls::url url;
  std::string host;  // as url_domain returns it
};

// An http(s) URL with a usable host, or nullopt.
std::optional<ParsedUrl> parse_web_url(std::string_view text) {
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed) return std::nullopt;
  const auto scheme = parsed->scheme_id();
  if (scheme != boost::urls::scheme::http && scheme != boost::urls::scheme::https) {
    return std::nullopt;
  }
  if (!parsed->has_authority()) return std::nullopt;
  std::string host;
  switch (parsed->host_type()) {
    case boost::urls::host_type::name: {
      // host() would percent-decode ("%C3%BC" becomes "ü"): a host that needs decoding, or is
      // not ASCII, is refused (browsers report international names in their xn-- form).
      const std::string_view encoded = parsed->encoded_host();
      if (!is_ascii(encoded) || encoded.find('%') != std::string_view::npos) return std::nullopt;
      host = ascii_lowercase(encoded);
      if (!host.empty() && host.back() == '.') host.pop_back();
      if (!is_domain_name(host)) return std::nullopt;
      break;
    }
    case boost::urls::host_type::ipv4:
      host = std::string(parsed->encoded_host());
      break;
    case boost::urls::host_type::ipv6:
      host = "[" + ascii_lowercase(parsed->encoded_host_address()) + "]";
      break;
    default:  // none, IPvFuture
      return std::nullopt;
  }
  return ParsedUrl{boost::urls::url(*parsed), std::move(host)};
}

bool is_excluded_host(const std::vector<std::string>& excluded, std::string_view host) {
  return std::any_of(excluded.begin(), excluded.end(), [host](const std::string& domain) {
    if (host == domain) return true;
    return host.size() > domain.size() && host.ends_with(domain) &&
           host[host.size() - domain.size() - 1] == '.';
  });
}

std::string reduce_url(ParsedUrl parsed, UrlMode mode) {
  if (mode == UrlMode::domain) {
    return ascii_lowercase(parsed.url.scheme()) + "://" + parsed.host;
  }
  parsed.url.remove_userinfo();
  if (mode == UrlMode::strip_query) {
    parsed.url.remove_query();
    parsed.url.remove_fragment();
  }
  return std::string(parsed.url.buffer());
}

Result<TitleRule> parse_title_rule(const boost::json::value& value, const std::string& path) {
  auto reader = ObjectReader::open(value, path);
  if (!reader) return reader.error();
  if (auto known = reader->reject_unknown({"pattern", "action", "replacement"}); !known) {
    return known.error();
  }
  auto pattern = reader->required_string("pattern", kMaxTitlePatternBytes);
  if (!pattern) return pattern.error();
  auto action_name = reader->required_string("action", 16);
  if (!action_name) return action_name.error();
  TitleAction action = TitleAction::mask;
  if (*action_name == "mask") {
    action = TitleAction::mask;
  } else if (*action_name == "drop") {
    action = TitleAction::drop;
  } else {
    return bad(reader->path_of("action"), "must be \"mask\" or \"drop\"");
  }
  auto replacement = reader->optional_string("replacement", kMaxMaskReplacementBytes);
  if (!replacement) return replacement.error();
  auto rule =
      TitleRule::make(std::move(*pattern), action,
                      std::move(*replacement).value_or(std::string(kDefaultMaskReplacement)));
  if (!rule) return fail(Errc::invalid_argument, path + "." + rule.error().message);
  return rule;
}

// Reads the optional string array at `key` into `out`, each item checked by `normalize`
// (which fails with the message that follows the item's path). An item that is not a string is
// rejected with `what`.
template <class Normalize>
Result<void> read_string_list(const ObjectReader& reader, std::string_view key,
                              std::size_t max_items, std::string_view what, Normalize normalize,
                              std::vector<std::string>& out) {
  const auto* found = reader.object().if_contains(key);
  if (found == nullptr || found->is_null()) return {};
  auto items = reader.required_array(key, max_items);
  if (!items) return items.error();
  for (std::size_t item_idx = 0; item_idx < (*items)->size(); ++item_idx) {
    const auto& item = (**items)[item_idx];
    const std::string item_path = reader.path_of(key) + "[" + std::to_string(item_idx) + "]";
    if (!item.is_string()) return bad(item_path, what);
    Result<std::string> normalized = normalize(std::string_view(item.get_string()));
    if (!normalized) return bad(item_path, normalized.error().message);
    out.push_back(std::move(*normalized));
  }
  return {};
}

constexpr std::string_view kNotADomain = "must be a domain name such as example.com";
constexpr std::string_view kNotAnApp =
    "must be an application name (WM_CLASS) of 1 to 255 bytes without control characters";

Result<std::string> normalize_domain(std::string_view text) {
  if (!is_ascii(text)) {
    // Browsers report punycode hosts: "bücher.de" would never match "xn--bcher-kva.de".
    return fail(Errc::invalid_argument,
                "must be ASCII; write an international domain in its xn-- form");
  }
  std::string domain = ascii_lowercase(text);
  if (!domain.empty() && domain.back() == '.') domain.pop_back();
  if (!is_domain_name(domain)) return fail(Errc::invalid_argument, std::string(kNotADomain));
  return domain;
}

Result<std::string> normalize_app(std::string_view text) {
  if (text.empty() || text.size() > kMaxExcludedAppBytes || has_control_characters(text)) {
    return fail(Errc::invalid_argument, std::string(kNotAnApp));
  }
  return std::string(text);
}

// Every occurrence of `from` (not empty) in `text` replaced by `to`.
void replace_all(std::string& text, std::string_view from, std::string_view to) {
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

// `url` without its "scheme://".
std::string_view without_scheme(std::string_view url) {
  const auto colon = url.find("://");
  return colon == std::string_view::npos ? url : url.substr(colon + 3);
}

}  // namespace

std::string_view url_mode_name(UrlMode mode) noexcept {
  const auto found = std::find_if(kUrlModes.begin(), kUrlModes.end(),
                                  [&](const auto& entry) { return entry.first == mode; });
  return found == kUrlModes.end() ? std::string_view("strip_query") : found->second;
}

Result<TitleRule> TitleRule::make(std::string pattern, TitleAction action,
                                  std::string replacement) {
  if (pattern.empty() || pattern.size() > kMaxTitlePatternBytes) {
    return fail(Errc::invalid_argument,
                "pattern: must be 1 to " + std::to_string(kMaxTitlePatternBytes) + " bytes");
  }
  if (const auto why = catastrophe_in(pattern); !why.empty()) {
    return fail(Errc::invalid_argument, "pattern: " + std::string(why));
  }
  if (replacement.size() > kMaxMaskReplacementBytes || has_control_characters(replacement)) {
    return fail(Errc::invalid_argument, "replacement: must be at most " +
                                            std::to_string(kMaxMaskReplacementBytes) +
                                            " bytes without control characters");
  }
  std::shared_ptr<const CompiledPattern> compiled;
  try {
    compiled = std::make_shared<const CompiledPattern>(
        CompiledPattern{boost::regex(pattern, kRegexFlags)});
  } catch (const std::exception&) {  // boost::regex_error, or std::bad_alloc for a huge automaton
    return fail(Errc::invalid_argument, "pattern: is not a valid regular expression");
  }
  return TitleRule(std::move(pattern), action, std::move(replacement), std::move(compiled));
}

std::optional<std::string> TitleRule::apply(std::string title,
                                            std::int64_t deadline_steady_ms) const {
  const boost::regex& regex = regex_->regex;
  try {
    if (action_ == TitleAction::drop) {
      return boost::regex_search(title, regex, kMatchFlags) ? std::string() : title;
    }
    std::string out;
    auto copied_to = title.cbegin();
    auto from = title.cbegin();
    auto flags = kMatchFlags;
    boost::smatch match;
    while (from != title.cend() && boost::regex_search(from, title.cend(), match, regex, flags)) {
      if (steady_now_ms() > deadline_steady_ms) return std::nullopt;
      flags = flags | boost::match_prev_avail;  // '^' and \b see what lies before `from`
      if (match.length(0) == 0) {  // replaces nothing; look again one character further
        from = match[0].first == title.cend() ? title.cend() : std::next(match[0].first);
        continue;
      }
      out.append(copied_to, match[0].first);
      out += replacement_;
      copied_to = match[0].second;
      from = match[0].second;
    }
    if (copied_to == title.cbegin()) return title;  // no match: no copy
    out.append(copied_to, title.cend());
    return out;
  } catch (const std::exception&) {  // error_complexity, error_stack, bad_alloc
    return std::nullopt;
  }
}

bool TitleRule::operator==(const TitleRule& other) const {
  return pattern_ == other.pattern_ && action_ == other.action_ &&
         replacement_ == other.replacement_;
}

Result<RedactionPolicy> parse_redaction_policy(const boost::json::value& value,
                                               std::string_view path) {
  RedactionPolicy policy;
  if (value.is_null()) return policy;
  auto reader = ObjectReader::open(value, std::string(path));
  if (!reader) return reader.error();
  if (auto known =
          reader->reject_unknown({"url_mode", "title_rules", "excluded_domains", "excluded_apps"});
      !known) {
    return known.error();
  }

  auto mode = reader->optional_string("url_mode", 32);
  if (!mode) return mode.error();
  if (*mode) {
    const auto found = std::find_if(kUrlModes.begin(), kUrlModes.end(),
                                    [&](const auto& entry) { return entry.second == **mode; });
    if (found == kUrlModes.end()) {
      return bad(reader->path_of("url_mode"), "must be \"full\", \"strip_query\" or \"domain\"");
    }
    policy.url_mode = found->first;
  }

  if (const auto* rules = reader->object().if_contains("title_rules");
      rules != nullptr && !rules->is_null()) {
    auto items = reader->required_array("title_rules", kMaxTitleRules);
    if (!items) return items.error();
    for (std::size_t rule_idx = 0; rule_idx < (*items)->size(); ++rule_idx) {
      auto rule = parse_title_rule((**items)[rule_idx], reader->path_of("title_rules") + "[" +
                                                            std::to_string(rule_idx) + "]");
      if (!rule) return rule.error();
      policy.title_rules.push_back(std::move(*rule));
    }
  }

  if (auto read = read_string_list(*reader, "excluded_domains", kMaxExcludedDomains, kNotADomain,
                                   normalize_domain, policy.excluded_domains);
      !read) {
    return read.error();
  }
  if (auto read = read_string_list(*reader, "excluded_apps", kMaxExcludedApps, kNotAnApp,
                                   normalize_app, policy.excluded_apps);
      !read) {
    return read.error();
  }
  return policy;
}

boost::json::value redaction_policy_json(const RedactionPolicy& policy) {
  boost::json::array rules;
  for (const auto& rule : policy.title_rules) {
    boost::json::object item{{"pattern", rule.pattern()},
                             {"action", rule.action() == TitleAction::mask ? "mask" : "drop"}};
    if (rule.action() == TitleAction::mask) item.emplace("replacement", rule.replacement());
    rules.emplace_back(std::move(item));
  }
  return boost::json::object{
      {"url_mode", url_mode_name(policy.url_mode)},
      {"title_rules", std::move(rules)},
      {"excluded_domains",
       boost::json::array(policy.excluded_domains.begin(), policy.excluded_domains.end())},
      {"excluded_apps",
       boost::json::array(policy.excluded_apps.begin(), policy.excluded_apps.end())},
  };
}

std::optional<Observed> redact(const RedactionPolicy& policy, Observed observed) {
  const bool app_excluded =
      std::any_of(policy.excluded_apps.begin(), policy.excluded_apps.end(),
                  [&](const std::string& app) { return iequals(app, observed.app); });
  if (app_excluded) return std::nullopt;

  if (!observed.url.empty()) {
    auto parsed = parse_web_url(observed.url);
    if (!parsed) {
      observed.url.clear();
    } else if (is_excluded_host(policy.excluded_domains, parsed->host)) {
      return std::nullopt;
    } else {
      std::string reduced = reduce_url(std::move(*parsed), policy.url_mode);
      // Chromium titles a page without <title> by its URL without the scheme: what the URL
      // mode removes must not stay in the title.
      replace_all(observed.title, observed.url, reduced);
      const std::string_view bare = without_scheme(observed.url);
      if (bare.size() < observed.url.size()) {
        replace_all(observed.title, bare, without_scheme(reduced));
      }
      observed.url = std::move(reduced);
    }
  }

  truncate_utf8(observed.title, kMaxRedactedTitleBytes);
  const std::int64_t deadline = steady_now_ms() + kMaxTitleRulesMs;
  bool dropped = false;
  for (auto rule = policy.title_rules.begin(); rule != policy.title_rules.end(); ++rule) {
    if (observed.title.empty()) break;  // dropped, or nothing left to redact
    auto applied = rule->apply(std::move(observed.title), deadline);
    if (!applied || steady_now_ms() > deadline) {
      observed.title.clear();  // too costly to evaluate: fail closed
      // A drop rule that did not run might have fired.
      dropped = std::any_of(rule, policy.title_rules.end(), [](const TitleRule& left) {
        return left.action() == TitleAction::drop;
      });
      break;
    }
    if (rule->action() == TitleAction::drop && applied->empty()) {
      observed.title.clear();
      dropped = true;
      break;
    }
    observed.title = std::move(*applied);
  }
  if (dropped) {
    observed.url.clear();
    observed.project.clear();
    observed.file.clear();
  }
  return observed;
}

std::string url_domain(std::string_view url) {
  auto parsed = parse_web_url(url);
  return parsed ? std::move(parsed->host) : std::string();
}

}  // namespace worktrace::protocol
