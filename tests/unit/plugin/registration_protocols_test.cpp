// SPDX-License-Identifier: Apache-2.0
// Tigase (register-device) and mod_push_appserver (v1-register-push) registration.
#include "tests/unit/plugin/commands_test_fixture.h"

namespace vapush {
namespace {

constexpr const char* kAppServerFormType =
    "https://github.com/tmolitor-stud-tu/mod_push_appserver/#v1-register-push";

using RegistrationTigaseTest = CommandsTest;
using RegistrationAppServerTest = CommandsTest;

TEST_F(RegistrationTigaseTest, RegisterDeviceReturnsOnlyNodeAndStoresNoSecret) {
  const auto r = run(kAlice, command_node::kRegisterDevice,
                     {{"provider", {"tigase:messenger:apns:1"}}, {"device-token", {apnsToken()}}});
  ASSERT_TRUE(r.ok()) << errorText(r);
  ASSERT_TRUE(r.form.has_value());
  EXPECT_EQ(r.form->type, "result");
  ASSERT_EQ(r.form->fields.size(), 1u);
  EXPECT_EQ(r.form->fields[0].var, "node");
  ASSERT_EQ(devices_.rows().size(), 1u);
  const Device& d = devices_.rows()[0];
  EXPECT_EQ(d.node, value(r, "node"));
  EXPECT_EQ(d.app, "ios");
  EXPECT_EQ(d.protocol, Protocol::Tigase);
  EXPECT_EQ(d.token, apnsToken());
  EXPECT_TRUE(d.secret_hash.empty());  // Tigase servers publish without a secret
}

TEST_F(RegistrationTigaseTest, ReRegisterSameTokenKeepsNode) {
  const Fields f = {{"provider", {"tigase:messenger:apns:1"}},
                    {"device-token", {apnsToken()}},
                    {"device-second-token", {apnsToken('b')}}};
  const auto a = run(kAlice, command_node::kRegisterDevice, f);
  const auto b = run(kAlice, command_node::kRegisterDevice, f);
  ASSERT_TRUE(a.ok() && b.ok()) << errorText(b);
  EXPECT_EQ(value(a, "node"), value(b, "node"));
  EXPECT_EQ(devices_.rows().size(), 1u);
}

TEST_F(RegistrationTigaseTest, FcmProviderAndAppNamedAsProvider) {
  EXPECT_TRUE(run(kAlice, command_node::kRegisterDevice,
                  {{"provider", {"fcm-http-v1"}}, {"device-token", {fcmToken()}}})
                  .ok());
  EXPECT_TRUE(run(kBob, command_node::kRegisterDevice,
                  {{"provider", {"android"}}, {"device-token", {fcmToken()}}})
                  .ok());
  ASSERT_EQ(devices_.rows().size(), 2u);
  EXPECT_EQ(devices_.rows()[0].app, "android");
  EXPECT_EQ(devices_.rows()[1].app, "android");
}

TEST_F(RegistrationTigaseTest, UnknownProviderIsBadRequestListingKnownOnes) {
  const auto r = run(kAlice, command_node::kRegisterDevice,
                     {{"provider", {"apns-binary"}}, {"device-token", {apnsToken()}}});
  EXPECT_COMMAND_ERROR(r, ErrorType::Modify, "bad-request");
  EXPECT_NE(r.error->text.find("tigase:messenger:apns:1"), std::string::npos) << r.error->text;
}

TEST_F(RegistrationTigaseTest, UnregisterDeviceRemovesOnlyMine) {
  const Fields f = {{"provider", {"tigase:messenger:apns:1"}}, {"device-token", {apnsToken()}}};
  ASSERT_TRUE(run(kAlice, command_node::kRegisterDevice, f).ok());
  ASSERT_TRUE(run(kBob, command_node::kRegisterDevice, f).ok());  // same phone, two accounts
  const auto r = run(kBob, command_node::kUnregisterDevice, f);
  ASSERT_TRUE(r.ok()) << errorText(r);
  ASSERT_EQ(devices_.rows().size(), 1u);
  EXPECT_EQ(devices_.rows()[0].user, kAliceBare);
  EXPECT_COMMAND_ERROR(run(kBob, command_node::kUnregisterDevice, f), ErrorType::Cancel,
                       "item-not-found");
}

TEST_F(RegistrationAppServerTest, V1RegisterReturnsJidNodeSecret) {
  const auto r = run(kAlice, command_node::kV1RegisterPush,
                     {{"FORM_TYPE", {kAppServerFormType}},
                      {"type", {"apns"}},
                      {"node", {"C4A5B1B2-UUID"}},
                      {"token", {apnsToken()}}});
  ASSERT_TRUE(r.ok()) << errorText(r);
  // mod_push_appserver's status="complete", the only value Monal 2021-22 builds accept.
  EXPECT_EQ(r.status, CommandResponse::Status::CompleteV1);
  EXPECT_EQ(toString(r.status), "complete");
  EXPECT_EQ(value(r, "jid"), "push.example.com");
  const std::string node = value(r, "node");
  const std::string secret = value(r, "secret");
  EXPECT_NE(node, "C4A5B1B2-UUID");  // our own node, see registration_appserver.cpp
  ASSERT_EQ(devices_.rows().size(), 1u);
  EXPECT_EQ(devices_.rows()[0].device_id, "C4A5B1B2-UUID");
  EXPECT_EQ(devices_.rows()[0].protocol, Protocol::AppServer);
  EXPECT_EQ(devices_.rows()[0].secret_hash, crypto_.sha256Hex(secret));
}

TEST_F(RegistrationAppServerTest, ReRegisterKeepsNodeAndSecret) {
  const Fields f = {{"type", {"fcm"}}, {"node", {"n1"}}, {"token", {fcmToken('a')}}};
  const Fields g = {{"type", {"fcm"}}, {"node", {"n1"}}, {"token", {fcmToken('b')}}};
  const auto a = run(kAlice, command_node::kV1RegisterPush, f);
  const auto b = run(kAlice, command_node::kV1RegisterPush, g);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(value(a, "node"), value(b, "node"));
  EXPECT_EQ(value(a, "secret"), value(b, "secret"));
  ASSERT_EQ(devices_.rows().size(), 1u);
  EXPECT_EQ(devices_.rows()[0].token, fcmToken('b'));
}

TEST_F(RegistrationAppServerTest, UnregisterByClientNodeOrOurNode) {
  const auto a = run(kAlice, command_node::kV1RegisterPush,
                     {{"type", {"fcm"}}, {"node", {"n1"}}, {"token", {fcmToken()}}});
  ASSERT_TRUE(a.ok());
  EXPECT_COMMAND_ERROR(
      run(kBob, command_node::kV1UnregisterPush, {{"type", {"fcm"}}, {"node", {"n1"}}}),
      ErrorType::Cancel, "item-not-found");
  EXPECT_COMMAND_ERROR(
      run(kBob, command_node::kV1UnregisterPush, {{"type", {"fcm"}}, {"node", {value(a, "node")}}}),
      ErrorType::Cancel, "item-not-found");
  EXPECT_EQ(devices_.rows().size(), 1u);
  const auto gone = run(kAlice, command_node::kV1UnregisterPush,
                        {{"type", {"fcm"}}, {"node", {value(a, "node")}}});
  ASSERT_TRUE(gone.ok()) << errorText(gone);
  EXPECT_EQ(toString(gone.status), "complete");
  EXPECT_TRUE(devices_.rows().empty());
}

TEST_F(RegistrationAppServerTest, BadTypeAndWrongFormType) {
  auto r = run(kAlice, command_node::kV1RegisterPush,
               {{"type", {"gcm"}}, {"node", {"n1"}}, {"token", {fcmToken()}}});
  EXPECT_COMMAND_ERROR(r, ErrorType::Modify, "bad-request");
  EXPECT_NE(r.error->text.find("'type'"), std::string::npos);
  r = run(
      kAlice, command_node::kV1RegisterPush,
      {{"FORM_TYPE", {"urn:other"}}, {"type", {"fcm"}}, {"node", {"n1"}}, {"token", {fcmToken()}}});
  EXPECT_COMMAND_ERROR(r, ErrorType::Modify, "bad-request");
  EXPECT_NE(r.error->text.find("FORM_TYPE"), std::string::npos);
  EXPECT_TRUE(devices_.rows().empty());
}

}  // namespace
}  // namespace vapush
