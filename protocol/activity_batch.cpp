#include "protocol/activity_batch.hpp"

#include "protocol/json_reader.hpp"
#include "protocol/redaction.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <charconv>
#include <optional>
#include <utility>

namespace worktrace::protocol {
namespace {

// Timestamps are checked against the clock window; this only keeps arithmetic far from overflow.
constexpr std::int64_t kMaxTimestamp = std::int64_t{1} << 60;

// The path of a record's field, built only when reporting an error (the hot path never
// allocates for paths).
std::string record_path(std::size_t record_idx, std::string_view key) {
  std::string path = "$.records[" + std::to_string(record_idx) + "]";
  if (!key.empty()) {
    path += '.';
    path += key;
  }
  return path;
}

Error bad_record(std::size_t record_idx, std::string_view key, std::string_view what) {
  return fail(Errc::invalid_argument, record_path(record_idx, key) + ": " + std::string(what));
}

// A key as it may appear in a message: unknown keys are attacker text.
std::string printable_key(std::string_view key) {
  constexpr std::size_t kMaxShownKeyBytes = 64;
  if (key.size() > kMaxShownKeyBytes || !is_valid_utf8(key) || has_control_characters(key)) {
    return "<unprintable field name>";
  }
  return std::string(key);
}

// Reads an integer in [min, max]; nullopt with `error` set otherwise.
std::optional<std::int64_t> read_int(const boost::json::value& value, std::int64_t min,
                                     std::int64_t max, std::string& error) {
  std::int64_t number = 0;
  if (const auto* signed_value = value.if_int64()) {
    number = *signed_value;
  } else if (const auto* unsigned_value = value.if_uint64()) {
    if (*unsigned_value > static_cast<std::uint64_t>(max)) {
      error = "must be at most " + std::to_string(max);
      return std::nullopt;
    }
    number = static_cast<std::int64_t>(*unsigned_value);
  } else {
    error = "must be an integer";
    return std::nullopt;
  }
  if (number < min || number > max) {
    error = "must be between " + std::to_string(min) + " and " + std::to_string(max);
    return std::nullopt;
  }
  return number;
}

// Reads a string of at most `max_bytes` valid UTF-8 into `out`; empty `error` on success.
bool read_text(const boost::json::value& value, std::size_t max_bytes, std::string& out,
               std::string& error) {
  const auto* text = value.if_string();
  if (text == nullptr) {
    error = "must be a string";
    return false;
  }
  if (text->size() > max_bytes) {
    error = "must be at most " + std::to_string(max_bytes) + " bytes";
    return false;
  }
  // The parser runs with allow_invalid_utf8 so that this check can name the path.
  if (!is_valid_utf8(*text)) {
    error = "must be valid UTF-8";
    return false;
  }
  out.assign(text->data(), text->size());
  return true;
}

// Per-record validation state carried across the batch.
struct BatchState {
  EpochMs now = 0;
  std::int64_t previous_seq = 0;
  std::optional<EpochMs> previous_span_end;
  std::optional<EpochMs> previous_minute;
};

// Checks `at` against the accepted window around the server clock.
std::optional<std::string> check_time(EpochMs at, EpochMs now) {
  if (at > now + kMaxRecordFutureMs) return std::string("is in the future");
  if (at < now - kMaxRecordAgeMs) return std::string("is older than 31 days");
  return std::nullopt;
}

enum class RecordType { span, input };

// The rules that tie a span's url, domain and private flag together (the sizes and UTF-8 are
// checked while reading): a private span carries no text, a url is an http(s) URL with a host,
// and the domain is that host. The field and the problem, or nullopt.
std::optional<std::pair<std::string_view, std::string_view>> check_web_fields(
    const SpanRecord& span) {
  if (span.is_private) {
    const std::pair<std::string_view, const std::string*> texts[] = {
        {"app", &span.app},   {"exe", &span.exe},         {"title", &span.title},
        {"url", &span.url},   {"domain", &span.domain},   {"project", &span.project},
        {"file", &span.file}};
    for (const auto& [name, text] : texts) {
      if (!text->empty()) return std::pair{name, std::string_view("must be empty in a private span")};
    }
    return std::nullopt;
  }
  if (span.url.empty()) return std::nullopt;
  const std::string host = url_domain(span.url);
  if (host.empty()) {
    return std::pair{std::string_view("url"),
                     std::string_view("must be an http or https URL with a host")};
  }
  if (span.domain.empty()) return std::pair{std::string_view("domain"), std::string_view("is required with url")};
  if (span.domain != host) return std::pair{std::string_view("domain"), std::string_view("does not match url")};
  return std::nullopt;
}

Result<void> read_span(const boost::json::object& record, std::size_t record_idx, std::int64_t seq,
                       BatchState& state, ActivityBatch& batch) {
  SpanRecord span;
  span.seq = seq;
  bool has_start = false;
  bool has_end = false;
  bool has_app = false;
  bool has_idle = false;
  std::string error;
  for (const auto& entry : record) {
    const std::string_view key = entry.key();
    const auto& value = entry.value();
    if (key == "seq" || key == "type") continue;
    if (key == "start" || key == "end") {
      auto number = read_int(value, 0, kMaxTimestamp, error);
      if (!number) return bad_record(record_idx, key, error);
      (key == "start" ? span.start : span.end) = *number;
      (key == "start" ? has_start : has_end) = true;
    } else if (key == "app") {
      if (!read_text(value, kMaxAppBytes, span.app, error)) {
        return bad_record(record_idx, key, error);
      }
      has_app = true;
    } else if (key == "exe") {
      if (!value.is_null() && !read_text(value, kMaxExeBytes, span.exe, error)) {
        return bad_record(record_idx, key, error);
      }
    } else if (key == "title") {
      if (!value.is_null() && !read_text(value, kMaxTitleBytes, span.title, error)) {
        return bad_record(record_idx, key, error);
      }
    } else if (key == "idle") {
      const auto* flag = value.if_bool();
      if (flag == nullptr) return bad_record(record_idx, key, "must be true or false");
      span.idle = *flag;
      has_idle = true;
    } else if (key == "url") {
      if (!value.is_null() && !read_text(value, kMaxUrlBytes, span.url, error)) {
        return bad_record(record_idx, key, error);
      }
    } else if (key == "domain") {
      if (!value.is_null() && !read_text(value, kMaxSpanDomainBytes, span.domain, error)) {
        return bad_record(record_idx, key, error);
      }
    } else if (key == "project") {
      if (!value.is_null() && !read_text(value, kMaxProjectBytes, span.project, error)) {
        return bad_record(record_idx, key, error);
      }
    } else if (key == "file") {
      if (!value.is_null() && !read_text(value, kMaxFileBytes, span.file, error)) {
        return bad_record(record_idx, key, error);
      }
    } else if (key == "private") {
      const auto* flag = value.if_bool();
      if (flag == nullptr) return bad_record(record_idx, key, "must be true or false");
      span.is_private = *flag;
    } else {
      return bad_record(record_idx, printable_key(key), "is not a known field");
    }
  }
  if (!has_start) return bad_record(record_idx, "start", "is required");
  if (!has_end) return bad_record(record_idx, "end", "is required");
  if (!has_app) return bad_record(record_idx, "app", "is required");
  if (!has_idle) return bad_record(record_idx, "idle", "is required");
  if (auto problem = check_web_fields(span)) return bad_record(record_idx, problem->first, problem->second);
  if (auto problem = check_time(span.start, state.now)) {
    return bad_record(record_idx, "start", *problem);
  }
  if (span.end < span.start) return bad_record(record_idx, "end", "is before start");
  if (auto problem = check_time(span.end, state.now)) {
    return bad_record(record_idx, "end", *problem);
  }
  if (span.end - span.start > kMaxSpanMs) {
    return bad_record(record_idx, "end", "is more than 24 hours after start");
  }
  if (state.previous_span_end && span.start < *state.previous_span_end) {
    return bad_record(record_idx, "start", "is before the end of the span before it");
  }
  state.previous_span_end = span.end;
  batch.spans.push_back(std::move(span));
  return {};
}

Result<void> read_input(const boost::json::object& record, std::size_t record_idx, std::int64_t seq,
                        BatchState& state, ActivityBatch& batch) {
  InputRecord input;
  input.seq = seq;
  // Bit i set when field i was seen: minute, keys, clicks, scrolls, distance_px.
  unsigned seen = 0;
  std::string error;
  for (const auto& entry : record) {
    const std::string_view key = entry.key();
    const auto& value = entry.value();
    if (key == "seq" || key == "type") continue;
    std::int64_t* target = nullptr;
    std::int64_t max = kMaxInputCount;
    unsigned bit = 0;
    if (key == "minute") {
      target = &input.minute;
      max = kMaxTimestamp;
      bit = 1;
    } else if (key == "keys") {
      target = &input.keys;
      bit = 2;
    } else if (key == "clicks") {
      target = &input.clicks;
      bit = 4;
    } else if (key == "scrolls") {
      target = &input.scrolls;
      bit = 8;
    } else if (key == "distance_px") {
      target = &input.distance_px;
      max = kMaxDistancePx;
      bit = 16;
    } else {
      return bad_record(record_idx, printable_key(key), "is not a known field");
    }
    auto number = read_int(value, 0, max, error);
    if (!number) return bad_record(record_idx, key, error);
    *target = *number;
    seen |= bit;
  }
  constexpr std::array<std::string_view, 5> kFields = {"minute", "keys", "clicks", "scrolls",
                                                       "distance_px"};
  for (std::size_t field_idx = 0; field_idx < kFields.size(); ++field_idx) {
    if ((seen & (1U << field_idx)) == 0) {
      return bad_record(record_idx, kFields[field_idx], "is required");
    }
  }
  if (input.minute % kMinuteMs != 0) {
    return bad_record(record_idx, "minute", "must be a multiple of 60000");
  }
  if (auto problem = check_time(input.minute, state.now)) {
    return bad_record(record_idx, "minute", *problem);
  }
  if (state.previous_minute && input.minute < *state.previous_minute) {
    return bad_record(record_idx, "minute", "is before the minute of the input record before it");
  }
  state.previous_minute = input.minute;
  batch.inputs.push_back(input);
  return {};
}

Result<void> read_record(const boost::json::value& value, std::size_t record_idx, BatchState& state,
                         ActivityBatch& batch) {
  const auto* record = value.if_object();
  if (record == nullptr) return bad_record(record_idx, "", "must be an object");
  const auto* type_value = record->if_contains("type");
  if (type_value == nullptr) return bad_record(record_idx, "type", "is required");
  const auto* type_text = type_value->if_string();
  RecordType type{};
  if (type_text != nullptr && *type_text == "span") {
    type = RecordType::span;
  } else if (type_text != nullptr && *type_text == "input") {
    type = RecordType::input;
  } else {
    return bad_record(record_idx, "type", "must be \"span\" or \"input\"");
  }
  const auto* seq_value = record->if_contains("seq");
  if (seq_value == nullptr) return bad_record(record_idx, "seq", "is required");
  std::string error;
  auto seq = read_int(*seq_value, 1, kMaxSeq, error);
  if (!seq) return bad_record(record_idx, "seq", error);
  if (*seq <= state.previous_seq) {
    return bad_record(record_idx, "seq", "must be greater than the seq of the record before it");
  }
  state.previous_seq = *seq;
  if (record_idx == 0) batch.first_seq = *seq;
  batch.last_seq = *seq;
  return type == RecordType::span ? read_span(*record, record_idx, *seq, state, batch)
                                  : read_input(*record, record_idx, *seq, state, batch);
}

// Appends `text` as a JSON string literal. Invalid UTF-8 becomes U+FFFD and the text is cut
// at a character boundary so that at most `max_bytes` of decoded text remain: what the agent
// encodes always passes parse_activity_batch.
void append_json_string(std::string& out, std::string_view text, std::size_t max_bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  out += '"';
  std::size_t decoded_bytes = 0;
  std::size_t idx = 0;
  const std::size_t size = text.size();
  while (idx < size) {
    const auto byte = static_cast<unsigned char>(text[idx]);
    if (byte < 0x80) {
      if (decoded_bytes + 1 > max_bytes) break;
      ++decoded_bytes;
      ++idx;
      switch (byte) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          if (byte < 0x20) {
            out += "\\u00";
            out += kHex[byte >> 4];
            out += kHex[byte & 0x0F];
          } else {
            out += static_cast<char>(byte);
          }
      }
      continue;
    }
    // Length of the longest valid sequence starting here (0: invalid lead byte).
    std::size_t length = 0;
    if (byte >= 0xC2 && byte <= 0xDF) {
      length = 2;
    } else if (byte >= 0xE0 && byte <= 0xEF) {
      length = 3;
    } else if (byte >= 0xF0 && byte <= 0xF4) {
      length = 4;
    }
    bool valid = length != 0 && idx + length <= size;
    if (valid) valid = is_valid_utf8(text.substr(idx, length));
    const std::string_view piece = valid ? text.substr(idx, length) : kReplacement;
    if (decoded_bytes + piece.size() > max_bytes) break;
    out += piece;
    decoded_bytes += piece.size();
    idx += valid ? length : 1;
  }
  out += '"';
}

void append_int(std::string& out, std::int64_t number) {
  std::array<char, 24> digits{};
  const auto [end, ec] = std::to_chars(digits.data(), digits.data() + digits.size(), number);
  out.append(digits.data(), end);
}

}  // namespace

Result<ActivityBatch> parse_activity_batch(std::string_view json, EpochMs now) {
  // One arena for the whole document: parsing allocates nothing per value.
  std::array<unsigned char, 16384> initial_buffer;
  boost::json::monotonic_resource arena(initial_buffer.data(), initial_buffer.size());
  boost::json::parse_options options;
  options.max_depth = 8;
  options.allow_invalid_utf8 = true;  // checked per field below, so the error names the path
  boost::system::error_code ec;
  const boost::json::value document = boost::json::parse(json, ec, &arena, options);
  if (ec) return fail(Errc::invalid_argument, "body is not valid JSON: " + ec.message());

  const auto* root = document.if_object();
  if (root == nullptr) return fail(Errc::invalid_argument, "$: must be an object");
  ActivityBatch batch;
  const boost::json::array* records = nullptr;
  std::string error;
  for (const auto& entry : *root) {
    const std::string_view key = entry.key();
    if (key == "records") {
      records = entry.value().if_array();
      if (records == nullptr) return fail(Errc::invalid_argument, "$.records: must be an array");
    } else if (key == "dropped_total") {
      if (entry.value().is_null()) continue;
      auto dropped = read_int(entry.value(), 0, kMaxSeq, error);
      if (!dropped) return fail(Errc::invalid_argument, "$.dropped_total: " + error);
      batch.dropped_total = *dropped;
      batch.has_dropped_total = true;
    } else {
      return fail(Errc::invalid_argument, "$." + printable_key(key) + ": is not a known field");
    }
  }
  if (records == nullptr) return fail(Errc::invalid_argument, "$.records: is required");
  if (records->empty()) {
    return fail(Errc::invalid_argument, "$.records: must have at least 1 item");
  }
  if (records->size() > kMaxBatchRecords) {
    return fail(Errc::invalid_argument,
                "$.records: must have at most " + std::to_string(kMaxBatchRecords) + " items");
  }

  std::size_t span_count = 0;
  for (const auto& record : *records) {
    const auto* type = record.is_object() ? record.get_object().if_contains("type") : nullptr;
    if (type != nullptr && type->is_string() && type->get_string() == "span") ++span_count;
  }
  batch.spans.reserve(span_count);
  batch.inputs.reserve(records->size() - span_count);

  BatchState state;
  state.now = now;
  for (std::size_t record_idx = 0; record_idx < records->size(); ++record_idx) {
    if (auto read = read_record((*records)[record_idx], record_idx, state, batch); !read) {
      return read.error();
    }
  }
  return batch;
}

std::string span_record_json(const SpanRecord& span) {
  std::string out;
  out.reserve(160 + span.app.size() + span.exe.size() + span.title.size() + span.url.size() +
              span.domain.size() + span.project.size() + span.file.size());
  out += R"({"seq":)";
  append_int(out, span.seq);
  out += R"(,"type":"span","start":)";
  append_int(out, span.start);
  out += R"(,"end":)";
  append_int(out, span.end);
  out += R"(,"app":)";
  append_json_string(out, span.app, kMaxAppBytes);
  out += R"(,"exe":)";
  append_json_string(out, span.exe, kMaxExeBytes);
  out += R"(,"title":)";
  append_json_string(out, span.title, kMaxTitleBytes);
  out += span.idle ? R"(,"idle":true)" : R"(,"idle":false)";
  const std::pair<std::string_view, std::pair<const std::string*, std::size_t>> optional_texts[] = {
      {R"(,"url":)", {&span.url, kMaxUrlBytes}},
      {R"(,"domain":)", {&span.domain, kMaxSpanDomainBytes}},
      {R"(,"project":)", {&span.project, kMaxProjectBytes}},
      {R"(,"file":)", {&span.file, kMaxFileBytes}}};
  for (const auto& [key, text] : optional_texts) {
    if (text.first->empty()) continue;
    out += key;
    append_json_string(out, *text.first, text.second);
  }
  if (span.is_private) out += R"(,"private":true)";
  out += '}';
  return out;
}

std::string input_record_json(const InputRecord& input) {
  std::string out;
  out.reserve(128);
  out += R"({"seq":)";
  append_int(out, input.seq);
  out += R"(,"type":"input","minute":)";
  append_int(out, input.minute);
  out += R"(,"keys":)";
  append_int(out, input.keys);
  out += R"(,"clicks":)";
  append_int(out, input.clicks);
  out += R"(,"scrolls":)";
  append_int(out, input.scrolls);
  out += R"(,"distance_px":)";
  append_int(out, input.distance_px);
  out += '}';
  return out;
}

std::string activity_batch_body(std::span<const std::string> records, std::int64_t dropped_total) {
  std::size_t size = 48;
  for (const auto& record : records) size += record.size() + 1;
  std::string out;
  out.reserve(size);
  out += R"({"records":[)";
  bool first = true;
  for (const auto& record : records) {
    if (!first) out += ',';
    first = false;
    out += record;
  }
  out += R"(],"dropped_total":)";
  append_int(out, dropped_total);
  out += '}';
  return out;
}

}  // namespace worktrace::protocol
