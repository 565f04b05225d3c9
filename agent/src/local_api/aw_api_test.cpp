#include "local_api/aw_api.hpp"

#include "protocol/json_reader.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_to.hpp>

#include <string>
#include <tuple>
#include <vector>

namespace worktrace::agent::local_api {
namespace {

namespace json = boost::json;

constexpr EpochMs kT0 = 1'767'607'200'000;  // 2026-01-05T10:00:00Z
constexpr const char* kExtension = "chrome-extension://abcdefghijklmnopabcdefghijklmnop";
constexpr const char* kBucket = "/api/0/buckets/aw-watcher-web-chrome";
constexpr const char* kCreateBody =
    R"({"client":"aw-client-web","type":"web.tab.current","hostname":"box"})";

std::string header(const LocalResponse& response, const std::string& name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "";
}

json::value body_json(const LocalResponse& response) {
  return protocol::parse_json(response.body).value();
}

std::string error_message(const LocalResponse& response) {
  return json::value_to<std::string>(body_json(response).at("error").at("message"));
}

std::string heartbeat_body(const std::string& timestamp, double duration_s,
                           const std::string& url = "https://a.test/") {
  return json::serialize(json::object{{"timestamp", timestamp},
                                      {"duration", duration_s},
                                      {"data", json::object{{"url", url}, {"title", "A"}}}});
}

struct AwApiTest : ::testing::Test {
  AwApiTest() {
    options.allowed_origins = {kExtension};
    options.hostname = "box";
    options.version = "1.2.3";
    options.device_id = "dev_1";
    api = std::make_unique<AwApi>(
        clock, options, [this](const std::string& bucket, const AwEvent& event, bool merged) {
          hooked.emplace_back(bucket, event, merged);
        });
  }

  LocalResponse call(std::string method, std::string target, std::string body = "",
                     std::string origin = "", std::string host = "127.0.0.1:5600") {
    return api->handle(LocalRequest{std::move(method), std::move(target), std::move(host),
                                    std::move(origin), std::move(body)});
  }
  void create_bucket() { ASSERT_EQ(call("POST", kBucket, kCreateBody).status, 200); }

  ManualClock clock{kT0};
  AwApiOptions options;
  std::vector<std::tuple<std::string, AwEvent, bool>> hooked;
  std::unique_ptr<AwApi> api;
};

TEST_F(AwApiTest, Info) {
  const auto response = call("GET", "/api/0/info");
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(
      body_json(response),
      json::parse(R"({"hostname":"box","version":"1.2.3","testing":false,"device_id":"dev_1"})"));
  EXPECT_EQ(call("POST", "/api/0/info").status, 405);
  EXPECT_EQ(call("GET", "/api/0/nothing").status, 404);
  EXPECT_EQ(call("GET", "/").status, 404);
}

TEST_F(AwApiTest, CreateTwiceGives200Then304) {
  const auto created = call("POST", kBucket, kCreateBody);
  ASSERT_EQ(created.status, 200);
  const auto again = call("POST", kBucket, kCreateBody);
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());

  const auto one = call("GET", kBucket);
  ASSERT_EQ(one.status, 200);
  EXPECT_EQ(body_json(one),
            json::parse(R"({"id":"aw-watcher-web-chrome","name":"aw-watcher-web-chrome",
                            "type":"web.tab.current","client":"aw-client-web","hostname":"box",
                            "created":"2026-01-05T10:00:00.000+00:00",
                            "last_updated":"2026-01-05T10:00:00.000+00:00"})"));
  for (const char* path : {"/api/0/buckets/", "/api/0/buckets"}) {
    const auto all = call("GET", path);
    ASSERT_EQ(all.status, 200);
    EXPECT_EQ(body_json(all).at("aw-watcher-web-chrome"), body_json(one));
  }
}

TEST_F(AwApiTest, CreateValidatesIdAndBody) {
  EXPECT_EQ(call("POST", "/api/0/buckets/bad%20id", kCreateBody).status, 400);
  const auto missing = call("POST", kBucket, R"({"client":"c","type":"t"})");
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(error_message(missing), "$.hostname: is required");
  EXPECT_EQ(call("POST", kBucket, R"([1])").status, 400);
  const auto named =
      call("POST", "/api/0/buckets/b1", R"({"client":"c","type":"t","hostname":"h","name":"N"})");
  EXPECT_EQ(json::value_to<std::string>(body_json(named).at("name")), "N");
}

TEST_F(AwApiTest, DeleteBucket) {
  create_bucket();
  EXPECT_EQ(call("DELETE", kBucket).status, 200);
  EXPECT_EQ(call("GET", kBucket).status, 404);
  EXPECT_EQ(call("DELETE", kBucket).status, 404);
  EXPECT_EQ(body_json(call("GET", "/api/0/buckets/")), json::object());
}

TEST_F(AwApiTest, HeartbeatMergeVectorsInBothTimestampForms) {
  create_bucket();
  const std::string heartbeat = std::string(kBucket) + "/heartbeat?pulsetime=";
  // Last event at t0 lasting 1 s; a heartbeat at t0 + 2 s with pulsetime 2 merges to 3 s.
  auto first = call("POST", heartbeat + "2", heartbeat_body("2026-01-05T10:00:00Z", 1));
  ASSERT_EQ(first.status, 200) << first.body;
  auto merged = call("POST", heartbeat + "2", heartbeat_body("2026-01-05T10:00:02+00:00", 1));
  ASSERT_EQ(merged.status, 200) << merged.body;
  EXPECT_EQ(body_json(merged).at("timestamp"), "2026-01-05T10:00:00.000+00:00");
  EXPECT_EQ(body_json(merged).at("duration").to_number<double>(), 3.0);
  EXPECT_EQ(body_json(merged).at("id"), body_json(first).at("id"));

  // Pulsetime 0 with the same gap makes a new event.
  ASSERT_EQ(call("POST", heartbeat + "0", heartbeat_body("2026-01-05T10:00:05.000Z", 1)).status,
            200);
  const auto events = call("GET", std::string(kBucket) + "/events");
  ASSERT_EQ(events.status, 200);
  const json::array list = body_json(events).as_array();
  ASSERT_EQ(list.size(), 2U);
  EXPECT_EQ(list[0].at("timestamp"), "2026-01-05T10:00:05.000+00:00");
  EXPECT_EQ(list[1].at("duration").to_number<double>(), 3.0);

  ASSERT_EQ(hooked.size(), 3U);
  EXPECT_EQ(std::get<0>(hooked[1]), "aw-watcher-web-chrome");
  EXPECT_TRUE(std::get<2>(hooked[1]));
  EXPECT_EQ(std::get<1>(hooked[1]).data.at("url"), "https://a.test/");
}

TEST_F(AwApiTest, HeartbeatNeedsPulsetimeAndABucket) {
  create_bucket();
  const std::string body = heartbeat_body("2026-01-05T10:00:00Z", 0);
  const std::string path = std::string(kBucket) + "/heartbeat";
  EXPECT_EQ(error_message(call("POST", path, body)), "pulsetime: is required");
  EXPECT_EQ(call("POST", path + "?pulsetime=abc", body).status, 400);
  EXPECT_EQ(call("POST", path + "?pulsetime=-1", body).status, 400);
  EXPECT_EQ(call("POST", path + "?pulsetime=1.5", body).status, 200);
  EXPECT_EQ(call("POST", "/api/0/buckets/none/heartbeat?pulsetime=1", body).status, 404);
  EXPECT_EQ(call("GET", path + "?pulsetime=1").status, 405);
}

TEST_F(AwApiTest, PostEventsOneOrMany) {
  create_bucket();
  const std::string path = std::string(kBucket) + "/events";
  const auto one = call("POST", path, heartbeat_body("2026-01-05T10:00:00Z", 1));
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(body_json(one).as_array().size(), 1U);
  const std::string many = "[" + heartbeat_body("2026-01-05T10:01:00Z", 1) + "," +
                           heartbeat_body("2026-01-05T10:02:00+00:00", 1.5, "https://b.test/") +
                           "]";
  ASSERT_EQ(call("POST", path, many).status, 200);
  EXPECT_EQ(hooked.size(), 3U);

  const auto all = body_json(call("GET", path)).as_array();
  ASSERT_EQ(all.size(), 3U);
  EXPECT_EQ(all[0].at("data").at("url"), "https://b.test/");
  EXPECT_EQ(all[0].at("duration").to_number<double>(), 1.5);

  const auto limited = call("GET", path + "?limit=1");
  EXPECT_EQ(body_json(limited).as_array().size(), 1U);
  const auto ranged =
      call("GET", path + "?start=2026-01-05T10:00:30%2B00:00&end=2026-01-05T10:01:30Z");
  ASSERT_EQ(ranged.status, 200) << ranged.body;
  ASSERT_EQ(body_json(ranged).as_array().size(), 1U);
  EXPECT_EQ(body_json(ranged).as_array()[0].at("timestamp"), "2026-01-05T10:01:00.000+00:00");
  EXPECT_EQ(call("GET", path + "?start=2026-01-05T10:00:30+00:00").status, 200);
  EXPECT_EQ(call("GET", path + "?limit=x").status, 400);
  EXPECT_EQ(call("GET", path + "?start=yesterday").status, 400);
  EXPECT_EQ(call("GET", "/api/0/buckets/none/events").status, 404);

  // One bad event rejects the whole array, naming it.
  const std::string bad =
      "[" + heartbeat_body("2026-01-05T10:03:00Z", 1) + R"(,{"timestamp":"nope","data":{}}])";
  const auto refused = call("POST", path, bad);
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(error_message(refused).rfind("$[1].timestamp: ", 0), 0U) << refused.body;
  EXPECT_EQ(body_json(call("GET", path)).as_array().size(), 3U);
}

TEST_F(AwApiTest, BadEventsAndJson) {
  create_bucket();
  const std::string path = std::string(kBucket) + "/heartbeat?pulsetime=1";
  EXPECT_EQ(call("POST", path, "{not json").status, 400);
  EXPECT_EQ(call("POST", path, "").status, 400);
  EXPECT_EQ(error_message(call("POST", path, R"({"timestamp":"2026-01-05T10:00:00Z"})")),
            "$.data: is required");
  EXPECT_EQ(error_message(call("POST", path,
                               R"({"timestamp":"2026-01-05T10:00:00Z","duration":"1","data":{}})")),
            "$.duration: must be a number");
  EXPECT_EQ(
      call("POST", path, R"({"timestamp":"2026-01-05T10:00:00Z","duration":-1,"data":{}})").status,
      400);
  EXPECT_EQ(call("POST", path, R"({"timestamp":5,"data":{}})").status, 400);
  std::string deep(100, '[');
  EXPECT_EQ(call("POST", path, deep + std::string(100, ']')).status, 400);
}

TEST_F(AwApiTest, MalformedUrlsAreRefusedAndNothingIsStored) {
  create_bucket();
  const std::string path = std::string(kBucket) + "/heartbeat?pulsetime=1";
  const auto event = [](json::value url) {
    return json::serialize(json::object{{"timestamp", "2026-01-05T10:00:00Z"},
                                        {"data", json::object{{"url", std::move(url)}}}});
  };
  EXPECT_EQ(error_message(call("POST", path, event("not a url"))),
            "$.data.url: is not an absolute URL");
  EXPECT_EQ(error_message(call("POST", path, event("http://exa mple.com/"))),
            "$.data.url: is not an absolute URL");
  EXPECT_EQ(error_message(call("POST", path, event(42))), "$.data.url: must be a string");
  EXPECT_EQ(error_message(call("POST", path,
                               event(json::string("https://a.example/" + std::string(2100, 'p'))))),
            "$.data.url: must be at most 2048 bytes");
  EXPECT_EQ(body_json(call("GET", std::string(kBucket) + "/events")).as_array().size(), 0U);
  // Pages that are not on the web are URLs too; an empty one means "no page".
  EXPECT_EQ(call("POST", path, event("chrome://newtab/")).status, 200);
  EXPECT_EQ(call("POST", path, event("https://mail.example/inbox?q=1#message-7")).status, 200);
  EXPECT_EQ(call("POST", path, event("")).status, 200);
}

TEST_F(AwApiTest, AnIncognitoReportKeepsNeitherUrlNorTitle) {
  create_bucket();
  const std::string path = std::string(kBucket) + "/heartbeat?pulsetime=1";
  const std::string body =
      json::serialize(json::object{{"timestamp", "2026-01-05T10:00:00Z"},
                                   {"data", json::object{{"url", "https://secret.example/x"},
                                                         {"title", "Secret"},
                                                         {"incognito", true},
                                                         {"tabCount", 3}}}});
  const auto answer = call("POST", path, body);
  EXPECT_EQ(answer.status, 200);
  const std::string stored =
      json::serialize(body_json(call("GET", std::string(kBucket) + "/events")));
  EXPECT_EQ(stored.find("secret"), std::string::npos) << stored;
  EXPECT_EQ(stored.find("Secret"), std::string::npos) << stored;
  EXPECT_NE(stored.find("\"incognito\":true"), std::string::npos) << stored;
}

TEST_F(AwApiTest, InvalidUtf8NamesTheField) {
  create_bucket();
  const std::string path = std::string(kBucket) + "/heartbeat?pulsetime=1";
  const std::string body =
      "{\"timestamp\":\"2026-01-05T10:00:00Z\",\"data\":{\"title\":\"bad \xC3\x28 text\"}}";
  const auto response = call("POST", path, body);
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(error_message(response), "$.data.title: must be valid UTF-8");
  const std::string in_key = "{\"timestamp\":\"2026-01-05T10:00:00Z\",\"data\":{\"\xFF\":1}}";
  EXPECT_EQ(error_message(call("POST", path, in_key)), "$.data (a key): must be valid UTF-8");
  EXPECT_EQ(body_json(call("GET", std::string(kBucket) + "/events")).as_array().size(), 0U);
}

TEST_F(AwApiTest, Limits) {
  create_bucket();
  const std::string path = std::string(kBucket) + "/heartbeat?pulsetime=1";
  const auto huge = call("POST", path, std::string(kMaxBodyBytes + 1, ' '));
  EXPECT_EQ(huge.status, 413);
  const std::string big_title(100 * 1024, 'x');  // a 100 KB title
  const auto big_data =
      call("POST", path,
           json::serialize(json::object{{"timestamp", "2026-01-05T10:00:00Z"},
                                        {"data", json::object{{"title", big_title}}}}));
  EXPECT_EQ(big_data.status, 413);
  EXPECT_EQ(error_message(big_data), "$.data: must be at most 65536 bytes as JSON");
  // The API keeps working after refusals.
  EXPECT_EQ(call("POST", path, heartbeat_body("2026-01-05T10:00:00Z", 1)).status, 200);
}

TEST_F(AwApiTest, RateLimitsHeartbeatFloods) {
  create_bucket();
  const std::string path = std::string(kBucket) + "/heartbeat?pulsetime=1";
  const std::string body = heartbeat_body("2026-01-05T10:00:00Z", 0);
  for (int beat_idx = 0; beat_idx < kMaxHeartbeatsPerSecond; ++beat_idx) {
    ASSERT_EQ(call("POST", path, body).status, 200) << beat_idx;
  }
  const auto refused = call("POST", path, body);
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(json::value_to<std::string>(body_json(refused).at("error").at("code")), "rate_limited");
  clock.advance(1000);
  EXPECT_EQ(call("POST", path, body).status, 200);
}

TEST_F(AwApiTest, RefusesForeignHosts) {
  for (const char* host :
       {"127.0.0.1", "127.0.0.1:5600", "localhost", "LOCALHOST:5600", "[::1]", "[::1]:5600"}) {
    EXPECT_EQ(call("GET", "/api/0/info", "", "", host).status, 200) << host;
  }
  for (const char* host :
       {"", "evil.test", "evil.test:5600", "127.0.0.1:5601", "localhost:", "127.0.0.2",
        "localhost.evil.test", "[::1", "[::2]:5600", "127.0.0.1:5600:1", "localhost:5600x"}) {
    const auto response = call("GET", "/api/0/info", "", "", host);
    EXPECT_EQ(response.status, 403) << host;
    EXPECT_EQ(json::value_to<std::string>(body_json(response).at("error").at("code")),
              "permission_denied");
  }
}

TEST_F(AwApiTest, OriginsAndPreflight) {
  const auto allowed = call("GET", "/api/0/info", "", kExtension);
  EXPECT_EQ(allowed.status, 200);
  EXPECT_EQ(header(allowed, "Access-Control-Allow-Origin"), kExtension);
  EXPECT_EQ(header(allowed, "Vary"), "Origin");
  EXPECT_EQ(header(call("GET", "/api/0/nothing", "", kExtension), "Access-Control-Allow-Origin"),
            kExtension);  // errors too, so the extension can read them

  const auto foreign = call("GET", "/api/0/info", "", "https://evil.test");
  EXPECT_EQ(foreign.status, 403);
  EXPECT_EQ(header(foreign, "Access-Control-Allow-Origin"), "");
  EXPECT_EQ(call("POST", kBucket, kCreateBody, "null").status, 403);
  EXPECT_EQ(call("GET", "/api/0/info").headers.size(), 0U);  // no Origin: no CORS

  const auto preflight = call("OPTIONS", kBucket, "", kExtension);
  EXPECT_EQ(preflight.status, 204);
  EXPECT_TRUE(preflight.body.empty());
  EXPECT_EQ(header(preflight, "Access-Control-Allow-Origin"), kExtension);
  EXPECT_EQ(header(preflight, "Access-Control-Allow-Methods"), "GET, POST, DELETE");
  EXPECT_EQ(header(preflight, "Access-Control-Allow-Headers"), "Content-Type");
  EXPECT_EQ(call("OPTIONS", kBucket, "", "https://evil.test").status, 403);
  EXPECT_EQ(call("OPTIONS", kBucket).status, 403);
  EXPECT_EQ(call("OPTIONS", kBucket, "", kExtension, "evil.test").status, 403);
}

}  // namespace
}  // namespace worktrace::agent::local_api
