// SPDX-License-Identifier: Apache-2.0
// APNs request building and response classification.
#include "push/apns.h"

#include <functional>
#include <nlohmann/json.hpp>

namespace vapush::push {
namespace {

using json = nlohmann::json;

std::string dump(const json& j) {
  // Invalid UTF-8 in user content is replaced, never produces invalid JSON.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

json payloadJson(const PushRequest& p, const std::string& body, PushShape shape,
                 const AlertOptions& options) {
  const bool module = shape == PushShape::ModuleAlert;
  const bool own = shape == PushShape::Alert;
  json alert = {{"title", module ? kModuleAlertTitle : p.title},
                {"body", module ? kModuleAlertBody : body}};
  if (own && options.localize_on_device) {
    // The app's Localizable.strings has the catalogs' keys (docs/app-developers.md).
    if (!p.title_key.empty()) {
      alert.erase("title");
      alert["title-loc-key"] = p.title_key;
    }
    if (!p.body_key.empty()) {
      alert.erase("body");
      alert["loc-key"] = p.body_key;
      alert["loc-args"] = p.body_args;
    }
  }
  json aps = {
      {"alert", alert}, {"badge", p.badge}, {"sound", "default"}, {"thread-id", p.conversation}};
  if (!own || options.mutable_content) aps["mutable-content"] = 1;
  json j = {{"aps", aps},
            {"conversation", p.conversation},
            {"category", std::string(toString(p.category))},
            {"unread", p.unread},
            {"notification_id", p.id}};
  if (shape == PushShape::TigaseAlert) {
    // Siskin's NotificationService reads these to show the message as its own
    // (tigase/siskin-im NotificationService/NotificationService.swift, "plain push").
    j["account"] = p.user;
    j["sender"] = p.conversation;
    j["body"] = body;
    j["unread-messages"] = p.unread;
  }
  return j;
}

PushShape shapeOf(const PushRequest& p, PushStyle style) { return pushShape(style, p.protocol); }

}  // namespace

bool isAppConfigReason(const std::string& reason) {
  static const char* const kReasons[] = {"DeviceTokenNotForTopic",
                                         "TopicDisallowed",
                                         "BadTopic",
                                         "MissingTopic",
                                         "BadCertificate",
                                         "BadCertificateEnvironment",
                                         "BadEnvironmentKeyIdInToken",
                                         "MissingProviderToken",
                                         "Forbidden"};
  for (const char* r : kReasons) {
    if (reason == r) return true;
  }
  return false;
}

std::string apnsPayload(const PushRequest& p, PushStyle style, const AlertOptions& options) {
  if (p.kind == PushKind::Badge) {
    // Silent badge update: a background push with the badge only (no alert, no sound).
    return dump(json{{"aps", {{"content-available", 1}, {"badge", p.badge}}}, {"kind", "badge"}});
  }
  const PushShape shape = shapeOf(p, style);
  if (shape == PushShape::P2Wake) {
    // p2 (ApnsPushService / Notification.createContentAvailable): a background push that
    // wakes the app to fetch; with the badge and p2's account key.
    return dump(json{{"aps", {{"content-available", 1}, {"badge", p.badge}}},
                     {"account", p2Account(p.user, p2DeviceId(p.device_key))}});
  }
  std::string out = dump(payloadJson(p, p.body, shape, options));
  if (out.size() <= kApnsMaxPayload) return out;
  // Binary search for the longest body prefix (cut on a UTF-8 boundary, plus "…") that
  // fits once escaped: escaping can grow a byte to six, so sizes can't be computed ahead.
  size_t lo = 0, hi = p.body.size();
  std::string best = dump(payloadJson(p, "\xe2\x80\xa6", shape, options));
  while (lo < hi) {
    const size_t mid = (lo + hi + 1) / 2;
    std::string candidate =
        dump(payloadJson(p, truncateUtf8(p.body, mid) + "\xe2\x80\xa6", shape, options));
    if (candidate.size() <= kApnsMaxPayload) {
      lo = mid;
      best = std::move(candidate);
    } else {
      hi = mid - 1;
    }
  }
  if (best.size() > kApnsMaxPayload) {
    // Even an empty body does not fit: the title or conversation is absurdly long.
    PushRequest small = p;
    small.title = truncateUtf8(p.title, 64);
    small.conversation = truncateUtf8(p.conversation, 256);
    small.user = truncateUtf8(p.user, 256);
    best = dump(payloadJson(small, "", shape, options));
  }
  return best;
}

std::string apnsId(const std::string& id) {
  std::string h = id;
  h.resize(32, '0');
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20, 12);
}

std::string apnsCollapseId(const std::string& conversation) {
  if (conversation.size() <= 64) return conversation;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016zx", std::hash<std::string>{}(conversation));
  return conversation.substr(0, 47) + "#" + buf;
}

HttpRequest apnsRequest(const AppConfig& app, const PushRequest& p, const std::string& jwt,
                        TimeMs now_ms, int64_t ttl_ms) {
  HttpRequest r;
  r.url = app.endpoint + "/3/device/" + p.token;
  r.body = apnsPayload(p, app.push_style, alertOptions(app));
  const std::string expiration = "apns-expiration: " + std::to_string((now_ms + ttl_ms) / 1000);
  if (p.kind == PushKind::Badge || shapeOf(p, app.push_style) == PushShape::P2Wake) {
    // Apple: background pushes must use priority 5 (10 is an error for them).
    r.headers = {"apns-topic: " + app.topic, "apns-push-type: background",
                 "apns-priority: 5",         expiration,
                 "apns-id: " + apnsId(p.id), "content-type: application/json"};
  } else {
    r.headers = {"apns-topic: " + app.topic,
                 "apns-push-type: alert",
                 "apns-priority: 10",
                 expiration,
                 "apns-collapse-id: " + apnsCollapseId(p.conversation),
                 "apns-id: " + apnsId(p.id),
                 "content-type: application/json"};
  }
  if (!jwt.empty()) r.headers.push_back("authorization: bearer " + jwt);
  return r;
}

Classified classifyApns(const PushRequest& p, const HttpResponse& r) {
  Classified c;
  c.result.push_id = p.id;
  c.result.device = p.device;
  std::string reason;
  if (!r.body.empty()) {
    const json body = json::parse(r.body, nullptr, false);
    if (body.is_object() && body.contains("reason") && body["reason"].is_string()) {
      reason = body["reason"].get<std::string>();
    }
  }
  c.result.reason = reason.empty()
                        ? (r.status == 0 ? r.transport_error : "HTTP " + std::to_string(r.status))
                        : reason;
  using O = DeliveryResult::Outcome;
  // https://developer.apple.com/documentation/usernotifications/handling-notification-responses-from-apns
  if (r.status == 200) {
    c.result.outcome = O::Delivered;
    c.result.provider_id = r.apns_id.empty() ? apnsId(p.id) : r.apns_id;
    c.result.reason.clear();
  } else if (r.status == 410 || reason == "BadDeviceToken" || reason == "Unregistered" ||
             reason == "ExpiredToken") {
    // BadDeviceToken is also what a wrong `sandbox` produces: the invalid-token breaker
    // (plugin/delivery_policy.h) stops disabling when many tokens get it at once.
    c.result.outcome = O::TokenInvalid;
  } else if (isAppConfigReason(reason) || r.status == 404) {
    // Wrong topic, certificate, key environment or endpoint (404 BadPath, or a proxy):
    // the app is misconfigured, not the device.
    c.result.outcome = O::AppConfig;
  } else if (r.status == 403 &&
             (reason == "ExpiredProviderToken" || reason == "InvalidProviderToken")) {
    // A new provider token and one retry (push/app_worker.cpp); still refused after
    // that: InvalidProviderToken is the key or team, ExpiredProviderToken our clock.
    c.result.outcome = reason == "InvalidProviderToken" ? O::AppConfig : O::Transient;
    c.follow_up = FollowUp::RefreshAuth;
  } else if (r.status == 429) {
    c.result.outcome = O::RateLimited;
    c.result.retry_after_ms = parseRetryAfterMs(r.retry_after);
  } else if (r.status == 0 || r.status >= 500) {
    c.result.outcome = O::Transient;
    c.result.retry_after_ms = parseRetryAfterMs(r.retry_after);
  } else {
    c.result.outcome = O::Permanent;  // other 4xx: our request is wrong; retrying won't help
  }
  return c;
}

}  // namespace vapush::push
