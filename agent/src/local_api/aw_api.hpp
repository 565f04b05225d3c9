#pragma once

#include "core/clock.hpp"
#include "core/result.hpp"
#include "local_api/bucket_store.hpp"
#include "local_api/origin_set.hpp"

#include <boost/json/object.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// ActivityWatch's REST protocol (/api/0) over plain request and response values, so that
// ActivityWatch watchers (the web extension, editor plugins) can report to the agent
// unchanged. No sockets here: the HTTP listener hands each request to AwApi::handle().
namespace worktrace::agent::local_api {

struct LocalRequest {
  std::string method;  // "GET", "POST", "DELETE", "OPTIONS" (case-sensitive, as HTTP says)
  std::string target;  // path?query, as on the request line
  std::string host;    // the Host header ("" when absent)
  std::string origin;  // the Origin header ("" when absent)
  std::string body;
  // "Access-Control-Request-Private-Network: true" was sent (Chrome's Private Network Access
  // preflight).
  bool private_network = false;
  // The listener stopped reading the body at kMaxBodyBytes (`body` is then empty): 413.
  bool body_too_large = false;
};

struct LocalResponse {
  int status = 200;
  std::string body;                                          // JSON; empty for 204 and 304
  std::vector<std::pair<std::string, std::string>> headers;  // besides Content-Type
};

inline constexpr std::size_t kMaxBodyBytes = 1024 * 1024;
inline constexpr std::size_t kMaxDataBytes = 64 * 1024;  // an event's `data`, serialized
inline constexpr std::size_t kMaxEventsPerRequest = 1'000;

struct AwApiOptions {
  // The listener's port: a Host header may name it and no other.
  std::uint16_t port = 5600;
  // Exact Origin values allowed to call (e.g. "chrome-extension://<id>",
  // "moz-extension://<uuid>"), besides the paired ones (AwApi::origins()). A request with any
  // other Origin is refused, except that any extension origin may call GET /api/0/info and
  // POST /api/0/worktrace/pair (to learn that it is not paired, and to pair).
  std::vector<std::string> allowed_origins;
  // What GET /api/0/info reports.
  std::string hostname;
  std::string version;
  std::string device_id;
  // GET /api/0/info's "worktrace" object, to which AwApi adds "paired" (the request's Origin
  // is allowed). Empty: no "worktrace" object.
  std::function<boost::json::object()> worktrace_info{};
  // POST /api/0/worktrace/pair {"code"}: pairs the calling extension origin, or fails with the
  // Errc to answer (see BrowserPairing::redeem). Empty: the route is 404.
  std::function<Result<void>(std::string_view origin, std::string_view code)> pair{};
};

// The /api/0 routes over a BucketStore:
//   GET    /api/0/info
//   GET    /api/0/buckets/
//   GET    /api/0/buckets/<id>                    404 when absent
//   POST   /api/0/buckets/<id>                    {client,type,hostname,name?}: 200, or 304
//                                                 (empty body) when it exists
//   DELETE /api/0/buckets/<id>                    404 when absent
//   POST   /api/0/buckets/<id>/heartbeat?pulsetime=<s>   {timestamp,duration?,data}: the
//                                                 resulting event (see merge_heartbeat)
//   POST   /api/0/buckets/<id>/events             one event or an array: the stored events
//   GET    /api/0/buckets/<id>/events?limit=&start=&end=   newest first
//   POST   /api/0/worktrace/pair                  {"code"}: {"paired":true,"origin"}
// Before routing, the Host header must name loopback (127.0.0.1, localhost, [::1], with this
// port or none): anything else is a DNS-rebinding attempt and gets 403. A request with an
// Origin that is not allowed (options.allowed_origins, origins()) gets 403, but for the info
// and pair routes from an extension origin; allowed ones get CORS headers, and their OPTIONS
// preflights 204 (with "Access-Control-Allow-Private-Network: true" when asked). Errors are
// {"error":{"code","message"}} with a status that fits, naming the bad field. Bodies beyond
// kMaxBodyBytes get 413.
//
// Thread-safe (the store and the origin set have their own mutexes; the rest is immutable;
// the option callbacks must be thread-safe if handle() is called from several threads).
class AwApi {
 public:
  // `clock` must outlive this. `hook` (may be empty): see BucketStore::EventHook.
  AwApi(const Clock& clock, AwApiOptions options, BucketStore::EventHook hook);

  [[nodiscard]] LocalResponse handle(const LocalRequest& request);

  [[nodiscard]] const BucketStore& store() const { return store_; }
  // The allowed origins; pairing updates the paired ones while requests are served.
  [[nodiscard]] OriginSet& origins() { return origins_; }

 private:
  [[nodiscard]] bool is_loopback_host(std::string_view host) const;
  // `origin_allowed`: the request has an Origin and it is in origins_.
  [[nodiscard]] LocalResponse route(const LocalRequest& request, bool origin_allowed);
  [[nodiscard]] LocalResponse pair(const LocalRequest& request);

  const AwApiOptions options_;
  OriginSet origins_;
  BucketStore store_;
};

}  // namespace worktrace::agent::local_api
