// SPDX-License-Identifier: Apache-2.0
// Unit tests for push/: APNs payload and headers, UTF-8 truncation, classifiers for
// Apple's and Google's error tables, JWT signing (the token caches: jwt_test.cpp).
#include <gtest/gtest.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "push/apns.h"
#include "push/fcm.h"
#include "push/jwt.h"

namespace vapush::push {
namespace {

using json = nlohmann::json;

PushRequest request() {
  PushRequest p;
  p.id = "0123456789abcdef0123456789abcdef";
  p.device = 7;
  p.token = std::string(64, 'a');
  p.conversation = "bob@example.com";
  p.category = Category::Chat;
  p.title = "bob";
  p.body = "See you there!";
  p.badge = 5;
  p.unread = 3;
  return p;
}

std::string data(const std::string& name) {
  std::ifstream in(std::string(VAPUSH_TEST_DATA) + "/push/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(ApnsPayload, FieldsOfTheDesign) {
  const json j = json::parse(apnsPayload(request()));
  EXPECT_EQ(j["aps"]["alert"]["title"], "bob");
  EXPECT_EQ(j["aps"]["alert"]["body"], "See you there!");
  EXPECT_EQ(j["aps"]["badge"], 5);
  EXPECT_EQ(j["aps"]["thread-id"], "bob@example.com");
  EXPECT_EQ(j["aps"]["sound"], "default");
  EXPECT_EQ(j["conversation"], "bob@example.com");
  EXPECT_EQ(j["category"], "chat");
  EXPECT_EQ(j["unread"], 3);
  EXPECT_EQ(j["notification_id"], "0123456789abcdef0123456789abcdef");
}

TEST(ApnsPayload, TruncatesOnUtf8BoundaryAndStaysValidJson) {
  PushRequest p = request();
  for (int i = 0; i < 2000; ++i) p.body += "\xc3\xa9\xe2\x82\xac\"\n";  // é€ quote newline
  const std::string out = apnsPayload(p);
  EXPECT_LE(out.size(), kApnsMaxPayload);
  const json j = json::parse(out);  // throws on invalid JSON
  const std::string body = j["aps"]["alert"]["body"];
  EXPECT_EQ(body.substr(body.size() - 3), "\xe2\x80\xa6");
  EXPECT_GT(out.size(), kApnsMaxPayload - 200) << "uses the room it has";
}

TEST(ApnsPayload, InvalidUtf8InputNeverBreaksJson) {
  PushRequest p = request();
  p.body = "bad \xff\xfe bytes";
  EXPECT_NO_THROW(json::parse(apnsPayload(p)));
}

TEST(Utf8, TruncateNeverSplitsASequence) {
  const std::string s =
      "a\xf0\x9f\x98\x80"
      "b";  // a😀b
  EXPECT_EQ(truncateUtf8(s, 1), "a");
  EXPECT_EQ(truncateUtf8(s, 3), "a");
  EXPECT_EQ(truncateUtf8(s, 5), "a\xf0\x9f\x98\x80");
  EXPECT_EQ(truncateUtf8(s, 10), s);
}

TEST(ApnsRequest, HeadersAndIds) {
  AppConfig app;
  app.endpoint = "https://api.push.apple.com";
  app.topic = "com.example.chat";
  const HttpRequest r = apnsRequest(app, request(), "JWT", 1'000'000, 3'600'000);
  EXPECT_EQ(r.url, "https://api.push.apple.com/3/device/" + std::string(64, 'a'));
  auto has = [&](const std::string& h) {
    return std::find(r.headers.begin(), r.headers.end(), h) != r.headers.end();
  };
  EXPECT_TRUE(has("apns-topic: com.example.chat"));
  EXPECT_TRUE(has("apns-push-type: alert"));
  EXPECT_TRUE(has("apns-priority: 10"));
  EXPECT_TRUE(has("apns-expiration: 4600"));
  EXPECT_TRUE(has("apns-collapse-id: bob@example.com"));
  EXPECT_TRUE(has("apns-id: 01234567-89ab-cdef-0123-456789abcdef"));
  EXPECT_TRUE(has("authorization: bearer JWT"));
  const std::string longest(300, 'x');
  EXPECT_LE(apnsCollapseId(longest).size(), 64u);
  EXPECT_NE(apnsCollapseId(longest + "a"), apnsCollapseId(longest + "b"));
}

TEST(ApnsClassify, AppleTable) {
  using O = DeliveryResult::Outcome;
  const PushRequest p = request();
  auto classify = [&](int status, const std::string& body, const std::string& retry = "") {
    HttpResponse r;
    r.status = status;
    r.body = body;
    r.retry_after = retry;
    r.apns_id = status == 200 ? "id-1" : "";
    return classifyApns(p, r);
  };
  EXPECT_EQ(classify(200, "").result.outcome, O::Delivered);
  EXPECT_EQ(classify(200, "").result.provider_id, "id-1");
  auto gone = classify(410, R"({"reason":"Unregistered","timestamp":1700000000000})");
  EXPECT_EQ(gone.result.outcome, O::TokenInvalid);
  EXPECT_EQ(gone.result.reason, "Unregistered");
  EXPECT_EQ(classify(400, R"({"reason":"BadDeviceToken"})").result.outcome, O::TokenInvalid);
  EXPECT_EQ(classify(410, R"({"reason":"ExpiredToken","timestamp":1})").result.outcome,
            O::TokenInvalid);
  // A wrong topic, certificate or endpoint is the app's configuration, not the device's.
  for (const char* reason :
       {"DeviceTokenNotForTopic", "TopicDisallowed", "BadTopic", "MissingTopic"}) {
    EXPECT_EQ(classify(400, std::string(R"({"reason":")") + reason + R"("})").result.outcome,
              O::AppConfig)
        << reason;
  }
  EXPECT_EQ(classify(403, R"({"reason":"BadCertificateEnvironment"})").result.outcome,
            O::AppConfig);
  EXPECT_EQ(classify(404, R"({"reason":"BadPath"})").result.outcome, O::AppConfig);
  EXPECT_EQ(classify(404, "<html>proxy</html>").result.outcome, O::AppConfig);
  // Provider token refused: a new JWT and a retry (push/app_worker.cpp); what is
  // reported if that does not help: the clock (retry later) or the key (hold the app).
  auto expired = classify(403, R"({"reason":"ExpiredProviderToken"})");
  EXPECT_EQ(expired.follow_up, FollowUp::RefreshAuth);
  EXPECT_EQ(expired.result.outcome, O::Transient);
  auto invalid = classify(403, R"({"reason":"InvalidProviderToken"})");
  EXPECT_EQ(invalid.follow_up, FollowUp::RefreshAuth);
  EXPECT_EQ(invalid.result.outcome, O::AppConfig);
  auto limited = classify(429, R"({"reason":"TooManyRequests"})", "30");
  EXPECT_EQ(limited.result.outcome, O::RateLimited);
  EXPECT_EQ(limited.result.retry_after_ms, 30'000);
  EXPECT_EQ(classify(500, R"({"reason":"InternalServerError"})").result.outcome, O::Transient);
  EXPECT_EQ(classify(503, R"({"reason":"ServiceUnavailable"})").result.outcome, O::Transient);
  auto bad = classify(400, R"({"reason":"PayloadTooLarge"})");
  EXPECT_EQ(bad.result.outcome, O::Permanent);
  EXPECT_EQ(bad.result.reason, "PayloadTooLarge");
  EXPECT_EQ(classify(0, "").result.outcome, O::Transient);
}

TEST(FcmClassify, GoogleTable) {
  using O = DeliveryResult::Outcome;
  const PushRequest p = request();
  auto classify = [&](int status, const std::string& body, const std::string& retry = "") {
    HttpResponse r;
    r.status = status;
    r.body = body;
    r.retry_after = retry;
    return classifyFcm(p, r);
  };
  auto ok = classify(200, R"({"name":"projects/p/messages/1"})");
  EXPECT_EQ(ok.result.outcome, O::Delivered);
  EXPECT_EQ(ok.result.provider_id, "projects/p/messages/1");
  EXPECT_EQ(classify(404, data("fcm_unregistered.json")).result.outcome, O::TokenInvalid);
  auto quota = classify(429, data("fcm_quota.json"), "60");
  EXPECT_EQ(quota.result.outcome, O::RateLimited);
  EXPECT_EQ(quota.result.retry_after_ms, 60'000);
  EXPECT_EQ(classify(403, data("fcm_sender_mismatch.json")).result.outcome, O::AppConfig);
  EXPECT_EQ(classify(401, data("fcm_third_party_auth.json")).result.outcome, O::AppConfig);
  EXPECT_EQ(classify(404, data("fcm_not_found_bare.json")).result.outcome, O::AppConfig)
      << "a bare 404 is a wrong project_id, endpoint or proxy, not a dead token";
  auto unauthenticated = classify(401, data("fcm_unauthenticated.json"));
  EXPECT_EQ(unauthenticated.follow_up, FollowUp::RefreshAuth);
  EXPECT_EQ(unauthenticated.result.outcome, O::Transient);
  EXPECT_EQ(classify(401, "{}").follow_up, FollowUp::RefreshAuth);
  EXPECT_EQ(classify(503, R"({"error":{"status":"UNAVAILABLE"}})").result.outcome, O::Transient);
  EXPECT_EQ(classify(400, R"({"error":{"status":"INVALID_ARGUMENT"}})").result.outcome,
            O::Permanent);
}

TEST(FcmMessage, DataIsStringsAndAndroidOptions) {
  const json j = json::parse(fcmMessage(request(), 86'400'000))["message"];
  EXPECT_EQ(j["token"], std::string(64, 'a'));
  EXPECT_EQ(j["notification"]["title"], "bob");
  for (const auto& [k, v] : j["data"].items()) EXPECT_TRUE(v.is_string()) << k;
  EXPECT_EQ(j["data"]["unread"], "3");
  EXPECT_EQ(j["android"]["priority"], "high");
  EXPECT_EQ(j["android"]["ttl"], "86400s");
  EXPECT_EQ(j["android"]["collapse_key"], "bob@example.com");
}

TEST(FcmServiceAccount, ParsesAndRejects) {
  std::string error;
  auto sa = parseServiceAccount(
      R"({"project_id":"p","client_email":"e@p.iam","private_key":"PEM","token_uri":"https://t/token"})",
      error);
  ASSERT_TRUE(sa) << error;
  EXPECT_EQ(sa->token_uri, "https://t/token");
  EXPECT_FALSE(parseServiceAccount("{}", error));
  EXPECT_NE(error.find("client_email"), std::string::npos);
  EXPECT_FALSE(parseServiceAccount("not json", error));
  EXPECT_FALSE(parseServiceAccount(
      R"({"client_email":"e","private_key":"k","token_uri":"http://plain"})", error));
  const json claims = json::parse(fcmAssertionClaims(*sa, 1000));
  EXPECT_EQ(claims["aud"], "https://t/token");
  EXPECT_EQ(claims["exp"], 4600);
  EXPECT_EQ(claims["scope"], "https://www.googleapis.com/auth/firebase.messaging");
}

Pkey ecKey() {
  EVP_PKEY* k = EVP_EC_gen("P-256");
  return Pkey(k);
}

TEST(Jwt, Es256VerifiesWithRawSignature) {
  Pkey key = ecKey();
  const std::string jwt = makeApnsJwt(key.get(), "KEY123", "TEAM45", 1'700'000'000);
  const auto dot1 = jwt.find('.'), dot2 = jwt.rfind('.');
  EXPECT_EQ(json::parse(base64UrlDecode(jwt.substr(0, dot1))),
            json::parse(R"({"alg":"ES256","kid":"KEY123"})"));
  EXPECT_EQ(json::parse(base64UrlDecode(jwt.substr(dot1 + 1, dot2 - dot1 - 1))),
            json::parse(R"({"iss":"TEAM45","iat":1700000000})"));
  const std::string raw = base64UrlDecode(jwt.substr(dot2 + 1));
  ASSERT_EQ(raw.size(), 64u) << "R||S, not DER";
  // Verify: rebuild DER from R||S and check with the public key.
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32, nullptr),
                 BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32, 32, nullptr));
  unsigned char* der = nullptr;
  const int der_len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const std::string input = jwt.substr(0, dot2);
  ASSERT_EQ(EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key.get()), 1);
  EXPECT_EQ(EVP_DigestVerify(ctx, der, static_cast<size_t>(der_len),
                             reinterpret_cast<const unsigned char*>(input.data()), input.size()),
            1);
  EVP_MD_CTX_free(ctx);
  OPENSSL_free(der);
}

TEST(Jwt, Base64UrlRoundTrip) {
  for (const std::string s : {"", "f", "fo", "foo", "foob", "\xff\xfe\x00z"}) {
    EXPECT_EQ(base64UrlDecode(base64Url(s)), s);
  }
  EXPECT_EQ(base64Url("\xfb\xff"), "-_8");
  EXPECT_EQ(base64UrlDecode("a!b"), "");
}

}  // namespace
}  // namespace vapush::push
