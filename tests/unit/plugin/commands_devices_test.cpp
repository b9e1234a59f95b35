// SPDX-License-Identifier: Apache-2.0
// `list-devices` and `remove-device`: users see and remove only their own devices.
#include "tests/unit/plugin/commands_test_fixture.h"

namespace vapush {
namespace {

using CommandsDevicesTest = CommandsTest;

class CommandsDevicesWithData : public CommandsTest {
 protected:
  CommandsDevicesWithData() {
    alice_fcm_ = value(run(kAlice, command_node::kRegisterPushFcm,
                           {{"token", {fcmToken('a')}}, {"device-id", {"a1"}}}),
                       "node");
    alice_ios_ =
        value(run("alice@example.com/iPhone", command_node::kRegisterDevice,
                  {{"provider", {"tigase:messenger:apns:1"}}, {"device-token", {apnsToken('b')}}}),
              "node");
    bob_ = value(run(kBob, command_node::kRegisterPushFcm,
                     {{"token", {fcmToken('c')}}, {"device-id", {"b1"}}}),
                 "node");
  }
  std::string alice_fcm_, alice_ios_, bob_;
};

TEST_F(CommandsDevicesTest, NoDevicesSaysSo) {
  auto r = request(kAlice, command_node::kListDevices);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.status, CommandResponse::Status::Completed);
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_NE(r.notes[0].text.find("no registered devices"), std::string::npos);
  r = request(kAlice, command_node::kRemoveDevice);
  EXPECT_EQ(r.status, CommandResponse::Status::Completed);
  EXPECT_EQ(handler_->openSessions(), 0u);
}

TEST_F(CommandsDevicesWithData, ListShowsOnlyMyDevicesWithoutTokens) {
  const auto r = request(kAlice, command_node::kListDevices);
  ASSERT_TRUE(r.ok()) << errorText(r);
  EXPECT_EQ(r.status, CommandResponse::Status::Completed);
  ASSERT_TRUE(r.form.has_value());
  EXPECT_EQ(r.form->type, "result");
  const std::string d1 = value(r, "device-1");
  const std::string d2 = value(r, "device-2");
  EXPECT_NE(d1.find("android (FCM), Conversations.sAdA, registered 2027-01-15 08:00 UTC"),
            std::string::npos)
      << d1;
  EXPECT_NE(d1.find("last push never"), std::string::npos);
  EXPECT_NE(d2.find("ios (APNs), iPhone"), std::string::npos) << d2;
  EXPECT_FALSE(r.form->has("device-3"));
  for (const auto& f : r.form->fields) {
    for (const auto& v : f.values) {
      EXPECT_EQ(v.find(fcmToken('a')), std::string::npos);
      EXPECT_EQ(v.find(apnsToken('b')), std::string::npos);
    }
  }
}

TEST_F(CommandsDevicesWithData, RemoveOffersMyDevicesAndRemovesTheChosenOne) {
  const auto form = request(kAlice, command_node::kRemoveDevice);
  ASSERT_TRUE(form.ok());
  EXPECT_EQ(form.status, CommandResponse::Status::Executing);
  const FormField* choice = form.form->field("device");
  ASSERT_NE(choice, nullptr);
  EXPECT_EQ(choice->type, "list-single");
  ASSERT_EQ(choice->options.size(), 2u);
  EXPECT_EQ(choice->options[0].value, alice_fcm_);
  EXPECT_EQ(choice->options[1].value, alice_ios_);

  const auto done =
      request(kAlice, command_node::kRemoveDevice,
              submitted({{"FORM_TYPE", {"urn:vapush:devices:0"}}, {"device", {alice_ios_}}}),
              "complete", form.session_id);
  ASSERT_TRUE(done.ok()) << errorText(done);
  EXPECT_NE(done.notes[0].text.find("Removed ios (APNs)"), std::string::npos);
  const auto mine = devices_.rowsOf(kAliceBare);
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].node, alice_fcm_);
}

TEST_F(CommandsDevicesWithData, CannotRemoveAnotherUsersDevice) {
  const Device before = devices_.rowsOf(kBobBare).at(0);
  const auto r = request(kAlice, command_node::kRemoveDevice, submitted({{"device", {bob_}}}));
  EXPECT_COMMAND_ERROR(r, ErrorType::Cancel, "item-not-found");
  ASSERT_EQ(devices_.rowsOf(kBobBare).size(), 1u);
  EXPECT_EQ(devices_.rowsOf(kBobBare)[0].updated, before.updated);
  EXPECT_EQ(devices_.rowsOf(kAliceBare).size(), 2u);
  // Bob's list does not show Alice's devices either.
  const auto list = request(kBob, command_node::kListDevices);
  EXPECT_TRUE(list.form->has("device-1"));
  EXPECT_FALSE(list.form->has("device-2"));
}

TEST_F(CommandsDevicesWithData, RemoveNeedsAChoice) {
  const auto r = request(kAlice, command_node::kRemoveDevice, submitted({}));
  EXPECT_COMMAND_ERROR(r, ErrorType::Modify, "bad-request");
  EXPECT_EQ(r.error->specific, "bad-payload");
  EXPECT_EQ(devices_.rowsOf(kAliceBare).size(), 2u);
}

}  // namespace
}  // namespace vapush
