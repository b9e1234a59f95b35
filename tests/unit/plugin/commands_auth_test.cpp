// SPDX-License-Identifier: Apache-2.0
// Who may use the commands: served domains, foreign users, malformed senders, discovery.
#include "tests/unit/plugin/commands_test_fixture.h"

namespace vapush {
namespace {

using CommandsAuthTest = CommandsTest;

const Fields kRegistration = {{"token", {CommandsTest::fcmToken()}}, {"device-id", {"dev"}}};

TEST_F(CommandsAuthTest, DefaultServedDomainIsComponentParent) {
  EXPECT_TRUE(run("carol@example.com/x", command_node::kRegisterPushFcm, kRegistration).ok());
  const auto r = run("mallory@evil.example/x", command_node::kRegisterPushFcm, kRegistration);
  EXPECT_COMMAND_ERROR(r, ErrorType::Auth, "forbidden");
  EXPECT_NE(r.error->text.find("example.com"), std::string::npos);
  // A subdomain is another domain.
  EXPECT_COMMAND_ERROR(run("x@sub.example.com/x", command_node::kRegisterPushFcm, kRegistration),
                       ErrorType::Auth, "forbidden");
  EXPECT_EQ(devices_.rows().size(), 1u);
}

TEST_F(CommandsAuthTest, ConfiguredDomainsReplaceTheDefault) {
  config_.component.domains = {"Chat.Example.org", "example.net"};
  rebuild();
  EXPECT_TRUE(run("a@chat.example.org/x", command_node::kRegisterPushFcm, kRegistration).ok());
  EXPECT_TRUE(run("a@EXAMPLE.net/x", command_node::kRegisterPushFcm, kRegistration).ok());
  EXPECT_COMMAND_ERROR(run(kAlice, command_node::kRegisterPushFcm, kRegistration), ErrorType::Auth,
                       "forbidden");
}

TEST_F(CommandsAuthTest, ForeignUsersAllowedWhenConfigured) {
  config_.component.allow_foreign_users = true;
  rebuild();
  EXPECT_TRUE(run("m@elsewhere.example/x", command_node::kRegisterPushFcm, kRegistration).ok());
  EXPECT_FALSE(handler_->list("m@elsewhere.example/x").empty());
}

TEST_F(CommandsAuthTest, ForeignDomainRefusedForEveryCommand) {
  for (auto node :
       {command_node::kPreferences, command_node::kListDevices, command_node::kRemoveDevice,
        command_node::kMuteConversation, command_node::kUnregisterPushFcm}) {
    EXPECT_COMMAND_ERROR(request("m@evil.example/x", node), ErrorType::Auth, "forbidden");
  }
  EXPECT_TRUE(handler_->list("m@evil.example/x").empty());
}

TEST_F(CommandsAuthTest, SenderWithoutLocalPartIsRefused) {
  EXPECT_COMMAND_ERROR(run("example.com", command_node::kRegisterPushFcm, kRegistration),
                       ErrorType::Auth, "forbidden");
  EXPECT_COMMAND_ERROR(run("", command_node::kRegisterPushFcm, kRegistration), ErrorType::Auth,
                       "forbidden");
  EXPECT_COMMAND_ERROR(run("@example.com/x", command_node::kRegisterPushFcm, kRegistration),
                       ErrorType::Auth, "forbidden");
  EXPECT_TRUE(devices_.rows().empty());
}

TEST_F(CommandsAuthTest, UnknownNodeIsItemNotFound) {
  const auto r = request(kAlice, "register-push-mpns");
  EXPECT_COMMAND_ERROR(r, ErrorType::Cancel, "item-not-found");
  EXPECT_EQ(r.node, "register-push-mpns");
  EXPECT_FALSE(handler_->exists("register-push-mpns"));
}

TEST_F(CommandsAuthTest, ExistsAndListForDisco) {
  for (auto node :
       {"register-push-fcm", "register-push-apns", "unregister-push-fcm", "unregister-push-apns",
        "register-device", "unregister-device", "v1-register-push", "v1-unregister-push",
        "preferences", "mute-conversation", "list-devices", "remove-device", "test-push"}) {
    EXPECT_TRUE(handler_->exists(node)) << node;
  }
  const auto listed = handler_->list(kAlice);
  ASSERT_EQ(listed.size(), 5u);
  EXPECT_EQ(listed[0].node, "preferences");
  EXPECT_FALSE(listed[0].name.empty());
  for (const auto& [node, name] : listed) EXPECT_EQ(node.find("register"), std::string::npos);
}

TEST_F(CommandsAuthTest, PreferencesAreKeptPerBareJid) {
  ASSERT_TRUE(request(kAlice, command_node::kPreferences, submitted({{"preview", {"0"}}})).ok());
  EXPECT_FALSE(prefs_.saved(kAliceBare)->preview);
  EXPECT_FALSE(prefs_.saved(kBobBare).has_value());
  const auto bob = request(kBob, command_node::kPreferences);
  ASSERT_TRUE(bob.ok());
  EXPECT_EQ(value(bob, "preview"), "1");
}

}  // namespace
}  // namespace vapush
