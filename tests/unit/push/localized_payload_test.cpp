// SPDX-License-Identifier: Apache-2.0
// Per-app payload choices of issue 18: `localize: device` sends the catalog keys and
// arguments instead of the text (APNs title-loc-key/loc-key/loc-args, FCM
// title_loc_key/body_loc_key/body_loc_args), `mutable_content` adds APNs
// mutable-content: 1 to vapush's own alert; and a long right-to-left body is cut on a
// grapheme boundary.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "push/apns.h"
#include "push/fcm.h"

namespace vapush::push {
namespace {

using json = nlohmann::json;

PushRequest vaPush() {
  PushRequest p;
  p.id = "0123456789abcdef0123456789abcdef";
  p.token = std::string(64, 'a');
  p.conversation = "va@example.com";
  p.category = Category::VirtualAgent;
  p.title = "Virtueller Agent";
  p.title_key = "virtual_agent_title";
  p.body = "5 neue Nachrichten";
  p.body_key = "new_messages_body";
  p.body_args = {"5"};
  p.badge = 5;
  p.unread = 5;
  return p;
}

constexpr AlertOptions kDevice{true, false};

TEST(LocalizedPayload, ApnsDeviceModeSendsKeysInsteadOfText) {
  const json alert = json::parse(apnsPayload(vaPush(), PushStyle::Alert, kDevice))["aps"]["alert"];
  EXPECT_EQ(alert, (json{{"title-loc-key", "virtual_agent_title"},
                         {"loc-key", "new_messages_body"},
                         {"loc-args", {"5"}}}));
}

TEST(LocalizedPayload, ApnsServerModeSendsText) {
  const json alert = json::parse(apnsPayload(vaPush()))["aps"]["alert"];
  EXPECT_EQ(alert, (json{{"title", "Virtueller Agent"}, {"body", "5 neue Nachrichten"}}));
}

TEST(LocalizedPayload, DeviceModeKeepsTextThatIsNotFromACatalog) {
  PushRequest p = vaPush();
  p.title = "bob";
  p.title_key.clear();
  p.body = "See you";
  p.body_key.clear();
  p.body_args.clear();
  const json alert = json::parse(apnsPayload(p, PushStyle::Alert, kDevice))["aps"]["alert"];
  EXPECT_EQ(alert, (json{{"title", "bob"}, {"body", "See you"}}));
  const json m = json::parse(fcmMessage(p, 1000, PushStyle::Alert, kDevice))["message"];
  EXPECT_EQ(m["notification"], (json{{"title", "bob"}, {"body", "See you"}}));
  EXPECT_FALSE(m["android"]["notification"].contains("body_loc_key"));
}

TEST(LocalizedPayload, FcmDeviceModeSendsKeysInsteadOfText) {
  const json m = json::parse(fcmMessage(vaPush(), 1000, PushStyle::Alert, kDevice))["message"];
  EXPECT_FALSE(m.contains("notification"));
  const json& an = m["android"]["notification"];
  EXPECT_EQ(an["title_loc_key"], "virtual_agent_title");
  EXPECT_EQ(an["body_loc_key"], "new_messages_body");
  EXPECT_EQ(an["body_loc_args"], json({"5"}));
  EXPECT_EQ(m["data"]["title_loc_key"], "virtual_agent_title");
  EXPECT_EQ(m["data"]["body_loc_key"], "new_messages_body");
  EXPECT_EQ(m["data"]["body_loc_args"], "[\"5\"]");  // data values are strings
  EXPECT_EQ(m["data"]["body"], "5 neue Nachrichten");
}

TEST(LocalizedPayload, FcmServerModeSendsText) {
  const json m = json::parse(fcmMessage(vaPush(), 1000))["message"];
  EXPECT_EQ(m["notification"],
            (json{{"title", "Virtueller Agent"}, {"body", "5 neue Nachrichten"}}));
  EXPECT_FALSE(m["android"]["notification"].contains("body_loc_key"));
}

TEST(LocalizedPayload, MutableContentPerApp) {
  EXPECT_FALSE(json::parse(apnsPayload(vaPush()))["aps"].contains("mutable-content"));
  const json aps =
      json::parse(apnsPayload(vaPush(), PushStyle::Alert, AlertOptions{false, true}))["aps"];
  EXPECT_EQ(aps["mutable-content"], 1);
}

TEST(LocalizedPayload, LongArabicBodyIsCutOnAGraphemeBoundary) {
  PushRequest p = vaPush();
  p.body_key.clear();
  std::string word = "\xd8\xa8\xd9\x90";  // ب + kasra: one grapheme
  p.body.clear();
  while (p.body.size() < 6000) p.body += word;
  p.body += "x";  // odd length: a byte cut could land between letter and mark
  const std::string out = apnsPayload(p);
  ASSERT_LE(out.size(), kApnsMaxPayload);
  const std::string body = json::parse(out)["aps"]["alert"]["body"];
  const std::string ellipsis = "\xe2\x80\xa6";
  ASSERT_GE(body.size(), ellipsis.size());
  const std::string kept = body.substr(0, body.size() - ellipsis.size());
  EXPECT_EQ(kept.size() % word.size(), 0u) << "a letter lost its mark";
  const json m = json::parse(fcmMessage(p, 1000))["message"];
  const std::string fbody = m["notification"]["body"];
  EXPECT_EQ((fbody.size() - ellipsis.size()) % word.size(), 0u);
}

}  // namespace
}  // namespace vapush::push
