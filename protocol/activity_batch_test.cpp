#include "protocol/activity_batch.hpp"

#include <gtest/gtest.h>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <string>
#include <vector>

namespace worktrace::protocol {
namespace {

constexpr EpochMs kNow = 1'764'399'960'000;  // a multiple of 60,000

SpanRecord span(std::int64_t seq, EpochMs start, EpochMs end, std::string app = "xterm") {
  return SpanRecord{.seq = seq,
                    .start = start,
                    .end = end,
                    .app = std::move(app),
                    .exe = "/usr/bin/xterm",
                    .title = "build - make",
                    .idle = false};
}

InputRecord input(std::int64_t seq, EpochMs minute) {
  return InputRecord{
      .seq = seq, .minute = minute, .keys = 17, .clicks = 3, .scrolls = 0, .distance_px = 1234};
}

// The message of parsing `json`, or "ok".
std::string error_of(std::string_view json) {
  auto batch = parse_activity_batch(json, kNow);
  if (batch) return "ok";
  EXPECT_TRUE(batch.error().is(Errc::invalid_argument)) << batch.error().message;
  return batch.error().message;
}

// A body with `records` (JSON object texts) joined.
std::string body(const std::vector<std::string>& records) {
  return activity_batch_body(records, 0);
}

// A valid span record text with `field` replaced by `value` (or removed when value is empty).
std::string span_with(std::string_view field, std::string_view value) {
  boost::json::object fields = {{"seq", 1},     {"type", "span"}, {"start", kNow - 60'000},
                                {"end", kNow},  {"app", "xterm"}, {"exe", "/usr/bin/xterm"},
                                {"title", "t"}, {"idle", false}};
  std::string text = "{";
  bool first = true;
  bool replaced = false;
  for (const auto& entry : fields) {
    std::string item;
    if (entry.key() == field) {
      replaced = true;
      if (value.empty()) continue;
      item = std::string(value);
    } else {
      item = boost::json::serialize(entry.value());
    }
    if (!first) text += ',';
    first = false;
    text += '"' + std::string(entry.key()) + "\":" + item;
  }
  if (!replaced && !value.empty()) text += ",\"" + std::string(field) + "\":" + std::string(value);
  return text + "}";
}

TEST(ActivityBatchTest, ParsesTheContractExample) {
  const std::string json = R"({"records":[
    {"seq":41,"type":"span","start":1764399000000,"end":1764399060000,
     "app":"xterm","exe":"/usr/bin/xterm","title":"build - make","idle":false},
    {"seq":42,"type":"input","minute":1764399000000,"keys":17,"clicks":3,"scrolls":0,"distance_px":1234}
   ],
   "dropped_total":5})";
  auto batch = parse_activity_batch(json, kNow);
  ASSERT_TRUE(batch) << batch.error().message;
  ASSERT_EQ(batch->spans.size(), 1U);
  ASSERT_EQ(batch->inputs.size(), 1U);
  EXPECT_EQ(batch->spans[0], (SpanRecord{41, 1764399000000, 1764399060000, "xterm",
                                         "/usr/bin/xterm", "build - make", false}));
  EXPECT_EQ(batch->inputs[0], (InputRecord{42, 1764399000000, 17, 3, 0, 1234}));
  EXPECT_EQ(batch->first_seq, 41);
  EXPECT_EQ(batch->last_seq, 42);
  EXPECT_EQ(batch->dropped_total, 5);
  EXPECT_TRUE(batch->has_dropped_total);
  EXPECT_EQ(batch->record_count(), 2U);
}

TEST(ActivityBatchTest, RoundTripsEncodedRecords) {
  std::vector<SpanRecord> spans = {span(1, kNow - 120'000, kNow - 60'000),
                                   span(3, kNow - 60'000, kNow, "emacs")};
  spans[1].exe = "";
  spans[1].title = "quote \" backslash \\ tab \t newline \n ctrl \x01 unicode \xC3\xA9\xE2\x82\xAC";
  spans[1].idle = true;
  const std::vector<InputRecord> inputs = {input(2, kNow - 120'000), input(4, kNow - 60'000)};
  const std::vector<std::string> records = {
      span_record_json(spans[0]), input_record_json(inputs[0]), span_record_json(spans[1]),
      input_record_json(inputs[1])};
  auto batch = parse_activity_batch(activity_batch_body(records, 7), kNow);
  ASSERT_TRUE(batch) << batch.error().message;
  EXPECT_EQ(batch->spans, spans);
  EXPECT_EQ(batch->inputs, inputs);
  EXPECT_EQ(batch->first_seq, 1);
  EXPECT_EQ(batch->last_seq, 4);
  EXPECT_EQ(batch->dropped_total, 7);
}

TEST(ActivityBatchTest, EncoderAlwaysProducesAcceptableText) {
  SpanRecord bad = span(1, kNow - 1000, kNow);
  bad.app = std::string(300, 'a');                    // too long: cut to 255 bytes
  bad.title = "ok \xFF\xFE bad \xC3 end";             // invalid UTF-8: U+FFFD
  bad.exe = std::string(1023, 'x') + "\xE2\x82\xAC";  // a 3-byte character over the limit
  auto batch = parse_activity_batch(body({span_record_json(bad)}), kNow);
  ASSERT_TRUE(batch) << batch.error().message;
  EXPECT_EQ(batch->spans[0].app, std::string(255, 'a'));
  EXPECT_EQ(batch->spans[0].title, "ok \xEF\xBF\xBD\xEF\xBF\xBD bad \xEF\xBF\xBD end");
  EXPECT_EQ(batch->spans[0].exe, std::string(1023, 'x'));  // cut before the character
}

TEST(ActivityBatchTest, BodyJoinsRecords) {
  const std::vector<std::string> records = {R"({"a":1})", R"({"b":2})"};
  EXPECT_EQ(activity_batch_body(records, 3), R"({"records":[{"a":1},{"b":2}],"dropped_total":3})");
  EXPECT_EQ(activity_batch_body({}, 0), R"({"records":[],"dropped_total":0})");
}

TEST(ActivityBatchTest, OptionalFields) {
  auto batch = parse_activity_batch(R"({"records":[)" + span_with("exe", "") + "]}", kNow);
  ASSERT_TRUE(batch) << batch.error().message;
  EXPECT_EQ(batch->spans[0].exe, "");
  EXPECT_FALSE(batch->has_dropped_total);
  EXPECT_EQ(error_of(body({span_with("title", "null")})), "ok");
  EXPECT_EQ(error_of(body({span_with("app", "\"\"")})), "ok");  // empty strings are fine
}

TEST(ActivityBatchTest, RejectsBadDocuments) {
  EXPECT_EQ(error_of(R"({"records":[)").rfind("body is not valid JSON", 0), 0U);
  EXPECT_EQ(error_of("[]"), "$: must be an object");
  EXPECT_EQ(error_of("{}"), "$.records: is required");
  EXPECT_EQ(error_of(R"({"records":{}})"), "$.records: must be an array");
  EXPECT_EQ(error_of(R"({"records":[]})"), "$.records: must have at least 1 item");
  EXPECT_EQ(error_of(R"({"records":[],"extra":1})"), "$.extra: is not a known field");
  EXPECT_EQ(error_of(R"({"records":[1]})"), "$.records[0]: must be an object");
  EXPECT_EQ(error_of(R"({"records":[)" + span_with("seq", "1") + R"(],"dropped_total":-1})"),
            "$.dropped_total: must be between 0 and 9007199254740992");
  EXPECT_EQ(error_of(R"({"records":[)" + span_with("seq", "1") + R"(],"dropped_total":1.5})"),
            "$.dropped_total: must be an integer");
}

TEST(ActivityBatchTest, LimitsTheNumberOfRecords) {
  std::vector<std::string> records;
  for (std::int64_t seq = 1; seq <= 5001; ++seq) {
    records.push_back(input_record_json(input(seq, kNow - 60'000)));
  }
  EXPECT_EQ(error_of(body(records)), "$.records: must have at most 5000 items");
  records.pop_back();
  EXPECT_EQ(error_of(body(records)), "ok");
}

TEST(ActivityBatchTest, ChecksRecordTypeAndSeq) {
  EXPECT_EQ(error_of(body({span_with("type", "")})), "$.records[0].type: is required");
  EXPECT_EQ(error_of(body({span_with("type", "\"window\"")})),
            "$.records[0].type: must be \"span\" or \"input\"");
  EXPECT_EQ(error_of(body({span_with("type", "1")})),
            "$.records[0].type: must be \"span\" or \"input\"");
  EXPECT_EQ(error_of(body({span_with("seq", "")})), "$.records[0].seq: is required");
  EXPECT_EQ(error_of(body({span_with("seq", "0")})),
            "$.records[0].seq: must be between 1 and 9007199254740992");
  EXPECT_EQ(error_of(body({span_with("seq", "9007199254740993")})),
            "$.records[0].seq: must be between 1 and 9007199254740992");
  EXPECT_EQ(error_of(body({span_with("seq", "18446744073709551615")})),
            "$.records[0].seq: must be at most 9007199254740992");
  EXPECT_EQ(error_of(body({span_with("seq", "\"1\"")})), "$.records[0].seq: must be an integer");
  EXPECT_EQ(error_of(body({span_with("seq", "9007199254740992")})), "ok");
  // Strictly increasing across both kinds.
  EXPECT_EQ(error_of(body({input_record_json(input(5, kNow - 60'000)),
                           span_record_json(span(5, kNow - 1000, kNow))})),
            "$.records[1].seq: must be greater than the seq of the record before it");
  EXPECT_EQ(error_of(body({input_record_json(input(5, kNow - 60'000)),
                           input_record_json(input(4, kNow - 60'000))})),
            "$.records[1].seq: must be greater than the seq of the record before it");
}

TEST(ActivityBatchTest, ChecksSpans) {
  EXPECT_EQ(error_of(body({span_with("start", "")})), "$.records[0].start: is required");
  EXPECT_EQ(error_of(body({span_with("end", "")})), "$.records[0].end: is required");
  EXPECT_EQ(error_of(body({span_with("app", "")})), "$.records[0].app: is required");
  EXPECT_EQ(error_of(body({span_with("idle", "")})), "$.records[0].idle: is required");
  EXPECT_EQ(error_of(body({span_with("idle", "0")})), "$.records[0].idle: must be true or false");
  EXPECT_EQ(error_of(body({span_with("app", "7")})), "$.records[0].app: must be a string");
  EXPECT_EQ(error_of(body({span_with("start", "1.5e12")})),
            "$.records[0].start: must be an integer");
  EXPECT_EQ(error_of(body({span_with("start", "-1")})).rfind("$.records[0].start: must be", 0), 0U);
  EXPECT_EQ(error_of(body({span_with("color", "1")})), "$.records[0].color: is not a known field");
  EXPECT_EQ(error_of(body({span_with("minute", "1")})),
            "$.records[0].minute: is not a known field");
  EXPECT_EQ(error_of(body({span_record_json(span(1, kNow, kNow - 1))})),
            "$.records[0].end: is before start");
  EXPECT_EQ(error_of(body({span_record_json(span(1, kNow - 86'400'001, kNow))})),
            "$.records[0].end: is more than 24 hours after start");
  EXPECT_EQ(error_of(body({span_record_json(span(1, kNow - 86'400'000, kNow))})), "ok");
  EXPECT_EQ(error_of(body({span_record_json(span(1, kNow, kNow))})), "ok");  // empty is fine
  // Not back in time within the batch; touching is fine.
  EXPECT_EQ(error_of(body({span_record_json(span(1, kNow - 2000, kNow - 1000)),
                           span_record_json(span(2, kNow - 1000, kNow))})),
            "ok");
  EXPECT_EQ(error_of(body({span_record_json(span(1, kNow - 2000, kNow - 1000)),
                           input_record_json(input(2, kNow - 60'000)),
                           span_record_json(span(3, kNow - 1001, kNow))})),
            "$.records[2].start: is before the end of the span before it");
}

TEST(ActivityBatchTest, ChecksTextLimitsAndUtf8) {
  const auto quoted = [](std::string text) { return '"' + text + '"'; };
  EXPECT_EQ(error_of(body({span_with("app", quoted(std::string(255, 'a')))})), "ok");
  EXPECT_EQ(error_of(body({span_with("app", quoted(std::string(256, 'a')))})),
            "$.records[0].app: must be at most 255 bytes");
  EXPECT_EQ(error_of(body({span_with("exe", quoted(std::string(1025, 'a')))})),
            "$.records[0].exe: must be at most 1024 bytes");
  EXPECT_EQ(error_of(body({span_with("title", quoted(std::string(2048, 'a')))})), "ok");
  EXPECT_EQ(error_of(body({span_with("title", quoted(std::string(2049, 'a')))})),
            "$.records[0].title: must be at most 2048 bytes");
  EXPECT_EQ(error_of(body({span_with("title", quoted("bad \xC0\xAF overlong"))})),
            "$.records[0].title: must be valid UTF-8");
  EXPECT_EQ(error_of(body({span_with("app", quoted("\xED\xA0\x80"))})),  // a surrogate
            "$.records[0].app: must be valid UTF-8");
  // An escaped lone surrogate is refused by the JSON parser itself.
  EXPECT_EQ(
      error_of(body({span_with("title", quoted("\\ud800"))})).rfind("body is not valid JSON", 0),
      0U);
}

TEST(ActivityBatchTest, ChecksTimestampsAgainstTheClock) {
  constexpr EpochMs k31Days = 31LL * 24 * 3600 * 1000;
  EXPECT_EQ(error_of(body({span_record_json(span(1, kNow, kNow + 300'000))})), "ok");
  EXPECT_EQ(error_of(body({span_record_json(span(1, kNow, kNow + 300'001))})),
            "$.records[0].end: is in the future");
  EXPECT_EQ(error_of(body({span_record_json(span(1, 4'070'908'800'000, 4'070'908'800'000))})),
            "$.records[0].start: is in the future");  // 2099
  EXPECT_EQ(error_of(body({span_record_json(span(1, kNow - k31Days, kNow - k31Days))})), "ok");
  EXPECT_EQ(error_of(body({span_record_json(span(1, kNow - k31Days - 1, kNow))})),
            "$.records[0].start: is older than 31 days");
  EXPECT_EQ(error_of(body({input_record_json(input(1, kNow + 360'000))})),
            "$.records[0].minute: is in the future");
  EXPECT_EQ(error_of(body({input_record_json(input(1, kNow - k31Days - 60'000))})),
            "$.records[0].minute: is older than 31 days");
}

TEST(ActivityBatchTest, ChecksInputs) {
  const auto record = [](std::string_view fields) {
    return R"({"seq":1,"type":"input",)" + std::string(fields) + "}";
  };
  const std::string minute = "\"minute\":" + std::to_string(kNow - 60'000);
  EXPECT_EQ(
      error_of(body({record(minute + R"(,"keys":0,"clicks":0,"scrolls":0,"distance_px":0)")})),
      "ok");
  EXPECT_EQ(error_of(body({record(R"("keys":0,"clicks":0,"scrolls":0,"distance_px":0)")})),
            "$.records[0].minute: is required");
  EXPECT_EQ(error_of(body({record(minute + R"(,"keys":0,"clicks":0,"scrolls":0)")})),
            "$.records[0].distance_px: is required");
  EXPECT_EQ(
      error_of(body({record(minute + R"(,"keys":100001,"clicks":0,"scrolls":0,"distance_px":0)")})),
      "$.records[0].keys: must be between 0 and 100000");
  EXPECT_EQ(
      error_of(body({record(minute + R"(,"keys":0,"clicks":-1,"scrolls":0,"distance_px":0)")})),
      "$.records[0].clicks: must be between 0 and 100000");
  EXPECT_EQ(error_of(body(
                {record(minute + R"(,"keys":0,"clicks":0,"scrolls":0,"distance_px":1000000001)")})),
            "$.records[0].distance_px: must be between 0 and 1000000000");
  EXPECT_EQ(error_of(body(
                {record(minute + R"(,"keys":0,"clicks":0,"scrolls":0,"distance_px":0,"x":1)")})),
            "$.records[0].x: is not a known field");
  EXPECT_EQ(error_of(body({record("\"minute\":" + std::to_string(kNow - 59'999) +
                                  R"(,"keys":0,"clicks":0,"scrolls":0,"distance_px":0)")})),
            "$.records[0].minute: must be a multiple of 60000");
  EXPECT_EQ(error_of(body({input_record_json(input(1, kNow - 60'000)),
                           input_record_json(input(2, kNow - 60'000))})),
            "ok");  // the same minute twice is fine
  EXPECT_EQ(error_of(body({input_record_json(input(1, kNow - 60'000)),
                           input_record_json(input(2, kNow - 120'000))})),
            "$.records[1].minute: is before the minute of the input record before it");
}

TEST(ActivityBatchTest, NamesTheFirstBadRecord) {
  std::vector<std::string> records;
  for (std::int64_t seq = 1; seq <= 10; ++seq) {
    records.push_back(input_record_json(input(seq, kNow - 60'000)));
  }
  records[3] = span_record_json(span(4, kNow, kNow - 5));
  records[7] = "7";
  EXPECT_EQ(error_of(body(records)), "$.records[3].end: is before start");
}

TEST(ActivityBatchTest, UnprintableKeysAreNotEchoed) {
  EXPECT_EQ(error_of(body({span_with("bad\\u0001key", "1")})),
            "$.records[0].<unprintable field name>: is not a known field");
}

// A web span at seq 1 for the last minute with `url` and `domain`.
SpanRecord web_span(std::string url, std::string domain) {
  SpanRecord record = span(1, kNow - 60'000, kNow, "chromium");
  record.url = std::move(url);
  record.domain = std::move(domain);
  return record;
}

// The message of parsing a batch holding only `record`.
std::string error_of_span(const SpanRecord& record) {
  return error_of(body({span_record_json(record)}));
}

TEST(ActivityBatchTest, RoundTripsWebAndEditorFields) {
  SpanRecord web = web_span("https://example.com/a?q=1#f", "example.com");
  SpanRecord editor = span(2, kNow - 30'000, kNow - 10'000, "code");
  editor.project = "worktrace";
  editor.file = "/home/ann/worktrace/protocol/activity_batch.cpp";
  web.end = kNow - 40'000;
  SpanRecord hidden = span(3, kNow - 5'000, kNow, "");
  hidden.exe = "";
  hidden.title = "";
  hidden.is_private = true;
  hidden.idle = true;
  const std::vector<std::string> records = {span_record_json(web), span_record_json(editor),
                                            span_record_json(hidden)};
  auto batch = parse_activity_batch(body(records), kNow);
  ASSERT_TRUE(batch) << batch.error().message;
  ASSERT_EQ(batch->spans.size(), 3U);
  EXPECT_EQ(batch->spans[0], web);
  EXPECT_EQ(batch->spans[1], editor);
  EXPECT_EQ(batch->spans[2], hidden);
}

TEST(ActivityBatchTest, EncodesWebFieldsOnlyWhenSet) {
  const std::string plain = span_record_json(span(1, kNow - 1000, kNow));
  for (const char* key : {"\"url\"", "\"domain\"", "\"project\"", "\"file\"", "\"private\""}) {
    EXPECT_EQ(plain.find(key), std::string::npos) << key;
  }
  SpanRecord hidden = span(1, kNow - 1000, kNow, "");
  hidden.exe = "";
  hidden.title = "";
  hidden.is_private = true;
  EXPECT_NE(span_record_json(hidden).find(R"("private":true)"), std::string::npos);
  const std::string web = span_record_json(web_span("http://a.example/", "a.example"));
  EXPECT_NE(web.find(R"("url":"http://a.example/","domain":"a.example")"), std::string::npos)
      << web;
}

TEST(ActivityBatchTest, WebFieldsAreOptionalAndMayBeNull) {
  EXPECT_EQ(error_of(body({span_with("url", "null")})), "ok");
  EXPECT_EQ(error_of(body({span_with("url", R"("")")})), "ok");
  EXPECT_EQ(error_of(body({span_with("project", R"("p")")})), "ok");
  EXPECT_EQ(error_of(body({span_with("file", R"("/a/b.c")")})), "ok");
  EXPECT_EQ(error_of(body({span_with("private", "false")})), "ok");
  // A domain may come without a url.
  EXPECT_EQ(error_of(body({span_with("domain", R"("example.com")")})), "ok");
  EXPECT_EQ(error_of(body({span_with("private", "1")})),
            "$.records[0].private: must be true or false");
  EXPECT_EQ(error_of(body({span_with("url", "5")})), "$.records[0].url: must be a string");
}

TEST(ActivityBatchTest, ChecksUrlAndDomain) {
  EXPECT_EQ(error_of_span(web_span("https://Example.COM:8443/x", "example.com")), "ok");
  EXPECT_EQ(error_of_span(web_span("javascript:alert(1)", "")),
            "$.records[0].url: must be an http or https URL with a host");
  EXPECT_EQ(error_of_span(web_span("file:///etc/passwd", "")),
            "$.records[0].url: must be an http or https URL with a host");
  EXPECT_EQ(error_of_span(web_span("not a url", "x")),
            "$.records[0].url: must be an http or https URL with a host");
  EXPECT_EQ(error_of_span(web_span("https://example.com/", "")),
            "$.records[0].domain: is required with url");
  EXPECT_EQ(error_of_span(web_span("https://example.com/", "evil.com")),
            "$.records[0].domain: does not match url");
  EXPECT_EQ(error_of_span(web_span("https://a.example.com/", "example.com")),
            "$.records[0].domain: does not match url");
}

TEST(ActivityBatchTest, ChecksWebFieldLimitsAndUtf8) {
  const std::string long_path(kMaxUrlBytes - std::string("https://e.com/").size(), 'a');
  SpanRecord at_limit = web_span("https://e.com/" + long_path, "e.com");
  EXPECT_EQ(error_of_span(at_limit), "ok");
  EXPECT_EQ(error_of(body({span_with("url", "\"https://e.com/" + long_path + "b\"")})),
            "$.records[0].url: must be at most 2048 bytes");
  EXPECT_EQ(error_of(body({span_with("domain", "\"" + std::string(254, 'd') + "\"")})),
            "$.records[0].domain: must be at most 253 bytes");
  EXPECT_EQ(error_of(body({span_with("project", "\"" + std::string(256, 'p') + "\"")})),
            "$.records[0].project: must be at most 255 bytes");
  EXPECT_EQ(error_of(body({span_with("project", "\"" + std::string(255, 'p') + "\"")})), "ok");
  EXPECT_EQ(error_of(body({span_with("file", "\"" + std::string(1025, 'f') + "\"")})),
            "$.records[0].file: must be at most 1024 bytes");
  EXPECT_EQ(error_of(body({span_with("file", "\"/a/\xC3\x28\"")})),
            "$.records[0].file: must be valid UTF-8");
  EXPECT_EQ(error_of(body({span_with("url", "\"https://e.com/\xFF\"")})),
            "$.records[0].url: must be valid UTF-8");
}

TEST(ActivityBatchTest, PrivateSpansCarryNoText) {
  SpanRecord hidden = span(1, kNow - 60'000, kNow, "");
  hidden.exe = "";
  hidden.title = "";
  hidden.is_private = true;
  EXPECT_EQ(error_of_span(hidden), "ok");
  const auto with = [&](auto set) {
    SpanRecord record = hidden;
    set(record);
    return error_of_span(record);
  };
  EXPECT_EQ(with([](SpanRecord& r) { r.app = "keepassxc"; }),
            "$.records[0].app: must be empty in a private span");
  EXPECT_EQ(with([](SpanRecord& r) { r.exe = "/usr/bin/keepassxc"; }),
            "$.records[0].exe: must be empty in a private span");
  EXPECT_EQ(with([](SpanRecord& r) { r.title = "bank"; }),
            "$.records[0].title: must be empty in a private span");
  EXPECT_EQ(with([](SpanRecord& r) {
              r.url = "https://bank.example/";
              r.domain = "bank.example";
            }),
            "$.records[0].url: must be empty in a private span");
  EXPECT_EQ(with([](SpanRecord& r) { r.domain = "bank.example"; }),
            "$.records[0].domain: must be empty in a private span");
  EXPECT_EQ(with([](SpanRecord& r) { r.project = "secret"; }),
            "$.records[0].project: must be empty in a private span");
  EXPECT_EQ(with([](SpanRecord& r) { r.file = "/x"; }),
            "$.records[0].file: must be empty in a private span");
}

TEST(ActivityBatchTest, EncoderCutsLongWebFields) {
  SpanRecord record = span(1, kNow - 1000, kNow);
  record.project = std::string(400, 'p');
  record.file = std::string(2000, 'f');
  auto batch = parse_activity_batch(body({span_record_json(record)}), kNow);
  ASSERT_TRUE(batch) << batch.error().message;
  EXPECT_EQ(batch->spans[0].project.size(), kMaxProjectBytes);
  EXPECT_EQ(batch->spans[0].file.size(), kMaxFileBytes);
}

}  // namespace
}  // namespace worktrace::protocol
