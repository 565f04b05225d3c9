#include "net/connections.hpp"

#include <boost/asio/post.hpp>

#include <utility>
#include <vector>

namespace worktrace::net {

void ConnectionControl::request_shutdown() {
  boost::asio::post(strand_, [self = shared_from_this()] {
    if (self->action_) self->action_();
  });
}

ConnectionRegistry::Lease::Lease(Lease&& other) noexcept
    : registry_(std::exchange(other.registry_, nullptr)),
      id_(other.id_),
      control_(std::move(other.control_)) {}

ConnectionRegistry::Lease::~Lease() {
  if (registry_ == nullptr) return;
  // The action may refer to the connection's frame, which is ending.
  control_->set_shutdown_action(nullptr);
  registry_->remove(id_);
}

ConnectionRegistry::Lease ConnectionRegistry::add(boost::asio::any_io_executor strand) {
  auto control = std::make_shared<ConnectionControl>(std::move(strand));
  std::uint64_t id = 0;
  {
    const std::lock_guard lock(mutex_);
    id = next_id_++;
    connections_.emplace(id, control);
  }
  metrics_.connection_opened();
  return Lease(*this, id, std::move(control));
}

std::size_t ConnectionRegistry::size() const {
  const std::lock_guard lock(mutex_);
  return connections_.size();
}

void ConnectionRegistry::shutdown_all() {
  std::vector<std::shared_ptr<ConnectionControl>> open;
  {
    const std::lock_guard lock(mutex_);
    open.reserve(connections_.size());
    for (const auto& [id, control] : connections_) open.push_back(control);
  }
  for (const auto& control : open) control->request_shutdown();
}

void ConnectionRegistry::remove(std::uint64_t id) {
  {
    const std::lock_guard lock(mutex_);
    connections_.erase(id);
  }
  metrics_.connection_closed();
}

}  // namespace worktrace::net
