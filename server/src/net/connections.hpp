#pragma once

#include "net/metrics.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace worktrace::net {

// One open connection as shutdown sees it: how to ask it to wind down. The action runs on
// the connection's strand, so it may touch the connection's state (set by the connection
// itself, also on its strand). Thread safety: request_shutdown() from any thread;
// set_shutdown_action() on the strand only.
class ConnectionControl : public std::enable_shared_from_this<ConnectionControl> {
 public:
  explicit ConnectionControl(boost::asio::any_io_executor strand) : strand_(std::move(strand)) {}

  // Strand only. Replaces the action; an empty one makes shutdown requests do nothing.
  void set_shutdown_action(std::function<void()> action) { action_ = std::move(action); }

  // Posts the current action (as it is when it runs) to the strand.
  void request_shutdown();

 private:
  boost::asio::any_io_executor strand_;
  std::function<void()> action_;  // strand only
};

// The set of open connections, for the connection limit, the drain at shutdown and the
// open-connections gauge. Thread-safe. `metrics` must outlive it.
class ConnectionRegistry {
 public:
  explicit ConnectionRegistry(Metrics& metrics) : metrics_(metrics) {}

  // Registers a connection for as long as the lease lives. Move-only.
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    ~Lease();
    [[nodiscard]] ConnectionControl& control() const noexcept { return *control_; }

   private:
    friend class ConnectionRegistry;
    Lease(ConnectionRegistry& registry, std::uint64_t id,
          std::shared_ptr<ConnectionControl> control)
        : registry_(&registry), id_(id), control_(std::move(control)) {}
    ConnectionRegistry* registry_;
    std::uint64_t id_;
    std::shared_ptr<ConnectionControl> control_;
  };

  // Registers a connection whose strand is `strand`, from client address `remote_ip`;
  // nothing (and nothing registered) when that address already has `max_per_ip` open.
  [[nodiscard]] std::optional<Lease> add(boost::asio::any_io_executor strand,
                                         const std::string& remote_ip, std::size_t max_per_ip);

  [[nodiscard]] std::size_t size() const;

  // Asks every open connection to wind down (see ConnectionControl).
  void shutdown_all();

 private:
  struct Entry {
    std::shared_ptr<ConnectionControl> control;
    std::string remote_ip;
  };

  void remove(std::uint64_t id);

  Metrics& metrics_;
  mutable std::mutex mutex_;
  // Guarded by mutex_:
  std::map<std::uint64_t, Entry> connections_;
  std::map<std::string, std::size_t, std::less<>> open_per_ip_;
  std::uint64_t next_id_ = 1;
};

}  // namespace worktrace::net
