#pragma once

#include "core/result.hpp"
#include "storage/db.hpp"

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string_view>
#include <variant>

// Small helpers for the organization services' one-value statements.
namespace worktrace::org::sql {

// A parameter: NULL, an integer or a text (which must outlive the call).
using Value = std::variant<std::nullptr_t, std::int64_t, std::string_view>;

// Binds `values` to parameters 1..n of `statement`.
void bind(storage::Statement& statement, std::initializer_list<Value> values);

// Runs `sql` with `values` to completion (INSERT/UPDATE/DELETE without RETURNING).
[[nodiscard]] Result<void> execute(storage::Connection& connection, std::string_view sql,
                                   std::initializer_list<Value> values);

// The first column of the first row as an integer; nullopt when there is no row.
[[nodiscard]] Result<std::optional<std::int64_t>> query_int(storage::Connection& connection,
                                                            std::string_view sql,
                                                            std::initializer_list<Value> values);

// True when `sql` with `values` returns a row.
[[nodiscard]] Result<bool> exists(storage::Connection& connection, std::string_view sql,
                                  std::initializer_list<Value> values);

}  // namespace worktrace::org::sql
