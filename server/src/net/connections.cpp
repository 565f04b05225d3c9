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

std::optional<ConnectionRegistry::Lease> ConnectionRegistry::add(
    boost::asio::any_io_executor strand, const std::string& remote_ip, std::size_t max_per_ip) {
  auto control = std::make_shared<ConnectionControl>(std::move(strand));
  std::uint64_t id = 0;
  {
    const std::lock_guard lock(mutex_);
    std::size_t& open_from_ip = open_per_ip_[remote_ip];
    if (open_from_ip >= max_per_ip) {
      if (open_from_ip == 0) open_per_ip_.erase(remote_ip);
      return std::nullopt;
    }
    ++open_from_ip;
    id = next_id_++;
    connections_.emplace(id, Entry{control, remote_ip});
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
    for (const auto& [id, entry] : connections_) open.push_back(entry.control);
  }
  for (const auto& control : open) control->request_shutdown();
}

void ConnectionRegistry::remove(std::uint64_t id) {
  {
    const std::lock_guard lock(mutex_);
    const auto found = connections_.find(id);
    if (found == connections_.end()) return;
    const auto per_ip = open_per_ip_.find(found->second.remote_ip);
    if (per_ip != open_per_ip_.end() && --per_ip->second == 0) open_per_ip_.erase(per_ip);
    connections_.erase(found);
  }
  metrics_.connection_closed();
}

}  // namespace worktrace::net
