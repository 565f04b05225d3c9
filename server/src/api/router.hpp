#pragma once

#include "api/http_types.hpp"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace worktrace::api {

// A handler takes the request (with `params` filled from the pattern) and returns the
// response. Handlers are synchronous and may block (database work): net/ runs them on the
// blocking pool, never on a network thread. They must be thread-safe.
using Handler = std::function<Response(Request&)>;

// Maps (method, path) to a handler. Patterns are literal segments and `{name}` captures of
// one segment: "/api/v1/devices/{id}". Routes are added at start-up, then the router is
// read-only and thread-safe.
class Router {
 public:
  struct Match {
    const Handler* handler = nullptr;  // null: no route matched
    std::string_view pattern;          // the route label for metrics, e.g. "/api/v1/devices/{id}"
    std::map<std::string, std::string, std::less<>> params;
    bool path_known = false;  // some route has this path, but not this method (-> 405)
    std::string allow;        // the methods of that path, for the Allow header
  };

  // Adds a route. A duplicate (method, pattern) is a programming error and throws.
  void add(std::string method, std::string pattern, Handler handler);

  [[nodiscard]] Match match(std::string_view method, std::string_view path) const;

  struct Entry {
    std::string method;
    std::string pattern;
  };
  // Every route, in the order added (for `worktrace-server routes` and the tests that check
  // each route is covered).
  [[nodiscard]] std::vector<Entry> entries() const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace worktrace::api
