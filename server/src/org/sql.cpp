#include "org/sql.hpp"

#include <utility>

namespace worktrace::org::sql {

void bind(storage::Statement& statement, std::initializer_list<Value> values) {
  int index = 1;
  for (const Value& value : values) {
    if (const auto* number = std::get_if<std::int64_t>(&value)) {
      statement.bind_int(index, *number);
    } else if (const auto* text = std::get_if<std::string_view>(&value)) {
      statement.bind_text(index, *text);
    } else {
      statement.bind_null(index);
    }
    ++index;
  }
}

Result<void> execute(storage::Connection& connection, std::string_view sql,
                     std::initializer_list<Value> values) {
  auto statement = connection.prepare(sql);
  if (!statement) return statement.error();
  bind(**statement, values);
  for (;;) {
    auto row = (*statement)->step();
    if (!row) return row.error();
    if (!*row) return {};
  }
}

namespace {

// A statement stepped once, and whether that gave a row.
struct FirstRow {
  storage::StatementPtr statement;
  bool found = false;
};

Result<FirstRow> first_row(storage::Connection& connection, std::string_view sql,
                           std::initializer_list<Value> values) {
  auto statement = connection.prepare(sql);
  if (!statement) return statement.error();
  bind(**statement, values);
  auto row = (*statement)->step();
  if (!row) return row.error();
  return FirstRow{std::move(*statement), *row};
}

}  // namespace

Result<std::optional<std::int64_t>> query_int(storage::Connection& connection, std::string_view sql,
                                              std::initializer_list<Value> values) {
  auto first = first_row(connection, sql, values);
  if (!first) return first.error();
  if (!first->found || first->statement->column_is_null(0)) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(first->statement->column_int(0));
}

Result<bool> exists(storage::Connection& connection, std::string_view sql,
                    std::initializer_list<Value> values) {
  auto first = first_row(connection, sql, values);
  if (!first) return first.error();
  return first->found;
}

}  // namespace worktrace::org::sql
