// SPDX-License-Identifier: Apache-2.0
// Registration input checks: tokens, form edge cases, app selection.
#include "plugin/registration.h"
#include "tests/unit/plugin/commands_test_fixture.h"

namespace vapush {
namespace {

using RegistrationValidationTest = CommandsTest;

void expectBadRequestNaming(const CommandResponse& r, const std::string& needle) {
  EXPECT_COMMAND_ERROR(r, ErrorType::Modify, "bad-request");
  EXPECT_NE(r.error->text.find(needle), std::string::npos) << r.error->text;
}

TEST(RegistrationTokenTest, ApnsTokens) {
  EXPECT_FALSE(tokenProblem(Platform::Apns, std::string(64, 'a')));
  EXPECT_FALSE(tokenProblem(Platform::Apns, std::string(200, 'F')));
  EXPECT_TRUE(tokenProblem(Platform::Apns, std::string(62, 'a')));   // too short
  EXPECT_TRUE(tokenProblem(Platform::Apns, std::string(202, 'a')));  // too long
  EXPECT_TRUE(tokenProblem(Platform::Apns, std::string(65, 'a')));   // odd
  EXPECT_TRUE(tokenProblem(Platform::Apns, std::string(63, 'a') + "g"));
  EXPECT_TRUE(tokenProblem(Platform::Apns, "<" + std::string(62, 'a') + ">"));
}

TEST(RegistrationTokenTest, FcmTokens) {
  const std::string real =
      "eeDXSJjASJY:APA91bEKxhXK54-vHhY9O55JmU2R0nDJL2rRENm-W9uPY6x3jHi0i0OyvPu6js9jVPZqDeX9ZQydZCB"
      "ZE19o7a0kK4_n88fCgufXjaOlvalh9VibB2zOI7dQRTaDNB3H5s4dicpWD0m4";  // p2 README
  EXPECT_FALSE(tokenProblem(Platform::Fcm, real));
  EXPECT_TRUE(tokenProblem(Platform::Fcm, std::string(99, 'a')));
  EXPECT_FALSE(tokenProblem(Platform::Fcm, std::string(4096, 'a')));
  EXPECT_TRUE(tokenProblem(Platform::Fcm, std::string(4097, 'a')));
  EXPECT_TRUE(tokenProblem(Platform::Fcm, real + " "));
  EXPECT_TRUE(tokenProblem(Platform::Fcm, real + "/"));
}

TEST_F(RegistrationValidationTest, InvalidTokenNamesTheField) {
  expectBadRequestNaming(
      run(kAlice, command_node::kRegisterPushApns, {{"token", {"xyz"}}, {"device-id", {"d"}}}),
      "'token'");
  expectBadRequestNaming(run(kAlice, command_node::kRegisterPushFcm,
                             {{"token", {apnsToken() + "!"}}, {"device-id", {"d"}}}),
                         "'token'");
  EXPECT_TRUE(devices_.rows().empty());
}

TEST_F(RegistrationValidationTest, MissingFieldsAreBadPayload) {
  auto r = run(kAlice, command_node::kRegisterPushFcm, {{"device-id", {"d"}}});
  expectBadRequestNaming(r, "'token'");
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->specific, "bad-payload");
  r = run(kAlice, command_node::kRegisterPushFcm, {{"token", {fcmToken()}}});
  expectBadRequestNaming(r, "'device-id'");
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->specific, "bad-payload");
  r = run(kAlice, command_node::kRegisterPushFcm, {{"token", {""}}, {"device-id", {"d"}}});
  expectBadRequestNaming(r, "'token'");
  r = run(kAlice, command_node::kRegisterDevice, {{"device-token", {apnsToken()}}});
  expectBadRequestNaming(r, "'provider'");
}

TEST_F(RegistrationValidationTest, MultipleValuesForSingleField) {
  expectBadRequestNaming(run(kAlice, command_node::kRegisterPushFcm,
                             {{"token", {fcmToken('a'), fcmToken('b')}}, {"device-id", {"d"}}}),
                         "'token' must have a single value");
}

TEST_F(RegistrationValidationTest, WrongFormType) {
  expectBadRequestNaming(
      run(kAlice, command_node::kRegisterPushFcm,
          {{"FORM_TYPE", {"urn:xmpp:something"}}, {"token", {fcmToken()}}, {"device-id", {"d"}}}),
      "FORM_TYPE");
}

TEST_F(RegistrationValidationTest, OverlongValues) {
  expectBadRequestNaming(run(kAlice, command_node::kRegisterPushFcm,
                             {{"token", {fcmToken()}}, {"device-id", {std::string(129, 'd')}}}),
                         "'device-id' is too long");
  expectBadRequestNaming(run(kAlice, command_node::kRegisterPushFcm,
                             {{"token", {std::string(5000, 'a')}}, {"device-id", {"d"}}}),
                         "'token' is too long");
  // Fields we do not read are bounded too.
  expectBadRequestNaming(
      run(kAlice, command_node::kRegisterPushFcm,
          {{"token", {fcmToken()}}, {"device-id", {"d"}}, {"extra", {std::string(9000, 'x')}}}),
      "'extra' is too long");
}

TEST_F(RegistrationValidationTest, NonUtf8AndControlCharacters) {
  expectBadRequestNaming(run(kAlice, command_node::kRegisterPushFcm,
                             {{"token", {fcmToken()}}, {"device-id", {"d\xff\xfe"}}}),
                         "'device-id' is not valid UTF-8");
  expectBadRequestNaming(run(kAlice, command_node::kRegisterPushFcm,
                             {{"token", {fcmToken()}}, {"device-id", {"\xc0\xaf"}}}),  // overlong
                         "not valid UTF-8");
  expectBadRequestNaming(run(kAlice, command_node::kRegisterPushFcm,
                             {{"token", {fcmToken()}}, {"device-id", {"a\nb"}}}),
                         "control characters");
  EXPECT_TRUE(devices_.rows().empty());
}

TEST_F(RegistrationValidationTest, BadLanguageAndMuc) {
  expectBadRequestNaming(
      run(kAlice, command_node::kRegisterPushFcm,
          {{"token", {fcmToken()}}, {"device-id", {"d"}}, {"language", {"en_US!"}}}),
      "'language'");
  // `muc` is ignored (docs/registration.md), whatever it holds, but still a checked field.
  EXPECT_TRUE(run(kAlice, command_node::kRegisterPushFcm,
                  {{"token", {fcmToken()}}, {"device-id", {"d"}}, {"muc", {"room/nick"}}})
                  .ok());
  expectBadRequestNaming(run(kAlice, command_node::kRegisterPushFcm,
                             {{"token", {fcmToken()}}, {"device-id", {"d"}}, {"muc", {"a", "b"}}}),
                         "'muc'");
}

TEST_F(RegistrationValidationTest, SingleAppOfPlatformIsChosen) {
  ASSERT_TRUE(
      run(kAlice, command_node::kRegisterPushApns, {{"token", {apnsToken()}}, {"device-id", {"d"}}})
          .ok());
  EXPECT_EQ(devices_.rows()[0].app, "ios");
}

TEST_F(RegistrationValidationTest, AmbiguousAppIsBadRequestNamingChoices) {
  AppConfig beta;
  beta.name = "ios-beta";
  beta.platform = Platform::Apns;
  config_.apps.push_back(beta);
  rebuild();
  const auto r = run(kAlice, command_node::kRegisterPushApns,
                     {{"token", {apnsToken()}}, {"device-id", {"d"}}});
  expectBadRequestNaming(r, "ios, ios-beta");
  ASSERT_TRUE(r.error);
  EXPECT_NE(r.error->text.find("'app'"), std::string::npos);

  ASSERT_TRUE(run(kAlice, command_node::kRegisterPushApns,
                  {{"token", {apnsToken()}}, {"device-id", {"d"}}, {"app", {"ios-beta"}}})
                  .ok());
  EXPECT_EQ(devices_.rows()[0].app, "ios-beta");
}

TEST_F(RegistrationValidationTest, UnknownOrMismatchedAppOrNoAppIsItemNotFound) {
  auto r = run(kAlice, command_node::kRegisterPushApns,
               {{"token", {apnsToken()}}, {"device-id", {"d"}}, {"app", {"nope"}}});
  EXPECT_COMMAND_ERROR(r, ErrorType::Cancel, "item-not-found");
  EXPECT_NE(r.error->text.find("'nope'"), std::string::npos);
  r = run(kAlice, command_node::kRegisterPushApns,
          {{"token", {apnsToken()}}, {"device-id", {"d"}}, {"app", {"android"}}});
  EXPECT_COMMAND_ERROR(r, ErrorType::Cancel, "item-not-found");
  EXPECT_NE(r.error->text.find("FCM app"), std::string::npos) << r.error->text;

  config_.apps.erase(config_.apps.begin());  // no APNs app left
  rebuild();
  r = run(kAlice, command_node::kRegisterPushApns,
          {{"token", {apnsToken()}}, {"device-id", {"d"}}});
  EXPECT_COMMAND_ERROR(r, ErrorType::Cancel, "item-not-found");
  EXPECT_NE(r.error->text.find("no APNs app"), std::string::npos) << r.error->text;
  EXPECT_TRUE(devices_.rows().empty());
}

}  // namespace
}  // namespace vapush
