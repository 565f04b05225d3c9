#pragma once

#include "api/http_types.hpp"
#include "core/result.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Reading the JSON bodies of the organization routes. Every failure is
// Errc::invalid_argument with a message naming the field: "name: must be a string".
namespace worktrace::org {

class Body {
 public:
  // The request's JSON object body (api::json_body); a key not in `known` fails.
  [[nodiscard]] static Result<Body> parse(const api::Request& request,
                                          std::initializer_list<std::string_view> known);

  [[nodiscard]] bool has(std::string_view key) const;

  // Absent or null: nullopt. Longer than max_bytes fails.
  [[nodiscard]] Result<std::optional<std::string>> string(std::string_view key,
                                                          std::size_t max_bytes) const;
  [[nodiscard]] Result<std::string> required_string(std::string_view key,
                                                    std::size_t max_bytes) const;
  // Absent: nullopt; null: an empty inner optional (clears the field).
  [[nodiscard]] Result<std::optional<std::optional<std::string>>> nullable_string(
      std::string_view key, std::size_t max_bytes) const;
  // A positive id; absent or null: nullopt.
  [[nodiscard]] Result<std::optional<std::int64_t>> id(std::string_view key) const;
  // A positive id; absent: nullopt; null: an empty inner optional.
  [[nodiscard]] Result<std::optional<std::optional<std::int64_t>>> nullable_id(
      std::string_view key) const;
  [[nodiscard]] Result<std::optional<std::int64_t>> integer(std::string_view key, std::int64_t min,
                                                            std::int64_t max) const;
  [[nodiscard]] Result<std::optional<bool>> boolean(std::string_view key) const;
  // An array of positive ids of at most max_items; absent or null: nullopt.
  [[nodiscard]] Result<std::optional<std::vector<std::int64_t>>> ids(std::string_view key,
                                                                     std::size_t max_items) const;

 private:
  explicit Body(boost::json::value json) : json_(std::move(json)) {}
  [[nodiscard]] const boost::json::value* find(std::string_view key) const;

  boost::json::value json_;
};

// The id in path parameter `name` (api::parse_id); 0, which no row has, when it is absent or
// not an id, so that the services still check the caller's role before answering not_found.
[[nodiscard]] std::int64_t path_id_or_zero(const api::Request& request, std::string_view name);

}  // namespace worktrace::org
