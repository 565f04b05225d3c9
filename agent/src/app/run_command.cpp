#include "app/commands.hpp"

#include "app/notifier.hpp"
#include "capture/screenshot_service.hpp"
#include "collect/linux_device_info.hpp"
#include "collect/x11/x11_desktop_source.hpp"
#include "core/clock.hpp"
#include "core/version.hpp"
#include "local_api/local_api_server.hpp"
#include "protocol/json_reader.hpp"
#include "spool/outbox.hpp"
#include "state/agent_config.hpp"
#include "state/agent_status.hpp"
#include "state/instance_lock.hpp"
#include "state/private_file.hpp"
#include "track/local_events.hpp"
#include "track/tracker.hpp"
#include "uplink/batch_uploader.hpp"
#include "uplink/control_client.hpp"
#include "uplink/messages.hpp"
#include "uplink/server_url.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>
#include <boost/json/serialize.hpp>

#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <random>
#include <stop_token>
#include <thread>

namespace worktrace::agent {
namespace {

namespace fs = std::filesystem;

using state::kOutboxFileName;
using state::kPolicyFileName;

void print_error(std::string_view message) { fmt::print(stderr, "worktrace-agent: {}\n", message); }

// The organization's tracking policy as last received, so tracking follows it from the first
// second after a restart, before the server is reachable. Defaults when none was ever saved.
track::TrackingConfig load_policy(const fs::path& dir) {
  auto text = state::read_small_file(dir / kPolicyFileName, state::kMaxStateFileBytes);
  if (!text) {
    if (!text.error().is(Errc::not_found)) {
      spdlog::warn("{}: {}; using the default tracking policy", kPolicyFileName,
                   text.error().message);
    }
    return {};
  }
  auto json = protocol::parse_json(*text);
  if (json) {
    auto config = track::parse_tracking_config(*json);
    if (config) {
      config->redaction = track::read_redaction(*json, {});
      config->screenshots = track::read_screenshots(*json, {});
      return *config;
    }
    spdlog::warn("{}: {}; using the default tracking policy", kPolicyFileName,
                 config.error().message);
  }
  return {};
}

void save_policy(const fs::path& dir, const track::TrackingConfig& config) {
  auto saved = state::write_private_file(dir / kPolicyFileName,
                                         boost::json::serialize(track::to_json(config)) + "\n");
  if (!saved) spdlog::warn("cannot save {}: {}", kPolicyFileName, saved.error().message);
}

// {"type":"activity","state","app","title","since"}: what the dashboard's live view shows.
// Paused and off-hours states carry no window.
std::string activity_message(const track::TrackSnapshot& snapshot) {
  const bool tracking =
      snapshot.state == track::TrackState::active || snapshot.state == track::TrackState::idle;
  return boost::json::serialize(
      boost::json::object{{"type", "activity"},
                          {"state", track::track_state_name(snapshot.state)},
                          {"app", tracking ? snapshot.window.app : std::string()},
                          {"title", tracking ? snapshot.window.title : std::string()},
                          {"since", snapshot.since}});
}

// status.json, written whenever any part of the agent changes it. Thread-safe.
class StatusBoard {
 public:
  StatusBoard(fs::path dir, state::AgentStatus initial, const Clock& clock)
      : dir_(std::move(dir)), status_(std::move(initial)), clock_(clock) {}

  template <class F>
  void update(F&& change) {
    const std::lock_guard lock(mutex_);
    change(status_);
    status_.updated_at = clock_.now_ms();
    if (auto saved = state::save_agent_status(dir_, status_); !saved) {
      spdlog::warn("cannot write the status file: {}", saved.error().message);
    }
  }

 private:
  const fs::path dir_;
  std::mutex mutex_;
  state::AgentStatus status_;  // guarded by mutex_
  const Clock& clock_;
};

// The "tracking" word of GET /api/0/info's "worktrace" object.
std::string_view local_tracking_name(const std::optional<track::TrackSnapshot>& snapshot) {
  if (!snapshot) return "unavailable";
  if (snapshot->state == track::TrackState::off_hours) return "outside_work_hours";
  return track::track_state_name(snapshot->state);
}

// The snapshot's window and URL are already redacted (what is recorded is what is shown).
state::TrackingStatus tracking_status(const track::TrackSnapshot& snapshot,
                                      const track::TrackingConfig& config) {
  const bool tracking =
      snapshot.state == track::TrackState::active || snapshot.state == track::TrackState::idle;
  return {.state = std::string(track::track_state_name(snapshot.state)),
          .since = snapshot.since,
          .app = tracking ? snapshot.window.app : std::string(),
          .title = tracking ? snapshot.window.title : std::string(),
          .url = tracking ? snapshot.url : std::string(),
          .is_private = tracking && snapshot.is_private,
          .idle_threshold_s = config.idle_threshold_s,
          .work_hours = config.schedule.has_value(),
          .notify_on_start = config.notify_on_start};
}

void fill_upload(state::AgentStatus& status, const spool::OutboxStats& stats,
                 const uplink::UploadStatus* upload) {
  if (!status.upload) status.upload.emplace();
  status.upload->pending_records = stats.records;
  status.upload->dropped_total = stats.dropped_total;
  status.upload->oldest_pending = stats.oldest;
  if (upload != nullptr) {
    status.upload->last_upload_at = upload->last_upload_at;
    status.upload->last_error = upload->last_error;
  }
}

// What the tracker's state means for screenshots.
capture::DeskState desk_state(track::TrackState state) {
  switch (state) {
    case track::TrackState::active:
      return capture::DeskState::active;
    case track::TrackState::idle:
      return capture::DeskState::idle;
    case track::TrackState::paused:
      return capture::DeskState::paused;
    case track::TrackState::off_hours:
      return capture::DeskState::off_hours;
  }
  return capture::DeskState::no_display;
}

void fill_screenshot_policy(state::AgentStatus& status, const protocol::ScreenshotPolicy& policy) {
  if (!status.screenshots) status.screenshots.emplace();
  status.screenshots->enabled = policy.enabled;
  status.screenshots->interval_s = policy.interval_s;
  status.screenshots->per_interval = policy.per_interval;
  status.screenshots->blur_px = policy.blur_px;
}

// Hands the screenshot service's frames and refusals to the control channel (both thread-safe
// there). Frames stay in memory: the channel's bounded queue, then the socket.
class ChannelScreenshotSink final : public capture::ScreenshotSink {
 public:
  // `client` must outlive this sink.
  explicit ChannelScreenshotSink(uplink::ControlClient& client) : client_(client) {}

  void send_frame(std::string message) override { client_.send_binary(std::move(message)); }
  void send_refusal(const std::string& request_id, capture::Refusal reason) override {
    spdlog::info("screenshots: a capture on demand was refused ({})",
                 capture::refusal_name(reason));
    client_.send_text(
        uplink::screenshot_refused_message(request_id, capture::refusal_name(reason)));
  }

 private:
  uplink::ControlClient& client_;
};

}  // namespace

int run_command(const RunArgs& args) {
  auto dir = state::resolve_config_dir(args.config_dir, std::getenv);
  if (!dir) {
    print_error(dir.error().message);
    return kExitUsage;
  }
  auto config = state::load_agent_config(*dir);
  if (!config && config.error().is(Errc::not_found)) {
    print_error("this agent is not enrolled (no " + (*dir / state::kConfigFileName).string() +
                "); run: worktrace-agent enroll --server URL --token TOKEN");
    return kExitFailed;
  }
  if (!config) {
    print_error(config.error().message);
    return kExitFailed;
  }
  auto url = uplink::parse_server_url(config->server);
  if (!url) {
    print_error(std::string(state::kConfigFileName) + ": " + url.error().message);
    return kExitFailed;
  }
  auto lock = state::InstanceLock::acquire(*dir);
  if (!lock) {
    print_error(lock.error().message);
    return kExitFailed;
  }

  const SystemClock clock;
  const spool::OutboxLimits limits{.max_age_ms = args.outbox_max_days * 86'400'000,
                                   .max_bytes = args.outbox_max_mb << 20};
  auto outbox = spool::Outbox::open(*dir / kOutboxFileName, limits, clock);
  if (!outbox) {
    print_error(outbox.error().message);
    return kExitFailed;
  }
  track::TrackingConfig policy = load_policy(*dir);
  // The server's cursor as last heard: records made before it is heard again must lie above
  // it (an outbox recreated since would otherwise be taken for duplicates).
  if (auto raised = (*outbox)->raise_seq_floor(policy.last_seq); !raised) {
    spdlog::warn("outbox: {}", raised.error().message);
  }
  StatusBoard board(*dir,
                    state::AgentStatus{.server = config->server,
                                       .device_id = config->device_id,
                                       .pid = static_cast<std::int64_t>(::getpid())},
                    clock);

  // The desktop: where the focused window, idle time and input counts come from.
  std::unique_ptr<collect::DesktopSource> desktop;
  const char* display_env = std::getenv("DISPLAY");
  const std::string display =
      args.display.value_or(display_env != nullptr ? std::string(display_env) : std::string());
  if (!args.tracking || display.empty()) {
    const std::string why =
        args.tracking ? "no X display (DISPLAY is not set)" : "started with --no-tracking";
    spdlog::info("activity is not recorded: {}", why);
    board.update([&](state::AgentStatus& status) {
      status.tracking = state::TrackingStatus{.state = "unavailable", .detail = why};
    });
  } else {
    desktop = std::make_unique<collect::X11DesktopSource>(clock, display);
  }

  board.update(
      [&](state::AgentStatus& status) { fill_screenshot_policy(status, policy.screenshots); });
  // Made once the control client exists (it sends the frames); reset before the client ends,
  // after the desktop thread (which reports the desk's state to it).
  std::optional<capture::ScreenshotService> screenshots;

  collect::LinuxDeviceInfoSource device_source;
  uplink::ControlOptions options{.url = *url,
                                 .credential = config->credential,
                                 .ca_file = config->ca_file,
                                 .tls_pin_sha256 = config->tls_pin_sha256,
                                 .stop_on_signals = true};
  uplink::ControlClient client(
      std::move(options),
      [&] {
        auto info = device_source.collect();
        if (desktop) info.screens = desktop->screens();
        return info;
      },
      [&](const uplink::ChannelEvent& event) {
        // The server says who watches on every connection; without one, nobody does.
        if (event.state != state::AgentState::connected && screenshots) {
          screenshots->set_watching(false);
        }
        board.update([&](state::AgentStatus& status) {
          if (event.state != state::AgentState::connected && status.screenshots) {
            status.screenshots->watching = false;
          }
          status.state = event.state;
          status.connected_since = event.connected_since;
          status.last_error = event.last_error;
          status.next_retry_at = event.next_retry_at;
        });
      },
      clock);
  ChannelScreenshotSink screenshot_sink(client);
  // However run ends, even by an exception, the screenshot thread stops before the sink and
  // the client it sends through are destroyed (the desktop thread, declared later, first).
  struct StopScreenshots {
    std::optional<capture::ScreenshotService>& service;
    ~StopScreenshots() { service.reset(); }
  } stop_screenshots{screenshots};
  {
    std::random_device random;
    screenshots.emplace(
        clock, screenshot_sink,
        capture::ScreenshotServiceOptions{
            .display = display, .seed = (static_cast<std::uint64_t>(random()) << 32) | random()});
  }
  screenshots->set_policy(policy.screenshots);
  client.on_binary_stats([&](const uplink::BinaryStats& stats) {
    board.update([&](state::AgentStatus& status) {
      if (!status.screenshots) status.screenshots.emplace();
      status.screenshots->frames_sent = static_cast<std::int64_t>(stats.sent);
      status.screenshots->frames_dropped = static_cast<std::int64_t>(stats.dropped);
    });
  });

  uplink::BatchUploader uploader(
      **outbox,
      uplink::UploadOptions{.url = *url,
                            .credential = config->credential,
                            .ca_file = config->ca_file,
                            .tls_pin_sha256 = config->tls_pin_sha256,
                            .gather = std::chrono::milliseconds(args.upload_delay_ms)},
      clock, [&](const uplink::UploadStatus& upload) {
        const auto stats = (*outbox)->stats();
        board.update([&](state::AgentStatus& status) { fill_upload(status, stats, &upload); });
      });

  // The tracker turns what the desktop reports into spans and minutes in the outbox. Its
  // callbacks run on the desktop thread.
  std::mutex policy_mutex;
  track::TrackingConfig current_policy = policy;  // guarded by policy_mutex
  Notifier notifier;
  bool was_tracking = false;  // desktop thread only
  auto on_change = [&](const track::TrackSnapshot& snapshot) {
    track::TrackingConfig now_policy;
    {
      const std::lock_guard guard(policy_mutex);
      now_policy = current_policy;
    }
    const auto stats = (*outbox)->stats();
    board.update([&](state::AgentStatus& status) {
      status.tracking = tracking_status(snapshot, now_policy);
      fill_upload(status, stats, nullptr);
    });
    client.set_state_message(activity_message(snapshot));
    screenshots->set_desk_state(desk_state(snapshot.state));
    const bool tracking =
        snapshot.state == track::TrackState::active || snapshot.state == track::TrackState::idle;
    if (tracking && !was_tracking && now_policy.notify_on_start) {
      const std::string org =
          config->org_name.empty() ? "your organization" : "\"" + config->org_name + "\"";
      if (!notifier.notify("Worktrace is recording your activity",
                           "The application and window title in focus, idle time and "
                           "counts of keys and clicks (never what you type) go to " +
                               org + ". Run 'worktrace-agent status' to see them.")) {
        spdlog::info("no desktop notification: notify-send is not installed");
      }
    }
    was_tracking = tracking;
  };
  // The tracker of the current desktop session; the control thread applies configs to it.
  std::mutex tracker_mutex;
  track::Tracker* live_tracker = nullptr;  // guarded by tracker_mutex

  client.on_message([&](std::string_view type, std::string_view text) {
    if (type == "screens" || type == "capture_now") {
      auto message = uplink::parse_server_message(text);
      if (!message) {
        spdlog::warn("control channel: ignoring a bad {}: {}", type, message.error().message);
        return;
      }
      if (type == "capture_now") {
        screenshots->capture_now(std::move(message->request_id));
        return;
      }
      spdlog::info("screenshots: {}", message->watching ? "someone is watching this screen"
                                                        : "nobody is watching this screen");
      screenshots->set_watching(message->watching);
      board.update([&](state::AgentStatus& status) {
        if (!status.screenshots) status.screenshots.emplace();
        status.screenshots->watching = message->watching;
      });
      return;
    }
    if (type != "config") return;
    auto json = protocol::parse_json(text);
    const boost::json::value* tracking_json =
        json && json->is_object() ? json->as_object().if_contains("tracking") : nullptr;
    if (tracking_json == nullptr) {
      spdlog::warn("control channel: a config without \"tracking\" is ignored");
      return;
    }
    auto received = track::parse_tracking_config(*tracking_json);
    if (!received) {
      spdlog::warn("control channel: ignoring a bad config: {}", received.error().message);
      return;
    }
    {
      const std::lock_guard guard(policy_mutex);
      received->redaction = track::read_redaction(*json, current_policy.redaction);
      received->screenshots = track::read_screenshots(*json, current_policy.screenshots);
    }
    if (auto raised = (*outbox)->raise_seq_floor(received->last_seq); !raised) {
      spdlog::warn("outbox: {}", raised.error().message);
    }
    {
      const std::lock_guard guard(policy_mutex);
      if (*received == current_policy) return;
      current_policy = *received;
    }
    spdlog::info(
        "tracking policy: idle after {} s, {}, {}; URLs kept as {}, {} title rules, {} excluded "
        "domains, {} excluded apps",
        received->idle_threshold_s, received->paused ? "paused" : "not paused",
        received->schedule ? "work hours only" : "at all hours",
        protocol::url_mode_name(received->redaction.url_mode),
        received->redaction.title_rules.size(), received->redaction.excluded_domains.size(),
        received->redaction.excluded_apps.size());
    spdlog::info("screenshot policy: {}, {} per {} s, quality {}, scale 1/{}, blur {} px",
                 received->screenshots.enabled ? "on" : "off", received->screenshots.per_interval,
                 received->screenshots.interval_s, received->screenshots.quality,
                 received->screenshots.downscale, received->screenshots.blur_px);
    save_policy(*dir, *received);
    screenshots->set_policy(received->screenshots);
    board.update(
        [&](state::AgentStatus& status) { fill_screenshot_policy(status, received->screenshots); });
    const std::lock_guard guard(tracker_mutex);
    if (live_tracker != nullptr) live_tracker->apply_config(*received);
    uploader.upload_now();
  });

  spdlog::info("worktrace-agent {}: device {} of {}", kVersion, config->device_id, config->server);
  std::jthread upload_thread([&] { uploader.run(); });
  // The desktop session: one tracker per connection to the display. When the display goes
  // (the session ended, the X server restarted) the open span ends there and the agent tries
  // again with backoff, so tracking resumes with the next session.
  std::jthread desktop_thread;
  if (desktop) {
    desktop_thread = std::jthread([&](std::stop_token stop) {
      const std::stop_callback stop_desktop(stop, [&] { desktop->stop(); });
      std::chrono::milliseconds delay(2'000);
      for (;;) {
        track::TrackingConfig start_policy;
        {
          const std::lock_guard guard(policy_mutex);
          start_policy = current_policy;
        }
        track::Tracker tracker(**outbox, *desktop, clock, start_policy,
                               track::TrackerOptions{.span_max_ms = args.span_max_s * 1000},
                               on_change);
        {
          const std::lock_guard guard(tracker_mutex);
          live_tracker = &tracker;
        }
        auto ran = desktop->run(tracker);
        {
          const std::lock_guard guard(tracker_mutex);
          live_tracker = nullptr;
        }
        tracker.finish(clock.now_ms());
        screenshots->set_desk_state(capture::DeskState::no_display);
        if (ran || stop.stop_requested()) return;  // run() returns success only after stop()
        spdlog::error("activity is not recorded: {}; trying again in {} s", ran.error().message,
                      delay.count() / 1000);
        board.update([&](state::AgentStatus& status) {
          status.tracking =
              state::TrackingStatus{.state = "unavailable", .detail = ran.error().message};
        });
        std::mutex wait_mutex;
        std::condition_variable_any wait;
        std::unique_lock lock(wait_mutex);
        if (wait.wait_for(lock, stop, delay, [] { return false; }) || stop.stop_requested()) {
          return;
        }
        delay = std::min(delay * 2, std::chrono::milliseconds(60'000));
      }
    });
  }

  // The local /api/0 listener: browser extensions and editor plugins report tabs and files,
  // which reach the live tracker (on the listener's thread). Without it the agent still runs.
  std::unique_ptr<local_api::LocalApiServer> local_api;
  if (args.local_api_port != 0) {
    auto started = local_api::LocalApiServer::start(
        clock,
        local_api::LocalApiServerOptions{.port = args.local_api_port,
                                         .extra_origins = args.allow_origins,
                                         .config_dir = *dir,
                                         .hostname = device_source.collect().hostname,
                                         .version = std::string(kVersion),
                                         .device_id = std::to_string(config->device_id)},
        [&](std::string_view bucket_type, const local_api::AwEvent& event) {
          const std::lock_guard guard(tracker_mutex);
          if (live_tracker == nullptr) return;
          (void)track::route_local_event(*live_tracker, bucket_type, event.data, event.end_ms(),
                                         clock.now_ms());
        },
        [&] {
          std::optional<track::TrackSnapshot> snapshot;
          {
            const std::lock_guard guard(tracker_mutex);
            if (live_tracker != nullptr) snapshot = live_tracker->snapshot();
          }
          protocol::UrlMode mode = protocol::UrlMode::strip_query;
          {
            const std::lock_guard guard(policy_mutex);
            mode = current_policy.redaction.url_mode;
          }
          return boost::json::object{{"tracking", local_tracking_name(snapshot)},
                                     {"url_mode", protocol::url_mode_name(mode)}};
        });
    if (started) {
      local_api = std::move(*started);
      spdlog::info("local API on 127.0.0.1:{}", local_api->port());
    } else {
      spdlog::warn("local API off: {}; browser tabs and editor files are not recorded",
                   started.error().message);
      board.update(
          [&](state::AgentStatus& status) { status.local_api_error = started.error().message; });
    }
  }

  auto outcome = client.run();
  // Stop in order: the local API (no more reports), the desktop, so the open span and minute
  // reach the outbox, then the uploader, which makes a last bounded attempt to send them.
  if (local_api) local_api->stop();
  if (desktop) {
    desktop_thread.request_stop();  // stops the desktop's event loop too
    desktop_thread.join();
  }
  screenshots.reset();  // after the desktop thread, which tells it the desk's state
  uploader.stop();
  upload_thread.join();
  const auto stats = (*outbox)->stats();
  board.update([&](state::AgentStatus& status) { fill_upload(status, stats, nullptr); });

  if (!outcome) {
    print_error(outcome.error().message);
    return kExitFailed;
  }
  if (*outcome == uplink::RunOutcome::revoked) {
    print_error(
        "the server no longer accepts this device's credential (revoked or removed); "
        "enroll again with a new token");
    return kExitRevoked;
  }
  return kExitOk;
}

}  // namespace worktrace::agent
