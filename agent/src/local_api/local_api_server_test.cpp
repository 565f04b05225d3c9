#include "local_api/local_api_server.hpp"

#include "local_api/aw_api.hpp"
#include "local_api/pairing.hpp"
#include "protocol/json_reader.hpp"
#include "testing/temp_dir.hpp"

#include <gtest/gtest.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace worktrace::agent::local_api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;

constexpr EpochMs kT0 = 1'767'607'200'000;  // 2026-01-05T10:00:00Z
constexpr const char* kBucket = "/api/0/buckets/aw-watcher-web-chromium";
constexpr const char* kCreateBody =
    R"({"client":"aw-client-web","type":"web.tab.current","hostname":"box"})";
const std::string kOurs(kWorktraceExtensionOrigin);

struct Reply {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-cased
  bool keep_alive = false;

  [[nodiscard]] json::value json() const { return protocol::parse_json(body).value(); }
  [[nodiscard]] std::string header(const std::string& name) const {
    const auto found = headers.find(name);
    return found == headers.end() ? std::string() : found->second;
  }
  [[nodiscard]] std::string error_message() const {
    return std::string(json().at("error").at("message").as_string());
  }
};

// One keep-alive HTTP/1.1 connection to the listener, with blocking calls.
class Client {
 public:
  explicit Client(std::uint16_t port) : port_(port), socket_(io_) {
    socket_.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port));
  }

  struct Call {
    std::string method = "GET";
    std::string target = "/api/0/info";
    std::string body{};
    std::vector<std::pair<std::string, std::string>> headers{};
    std::string host{};  // default 127.0.0.1:<port>
  };

  Reply send(const Call& call) {
    http::request<http::string_body> request{http::string_to_verb(call.method), call.target, 11};
    request.method_string(call.method);
    request.set(http::field::host,
                call.host.empty() ? "127.0.0.1:" + std::to_string(port_) : call.host);
    for (const auto& [name, value] : call.headers) request.set(name, value);
    request.body() = call.body;
    if (!call.body.empty()) request.set(http::field::content_type, "application/json");
    request.prepare_payload();
    http::write(socket_, request);
    return receive();
  }

  Reply receive() {
    http::response_parser<http::string_body> parser;
    parser.body_limit(16 << 20);
    http::read(socket_, buffer_, parser);
    Reply reply;
    reply.status = static_cast<int>(parser.get().result_int());
    reply.body = parser.get().body();
    reply.keep_alive = parser.get().keep_alive();
    for (const auto& field : parser.get()) {
      std::string name(field.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      reply.headers[name] = std::string(field.value());
    }
    return reply;
  }

  tcp::socket& socket() { return socket_; }

 private:
  std::uint16_t port_;
  asio::io_context io_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

std::string heartbeat_body(const std::string& timestamp, double duration_s,
                           const std::string& url = "https://a.test/") {
  return json::serialize(json::object{{"timestamp", timestamp},
                                      {"duration", duration_s},
                                      {"data", json::object{{"url", url},
                                                            {"title", "A"},
                                                            {"audible", false},
                                                            {"incognito", false},
                                                            {"tabCount", 3}}}});
}

struct LocalApiServerTest : ::testing::Test {
  LocalApiServerTest() { start(); }

  void start(std::vector<std::string> extra_origins = {}) {
    LocalApiServerOptions options;
    options.port = 0;
    options.extra_origins = std::move(extra_origins);
    options.config_dir = dir.path();
    options.hostname = "box";
    options.version = "v0.5.0";
    options.device_id = "dev_7";
    server.reset();
    auto started = LocalApiServer::start(
        clock, options,
        [this](std::string_view type, const AwEvent& event) {
          std::lock_guard lock(mutex);
          hooked.emplace_back(std::string(type), event);
        },
        [] {
          return json::object{{"tracking", "active"}, {"url_mode", "strip_query"}};
        });
    ASSERT_TRUE(started) << started.error().message;
    server = std::move(*started);
    ASSERT_NE(server->port(), 0);
  }

  Client client() { return Client(server->port()); }

  std::vector<std::pair<std::string, AwEvent>> hooked_events() {
    std::lock_guard lock(mutex);
    return hooked;
  }

  agent::testing::TempDir dir;
  ManualClock clock{kT0};
  std::mutex mutex;
  std::vector<std::pair<std::string, AwEvent>> hooked;  // guarded by mutex
  std::unique_ptr<LocalApiServer> server;
};

TEST_F(LocalApiServerTest, InfoReportsWorktraceState) {
  auto http = client();
  const auto info = http.send({});
  ASSERT_EQ(info.status, 200) << info.body;
  EXPECT_EQ(info.header("content-type"), "application/json");
  EXPECT_TRUE(info.keep_alive);
  EXPECT_EQ(info.json(), protocol::parse_json(R"({"hostname":"box","version":"v0.5.0",
      "testing":false,"device_id":"dev_7",
      "worktrace":{"tracking":"active","url_mode":"strip_query","paired":false}})")
                             .value());
  const auto ours = http.send({.headers = {{"Origin", kOurs}}});
  ASSERT_EQ(ours.status, 200);
  EXPECT_EQ(ours.json().at("worktrace").at("paired"), true);
  EXPECT_EQ(ours.header("access-control-allow-origin"), kOurs);
  const auto aw = http.send({.headers = {{"Origin", std::string(kActivityWatchExtensionOrigin)}}});
  EXPECT_EQ(aw.json().at("worktrace").at("paired"), true);
  const auto stranger = http.send({.headers = {{"Origin", "chrome-extension://strangerstranger"}}});
  ASSERT_EQ(stranger.status, 200);
  EXPECT_EQ(stranger.json().at("worktrace").at("paired"), false);
}

TEST_F(LocalApiServerTest, CreateBucketThenHeartbeatMergeVectors) {
  auto http = client();
  const std::vector<std::pair<std::string, std::string>> origin{{"Origin", kOurs}};
  const auto created = http.send({"POST", kBucket, kCreateBody, origin});
  ASSERT_EQ(created.status, 200) << created.body;
  const auto again = http.send({"POST", kBucket, kCreateBody, origin});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(again.header("access-control-allow-origin"), kOurs);

  const std::string heartbeat = std::string(kBucket) + "/heartbeat?pulsetime=";
  const auto first =
      http.send({"POST", heartbeat + "2", heartbeat_body("2026-01-05T10:00:00Z", 1), origin});
  ASSERT_EQ(first.status, 200) << first.body;
  // Last event at t0 lasting 1 s, heartbeat at t0 + 2 s: pulsetime 2 merges to 3 s.
  const auto merged =
      http.send({"POST", heartbeat + "2", heartbeat_body("2026-01-05T10:00:02+00:00", 1), origin});
  ASSERT_EQ(merged.status, 200) << merged.body;
  EXPECT_EQ(merged.json().at("id"), first.json().at("id"));
  EXPECT_EQ(merged.json().at("duration").to_number<double>(), 3.0);
  EXPECT_EQ(merged.json().at("timestamp"), "2026-01-05T10:00:00.000+00:00");

  // The same gap with pulsetime 0 makes a new event.
  const auto separate =
      http.send({"POST", heartbeat + "0", heartbeat_body("2026-01-05T10:00:05.000Z", 1), origin});
  ASSERT_EQ(separate.status, 200);
  EXPECT_NE(separate.json().at("id"), first.json().at("id"));
  const auto events = http.send({"GET", std::string(kBucket) + "/events", "", origin});
  ASSERT_EQ(events.status, 200);
  ASSERT_EQ(events.json().as_array().size(), 2U);
  EXPECT_EQ(events.json().at(1).at("duration").to_number<double>(), 3.0);

  const auto hooked = hooked_events();
  ASSERT_EQ(hooked.size(), 3U);
  for (const auto& [type, event] : hooked) EXPECT_EQ(type, "web.tab.current");
  EXPECT_EQ(hooked[1].second.duration_ms, 3'000);
  EXPECT_EQ(hooked[1].second.data.at("url"), "https://a.test/");
  EXPECT_EQ(hooked[2].second.timestamp_ms, kT0 + 5'000);
}

TEST_F(LocalApiServerTest, ForeignHostAndOriginAreRefused) {
  auto http = client();
  for (const char* host : {"evil.test", "evil.test:5600", "127.0.0.1:1"}) {
    const auto refused = http.send({.host = host});
    EXPECT_EQ(refused.status, 403) << host;
    EXPECT_EQ(refused.error_message(), "Host must be 127.0.0.1 or localhost");
  }
  EXPECT_EQ(http.send({.host = "localhost:" + std::to_string(server->port())}).status, 200);
  const auto foreign = http.send({"POST", kBucket, kCreateBody, {{"Origin", "https://evil.test"}}});
  EXPECT_EQ(foreign.status, 403);
  EXPECT_EQ(foreign.header("access-control-allow-origin"), "");
  EXPECT_EQ(http.send({"GET", "/api/0/buckets/", "", {{"Origin", "https://evil.test"}}}).status,
            403);
  EXPECT_EQ(http.send({"GET", "/api/0/info", "", {{"Origin", "https://evil.test"}}}).status, 403);
  // No Origin (curl, editor plugins): the Host check only.
  EXPECT_EQ(http.send({"POST", kBucket, kCreateBody}).status, 200);
}

TEST_F(LocalApiServerTest, ExtraOriginsAreAllowed) {
  start({"http://localhost:3000"});
  auto http = client();
  EXPECT_EQ(http.send({"GET", "/api/0/buckets/", "", {{"Origin", "http://localhost:3000"}}}).status,
            200);
  EXPECT_EQ(http.send({"GET", "/api/0/buckets/", "", {{"Origin", "http://localhost:3001"}}}).status,
            403);
}

TEST_F(LocalApiServerTest, PrivateNetworkAccessPreflight) {
  auto http = client();
  const auto preflight = http.send({"OPTIONS",
                                    kBucket + std::string("/heartbeat?pulsetime=65"),
                                    "",
                                    {{"Origin", kOurs},
                                     {"Access-Control-Request-Method", "POST"},
                                     {"Access-Control-Request-Headers", "content-type"},
                                     {"Access-Control-Request-Private-Network", "true"}}});
  EXPECT_EQ(preflight.status, 204);
  EXPECT_EQ(preflight.header("access-control-allow-private-network"), "true");
  EXPECT_EQ(preflight.header("access-control-allow-origin"), kOurs);
  EXPECT_EQ(preflight.header("access-control-allow-headers"), "Content-Type");
  const auto foreign = http.send(
      {"OPTIONS",
       kBucket,
       "",
       {{"Origin", "https://evil.test"}, {"Access-Control-Request-Private-Network", "true"}}});
  EXPECT_EQ(foreign.status, 403);
  EXPECT_EQ(foreign.header("access-control-allow-private-network"), "");
}

TEST_F(LocalApiServerTest, OversizedAndInvalidBodiesGetClearErrors) {
  {
    auto http = client();
    const auto too_large =
        http.send({"POST", kBucket, std::string(kMaxBodyBytes + 1, ' '), {{"Origin", kOurs}}});
    EXPECT_EQ(too_large.status, 413);
    EXPECT_EQ(too_large.error_message(), "body: must be at most 1048576 bytes");
    EXPECT_EQ(too_large.header("access-control-allow-origin"), kOurs);
    EXPECT_FALSE(too_large.keep_alive);
  }
  auto http = client();
  ASSERT_EQ(http.send({"POST", kBucket, kCreateBody}).status, 200);
  const std::string heartbeat = std::string(kBucket) + "/heartbeat?pulsetime=65";
  const std::string long_title(100 * 1024, 'x');
  const auto long_one =
      http.send({"POST", heartbeat,
                 json::serialize(json::object{
                     {"timestamp", "2026-01-05T10:00:00Z"},
                     {"duration", 0},
                     {"data", json::object{{"url", "https://a.test/"}, {"title", long_title}}}})});
  EXPECT_EQ(long_one.status, 413);
  EXPECT_EQ(long_one.error_message(), "$.data: must be at most 65536 bytes as JSON");
  const auto bad_utf8 = http.send(
      {"POST", heartbeat,
       R"({"timestamp":"2026-01-05T10:00:00Z","duration":0,"data":{"url":"https://a.test/","title":"bad )"
       "\xff\xfe"
       R"("}})"});
  EXPECT_EQ(bad_utf8.status, 400);
  EXPECT_EQ(bad_utf8.error_message(), "$.data.title: must be valid UTF-8");
  const auto bad_json = http.send({"POST", heartbeat, "{not json"});
  EXPECT_EQ(bad_json.status, 400);
  const auto bad_time = http.send({"POST", heartbeat, heartbeat_body("yesterday", 0)});
  EXPECT_EQ(bad_time.status, 400);
  // The connection still serves.
  EXPECT_EQ(http.send({}).status, 200);
  EXPECT_TRUE(hooked_events().empty());
}

TEST_F(LocalApiServerTest, HeartbeatFloodIsRateLimitedAndTheServerKeepsAnswering) {
  auto http = client();
  ASSERT_EQ(http.send({"POST", kBucket, kCreateBody}).status, 200);
  const std::string heartbeat = std::string(kBucket) + "/heartbeat?pulsetime=65";
  int ok = 0;
  int limited = 0;
  for (int beat = 0; beat < 200; ++beat) {
    const auto reply = http.send(
        {"POST", heartbeat,
         heartbeat_body("2026-01-05T10:00:00Z", 0, "https://a.test/" + std::to_string(beat))});
    if (reply.status == 200) ++ok;
    if (reply.status == 429) {
      ++limited;
      EXPECT_EQ(reply.json().at("error").at("code"), "rate_limited");
    }
  }
  EXPECT_EQ(ok, kMaxHeartbeatsPerSecond);
  EXPECT_EQ(limited, 200 - kMaxHeartbeatsPerSecond);
  EXPECT_EQ(http.send({}).status, 200);
  clock.advance(1'000);
  EXPECT_EQ(http.send({"POST", heartbeat, heartbeat_body("2026-01-05T10:00:01Z", 0)}).status, 200);
}

TEST_F(LocalApiServerTest, PairingOverHttpPersistsTheOrigin) {
  const std::string firefox = "moz-extension://0b5a1c3e-8a52-4f3e-9a57-6f2a0f6d1c2b";
  const std::vector<std::pair<std::string, std::string>> origin{{"Origin", firefox}};
  auto http = client();
  EXPECT_EQ(http.send({"GET", "/api/0/buckets/", "", origin}).status, 403);
  const auto preflight =
      http.send({"OPTIONS",
                 "/api/0/worktrace/pair",
                 "",
                 {{"Origin", firefox}, {"Access-Control-Request-Private-Network", "true"}}});
  EXPECT_EQ(preflight.status, 204);
  EXPECT_EQ(preflight.header("access-control-allow-private-network"), "true");

  const auto none = http.send({"POST", "/api/0/worktrace/pair", R"({"code":"ABCD1234"})", origin});
  EXPECT_EQ(none.status, 403);
  auto issued = issue_pairing_code(dir.path(), clock);
  ASSERT_TRUE(issued);
  std::string wrong = issued->code;
  wrong.back() = wrong.back() == '0' ? '1' : '0';
  const auto refused =
      http.send({"POST", "/api/0/worktrace/pair", R"({"code":")" + wrong + "\"}", origin});
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(refused.error_message(), "wrong pairing code");
  const auto paired =
      http.send({"POST", "/api/0/worktrace/pair", R"({"code":")" + issued->code + "\"}", origin});
  ASSERT_EQ(paired.status, 200) << paired.body;
  EXPECT_EQ(paired.json(),
            protocol::parse_json(R"({"paired":true,"origin":")" + firefox + "\"}").value());
  EXPECT_EQ(paired.header("access-control-allow-origin"), firefox);
  EXPECT_EQ(http.send({"GET", "/api/0/buckets/", "", origin}).status, 200);
  const auto reused =
      http.send({"POST", "/api/0/worktrace/pair", R"({"code":")" + issued->code + "\"}", origin});
  EXPECT_EQ(reused.status, 403);

  // Two more wrong attempts (five with the three above: no code, wrong code, reused code) and
  // even the right code is refused with 429.
  auto next = issue_pairing_code(dir.path(), clock);
  ASSERT_TRUE(next);
  std::string next_wrong = next->code;
  next_wrong.back() = next_wrong.back() == '0' ? '1' : '0';
  for (int attempt = 0; attempt < 2; ++attempt) {
    EXPECT_EQ(
        http.send({"POST", "/api/0/worktrace/pair", R"({"code":")" + next_wrong + "\"}", origin})
            .status,
        403);
  }
  const auto limited =
      http.send({"POST", "/api/0/worktrace/pair", R"({"code":")" + next->code + "\"}", origin});
  EXPECT_EQ(limited.status, 429);

  // A restarted listener reads the paired origins back.
  start();
  auto after = client();
  EXPECT_EQ(after.send({"GET", "/api/0/buckets/", "", origin}).status, 200);
  EXPECT_EQ(after.send({"GET", "/api/0/info", "", origin}).json().at("worktrace").at("paired"),
            true);
}

TEST_F(LocalApiServerTest, ConnectionLimitRefusesTheSixtyFifth) {
  std::vector<std::unique_ptr<Client>> open;
  for (int conn_idx = 0; conn_idx < 64; ++conn_idx) {
    open.push_back(std::make_unique<Client>(server->port()));
    ASSERT_EQ(open.back()->send({}).status, 200) << conn_idx;
  }
  Client extra(server->port());
  EXPECT_THROW(extra.send({}), boost::system::system_error);
  open.pop_back();
  // The listener notices the closed connection and takes a new one.
  bool served = false;
  for (int attempt = 0; attempt < 50 && !served; ++attempt) {
    try {
      served = client().send({}).status == 200;
    } catch (const boost::system::system_error&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  EXPECT_TRUE(served);
}

TEST_F(LocalApiServerTest, BusyPortIsUnavailableAndStopIsIdempotent) {
  LocalApiServerOptions options;
  options.port = server->port();
  options.config_dir = dir.path();
  auto second = LocalApiServer::start(clock, options, nullptr, nullptr);
  ASSERT_FALSE(second);
  EXPECT_TRUE(second.error().is(Errc::unavailable));
  EXPECT_NE(second.error().message.find("127.0.0.1:" + std::to_string(server->port())),
            std::string::npos);
  auto http = client();
  ASSERT_EQ(http.send({}).status, 200);
  server->stop();
  server->stop();
  EXPECT_THROW(http.send({}), boost::system::system_error);
}

}  // namespace
}  // namespace worktrace::agent::local_api
