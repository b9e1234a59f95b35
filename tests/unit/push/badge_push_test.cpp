// SPDX-License-Identifier: Apache-2.0
// Silent badge updates on the wire: APNs background push (priority 5, content-available,
// badge, no alert, no collapse id) and FCM data-only message (never a notification).
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "push/apns.h"
#include "push/fcm.h"

namespace vapush::push {
namespace {

using json = nlohmann::json;

PushRequest badgeUpdate(int badge) {
  PushRequest p;
  p.kind = PushKind::Badge;
  p.id = "0123456789abcdef0123456789abcdef";
  p.device = 7;
  p.token = std::string(64, 'a');
  p.badge = badge;
  return p;
}

TEST(BadgePush, ApnsIsABackgroundPushWithTheBadgeOnly) {
  AppConfig app;
  app.endpoint = "https://api.push.apple.com";
  app.topic = "com.example.chat";
  const HttpRequest r = apnsRequest(app, badgeUpdate(0), "JWT", 1'000'000, 3'600'000);
  auto has = [&](const std::string& h) {
    return std::find(r.headers.begin(), r.headers.end(), h) != r.headers.end();
  };
  EXPECT_TRUE(has("apns-push-type: background"));
  EXPECT_TRUE(has("apns-priority: 5"));
  EXPECT_TRUE(has("apns-topic: com.example.chat"));
  EXPECT_FALSE(has("apns-priority: 10"));
  for (const auto& h : r.headers) EXPECT_NE(h.rfind("apns-collapse-id", 0), 0u) << h;
  const json j = json::parse(r.body);
  EXPECT_EQ(j, json::parse(R"({"aps":{"content-available":1,"badge":0},"kind":"badge"})"));
}

TEST(BadgePush, FcmIsDataOnlyWithTheBadgeAsAString) {
  const json m = json::parse(fcmMessage(badgeUpdate(3), 86'400'000))["message"];
  EXPECT_FALSE(m.contains("notification")) << "Android must not show anything";
  EXPECT_EQ(m["data"], json::parse(R"({"badge":"3","kind":"badge"})"));
  EXPECT_EQ(m["android"]["priority"], "normal");
  EXPECT_EQ(m["android"]["collapse_key"], "badge");
  EXPECT_FALSE(m["android"].contains("notification"));
}

}  // namespace
}  // namespace vapush::push
