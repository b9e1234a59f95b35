// SPDX-License-Identifier: Apache-2.0
// FCM HTTP v1: service-account parsing, the OAuth2 assertion, the message and the
// classification of answers. Pure.
#pragma once

#include <optional>

#include "plugin/push_style.h"
#include "push/provider.h"

namespace vapush::push {

struct ServiceAccount {
  std::string project_id;
  std::string client_email;
  std::string private_key;  // PEM
  std::string token_uri;
};
// Parses a Google service-account JSON file's contents. nullopt + `error` on failure.
std::optional<ServiceAccount> parseServiceAccount(const std::string& json, std::string& error);

// Claims of the RS256 assertion exchanged for an access token (RFC 7523).
std::string fcmAssertionClaims(const ServiceAccount& sa, int64_t now_seconds);
HttpRequest fcmTokenRequest(const ServiceAccount& sa, const std::string& assertion);
// Access token and lifetime from the token endpoint's answer; nullopt if unusable.
std::optional<std::pair<std::string, int64_t>> parseFcmToken(const HttpResponse& response);

// FCM's limit for a message's notification + data keys and values ("4096 bytes for most
// messages"); the body is cut to fit.
inline constexpr size_t kFcmMaxPayload = 4096;
// The message body. With `style` wake the device's protocol picks the client family's
// shape (plugin/push_style.h): p2 a data-only high-priority {account}, fpush/appserver
// the "New Message" alert, Tigase the alert plus account, sender and unread-messages.
// `options`: loc keys for apps that localize on the device (AlertOptions).
std::string fcmMessage(const PushRequest& push, int64_t ttl_ms, PushStyle style = PushStyle::Alert,
                       const AlertOptions& options = {});
HttpRequest fcmRequest(const AppConfig& app, const std::string& project_id, const PushRequest& push,
                       const std::string& access_token, int64_t ttl_ms);
// Google's error table (FCM v1 ErrorCode, google.firebase.fcm.v1.FcmError).
Classified classifyFcm(const PushRequest& push, const HttpResponse& response);

}  // namespace vapush::push
