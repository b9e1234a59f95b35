// SPDX-License-Identifier: Apache-2.0
// APNs (HTTP/2 provider API): payload, headers and response classification. Pure.
#pragma once

#include "plugin/push_style.h"
#include "push/provider.h"

namespace vapush::push {

inline constexpr size_t kApnsMaxPayload = 4096;

// The JSON payload (design card): aps.alert{title,body}, badge, sound, thread-id, plus
// conversation, category, unread, notification_id. Never above kApnsMaxPayload bytes:
// the body is cut on a UTF-8 boundary (with "…") until it fits. With `style` wake the
// device's protocol picks the client family's shape (plugin/push_style.h): p2 a
// background push with `account`, fpush/appserver the "New Message" alert, Tigase the
// alert plus account, sender, body and unread-messages (those always carry
// mutable-content: 1, their clients' extensions rewrite them). `options` shape vapush's
// own alert: mutable-content, and loc keys for apps that localize on the device.
std::string apnsPayload(const PushRequest& push, PushStyle style = PushStyle::Alert,
                        const AlertOptions& options = {});
// 8-4-4-4-12 UUID made from the push id, so a retry carries the same apns-id.
std::string apnsId(const std::string& push_id);
// apns-collapse-id (≤ 64 bytes): the conversation, or a hash of it when longer.
std::string apnsCollapseId(const std::string& conversation);
// The request; `jwt` empty = certificate auth. `now_ms` sets apns-expiration.
HttpRequest apnsRequest(const AppConfig& app, const PushRequest& push, const std::string& jwt,
                        TimeMs now_ms, int64_t ttl_ms);
// Apple reasons that mean the app's configuration (topic, certificate, key environment)
// is wrong rather than the device token: DeviceTokenNotForTopic, TopicDisallowed, ...
bool isAppConfigReason(const std::string& reason);
// Apple's status/reason table (Handling notification responses from APNs).
Classified classifyApns(const PushRequest& push, const HttpResponse& response);

}  // namespace vapush::push
