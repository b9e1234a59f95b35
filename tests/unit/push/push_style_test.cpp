// SPDX-License-Identifier: Apache-2.0
// Push styles on the wire: an app with `push_style: wake` sends each client family the
// push it expects (p2: FCM data-only {account} / APNs background; fpush and
// mod_push_appserver: the "New Message" alert with mutable-content; Tigase: the alert
// plus the keys Siskin's extension reads); `alert` (the default) is unchanged.
#include "plugin/push_style.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "push/apns.h"
#include "push/fcm.h"

namespace vapush::push {
namespace {

using json = nlohmann::json;

PushRequest push(Protocol protocol) {
  PushRequest p;
  p.id = "0123456789abcdef0123456789abcdef";
  p.device = 7;
  p.user = "alice@example.com";
  p.token = std::string(64, 'a');
  p.conversation = "bob@example.com";
  p.title = "bob";
  p.body = "See you there!";
  p.badge = 5;
  p.unread = 3;
  p.protocol = protocol;
  p.device_key = "92afd7a91cdba9a0";
  return p;
}

AppConfig app(PushStyle style) {
  AppConfig a;
  a.endpoint = "https://push.example";
  a.topic = "com.example.chat";
  a.push_style = style;
  return a;
}

bool has(const HttpRequest& r, const std::string& header) {
  return std::find(r.headers.begin(), r.headers.end(), header) != r.headers.end();
}

// sha1("alice@example.com\0" "92afd7a91cdba9a0"), computed independently (Python hashlib).
constexpr const char* kAliceAccount = "25befed02d51b3eb457d9c91ca98edaa12674df4";

TEST(PushStyle, ShapeFollowsStyleThenProtocol) {
  for (Protocol p :
       {Protocol::P2, Protocol::Fpush, Protocol::Tigase, Protocol::AppServer, Protocol::Manual}) {
    EXPECT_EQ(pushShape(PushStyle::Alert, p), PushShape::Alert) << toString(p);
  }
  EXPECT_EQ(pushShape(PushStyle::Wake, Protocol::P2), PushShape::P2Wake);
  EXPECT_EQ(pushShape(PushStyle::Wake, Protocol::Fpush), PushShape::ModuleAlert);
  EXPECT_EQ(pushShape(PushStyle::Wake, Protocol::AppServer), PushShape::ModuleAlert);
  EXPECT_EQ(pushShape(PushStyle::Wake, Protocol::Tigase), PushShape::TigaseAlert);
  EXPECT_EQ(pushShape(PushStyle::Wake, Protocol::Manual), PushShape::Alert);
  EXPECT_EQ(pushStyleFromString("wake"), PushStyle::Wake);
  EXPECT_EQ(pushStyleFromString("Wake"), std::nullopt);
}

TEST(PushStyle, P2AccountIsSha1OfBareJidNulDeviceId) {
  EXPECT_EQ(p2Account("alice@example.com", "92afd7a91cdba9a0"), kAliceAccount);
  EXPECT_EQ(p2DeviceId("92afd7a91cdba9a0"), "92afd7a91cdba9a0");
  EXPECT_EQ(p2DeviceId("92afd7a91cdba9a0|room@conference.example.com"), "92afd7a91cdba9a0");
  EXPECT_EQ(p2DeviceId("a|b"), "a|b");  // not a room suffix
}

TEST(PushStyle, P2WakeOnFcmIsDataOnlyHighPriorityWithAccount) {
  PushRequest p = push(Protocol::P2);
  const json j = json::parse(fcmRequest(app(PushStyle::Wake), "proj", p, "tok", 3'600'000).body);
  const json& m = j["message"];
  EXPECT_EQ(m["token"], p.token);
  EXPECT_FALSE(m.contains("notification"));
  EXPECT_FALSE(m["android"].contains("notification"));
  EXPECT_EQ(m["data"], json({{"account", kAliceAccount}}));
  EXPECT_EQ(m["android"]["priority"], "high");
  EXPECT_EQ(m["android"]["collapse_key"], "25befe");
  EXPECT_EQ(m["android"]["ttl"], "3600s");
  // A row of an old p2 `muc` registration wakes the same account.
  p.device_key += "|room@conference.example.com";
  EXPECT_EQ(json::parse(fcmMessage(p, 1000, PushStyle::Wake))["message"]["data"]["account"],
            kAliceAccount);
}

TEST(PushStyle, P2WakeOnApnsIsABackgroundPush) {
  const HttpRequest r = apnsRequest(app(PushStyle::Wake), push(Protocol::P2), "JWT", 0, 1000);
  EXPECT_TRUE(has(r, "apns-push-type: background"));
  EXPECT_TRUE(has(r, "apns-priority: 5"));
  const json j = json::parse(r.body);
  EXPECT_EQ(j,
            json({{"aps", {{"content-available", 1}, {"badge", 5}}}, {"account", kAliceAccount}}));
}

TEST(PushStyle, FpushAndAppServerWakeIsTheNewMessageAlert) {
  for (Protocol protocol : {Protocol::Fpush, Protocol::AppServer}) {
    const HttpRequest r = apnsRequest(app(PushStyle::Wake), push(protocol), "JWT", 0, 1000);
    EXPECT_TRUE(has(r, "apns-push-type: alert"));
    EXPECT_TRUE(has(r, "apns-priority: 10"));
    const json aps = json::parse(r.body)["aps"];
    EXPECT_EQ(aps["alert"], json({{"title", "New Message"}, {"body", "New Message?"}}));
    EXPECT_EQ(aps["mutable-content"], 1);
    EXPECT_EQ(aps["badge"], 5);
    EXPECT_EQ(r.body.find("See you there"), std::string::npos) << "no content, as fpush";
    const json fcm = json::parse(fcmMessage(push(protocol), 1000, PushStyle::Wake))["message"];
    EXPECT_EQ(fcm["notification"]["body"], "New Message?");
    EXPECT_EQ(fcm["data"]["badge"], "5");
  }
}

TEST(PushStyle, TigaseWakeCarriesTheKeysSiskinReads) {
  const json j = json::parse(apnsPayload(push(Protocol::Tigase), PushStyle::Wake));
  EXPECT_EQ(j["account"], "alice@example.com");
  EXPECT_EQ(j["sender"], "bob@example.com");
  EXPECT_EQ(j["body"], "See you there!");
  EXPECT_EQ(j["unread-messages"], 3);
  EXPECT_EQ(j["aps"]["mutable-content"], 1);
  EXPECT_EQ(j["aps"]["alert"]["body"], "See you there!");
  EXPECT_EQ(j["aps"]["badge"], 5);
  const json m = json::parse(fcmMessage(push(Protocol::Tigase), 1000, PushStyle::Wake))["message"];
  EXPECT_EQ(m["data"]["account"], "alice@example.com");
  EXPECT_EQ(m["data"]["sender"], "bob@example.com");
  EXPECT_EQ(m["data"]["unread-messages"], "3");
  for (const auto& [k, v] : m["data"].items()) EXPECT_TRUE(v.is_string()) << k;
}

TEST(PushStyle, TigaseWakeBodyIsCutInBothPlacesToFit) {
  PushRequest p = push(Protocol::Tigase);
  p.body = std::string(5000, 'x');
  const std::string out = apnsPayload(p, PushStyle::Wake);
  EXPECT_LE(out.size(), kApnsMaxPayload);
  const json j = json::parse(out);
  EXPECT_EQ(j["body"], j["aps"]["alert"]["body"]);
}

TEST(PushStyle, AlertStyleIgnoresTheProtocol) {
  for (Protocol protocol : {Protocol::P2, Protocol::Fpush, Protocol::Tigase}) {
    PushRequest p = push(protocol);
    EXPECT_EQ(apnsPayload(p, PushStyle::Alert), apnsPayload(push(Protocol::Manual)));
    EXPECT_EQ(fcmMessage(p, 1000, PushStyle::Alert), fcmMessage(push(Protocol::Manual), 1000));
  }
}

TEST(PushStyle, BadgeUpdatesKeepTheirShapeInEveryStyle) {
  PushRequest p = push(Protocol::P2);
  p.kind = PushKind::Badge;
  EXPECT_EQ(apnsPayload(p, PushStyle::Wake), apnsPayload(p, PushStyle::Alert));
  EXPECT_EQ(fcmMessage(p, 1000, PushStyle::Wake), fcmMessage(p, 1000, PushStyle::Alert));
}

}  // namespace
}  // namespace vapush::push
