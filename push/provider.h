// SPDX-License-Identifier: Apache-2.0
// What each provider (APNs, FCM) contributes, as pure functions: the HTTP request for a
// push and the classification of the answer into a provider-neutral DeliveryResult.
#pragma once

#include <string>
#include <vector>

#include "plugin/config.h"
#include "plugin/delivery.h"
#include "plugin/model.h"

namespace vapush::push {

struct HttpRequest {
  std::string url;
  std::vector<std::string> headers;  // "name: value"
  std::string body;
};

struct HttpResponse {
  int status = 0;  // 0 = no HTTP answer (transport error)
  std::string body;
  std::string apns_id;      // apns-id response header
  std::string retry_after;  // Retry-After response header, raw
  std::string transport_error;
};

// Internal follow-ups a classifier may ask for before reporting.
enum class FollowUp {
  None,         // report the result
  RefreshAuth,  // our provider token expired: refresh it and retry once
};

struct Classified {
  DeliveryResult result;
  FollowUp follow_up = FollowUp::None;
};

// Retry-After in ms from "120" or an HTTP date (dates are treated as 60 s); 0 if absent.
int64_t parseRetryAfterMs(const std::string& value);

// Per-app choices for vapush's own alert (push_style alert), from apps[] in the config.
struct AlertOptions {
  // localize: device. The catalog keys and arguments instead of vapush's texts: APNs
  // title-loc-key / loc-key / loc-args, FCM android.notification title_loc_key /
  // body_loc_key / body_loc_args (and the same in data, args as a JSON array string).
  bool localize_on_device = false;
  bool mutable_content = false;  // APNs mutable-content: 1 (Notification Service Extension)
};
AlertOptions alertOptions(const AppConfig& app);

// Truncates `s` to at most `max_bytes` on a grapheme cluster boundary (never splitting a
// UTF-8 sequence, a letter from its combining marks, or an emoji sequence).
std::string truncateUtf8(const std::string& s, size_t max_bytes);

// The `account` key p2 puts in its FCM push: lower-case hex SHA-1 of the account's bare
// JID, a NUL, and the device id the client registered (Conversations' android-id).
// p2: iNPUTmice/p2 @8b83fd5, src/main/java/eu/siacs/p2/pojo/Target.java `create()`:
//   Utils.combineAndHash(account.asBareJid().toEscapedString(), deviceId)
// and Utils.java `combineAndHash()`:
//   DigestUtils.sha1Hex(Arrays.stream(parts).collect(Collectors.joining("\00")))
// FcmPushService.java `push()` sends it as data "account". Conversations compares it
// with the same hash of each of its accounts to pick the one to connect. `user` is the
// bare JID as vapush stores it: lower-case (jxmpp's localprep lower-cases too) and in the
// XEP-0106 escaped form the server sent, which is what toEscapedString() gives.
std::string p2Account(const std::string& user, const std::string& device_id);

}  // namespace vapush::push
