// SPDX-License-Identifier: Apache-2.0
// FCM messages stay within FCM's payload limit: a long body is cut on a UTF-8 boundary
// with "…" in both the notification and the data, and the result is valid JSON.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "push/fcm.h"

namespace vapush::push {
namespace {

using json = nlohmann::json;

size_t countedBytes(const json& message) {
  return message["data"].dump().size() + message["notification"].dump().size();
}

PushRequest longPush(const std::string& body) {
  PushRequest p;
  p.id = std::string(32, 'a');
  p.token = "fcm-token";
  p.conversation = "bob@example.com";
  p.title = "bob";
  p.body = body;
  return p;
}

TEST(FcmSize, ShortBodiesAreUntouched) {
  const json m = json::parse(fcmMessage(longPush("See you"), 1000))["message"];
  EXPECT_EQ(m["notification"]["body"], "See you");
  EXPECT_EQ(m["data"]["body"], "See you");
}

TEST(FcmSize, LongBodiesAreCutToFitOnACharacterBoundary) {
  std::string body;
  for (int i = 0; i < 3000; ++i) body += "\xc5\x82";  // "ł", two bytes each: 6000 bytes
  const json m = json::parse(fcmMessage(longPush(body), 1000))["message"];
  EXPECT_LE(countedBytes(m), kFcmMaxPayload);
  EXPECT_GT(countedBytes(m), kFcmMaxPayload - 16) << "as much as fits";
  const std::string cut = m["notification"]["body"];
  EXPECT_EQ(cut, m["data"]["body"]);
  ASSERT_GE(cut.size(), 3u);
  EXPECT_EQ(cut.substr(cut.size() - 3), "\xe2\x80\xa6");
  EXPECT_EQ((cut.size() - 3) % 2, 0u) << "never half a character";
}

}  // namespace
}  // namespace vapush::push
