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
  // Among the routes of `method` that match, the one with the most literal segments wins, so
  // "/api/v1/teams/export" beats "/api/v1/teams/{id}" whatever the order they were added in.
  const Route* best = nullptr;
  std::size_t best_literals = 0;
  std::map<std::string, std::string, std::less<>> best_params;
  for (const auto& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    std::map<std::string, std::string, std::less<>> params;
    bool matched = true;
    std::size_t literals = 0;
    for (std::size_t seg_idx = 0; seg_idx < segments.size() && matched; ++seg_idx) {
      const std::string& expected = route.segments[seg_idx];
      if (expected.size() > 2 && expected.front() == '{' && expected.back() == '}') {
        if (segments[seg_idx].empty())
          matched = false;
        else
          params.emplace(expected.substr(1, expected.size() - 2), segments[seg_idx]);
      } else {
        matched = expected == segments[seg_idx];
        ++literals;
      }
    }
    if (!matched) continue;
    if (route.method == method) {
      if (best == nullptr || literals > best_literals) {
        best = &route;
        best_literals = literals;
        best_params = std::move(params);
      }
      continue;
    }
    if (result.allow.find(route.method) == std::string::npos) {
      result.path_known = true;
      if (!result.allow.empty()) result.allow += ", ";
      result.allow += route.method;
    }
  }
  if (best != nullptr) {
    result.handler = &best->handler;
    result.pattern = best->pattern;
    result.params = std::move(best_params);
  }
  return result;
}

std::vector<Router::Entry> Router::entries() const {
  std::vector<Entry> entries;
  entries.reserve(routes_.size());
  for (const Route& route : routes_) entries.push_back({route.method, route.pattern});
  return entries;
}

}  // namespace worktrace::api
