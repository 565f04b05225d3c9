// The server over real sockets: HTTP semantics, limits, static files, metrics, shutdown, TLS.
#include "net/server.hpp"

#include "core/version.hpp"
#include "net/test_client.hpp"
#include "net/test_server.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace worktrace::net::testing {
namespace {

namespace json = boost::json;

class ServerTest : public ::testing::Test {
 protected:
  TestServer server;
};

// True when a new connection to `port` gets /healthz answered.
bool serves_a_new_client(std::uint16_t port) {
  try {
    HttpClient again(port);
    return again.request("GET", "/healthz").status == 200;
  } catch (const std::exception&) {
    return false;
  }
}

TEST_F(ServerTest, HealthzAnswersOkWithTheVersionAndTheStandardHeaders) {
  server.start();
  HttpClient client(server.port());
  const HttpReply reply = client.request("GET", "/healthz");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(json::parse(reply.body),
            json::parse(std::string(R"({"status":"ok","version":")") + kVersion + "\"}"));
  expect_standard_headers(reply);
  EXPECT_TRUE(reply.keep_alive);
}

TEST_F(ServerTest, ClientOverItsRequestRateGets429ButHealthzStillAnswers) {
  ServerOptions options = server.default_options();
  options.api_rate_per_s = 0.001;  // no refill within the test
  options.api_burst = 3;
  server.start(options);
  HttpClient client(server.port());
  for (int request_idx = 0; request_idx < 3; ++request_idx) {
    EXPECT_EQ(client.request("GET", "/api/v1/echo").status, 200);
  }
  const HttpReply limited = client.request("GET", "/api/v1/echo");
  expect_error(limited, 429, "rate_limited");
  EXPECT_EQ(limited.header("retry-after"), "1");
  EXPECT_EQ(client.request("GET", "/healthz").status, 200);
}

TEST_F(ServerTest, UnknownPathIs404AndWrongMethodIs405WithAllow) {
  server.start();
  HttpClient client(server.port());
  expect_error(client.request("GET", "/api/v1/nothing"), 404, "not_found");
  const HttpReply wrong_method = client.request("DELETE", "/api/v1/echo");
  expect_error(wrong_method, 405, "method_not_allowed");
  EXPECT_EQ(wrong_method.header("allow"), "GET, POST");
  const HttpReply healthz_post = client.request("POST", "/healthz");
  expect_error(healthz_post, 405, "method_not_allowed");
  EXPECT_EQ(healthz_post.header("allow"), "GET, HEAD");
  // Paths under /api never fall back to the dashboard.
  expect_error(client.request("GET", "/api"), 404, "not_found");
}

TEST_F(ServerTest, HandlerExceptionIs500AndTheConnectionStaysUsable) {
  server.start();
  HttpClient client(server.port());
  const HttpReply failed = client.request("GET", "/api/v1/throw");
  expect_error(failed, 500, "internal");
  EXPECT_EQ(failed.body.find("handler bug"), std::string::npos);  // no internal detail
  EXPECT_TRUE(failed.keep_alive);
  EXPECT_EQ(client.request("GET", "/healthz").status, 200);
}

TEST_F(ServerTest, HandlersSeeTheDecodedPathQueryLowerCaseHeadersAndThePeer) {
  server.start();
  HttpClient client(server.port());
  const HttpReply reply = client.request(
      "POST", "/api/v1/echo?name=jane%20doe&tag=a+b&flag&name=second",
      {{"X-Test-Header", "Value"}, {"Content-Type", "application/json"}}, R"({"a":1})");
  ASSERT_EQ(reply.status, 200) << reply.body;
  const json::value seen = json::parse(reply.body);
  EXPECT_EQ(seen.at("method").as_string(), "POST");
  EXPECT_EQ(seen.at("path").as_string(), "/api/v1/echo");
  EXPECT_EQ(seen.at("target").as_string(), "/api/v1/echo?name=jane%20doe&tag=a+b&flag&name=second");
  EXPECT_EQ(seen.at("query"), json::parse(R"({"name":"jane doe","tag":"a b","flag":""})"));
  EXPECT_EQ(seen.at("headers").at("x-test-header").as_string(), "Value");
  EXPECT_EQ(seen.at("body").as_string(), R"({"a":1})");
  EXPECT_EQ(seen.at("remote_ip").as_string(), "127.0.0.1");
  EXPECT_FALSE(seen.at("secure").as_bool());

  const HttpReply item = client.request("GET", "/api/v1/items/a%20b");
  EXPECT_EQ(json::parse(item.body), json::parse(R"({"id":"a b"})"));
}

TEST_F(ServerTest, BadTargetsAre400) {
  server.start();
  HttpClient client(server.port());
  expect_error(client.request("GET", "/api/v1/echo%00x"), 400, "invalid_argument");
  HttpClient absolute(server.port());
  expect_error(absolute.request("GET", "http://example.com/healthz"), 400, "invalid_argument");
}

TEST_F(ServerTest, BodyOverTheLimitIs413AndTheServerKeepsServing) {
  auto options = server.default_options();
  options.max_body_bytes = 1024;
  server.start(options);
  {
    HttpClient client(server.port());
    const HttpReply too_big = client.request(
        "POST", "/api/v1/echo", {{"Content-Type", "application/json"}}, std::string(4096, 'x'));
    expect_error(too_big, 413, "payload_too_large");
    EXPECT_FALSE(too_big.keep_alive);
  }
  {
    // Chunked: the size is known only while reading.
    RawConnection raw(server.port());
    raw.send(
        "POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        "400\r\n" +
        std::string(1024, 'y') + "\r\n400\r\n" + std::string(1024, 'y') + "\r\n0\r\n\r\n");
    const std::string answer = raw.read_until_close();
    EXPECT_EQ(answer.rfind("HTTP/1.1 413", 0), 0u) << answer;
    EXPECT_NE(answer.find("payload_too_large"), std::string::npos);
  }
  HttpClient next(server.port());
  const HttpReply fits = next.request("POST", "/api/v1/echo", {}, std::string(1024, 'z'));
  EXPECT_EQ(fits.status, 200);
}

TEST_F(ServerTest, OversizedHeaderIs431) {
  auto options = server.default_options();
  options.max_header_bytes = 2048;
  server.start(options);
  HttpClient client(server.port());
  const HttpReply reply = client.request("GET", "/healthz", {{"X-Big", std::string(4096, 'h')}});
  EXPECT_EQ(reply.status, 431);
  EXPECT_EQ(json::parse(reply.body).at("error").at("code").as_string(), "invalid_argument");
  expect_standard_headers(reply);
}

TEST_F(ServerTest, MalformedRequestIs400AndClosesButOthersAreServed) {
  server.start();
  RawConnection raw(server.port());
  raw.send("THIS IS NOT HTTP\r\n\r\n");
  const std::string answer = raw.read_until_close();
  EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << answer;
  EXPECT_NE(answer.find(R"("code":"invalid_argument")"), std::string::npos) << answer;
  EXPECT_NE(answer.find("Content-Security-Policy"), std::string::npos);
  HttpClient client(server.port());
  EXPECT_EQ(client.request("GET", "/healthz").status, 200);
}

TEST_F(ServerTest, ExpectContinueIsAnsweredBeforeTheBody) {
  server.start();
  RawConnection raw(server.port());
  raw.send(
      "POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n"
      "Connection: close\r\n\r\n");
  raw.send("hello");
  const std::string answer = raw.read_until_close();
  EXPECT_EQ(answer.rfind("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200", 0), 0u) << answer;
  EXPECT_NE(answer.find(R"("body":"hello")"), std::string::npos);
}

TEST_F(ServerTest, SlowClientIsCutOffByTheRequestTimeout) {
  auto options = server.default_options();
  options.request_timeout = std::chrono::milliseconds(300);
  server.start(options);
  RawConnection raw(server.port());
  raw.send("GET /healthz HTTP/1.1\r\nHost: x\r\n");  // never finished
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(raw.read_until_close(), "");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
}

TEST_F(ServerTest, ConnectionsBeyondTheLimitAreClosed) {
  auto options = server.default_options();
  options.max_connections = 1;
  server.start(options);
  auto first = std::make_unique<HttpClient>(server.port());
  EXPECT_EQ(first->request("GET", "/healthz").status, 200);
  RawConnection refused(server.port());
  EXPECT_EQ(refused.read_until_close(), "");
  first.reset();
  // Once the first connection is gone, a new one is served.
  EXPECT_TRUE(eventually([&] { return serves_a_new_client(server.port()); }));
}

TEST_F(ServerTest, OneAddressCannotTakeMoreThanItsShareOfConnections) {
  auto options = server.default_options();
  options.max_connections_per_ip = 2;
  server.start(options);
  auto first = std::make_unique<HttpClient>(server.port());
  HttpClient second(server.port());
  EXPECT_EQ(first->request("GET", "/healthz").status, 200);
  EXPECT_EQ(second.request("GET", "/healthz").status, 200);
  RawConnection refused(server.port());
  EXPECT_EQ(refused.read_until_close(), "");
  first.reset();
  EXPECT_TRUE(eventually([&] { return serves_a_new_client(server.port()); }));
}

TEST_F(ServerTest, StaticFilesHaveContentTypesAndCacheHeaders) {
  server.start();
  HttpClient client(server.port());
  struct Case {
    std::string path;
    std::string content_type;
    std::string cache_control;
  };
  const std::string immutable = "public, max-age=31536000, immutable";
  const std::vector<Case> cases{
      {"/", "text/html; charset=utf-8", "no-cache"},
      {"/index.html", "text/html; charset=utf-8", "no-cache"},
      {"/assets/app-4f2a.js", "text/javascript; charset=utf-8", immutable},
      {"/assets/chunk-77.mjs", "text/javascript; charset=utf-8", immutable},
      {"/assets/app-4f2a.js.map", "application/json", immutable},
      {"/assets/style-9c.css", "text/css; charset=utf-8", immutable},
      {"/assets/font-1.woff2", "font/woff2", immutable},
      {"/data.json", "application/json", "no-cache"},
      {"/logo.svg", "image/svg+xml", "no-cache"},
      {"/logo.png", "image/png", "no-cache"},
      {"/photo.jpg", "image/jpeg", "no-cache"},
      {"/favicon.ico", "image/x-icon", "no-cache"},
      {"/robots.txt", "text/plain; charset=utf-8", "no-cache"},
      {"/site.webmanifest", "application/manifest+json", "no-cache"},
  };
  for (const Case& test_case : cases) {
    SCOPED_TRACE(test_case.path);
    const HttpReply reply = client.request("GET", test_case.path);
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(reply.header("content-type"), test_case.content_type);
    EXPECT_EQ(reply.header("cache-control"), test_case.cache_control);
    EXPECT_FALSE(reply.header("etag").empty());
    expect_standard_headers(reply);
  }
  EXPECT_EQ(client.request("GET", "/assets/app-4f2a.js").body, "console.log('app');");
  EXPECT_EQ(client.request("GET", "/logo.png").body, std::string("\x89PNG\r\n\x1a\n", 8));
}

TEST_F(ServerTest, StaticFilesRevalidateWithTheirEtag) {
  server.start();
  HttpClient client(server.port());
  const HttpReply first = client.request("GET", "/assets/app-4f2a.js");
  const std::string etag = first.header("etag");
  ASSERT_FALSE(etag.empty());
  const HttpReply cached = client.request("GET", "/assets/app-4f2a.js", {{"If-None-Match", etag}});
  EXPECT_EQ(cached.status, 304);
  EXPECT_EQ(cached.body, "");
  EXPECT_EQ(cached.header("etag"), etag);
  expect_standard_headers(cached);
  const HttpReply listed =
      client.request("GET", "/assets/app-4f2a.js", {{"If-None-Match", "\"other\", W/" + etag}});
  EXPECT_EQ(listed.status, 304);
  const HttpReply changed =
      client.request("GET", "/assets/app-4f2a.js", {{"If-None-Match", "\"stale\""}});
  EXPECT_EQ(changed.status, 200);
  EXPECT_EQ(changed.body, "console.log('app');");
}

TEST_F(ServerTest, SpaRoutesFallBackToIndexButMissingFilesAre404) {
  server.start();
  HttpClient client(server.port());
  const HttpReply route = client.request("GET", "/devices/42/settings");
  EXPECT_EQ(route.status, 200);
  EXPECT_EQ(route.body, "<!doctype html><title>dashboard</title>");
  EXPECT_EQ(route.header("cache-control"), "no-cache");
  expect_error(client.request("GET", "/assets/missing-1.js"), 404, "not_found");
  expect_error(client.request("GET", "/missing.png"), 404, "not_found");
  expect_error(client.request("PUT", "/index.html"), 405, "method_not_allowed");
}

TEST_F(ServerTest, HeadGivesTheLengthWithoutTheBody) {
  server.start();
  HttpClient client(server.port());
  const HttpReply head = client.request("HEAD", "/index.html");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("content-length"), "39");
  EXPECT_EQ(head.body, "");
  // The connection is still in step: the next response is read correctly.
  EXPECT_EQ(client.request("GET", "/robots.txt").body, "User-agent: *");
}

TEST_F(ServerTest, PathTraversalNeverLeavesTheWebRoot) {
  server.start();
  for (const std::string target :
       {"/../secret.txt", "/%2e%2e/secret.txt", "/assets/..%2f..%2fsecret.txt",
        "/assets/%2E%2E/%2E%2E/secret.txt", "/leak.txt", "/%00index.html", "/..",
        "/assets/../../secret"}) {
    SCOPED_TRACE(target);
    RawConnection raw(server.port());
    raw.send("GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const std::string answer = raw.read_until_close();
    EXPECT_EQ(answer.find("TOP-SECRET"), std::string::npos) << answer;
    const bool refused =
        answer.rfind("HTTP/1.1 400", 0) == 0 || answer.rfind("HTTP/1.1 404", 0) == 0;
    EXPECT_TRUE(refused) << answer;
  }
}

TEST_F(ServerTest, MetricsCountRequestsByRoutePattern) {
  server.start();
  HttpClient client(server.port());
  for (int request_idx = 0; request_idx < 3; ++request_idx) client.request("GET", "/healthz");
  client.request("GET", "/api/v1/items/1");
  client.request("GET", "/api/v1/items/2");
  client.request("GET", "/api/v1/nothing");
  client.request("GET", "/index.html");
  client.request("BREW", "/api/v1/echo");
  const HttpReply metrics = client.request("GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  const std::string& text = metrics.body;
  auto has = [&text](const std::string& line) {
    return text.find(line + "\n") != std::string::npos;
  };
  EXPECT_TRUE(has(R"(worktrace_http_requests_total{route="/healthz",method="GET",status="200"} 3)"))
      << text;
  EXPECT_TRUE(has(
      R"(worktrace_http_requests_total{route="/api/v1/items/{id}",method="GET",status="200"} 2)"))
      << text;
  EXPECT_TRUE(
      has(R"(worktrace_http_requests_total{route="not_found",method="GET",status="404"} 1)"))
      << text;
  EXPECT_TRUE(has(R"(worktrace_http_requests_total{route="static",method="GET",status="200"} 1)"))
      << text;
  EXPECT_TRUE(has(
      R"(worktrace_http_requests_total{route="method_not_allowed",method="other",status="405"} 1)"))
      << text;
  EXPECT_EQ(text.find("/api/v1/items/1"), std::string::npos);  // never the raw path
  EXPECT_TRUE(has(R"(worktrace_http_request_duration_seconds_count{route="/healthz"} 3)")) << text;
  EXPECT_TRUE(
      has(R"(worktrace_http_request_duration_seconds_bucket{route="/healthz",le="+Inf"} 3)"))
      << text;
  EXPECT_TRUE(has("worktrace_http_open_connections 1")) << text;
  EXPECT_TRUE(has(R"(worktrace_ws_open_connections{kind="agent"} 0)")) << text;
  EXPECT_TRUE(has("worktrace_ws_frames_dropped_total 0")) << text;
  EXPECT_TRUE(has(std::string(R"(worktrace_build_info{version=")") + kVersion + R"("} 1)")) << text;
}

TEST_F(ServerTest, StopLetsARequestInFlightFinish) {
  server.start();
  HttpClient slow(server.port());
  slow.send("GET", "/api/v1/slow");
  ASSERT_TRUE(eventually([&] { return server.slow_started.load() == 1; }));
  server.server().stop();
  const HttpReply reply = slow.receive();
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(json::parse(reply.body), json::parse(R"({"slow":true})"));
  EXPECT_FALSE(reply.keep_alive);  // Connection: close while draining
  EXPECT_TRUE(server.stop_and_wait());
}

TEST_F(ServerTest, StopClosesIdleConnectionsAndHealthzSaysDraining) {
  server.start();
  HttpClient idle(server.port());
  EXPECT_EQ(idle.request("GET", "/healthz").status, 200);
  HttpClient slow(server.port());
  slow.send("GET", "/api/v1/slow");
  RawConnection partial(server.port());
  partial.send("GET /healthz HTTP/1.1\r\nHost: x\r\n");
  ASSERT_TRUE(eventually([&] { return server.slow_started.load() == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the partial header arrives
  server.server().stop();
  EXPECT_TRUE(idle.closed_by_server());
  partial.send("\r\n");
  const std::string answer = partial.read_until_close();
  EXPECT_EQ(answer.rfind("HTTP/1.1 503", 0), 0u) << answer;
  EXPECT_NE(answer.find(R"("status":"draining")"), std::string::npos) << answer;
  EXPECT_NE(answer.find("Connection: close"), std::string::npos) << answer;
  EXPECT_EQ(slow.receive().status, 200);
  EXPECT_TRUE(server.stop_and_wait());
  EXPECT_THROW(HttpClient refused(server.port()), std::exception);  // no longer listening
}

TEST_F(ServerTest, StopAbandonsConnectionsAfterTheTimeout) {
  auto options = server.default_options();
  options.shutdown_timeout = std::chrono::milliseconds(100);
  server.start(options);
  HttpClient slow(server.port());
  slow.send("GET", "/api/v1/slow");
  ASSERT_TRUE(eventually([&] { return server.slow_started.load() == 1; }));
  const auto stopping = std::chrono::steady_clock::now();
  EXPECT_TRUE(server.stop_and_wait());
  // run() returned after the handler (joined with the pool), not after a long wait.
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, std::chrono::seconds(2));
}

TEST_F(ServerTest, ServesConcurrentClientsOnSeveralIoThreads) {
  auto options = server.default_options();
  options.io_threads = 2;
  options.blocking_threads = 3;
  server.start(options);
  constexpr int kClients = 8;
  constexpr int kRequestsPerClient = 25;
  std::atomic<int> answered{0};
  std::vector<std::thread> clients;
  for (int client_idx = 0; client_idx < kClients; ++client_idx) {
    clients.emplace_back([&, client_idx] {
      HttpClient client(server.port());
      for (int request_idx = 0; request_idx < kRequestsPerClient; ++request_idx) {
        const std::string id = std::to_string(client_idx) + "-" + std::to_string(request_idx);
        const HttpReply reply = client.request("GET", "/api/v1/items/" + id);
        if (reply.status == 200 && json::parse(reply.body).at("id").as_string() == id) ++answered;
      }
    });
  }
  for (auto& client : clients) client.join();
  EXPECT_EQ(answered.load(), kClients * kRequestsPerClient);
  const std::string metrics = HttpClient(server.port()).request("GET", "/metrics").body;
  EXPECT_NE(
      metrics.find(
          R"(worktrace_http_requests_total{route="/api/v1/items/{id}",method="GET",status="200"} 200)"),
      std::string::npos)
      << metrics;
}

TEST_F(ServerTest, SigtermStopsTheServerGracefully) {
  auto options = server.default_options();
  options.handle_signals = true;
  server.start(options);
  HttpClient client(server.port());
  EXPECT_EQ(client.request("GET", "/healthz").status, 200);
  std::raise(SIGTERM);
  EXPECT_TRUE(eventually([&] { return server.stopped(); }));
}

TEST(ServerStartTest, RefusesPlainHttpOnANonLoopbackAddressUnlessAllowed) {
  TestServer server;
  auto options = server.default_options();
  options.host = "0.0.0.0";
  Server plain(options, server.router, server.hub, server.agents, server.viewers);
  const auto started = plain.start();
  ASSERT_FALSE(started);
  EXPECT_NE(started.error().message.find("loopback"), std::string::npos) << started.error().message;

  // An operator's explicit choice (a TLS proxy in front) lets it listen; no traffic is sent.
  options.allow_insecure_http = true;
  Server behind_proxy(options, server.router, server.hub, server.agents, server.viewers);
  EXPECT_TRUE(behind_proxy.start());
}

TEST(ServerStartTest, AddressInUseIsAnError) {
  TestServer first;
  first.start();
  auto options = first.default_options();
  options.port = first.port();
  Server second(options, first.router, first.hub, first.agents, first.viewers);
  const auto started = second.start();
  ASSERT_FALSE(started);
  EXPECT_NE(started.error().message.find(std::to_string(first.port())), std::string::npos)
      << started.error().message;
}

TEST(ServerStartTest, ListensOnIpv6Loopback) {
  TestServer server;
  auto options = server.default_options();
  options.host = "::1";
  Server ipv6(options, server.router, server.hub, server.agents, server.viewers);
  const auto port = ipv6.start();
  ASSERT_TRUE(port) << port.error().message;
  EXPECT_GT(*port, 0);
}

}  // namespace
}  // namespace worktrace::net::testing
