#include "net/channel.hpp"

#include <spdlog/spdlog.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <exception>
#include <utility>

namespace worktrace::net {
namespace {

using realtime::Frame;

// Runs `body` (returning a Result), turning an exception into Errc::internal after logging
// it with `what`.
template <class Body>
auto guarded(std::string_view what, Body&& body) -> decltype(body()) {
  try {
    return std::forward<Body>(body)();
  } catch (const std::exception& error) {
    spdlog::warn("{} threw: {}", what, error.what());
  } catch (...) {
    spdlog::warn("{} threw a non-standard exception", what);
  }
  return fail(Errc::internal, "internal server error");
}

std::optional<std::string> reply_of(Result<std::optional<std::string>> outcome) {
  if (!outcome) return channel_error_message(outcome.error());
  return std::move(*outcome);
}

class AgentChannel final : public Channel {
 public:
  AgentChannel(const ChannelContext& context, DevicePrincipal device, std::string remote_ip)
      : context_(context), device_(std::move(device)), remote_ip_(std::move(remote_ip)) {}

  ChannelKind kind() const noexcept override { return ChannelKind::agent; }

  void open(std::shared_ptr<realtime::Peer> peer) override {
    // Registered before the handler announces it online, so that an older connection of the
    // same device ending meanwhile sees itself replaced and does not announce it offline.
    peer_ = peer.get();
    context_.hub.agent_connected(device_, peer);
    for (auto& message : context_.agents.on_connected(device_, remote_ip_)) {
      peer->send(Frame::text(std::move(message)));
    }
    // Only now may a handler send a state it must not see overtaken by these first messages.
    context_.agents.after_registered(device_);
  }

  std::optional<std::string> on_text(std::string_view message) override {
    return reply_of(
        guarded("agent on_text", [&] { return context_.agents.on_text(device_, message); }));
  }

  std::optional<std::string> on_binary(std::string_view message) override {
    auto outcome =
        guarded("agent on_binary", [&] { return context_.agents.on_binary(device_, message); });
    if (!outcome) return channel_error_message(outcome.error());
    return std::nullopt;
  }

  void close() noexcept override {
    // A connection replaced by a newer one of the same device is no longer registered: the
    // device is still online, so the handler hears nothing of this one ending.
    const auto result = guarded("agent disconnect", [&]() -> Result<void> {
      if (context_.hub.agent_disconnected(device_.device_id, peer_)) {
        context_.agents.on_disconnected(device_);
      }
      return {};
    });
    (void)result;
  }

 private:
  const ChannelContext& context_;
  DevicePrincipal device_;
  std::string remote_ip_;
  const realtime::Peer* peer_ = nullptr;
};

class DashboardChannel final : public Channel {
 public:
  DashboardChannel(const ChannelContext& context, Actor viewer)
      : context_(context), viewer_(std::move(viewer)) {}

  ChannelKind kind() const noexcept override { return ChannelKind::dashboard; }

  void open(std::shared_ptr<realtime::Peer> peer) override {
    peer->send(Frame::text(context_.viewers.on_connected(viewer_)));
    viewer_id_ = context_.hub.viewer_connected(viewer_, std::move(peer));
  }

  std::optional<std::string> on_text(std::string_view message) override {
    return reply_of(guarded("dashboard on_text", [&] {
      return context_.viewers.on_text(viewer_, viewer_id_, message);
    }));
  }

  std::optional<std::string> on_binary(std::string_view /*message*/) override {
    return channel_error_message(fail(Errc::invalid_argument, "binary frames are not accepted"));
  }

  void close() noexcept override {
    const auto result = guarded("dashboard disconnect", [&]() -> Result<void> {
      context_.hub.viewer_disconnected(viewer_id_);
      context_.viewers.on_disconnected(viewer_, viewer_id_);
      return {};
    });
    (void)result;
  }

 private:
  const ChannelContext& context_;
  Actor viewer_;
  realtime::ViewerId viewer_id_ = 0;
};

}  // namespace

Result<std::unique_ptr<Channel>> authenticate_channel(ChannelKind kind, const api::Request& upgrade,
                                                      const ChannelContext& context) {
  if (kind == ChannelKind::agent) {
    auto device =
        guarded("agent authenticate", [&] { return context.agents.authenticate(upgrade); });
    if (!device) return device.error();
    return std::make_unique<AgentChannel>(context, std::move(*device), upgrade.remote_ip);
  }
  auto viewer =
      guarded("dashboard authenticate", [&] { return context.viewers.authenticate(upgrade); });
  if (!viewer) return viewer.error();
  return std::make_unique<DashboardChannel>(context, std::move(*viewer));
}

std::string channel_error_message(const Error& error) {
  // from_error renders {"error":{...}} with the message that is safe to show; add the type.
  const auto rendered = api::Response::from_error(error);
  boost::json::value body = boost::json::parse(rendered.body);
  // Our own `unavailable` errors are written for the client ("no device of this person is
  // online"); other 5xx messages stay hidden.
  if (error.is(Errc::unavailable)) body.at("error").as_object()["message"] = error.message;
  return boost::json::serialize(
      boost::json::object{{"type", "error"}, {"error", body.at("error")}});
}

}  // namespace worktrace::net
