#pragma once

#include "core/result.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace worktrace::storage {

// The SQL dialect of a backend; selects the migration files. Domain SQL is written once in
// the portable subset: `?` placeholders, integer epoch-ms timestamps, INSERT ... ON CONFLICT,
// RETURNING.
enum class Dialect { sqlite, postgres };

// One prepared statement. Parameters are bound by 1-based index; columns are read by 0-based
// index from the current row (valid after step() returned true, until the next step() or
// reset()). Not thread-safe: it belongs to the connection that prepared it.
class Statement {
 public:
  virtual ~Statement() = default;

  // A failed bind (index out of range) is remembered and returned by the next step().
  virtual void bind_int(int index, std::int64_t value) = 0;
  virtual void bind_double(int index, double value) = 0;
  virtual void bind_text(int index, std::string_view value) = 0;
  virtual void bind_blob(int index, std::span<const unsigned char> value) = 0;
  virtual void bind_null(int index) = 0;

  // Runs the statement to the next row: true when a row is available, false when done.
  [[nodiscard]] virtual Result<bool> step() = 0;

  [[nodiscard]] virtual bool column_is_null(int index) const = 0;
  [[nodiscard]] virtual std::int64_t column_int(int index) const = 0;
  [[nodiscard]] virtual double column_double(int index) const = 0;
  [[nodiscard]] virtual std::string column_text(int index) const = 0;
  [[nodiscard]] virtual std::vector<unsigned char> column_blob(int index) const = 0;

  // Rewinds the statement and clears its bindings so it can run again.
  virtual void reset() = 0;

  // Binds an optional: null when empty.
  void bind_optional_int(int index, std::optional<std::int64_t> value) {
    if (value)
      bind_int(index, *value);
    else
      bind_null(index);
  }
};

class Connection;

// Returns a leased statement to its connection's cache.
struct StatementReleaser {
  Connection* owner = nullptr;
  void operator()(Statement* statement) const noexcept;
};

// A statement leased from a connection; it goes back to the connection's cache when
// destroyed, so it must not outlive the connection (use it inside the read/write callback).
using StatementPtr = std::unique_ptr<Statement, StatementReleaser>;

// One database connection, handed to Db::read/Db::write callbacks. Not thread-safe: only the
// callback that received it may use it, and only during the call.
class Connection {
 public:
  virtual ~Connection() = default;

  // Prepares one statement. Repeated SQL text reuses a cached statement; two leases of the
  // same SQL at once get two statements.
  [[nodiscard]] virtual Result<StatementPtr> prepare(std::string_view sql) = 0;

  // Runs one or more statements that return no rows (DDL, migrations).
  [[nodiscard]] virtual Result<void> exec(std::string_view sql) = 0;

 protected:
  friend struct StatementReleaser;
  // Takes back ownership of a statement leased by prepare().
  virtual void release(Statement* statement) noexcept = 0;

  [[nodiscard]] StatementPtr lease(Statement* statement) {
    return StatementPtr(statement, StatementReleaser{this});
  }
};

// The database: one writer connection and a bounded pool of reader connections. Thread-safe.
// Calls block (they run on the blocking pool, never on a network thread). Callbacks must not
// call read() or write() of the same Db: the writer lock is not recursive, and nested reads
// can exhaust the pool; use the Connection they were given.
class Db {
 public:
  virtual ~Db() = default;

  [[nodiscard]] virtual Dialect dialect() const noexcept = 0;

  // Runs `fn(Connection&)` in a write transaction (BEGIN IMMEDIATE .. COMMIT on SQLite) on the
  // single writer connection; writers are serialised. `fn` returns a Result<T>: on an error
  // (or an exception) the transaction is rolled back and the error (exception) passed on;
  // otherwise it is committed and fn's result returned, or the commit's error.
  template <class F>
  auto write(F&& fn) -> std::invoke_result_t<F&, Connection&> {
    return run<std::invoke_result_t<F&, Connection&>>(fn, &Db::run_write);
  }

  // Runs `fn(Connection&)` in a read transaction (one consistent snapshot) on a reader
  // connection from the pool, waiting until one is free. The connection is read-only.
  template <class F>
  auto read(F&& fn) -> std::invoke_result_t<F&, Connection&> {
    return run<std::invoke_result_t<F&, Connection&>>(fn, &Db::run_read);
  }

 protected:
  using Body = std::function<Result<void>(Connection&)>;
  // Backends open the transaction, call `body`, then commit when it succeeded and roll back
  // when it failed or threw (rethrowing). They return body's error, or their own.
  [[nodiscard]] virtual Result<void> run_write(const Body& body) = 0;
  [[nodiscard]] virtual Result<void> run_read(const Body& body) = 0;

 private:
  template <class R, class F>
  R run(F& fn, Result<void> (Db::*runner)(const Body&)) {
    std::optional<R> outcome;
    Result<void> transaction = (this->*runner)([&](Connection& connection) -> Result<void> {
      outcome.emplace(fn(connection));
      if (!outcome->has_error()) return {};
      return outcome->error();
    });
    if (outcome && outcome->has_error()) return std::move(*outcome);  // fn's own error
    if (!transaction) return transaction.error();                     // begin or commit failed
    return std::move(*outcome);
  }
};

}  // namespace worktrace::storage
