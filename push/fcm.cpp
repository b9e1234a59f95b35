// SPDX-License-Identifier: Apache-2.0
// FCM HTTP v1 request building, OAuth2 assertion and response classification.
#include "push/fcm.h"

#include <nlohmann/json.hpp>

namespace vapush::push {
namespace {

using json = nlohmann::json;

std::string urlEncode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

}  // namespace

std::optional<ServiceAccount> parseServiceAccount(const std::string& text, std::string& error) {
  const json j = json::parse(text, nullptr, false);
  if (!j.is_object()) {
    error = "service account file is not a JSON object";
    return std::nullopt;
  }
  ServiceAccount sa;
  for (auto [field, target] :
       {std::pair{"client_email", &sa.client_email}, std::pair{"private_key", &sa.private_key},
        std::pair{"token_uri", &sa.token_uri}, std::pair{"project_id", &sa.project_id}}) {
    if (!j.contains(field) || !j[field].is_string() || j[field].get<std::string>().empty()) {
      if (std::string(field) == "project_id") continue;  // may come from the config
      error = std::string("service account file lacks '") + field + "'";
      return std::nullopt;
    }
    *target = j[field].get<std::string>();
  }
  if (sa.token_uri.rfind("https://", 0) != 0) {
    error = "service account token_uri must be https://";
    return std::nullopt;
  }
  return sa;
}

std::string fcmAssertionClaims(const ServiceAccount& sa, int64_t now) {
  return json{{"iss", sa.client_email},
              {"scope", "https://www.googleapis.com/auth/firebase.messaging"},
              {"aud", sa.token_uri},
              {"iat", now},
              {"exp", now + 3600}}
      .dump();
}

HttpRequest fcmTokenRequest(const ServiceAccount& sa, const std::string& assertion) {
  HttpRequest r;
  r.url = sa.token_uri;
  r.headers = {"content-type: application/x-www-form-urlencoded"};
  r.body = "grant_type=" + urlEncode("urn:ietf:params:oauth:grant-type:jwt-bearer") +
           "&assertion=" + urlEncode(assertion);
  return r;
}

std::optional<std::pair<std::string, int64_t>> parseFcmToken(const HttpResponse& r) {
  if (r.status != 200) return std::nullopt;
  const json j = json::parse(r.body, nullptr, false);
  if (!j.is_object() || !j.contains("access_token") || !j["access_token"].is_string()) {
    return std::nullopt;
  }
  int64_t expires = 3600;
  if (j.contains("expires_in") && j["expires_in"].is_number_integer()) {
    expires = j["expires_in"].get<int64_t>();
  }
  return std::make_pair(j["access_token"].get<std::string>(), expires);
}

namespace {

std::string dumpJson(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// The alert message of `shape` (not the p2 wake-up) with `body` as the text.
json fcmAlert(const PushRequest& p, PushShape shape, const std::string& title,
              const std::string& body, const std::string& ttl, const AlertOptions& options) {
  // FCM data values must be strings.
  json data = {{"conversation", p.conversation},
               {"category", std::string(toString(p.category))},
               {"unread", std::to_string(p.unread)},
               {"badge", std::to_string(p.badge)},
               {"notification_id", p.id},
               {"title", title},
               {"body", body}};
  if (shape == PushShape::TigaseAlert) {
    data["account"] = p.user;
    data["sender"] = p.conversation;
    data["unread-messages"] = std::to_string(p.unread);
  }
  json notification = {{"title", title}, {"body", body}};
  json android_notification = {{"tag", p.conversation.substr(0, 64)}};
  if (shape == PushShape::Alert && options.localize_on_device) {
    // The app's string resources have the catalogs' keys (docs/app-developers.md); data
    // keeps vapush's text as well, for apps that build their own notification.
    if (!p.title_key.empty()) {
      notification.erase("title");
      android_notification["title_loc_key"] = p.title_key;
      data["title_loc_key"] = p.title_key;
    }
    if (!p.body_key.empty()) {
      notification.erase("body");
      android_notification["body_loc_key"] = p.body_key;
      android_notification["body_loc_args"] = p.body_args;
      data["body_loc_key"] = p.body_key;
      data["body_loc_args"] = dumpJson(p.body_args);
    }
  }
  json message = {{"token", p.token},
                  {"data", data},
                  {"android",
                   {{"priority", "high"},
                    {"collapse_key", p.conversation.substr(0, 64)},
                    {"ttl", ttl},
                    {"notification", android_notification}}}};
  if (!notification.empty()) message["notification"] = notification;
  return message;
}

// What FCM counts against its limit: the data and notification keys and values.
size_t fcmPayloadBytes(const json& message) {
  size_t n = dumpJson(message["data"]).size();
  if (message.contains("notification")) n += dumpJson(message["notification"]).size();
  return n;
}

}  // namespace

std::string fcmMessage(const PushRequest& p, int64_t ttl_ms, PushStyle style,
                       const AlertOptions& options) {
  if (p.kind == PushKind::Badge) {
    // Silent badge update: data only (never shown by Android itself), normal priority,
    // one pending per device (collapse key).
    json message = {{"token", p.token},
                    {"data", {{"badge", std::to_string(p.badge)}, {"kind", "badge"}}},
                    {"android",
                     {{"priority", "normal"},
                      {"collapse_key", "badge"},
                      {"ttl", std::to_string(ttl_ms / 1000) + "s"}}}};
    return json{{"message", message}}.dump(-1, ' ', false, json::error_handler_t::replace);
  }
  const std::string ttl = std::to_string(ttl_ms / 1000) + "s";
  auto dump = [](const json& message) { return dumpJson(json{{"message", message}}); };
  const PushShape shape = pushShape(style, p.protocol);
  if (shape == PushShape::P2Wake) {
    // What p2 sends (FcmPushService.push()): data only, so Android hands it to the app,
    // which connects the account and shows its own notification. High priority so a
    // dozing phone delivers it now. Collapse key as p2's optional one: the account's
    // first 6 hex digits (one pending wake-up per account is enough).
    const std::string account = p2Account(p.user, p2DeviceId(p.device_key));
    json message = {
        {"token", p.token},
        {"data", {{"account", account}}},
        {"android", {{"priority", "high"}, {"collapse_key", account.substr(0, 6)}, {"ttl", ttl}}}};
    return dump(message);
  }
  const bool module = shape == PushShape::ModuleAlert;
  const std::string title = module ? kModuleAlertTitle : p.title;
  const std::string body = module ? kModuleAlertBody : p.body;
  json message = fcmAlert(p, shape, title, body, ttl, options);
  if (fcmPayloadBytes(message) <= kFcmMaxPayload) return dump(message);
  // Larger is 400 INVALID_ARGUMENT, a permanent failure: cut the body on a UTF-8
  // boundary, with "…", until it fits, as for APNs.
  size_t lo = 0, hi = body.size();
  json best = fcmAlert(p, shape, title, "\xe2\x80\xa6", ttl, options);
  while (lo < hi) {
    const size_t mid = (lo + hi + 1) / 2;
    json candidate =
        fcmAlert(p, shape, title, truncateUtf8(body, mid) + "\xe2\x80\xa6", ttl, options);
    if (fcmPayloadBytes(candidate) <= kFcmMaxPayload) {
      lo = mid;
      best = std::move(candidate);
    } else {
      hi = mid - 1;
    }
  }
  return dump(best);
}

HttpRequest fcmRequest(const AppConfig& app, const std::string& project_id, const PushRequest& p,
                       const std::string& token, int64_t ttl_ms) {
  HttpRequest r;
  r.url = app.endpoint + "/v1/projects/" + project_id + "/messages:send";
  r.headers = {"content-type: application/json", "authorization: Bearer " + token};
  r.body = fcmMessage(p, ttl_ms, app.push_style, alertOptions(app));
  return r;
}

Classified classifyFcm(const PushRequest& p, const HttpResponse& r) {
  Classified c;
  c.result.push_id = p.id;
  c.result.device = p.device;
  std::string status, code;
  const json j = json::parse(r.body, nullptr, false);
  if (j.is_object() && j.contains("error") && j["error"].is_object()) {
    const json& e = j["error"];
    if (e.contains("status") && e["status"].is_string()) status = e["status"];
    if (e.contains("details") && e["details"].is_array()) {
      for (const auto& d : e["details"]) {
        if (d.is_object() && d.contains("errorCode") && d["errorCode"].is_string()) {
          code = d["errorCode"];
        }
      }
    }
  }
  const std::string what = !code.empty() ? code : status;
  c.result.reason = !what.empty()   ? what
                    : r.status == 0 ? r.transport_error
                                    : "HTTP " + std::to_string(r.status);
  using O = DeliveryResult::Outcome;
  // https://firebase.google.com/docs/reference/fcm/rest/v1/ErrorCode
  if (r.status == 200) {
    c.result.outcome = O::Delivered;
    if (j.is_object() && j.contains("name") && j["name"].is_string()) {
      c.result.provider_id = j["name"];
    }
    c.result.reason.clear();
  } else if (code == "UNREGISTERED") {
    c.result.outcome = O::TokenInvalid;
  } else if (code == "SENDER_ID_MISMATCH" || code == "THIRD_PARTY_AUTH_ERROR" ||
             (r.status == 404 && code.empty()) || (r.status == 403 && code.empty())) {
    // The app's configuration, not the device: the token belongs to another sender, the
    // APNs credential uploaded to Firebase is wrong, or a bare 404/403 from a wrong
    // project_id, endpoint, proxy or a service account without permission.
    c.result.outcome = O::AppConfig;
  } else if (r.status == 401) {
    // UNAUTHENTICATED: our OAuth2 access token; fetched again and retried once.
    c.result.outcome = O::Transient;
    c.follow_up = FollowUp::RefreshAuth;
  } else if (r.status == 429 || code == "QUOTA_EXCEEDED") {
    c.result.outcome = O::RateLimited;
    c.result.retry_after_ms = parseRetryAfterMs(r.retry_after);
  } else if (r.status == 0 || r.status >= 500 || code == "UNAVAILABLE" || code == "INTERNAL") {
    c.result.outcome = O::Transient;
    c.result.retry_after_ms = parseRetryAfterMs(r.retry_after);
  } else {
    // INVALID_ARGUMENT (payload or malformed token), other 4xx.
    c.result.outcome = O::Permanent;
  }
  return c;
}

}  // namespace vapush::push
