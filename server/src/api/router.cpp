#include "api/router.hpp"

#include <stdexcept>

namespace worktrace::api {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> segments;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    const auto end = path.find('/');
    segments.push_back(path.substr(0, end));
    path = end == std::string_view::npos ? std::string_view() : path.substr(end);
  }
  return segments;
}

}  // namespace

void Router::add(std::string method, std::string pattern, Handler handler) {
  for (const auto& route : routes_) {
    if (route.method == method && route.pattern == pattern) {
      throw std::logic_error("duplicate route " + method + " " + pattern);
    }
  }
  Route route{std::move(method), std::move(pattern), {}, std::move(handler)};
  for (const auto segment : split_path(route.pattern)) route.segments.emplace_back(segment);
  routes_.push_back(std::move(route));
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
  Match result;
  const auto segments = split_path(path);
  for (const auto& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    std::map<std::string, std::string, std::less<>> params;
    bool matched = true;
    for (std::size_t seg_idx = 0; seg_idx < segments.size() && matched; ++seg_idx) {
      const std::string& expected = route.segments[seg_idx];
      if (expected.size() > 2 && expected.front() == '{' && expected.back() == '}') {
        if (segments[seg_idx].empty())
          matched = false;
        else
          params.emplace(expected.substr(1, expected.size() - 2), segments[seg_idx]);
      } else {
        matched = expected == segments[seg_idx];
      }
    }
    if (!matched) continue;
    if (route.method == method) {
      result.handler = &route.handler;
      result.pattern = route.pattern;
      result.params = std::move(params);
      return result;
    }
    result.path_known = true;
    if (!result.allow.empty()) result.allow += ", ";
    result.allow += route.method;
  }
  return result;
}

}  // namespace worktrace::api
