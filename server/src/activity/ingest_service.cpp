#include "activity/ingest_service.hpp"

#include "protocol/activity_batch.hpp"
#include "protocol/gzip.hpp"

#include <spdlog/spdlog.h>
#include <boost/json/object.hpp>

#include <algorithm>
#include <cctype>
#include <string>

namespace worktrace::activity {
namespace {

bool equals_ignoring_case(std::string_view text, std::string_view lower) {
  return text.size() == lower.size() &&
         std::equal(text.begin(), text.end(), lower.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == b;
         });
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

IngestService::IngestService(storage::Db& db, const Clock& clock,
                             DeviceAuthenticator authenticate_device, IngestOptions options,
                             RedactionSource redaction)
    : db_(db),
      clock_(clock),
      authenticate_device_(std::move(authenticate_device)),
      options_(options),
      redaction_(std::move(redaction)),
      commit_(db, clock, options.group) {}

Result<IngestReceipt> IngestService::ingest(const DevicePrincipal& device, std::string_view json) {
  auto batch = protocol::parse_activity_batch(json, clock_.now_ms());
  if (!batch) return batch.error();
  if (std::any_of(batch->spans.begin(), batch->spans.end(), has_web_fields)) {
    static const protocol::RedactionPolicy kDefaultPolicy;
    std::shared_ptr<const protocol::RedactionPolicy> policy;
    if (redaction_) {
      auto current = redaction_(device.org_id);
      if (!current) {
        spdlog::error("activity: cannot read the redaction policy of organization {}: {}",
                      device.org_id, current.error().message);
        return fail(Errc::unavailable, "the activity could not be stored now; retry later");
      }
      policy = std::move(*current);
    }
    const protocol::RedactionPolicy& applied = policy ? *policy : kDefaultPolicy;
    for (auto& span : batch->spans) enforce_redaction(applied, span);
  }
  const IngestTarget target{
      .org_id = device.org_id, .device_id = device.device_id, .user_id = device.user_id};
  auto receipt = commit_.commit(target, *batch);
  if (!receipt) {
    // Logged by the group commit; the agent keeps the batch and sends it again.
    return fail(Errc::unavailable, "the activity could not be stored now; retry later");
  }
  return receipt;
}

Result<api::Response> IngestService::post_activity(const api::Request& request) {
  auto device = authenticate_device_(request);
  if (!device) return device.error();
  const std::string_view type = request.header("content-type");
  if (!equals_ignoring_case(trim(type.substr(0, type.find(';'))), "application/json")) {
    return fail(Errc::unsupported_media, "Content-Type must be application/json");
  }
  const std::string_view encoding = trim(request.header("content-encoding"));
  Result<IngestReceipt> receipt = fail(Errc::internal, "not run");
  if (encoding.empty() || equals_ignoring_case(encoding, "identity")) {
    receipt = ingest(*device, request.body);
  } else if (equals_ignoring_case(encoding, "gzip")) {
    auto inflated = protocol::gunzip(request.body, options_.max_inflated_bytes);
    if (!inflated) return inflated.error();
    receipt = ingest(*device, *inflated);
  } else {
    return fail(Errc::unsupported_media, "Content-Encoding must be gzip or absent");
  }
  if (!receipt) return receipt.error();
  return api::Response::json(200, boost::json::object{{"acked_seq", receipt->acked_seq},
                                                      {"accepted", receipt->accepted},
                                                      {"duplicates", receipt->duplicates}});
}

void IngestService::register_routes(api::Router& router) {
  router.add("POST", "/api/v1/agent/activity", [this](api::Request& request) {
    return api::respond(post_activity(request), "activity");
  });
}

Result<std::int64_t> IngestService::last_seq(DeviceId device_id) {
  return db_.read([&](storage::Connection& connection) -> Result<std::int64_t> {
    auto cursor = store::read_cursor(connection, device_id);
    if (!cursor) return cursor.error();
    return *cursor ? (*cursor)->last_seq : 0;
  });
}

}  // namespace worktrace::activity
