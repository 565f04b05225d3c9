#include "local_api/aw_api.hpp"

#include "core/http_status.hpp"
#include "local_api/aw_time.hpp"
#include "protocol/json_reader.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <optional>

namespace worktrace::agent::local_api {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxJsonDepth = 32;
constexpr std::size_t kMaxTextFieldBytes = 255;  // client, type, hostname, name, code
constexpr std::size_t kMaxUrlBytes = 2048;       // an event's data.url (the span's limit)
constexpr std::string_view kInfoPath = "/api/0/info";
constexpr std::string_view kPairPath = "/api/0/worktrace/pair";

LocalResponse json_response(int status, const json::value& body) {
  return LocalResponse{status, json::serialize(body), {}};
}

LocalResponse error_response(const Error& error) {
  const int status = http_status(error);
  const bool ours = error.code.category() == worktrace_category();
  json::object detail;
  detail["code"] = ours ? errc_name(static_cast<Errc>(error.code.value())) : "internal";
  detail["message"] = status == 500 ? std::string("internal error") : error.message;
  return json_response(status, json::object{{"error", std::move(detail)}});
}

// The path of the first string or key in `value` that is not UTF-8 ("$.data.title").
std::optional<std::string> find_invalid_utf8(const json::value& value, const std::string& path) {
  if (const auto* text = value.if_string()) {
    if (!protocol::is_valid_utf8(*text)) return path;
  } else if (const auto* object = value.if_object()) {
    for (const auto& [key, item] : *object) {
      if (!protocol::is_valid_utf8(key)) return path + " (a key)";
      auto found = find_invalid_utf8(item, path + "." + std::string(key));
      if (found) return found;
    }
  } else if (const auto* array = value.if_array()) {
    for (std::size_t item_idx = 0; item_idx < array->size(); ++item_idx) {
      auto found =
          find_invalid_utf8((*array)[item_idx], path + "[" + std::to_string(item_idx) + "]");
      if (found) return found;
    }
  }
  return std::nullopt;
}

// Parses the body as JSON. Invalid UTF-8 is let through the parser so that the error can
// name the field that holds it.
Result<json::value> parse_body(std::string_view body) {
  json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  options.allow_invalid_utf8 = true;
  boost::system::error_code ec;
  json::value value = json::parse(body, ec, {}, options);
  if (ec) return fail(Errc::invalid_argument, "body is not valid JSON: " + ec.message());
  if (auto path = find_invalid_utf8(value, "$")) {
    return fail(Errc::invalid_argument, *path + ": must be valid UTF-8");
  }
  return value;
}

Result<AwEvent> parse_event(const json::value& value, const std::string& path) {
  auto reader = protocol::ObjectReader::open(value, path);
  if (!reader) return reader.error();
  auto timestamp_text = reader->required_string("timestamp", 64);
  if (!timestamp_text) return timestamp_text.error();
  auto timestamp = parse_aw_timestamp(*timestamp_text, reader->path_of("timestamp"));
  if (!timestamp) return timestamp.error();

  std::int64_t duration_ms = 0;
  const auto* duration = reader->object().if_contains("duration");
  if (duration != nullptr && !duration->is_null()) {
    if (!duration->is_number()) {
      return fail(Errc::invalid_argument, reader->path_of("duration") + ": must be a number");
    }
    auto ms = duration_ms_from_seconds(duration->to_number<double>(), reader->path_of("duration"));
    if (!ms) return ms.error();
    duration_ms = *ms;
  }

  auto data = reader->required_object("data");
  if (!data) return data.error();
  if (json::serialize(data->object()).size() > kMaxDataBytes) {
    return fail(Errc::payload_too_large, reader->path_of("data") + ": must be at most " +
                                             std::to_string(kMaxDataBytes) + " bytes as JSON");
  }
  // A tab's URL, when given, must be one: a watcher that sends garbage hears so at once
  // instead of having its reports silently recorded without a site.
  if (const json::value* url = data->object().if_contains("url"); url != nullptr) {
    const std::string url_path = reader->path_of("data") + ".url";
    if (!url->is_string()) return fail(Errc::invalid_argument, url_path + ": must be a string");
    const json::string& text = url->get_string();
    if (text.size() > kMaxUrlBytes) {
      return fail(Errc::invalid_argument,
                  url_path + ": must be at most " + std::to_string(kMaxUrlBytes) + " bytes");
    }
    if (!text.empty() && !boost::urls::parse_uri(std::string_view(text))) {
      return fail(Errc::invalid_argument, url_path + ": is not an absolute URL");
    }
  }
  json::object kept = data->object();
  // An incognito tab's report (ActivityWatch's own watcher sends them) keeps only that it was
  // one: its URL and title are never held, not even in the agent's memory for GET .../events.
  if (const json::value* incognito = kept.if_contains("incognito");
      incognito != nullptr && incognito->is_bool() && incognito->get_bool()) {
    if (kept.contains("url")) kept["url"] = "";
    if (kept.contains("title")) kept["title"] = "";
  }
  return AwEvent{0, *timestamp, duration_ms, std::move(kept)};
}

json::object event_json(const AwEvent& event) {
  return json::object{{"id", event.id},
                      {"timestamp", format_aw_timestamp(event.timestamp_ms)},
                      {"duration", static_cast<double>(event.duration_ms) / 1000.0},
                      {"data", event.data}};
}

json::array events_json(const std::vector<AwEvent>& events) {
  json::array result;
  result.reserve(events.size());
  for (const auto& event : events) result.push_back(event_json(event));
  return result;
}

json::object bucket_json(const AwBucket& bucket) {
  return json::object{{"id", bucket.id},
                      {"name", bucket.info.name},
                      {"type", bucket.info.type},
                      {"client", bucket.info.client},
                      {"hostname", bucket.info.hostname},
                      {"created", format_aw_timestamp(bucket.created_ms)},
                      {"last_updated", format_aw_timestamp(bucket.last_updated_ms)}};
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes a query value. '+' stays '+' (timestamps carry "+00:00" offsets).
std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size(); ++pos) {
    if (text[pos] != '%') {
      out += text[pos];
      continue;
    }
    if (pos + 2 >= text.size()) return std::nullopt;
    const int high = hex_value(text[pos + 1]);
    const int low = hex_value(text[pos + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out += static_cast<char>(high * 16 + low);
    pos += 2;
  }
  return out;
}

// The value of `key` in a query string ("a=1&b=2"); nothing when absent.
Result<std::optional<std::string>> query_param(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) != key) continue;
    auto value = percent_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    if (!value || !protocol::is_valid_utf8(*value)) {
      return fail(Errc::invalid_argument, std::string(key) + ": bad percent-encoding");
    }
    return std::optional<std::string>(std::move(*value));
  }
  return std::optional<std::string>();
}

Result<double> parse_number(const std::string& text, std::string_view key) {
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return fail(Errc::invalid_argument, std::string(key) + ": must be a number");
  }
  return value;
}

Result<EventQuery> parse_event_query(std::string_view query) {
  EventQuery result;
  auto limit = query_param(query, "limit");
  if (!limit) return limit.error();
  if (*limit) {
    std::int64_t value = 0;
    const auto& text = **limit;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < -1) {
      return fail(Errc::invalid_argument, "limit: must be an integer, -1 for no limit");
    }
    if (value >= 0) result.limit = static_cast<std::size_t>(value);
  }
  for (const auto* key : {"start", "end"}) {
    auto text = query_param(query, key);
    if (!text) return text.error();
    if (!*text) continue;
    auto at = parse_aw_timestamp(**text, key);
    if (!at) return at.error();
    (std::string_view(key) == "start" ? result.start_ms : result.end_ms) = *at;
  }
  return result;
}

LocalResponse method_not_allowed() {
  return error_response(fail(Errc::method_not_allowed, "method not allowed on this path"));
}

}  // namespace

AwApi::AwApi(const Clock& clock, AwApiOptions options, BucketStore::EventHook hook)
    : options_(std::move(options)),
      origins_(options_.allowed_origins),
      store_(clock, std::move(hook)) {}

bool AwApi::is_loopback_host(std::string_view host) const {
  std::string lower(host);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string_view name = lower;
  std::string_view port;
  if (name.starts_with('[')) {
    const auto close = name.find(']');
    if (close == std::string_view::npos) return false;
    port = name.substr(close + 1);
    name = name.substr(0, close + 1);
  } else {
    const auto colon = name.find(':');
    if (colon != std::string_view::npos) {
      port = name.substr(colon);
      name = name.substr(0, colon);
    }
  }
  if (name != "127.0.0.1" && name != "localhost" && name != "[::1]") return false;
  if (port.empty()) return true;
  return port == ":" + std::to_string(options_.port);
}

LocalResponse AwApi::handle(const LocalRequest& request) {
  if (!is_loopback_host(request.host)) {
    return error_response(fail(Errc::permission_denied, "Host must be 127.0.0.1 or localhost"));
  }
  const std::string_view path =
      std::string_view(request.target).substr(0, request.target.find('?'));
  const bool allowed = !request.origin.empty() && origins_.contains(request.origin);
  // Info and pairing are open to every extension, paired or not.
  const bool open_path = path == kInfoPath || path == kPairPath;
  if (!request.origin.empty() && !allowed && !(open_path && is_extension_origin(request.origin))) {
    return error_response(fail(Errc::permission_denied, "this Origin is not allowed"));
  }
  LocalResponse response;
  if (request.method == "OPTIONS") {
    if (request.origin.empty()) {
      return error_response(fail(Errc::permission_denied, "preflight without an Origin"));
    }
    response.status = 204;
    response.headers = {{"Access-Control-Allow-Methods", "GET, POST, DELETE"},
                        {"Access-Control-Allow-Headers", "Content-Type"},
                        {"Access-Control-Max-Age", "600"}};
    if (request.private_network) {
      response.headers.emplace_back("Access-Control-Allow-Private-Network", "true");
    }
  } else if (request.body_too_large || request.body.size() > kMaxBodyBytes) {
    response =
        error_response(fail(Errc::payload_too_large,
                            "body: must be at most " + std::to_string(kMaxBodyBytes) + " bytes"));
  } else if (path == kPairPath) {
    response = pair(request);
  } else {
    response = route(request, allowed);
  }
  if (!request.origin.empty()) {
    response.headers.emplace_back("Access-Control-Allow-Origin", request.origin);
    response.headers.emplace_back("Vary", "Origin");
  }
  return response;
}

LocalResponse AwApi::pair(const LocalRequest& request) {
  if (!options_.pair) return error_response(fail(Errc::not_found, "no such path"));
  if (request.method != "POST") return method_not_allowed();
  if (!is_extension_origin(request.origin)) {
    return error_response(fail(Errc::permission_denied,
                               "pairing is for browser extensions: the Origin must be "
                               "chrome-extension://... or moz-extension://..."));
  }
  auto body = parse_body(request.body);
  if (!body) return error_response(body.error());
  auto reader = protocol::ObjectReader::open(*body);
  if (!reader) return error_response(reader.error());
  auto code = reader->required_string("code", kMaxTextFieldBytes);
  if (!code) return error_response(code.error());
  auto paired = options_.pair(request.origin, *code);
  if (!paired) return error_response(paired.error());
  return json_response(200, json::object{{"paired", true}, {"origin", request.origin}});
}

LocalResponse AwApi::route(const LocalRequest& request, bool origin_allowed) {
  const std::string_view target = request.target;
  const auto question = target.find('?');
  const std::string_view path = target.substr(0, question);
  const std::string_view query =
      question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
  const std::string_view method = request.method;

  constexpr std::string_view kPrefix = "/api/0/";
  if (!path.starts_with(kPrefix)) return error_response(fail(Errc::not_found, "no such path"));
  std::string_view rest = path.substr(kPrefix.size());

  if (rest == "info") {
    if (method != "GET") return method_not_allowed();
    json::object info{{"hostname", options_.hostname},
                      {"version", options_.version},
                      {"testing", false},
                      {"device_id", options_.device_id}};
    if (options_.worktrace_info) {
      json::object worktrace = options_.worktrace_info();
      worktrace["paired"] = origin_allowed;
      info["worktrace"] = std::move(worktrace);
    }
    return json_response(200, info);
  }
  if (rest == "buckets" || rest == "buckets/") {
    if (method != "GET") return method_not_allowed();
    json::object result;
    for (const auto& bucket : store_.buckets()) result[bucket.id] = bucket_json(bucket);
    return json_response(200, result);
  }
  constexpr std::string_view kBuckets = "buckets/";
  if (!rest.starts_with(kBuckets)) return error_response(fail(Errc::not_found, "no such path"));
  rest = rest.substr(kBuckets.size());
  const auto slash = rest.find('/');
  const std::string bucket_id(rest.substr(0, slash));
  const std::string_view action =
      slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);

  if (slash == std::string_view::npos) {
    if (method == "GET") {
      auto bucket = store_.bucket(bucket_id);
      if (!bucket) return error_response(fail(Errc::not_found, "no such bucket"));
      return json_response(200, bucket_json(*bucket));
    }
    if (method == "DELETE") {
      if (!store_.remove(bucket_id)) {
        return error_response(fail(Errc::not_found, "no such bucket"));
      }
      return json_response(200, json::object());
    }
    if (method != "POST") return method_not_allowed();
    auto body = parse_body(request.body);
    if (!body) return error_response(body.error());
    auto reader = protocol::ObjectReader::open(*body);
    if (!reader) return error_response(reader.error());
    auto client = reader->required_string("client", kMaxTextFieldBytes);
    if (!client) return error_response(client.error());
    auto type = reader->required_string("type", kMaxTextFieldBytes);
    if (!type) return error_response(type.error());
    auto hostname = reader->required_string("hostname", kMaxTextFieldBytes);
    if (!hostname) return error_response(hostname.error());
    auto name = reader->optional_string("name", kMaxTextFieldBytes);
    if (!name) return error_response(name.error());
    auto created = store_.create(bucket_id, AwBucketInfo{name->value_or(""), std::move(*type),
                                                         std::move(*client), std::move(*hostname)});
    if (!created) return error_response(created.error());
    if (*created == BucketStore::Created::already_exists) return LocalResponse{304, "", {}};
    return json_response(200, bucket_json(*store_.bucket(bucket_id)));
  }

  if (action == "heartbeat") {
    if (method != "POST") return method_not_allowed();
    auto pulsetime_text = query_param(query, "pulsetime");
    if (!pulsetime_text) return error_response(pulsetime_text.error());
    if (!*pulsetime_text) {
      return error_response(fail(Errc::invalid_argument, "pulsetime: is required"));
    }
    auto pulsetime_s = parse_number(**pulsetime_text, "pulsetime");
    if (!pulsetime_s) return error_response(pulsetime_s.error());
    auto pulsetime_ms = duration_ms_from_seconds(*pulsetime_s, "pulsetime");
    if (!pulsetime_ms) return error_response(pulsetime_ms.error());
    if (!store_.bucket(bucket_id)) return error_response(fail(Errc::not_found, "no such bucket"));
    auto body = parse_body(request.body);
    if (!body) return error_response(body.error());
    auto event = parse_event(*body, "$");
    if (!event) return error_response(event.error());
    auto result = store_.heartbeat(bucket_id, std::move(*event), *pulsetime_ms);
    if (!result) return error_response(result.error());
    return json_response(200, event_json(*result));
  }

  if (action == "events") {
    if (method == "GET") {
      auto event_query = parse_event_query(query);
      if (!event_query) return error_response(event_query.error());
      auto events = store_.events(bucket_id, *event_query);
      if (!events) return error_response(events.error());
      return json_response(200, events_json(*events));
    }
    if (method != "POST") return method_not_allowed();
    if (!store_.bucket(bucket_id)) return error_response(fail(Errc::not_found, "no such bucket"));
    auto body = parse_body(request.body);
    if (!body) return error_response(body.error());
    std::vector<AwEvent> events;
    if (const auto* array = body->if_array()) {
      if (array->size() > kMaxEventsPerRequest) {
        return error_response(
            fail(Errc::payload_too_large,
                 "$: at most " + std::to_string(kMaxEventsPerRequest) + " events per request"));
      }
      events.reserve(array->size());
      for (std::size_t event_idx = 0; event_idx < array->size(); ++event_idx) {
        auto event = parse_event((*array)[event_idx], "$[" + std::to_string(event_idx) + "]");
        if (!event) return error_response(event.error());
        events.push_back(std::move(*event));
      }
    } else {
      auto event = parse_event(*body, "$");
      if (!event) return error_response(event.error());
      events.push_back(std::move(*event));
    }
    auto stored = store_.insert(bucket_id, std::move(events));
    if (!stored) return error_response(stored.error());
    return json_response(200, events_json(*stored));
  }
  return error_response(fail(Errc::not_found, "no such path"));
}

}  // namespace worktrace::agent::local_api
