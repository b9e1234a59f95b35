// SPDX-License-Identifier: Apache-2.0
// p2 (Conversations) registration commands: register, re-register, unregister, isolation.
#include "tests/unit/plugin/commands_test_fixture.h"

namespace vapush {
namespace {

using RegistrationP2Test = CommandsTest;

TEST_F(RegistrationP2Test, RegisterFcmReturnsJidNodeSecretAndStoresHashedSecret) {
  const auto r = run(kAlice, command_node::kRegisterPushFcm,
                     {{"token", {fcmToken()}}, {"android-id", {"92afd7a91cdba9a0"}}});
  ASSERT_TRUE(r.ok()) << errorText(r);
  EXPECT_EQ(r.status, CommandResponse::Status::Completed);
  EXPECT_EQ(r.node, "register-push-fcm");
  EXPECT_FALSE(r.session_id.empty());
  ASSERT_TRUE(r.form.has_value());
  EXPECT_EQ(r.form->type, "result");
  EXPECT_EQ(value(r, "jid"), "push.example.com");
  EXPECT_EQ(r.form->field("jid")->type, "jid-single");
  const std::string node = value(r, "node");
  const std::string secret = value(r, "secret");
  EXPECT_EQ(node.size(), 16u);
  EXPECT_EQ(secret.size(), 32u);

  ASSERT_EQ(devices_.rows().size(), 1u);
  const Device& d = devices_.rows().front();
  EXPECT_EQ(d.user, kAliceBare);
  EXPECT_EQ(d.app, "android");
  EXPECT_EQ(d.platform, Platform::Fcm);
  EXPECT_EQ(d.token, fcmToken());
  EXPECT_EQ(d.node, node);
  EXPECT_EQ(d.device_id, "92afd7a91cdba9a0");
  EXPECT_EQ(d.resource, "Conversations.sAdA");
  EXPECT_EQ(d.protocol, Protocol::P2);
  EXPECT_EQ(d.created, clock_.nowMs());
  EXPECT_NE(d.secret_hash, secret);
  EXPECT_EQ(d.secret_hash, crypto_.sha256Hex(secret));
}

TEST_F(RegistrationP2Test, RegisterApnsWithDeviceIdAndLanguage) {
  const auto r =
      run(kAlice, command_node::kRegisterPushApns,
          {{"token", {std::string(64, 'A')}}, {"device-id", {"ios-1"}}, {"language", {"pt-BR"}}});
  ASSERT_TRUE(r.ok()) << errorText(r);
  ASSERT_EQ(devices_.rows().size(), 1u);
  EXPECT_EQ(devices_.rows()[0].app, "ios");
  EXPECT_EQ(devices_.rows()[0].token, std::string(64, 'a'));  // hex stored lower-case
  EXPECT_EQ(devices_.rows()[0].language, "pt-BR");
}

TEST_F(RegistrationP2Test, ReRegisterUpdatesTokenInPlaceKeepingNodeAndSecret) {
  const auto first = run(kAlice, command_node::kRegisterPushFcm,
                         {{"token", {fcmToken('a')}}, {"device-id", {"dev1"}}});
  ASSERT_TRUE(first.ok()) << errorText(first);
  clock_.advance(std::chrono::hours(5));
  const auto second = run("alice@example.com/Conversations.NEW", command_node::kRegisterPushFcm,
                          {{"token", {fcmToken('b')}}, {"device-id", {"dev1"}}});
  ASSERT_TRUE(second.ok()) << errorText(second);

  EXPECT_EQ(value(second, "node"), value(first, "node"));
  EXPECT_EQ(value(second, "secret"), value(first, "secret"));
  ASSERT_EQ(devices_.rows().size(), 1u);
  const Device& d = devices_.rows().front();
  EXPECT_EQ(d.token, fcmToken('b'));
  EXPECT_EQ(d.resource, "Conversations.NEW");
  EXPECT_EQ(d.updated, clock_.nowMs());
  EXPECT_LT(d.created, d.updated);
  EXPECT_EQ(d.secret_hash, crypto_.sha256Hex(value(first, "secret")));
}

TEST_F(RegistrationP2Test, WithoutAnyKeySecretRotatesOnReRegistration) {
  config_.component.secret.clear();
  config_.component.publish_secret_key.clear();
  rebuild();
  const Fields fields = {{"token", {fcmToken()}}, {"device-id", {"dev1"}}};
  const auto first = run(kAlice, command_node::kRegisterPushFcm, fields);
  const auto second = run(kAlice, command_node::kRegisterPushFcm, fields);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(value(second, "node"), value(first, "node"));
  EXPECT_NE(value(second, "secret"), value(first, "secret"));
  EXPECT_EQ(devices_.rows()[0].secret_hash, crypto_.sha256Hex(value(second, "secret")));
}

TEST_F(RegistrationP2Test, ChangedKeyGivesNewSecretAndRefreshesHash) {
  const Fields fields = {{"token", {fcmToken()}}, {"device-id", {"dev1"}}};
  const auto first = run(kAlice, command_node::kRegisterPushFcm, fields);
  config_.component.publish_secret_key = "rotated";
  rebuild();
  const auto second = run(kAlice, command_node::kRegisterPushFcm, fields);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_NE(value(second, "secret"), value(first, "secret"));
  EXPECT_EQ(devices_.rows()[0].secret_hash, crypto_.sha256Hex(value(second, "secret")));
}

TEST_F(RegistrationP2Test, SameDeviceIdForTwoUsersGivesTwoDevices) {
  const Fields fields = {{"token", {fcmToken()}}, {"device-id", {"dev1"}}};
  const auto a = run(kAlice, command_node::kRegisterPushFcm, fields);
  const auto b = run(kBob, command_node::kRegisterPushFcm, fields);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(value(a, "node"), value(b, "node"));
  EXPECT_NE(value(a, "secret"), value(b, "secret"));
  EXPECT_EQ(devices_.rows().size(), 2u);
}

TEST_F(RegistrationP2Test, MucFieldIsIgnored) {
  // docs/registration.md "p2 muc": the field is accepted and ignored; the registration is
  // the device's account registration.
  const auto account = run(kAlice, command_node::kRegisterPushFcm,
                           {{"token", {fcmToken()}}, {"device-id", {"dev1"}}});
  const auto room = run(
      kAlice, command_node::kRegisterPushFcm,
      {{"token", {fcmToken()}}, {"device-id", {"dev1"}}, {"muc", {"Room@conference.example.com"}}});
  ASSERT_TRUE(account.ok() && room.ok()) << errorText(room);
  EXPECT_EQ(value(account, "node"), value(room, "node"));
  EXPECT_EQ(value(account, "secret"), value(room, "secret"));
  ASSERT_EQ(devices_.rows().size(), 1u);
  EXPECT_EQ(devices_.rows()[0].device_id, "dev1");
  // An unregistration naming a room removes nothing: the account keeps its pushes.
  const auto gone = run(kAlice, command_node::kUnregisterPushFcm,
                        {{"device-id", {"dev1"}}, {"muc", {"room@conference.example.com"}}});
  ASSERT_TRUE(gone.ok()) << errorText(gone);
  EXPECT_EQ(devices_.rows().size(), 1u);
}

TEST_F(RegistrationP2Test, UnregisterRemovesTheDevice) {
  ASSERT_TRUE(run(kAlice, command_node::kRegisterPushFcm,
                  {{"token", {fcmToken()}}, {"device-id", {"dev1"}}})
                  .ok());
  const auto r = run(kAlice, command_node::kUnregisterPushFcm, {{"device-id", {"dev1"}}});
  ASSERT_TRUE(r.ok()) << errorText(r);
  EXPECT_EQ(r.status, CommandResponse::Status::Completed);
  EXPECT_TRUE(devices_.rows().empty());

  const auto again = run(kAlice, command_node::kUnregisterPushFcm, {{"device-id", {"dev1"}}});
  EXPECT_COMMAND_ERROR(again, ErrorType::Cancel, "item-not-found");
}

TEST_F(RegistrationP2Test, UnregisterOfOtherPlatformDoesNotTouchDevice) {
  ASSERT_TRUE(run(kAlice, command_node::kRegisterPushFcm,
                  {{"token", {fcmToken()}}, {"device-id", {"dev1"}}})
                  .ok());
  const auto r = run(kAlice, command_node::kUnregisterPushApns, {{"device-id", {"dev1"}}});
  EXPECT_COMMAND_ERROR(r, ErrorType::Cancel, "item-not-found");
  EXPECT_EQ(devices_.rows().size(), 1u);
}

TEST_F(RegistrationP2Test, OtherUserCannotUnregisterAndChangesNothing) {
  const auto a = run(kAlice, command_node::kRegisterPushFcm,
                     {{"token", {fcmToken()}}, {"device-id", {"dev1"}}});
  ASSERT_TRUE(a.ok());
  const Device before = devices_.rows().front();

  const auto r = run(kBob, command_node::kUnregisterPushFcm, {{"device-id", {"dev1"}}});
  EXPECT_COMMAND_ERROR(r, ErrorType::Cancel, "item-not-found");
  // Bob registering "the same" device id creates his own row; Alice's is untouched.
  ASSERT_TRUE(run(kBob, command_node::kRegisterPushFcm,
                  {{"token", {fcmToken('z')}}, {"device-id", {"dev1"}}})
                  .ok());
  ASSERT_EQ(devices_.rowsOf(kAliceBare).size(), 1u);
  const Device after = devices_.rowsOf(kAliceBare).front();
  EXPECT_EQ(after.token, before.token);
  EXPECT_EQ(after.node, before.node);
  EXPECT_EQ(after.secret_hash, before.secret_hash);
  EXPECT_EQ(after.updated, before.updated);
}

TEST_F(RegistrationP2Test, BareJidIsLowerCased) {
  ASSERT_TRUE(run("Alice@Example.COM/x", command_node::kRegisterPushFcm,
                  {{"token", {fcmToken()}}, {"device-id", {"dev1"}}})
                  .ok());
  EXPECT_EQ(devices_.rows()[0].user, kAliceBare);
  EXPECT_TRUE(run(kAlice, command_node::kUnregisterPushFcm, {{"device-id", {"dev1"}}}).ok());
}

TEST_F(RegistrationP2Test, ExecuteWithoutFormIsBadPayload) {
  const auto r = request(kAlice, command_node::kRegisterPushFcm);
  EXPECT_COMMAND_ERROR(r, ErrorType::Modify, "bad-request");
  EXPECT_EQ(r.error->specific, "bad-payload");
}

// Issue 12 item 5: publish secrets survive a component-secret rotation and the upgrade
// to a separate key.
TEST_F(RegistrationP2Test, UpgradeToSeparateKeyKeepsExistingSecretsAndRotationChangesNothing) {
  const Fields fields = {{"token", {fcmToken()}}, {"device-id", {"dev1"}}};
  // Registered by an earlier version: key derived from the component secret.
  const auto before = run(kAlice, command_node::kRegisterPushFcm, fields);
  ASSERT_TRUE(before.ok());
  const std::string legacy = legacyPublishSecretKey(config_, crypto_);
  // Upgrade: a new random key, the legacy one still accepted (as loadPublishKeys gives).
  const std::vector<std::string> keys = {std::string(64, '1'), legacy};
  handler_ = std::make_unique<CommandHandler>(config_, devices_, prefs_, clock_, crypto_, keys);
  const auto again = run(kAlice, command_node::kRegisterPushFcm, fields);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(value(again, "secret"), value(before, "secret"))
      << "an upgrade must not change a registration's secret";
  const auto fresh = run(kBob, command_node::kRegisterPushFcm, fields);
  ASSERT_TRUE(fresh.ok());
  // Rotate the component secret: the keys come from the key file, not from it.
  config_.component.secret = "rotated-component-secret";
  handler_ = std::make_unique<CommandHandler>(
      config_, devices_, prefs_, clock_, crypto_,
      std::vector<std::string>{keys[0], keys[1], legacyPublishSecretKey(config_, crypto_)});
  const auto after = run(kAlice, command_node::kRegisterPushFcm, fields);
  const auto after_bob = run(kBob, command_node::kRegisterPushFcm, fields);
  ASSERT_TRUE(after.ok() && after_bob.ok());
  EXPECT_EQ(value(after, "secret"), value(before, "secret"));
  EXPECT_EQ(value(after_bob, "secret"), value(fresh, "secret"));
  EXPECT_NE(value(fresh, "secret"), value(before, "secret"));
  for (const auto& d : devices_.rows()) {
    EXPECT_EQ(d.secret_hash, crypto_.sha256Hex(d.user == kAliceBare ? value(before, "secret")
                                                                    : value(fresh, "secret")));
  }
}

TEST_F(RegistrationP2Test, NewRegistrationsUseTheFirstKey) {
  const std::vector<std::string> keys = {std::string(64, '1'), std::string(64, '2')};
  handler_ = std::make_unique<CommandHandler>(config_, devices_, prefs_, clock_, crypto_, keys);
  const auto r = run(kAlice, command_node::kRegisterPushFcm,
                     {{"token", {fcmToken()}}, {"device-id", {"dev1"}}});
  ASSERT_TRUE(r.ok());
  const Device& d = devices_.rows().front();
  const std::string data = "vapush publish secret v1\n" + d.user + "\n" + d.app + "\n" + d.node;
  EXPECT_EQ(value(r, "secret"), crypto_.hmacSha256Hex(keys[0], data).substr(0, 32));
}

}  // namespace
}  // namespace vapush
