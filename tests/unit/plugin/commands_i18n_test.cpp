// SPDX-License-Identifier: Apache-2.0
// Issue 18 in the commands: the registering IQ's xml:lang becomes the device's language
// (a `language` field wins), the preferences form's `language` field, and the
// self-service `test-push` command (own devices only, others' answered as not found,
// rate-limited per user).
#include "plugin/test_push.h"
#include "tests/unit/plugin/commands_test_fixture.h"

namespace vapush {
namespace {

class RecordingTestPusher : public TestPusher {
 public:
  bool sendTest(const Device& device, const std::string& user_language) override {
    sent.emplace_back(device.node, user_language);
    return true;
  }
  std::vector<std::pair<std::string, std::string>> sent;  // (node, user language)
};

class CommandsI18nTest : public CommandsTest {
 protected:
  CommandsI18nTest() { handler_->setTestPusher(&pusher_); }

  CommandResponse registerWithLang(const std::string& from, const std::string& lang,
                                   const Fields& fields) {
    CommandRequest r;
    r.from = from;
    r.node = std::string(command_node::kRegisterPushFcm);
    r.form = submitted(fields);
    r.lang = lang;
    return handler_->handle(r);
  }
  std::string registerPhone(const std::string& from, char token, const std::string& dev) {
    const auto r = run(from, command_node::kRegisterPushFcm,
                       {{"token", {fcmToken(token)}}, {"device-id", {dev}}});
    EXPECT_TRUE(r.ok()) << errorText(r);
    return value(r, "node");
  }
  CommandResponse testPush(const std::string& from, std::vector<std::string> nodes) {
    return run(from, command_node::kTestPush, {{"device", std::move(nodes)}});
  }

  RecordingTestPusher pusher_;
};

TEST_F(CommandsI18nTest, XmlLangIsTheDeviceLanguage) {
  const auto r = registerWithLang(kAlice, "de", {{"token", {fcmToken()}}, {"device-id", {"d1"}}});
  ASSERT_TRUE(r.ok()) << errorText(r);
  Device d;
  ASSERT_TRUE(devices_.findByNode(value(r, "node"), d).ok());
  EXPECT_EQ(d.language, "de");
}

TEST_F(CommandsI18nTest, LanguageFieldWinsOverXmlLangAndBadXmlLangIsIgnored) {
  auto r = registerWithLang(kAlice, "de",
                            {{"token", {fcmToken()}}, {"device-id", {"d1"}}, {"language", {"pl"}}});
  ASSERT_TRUE(r.ok()) << errorText(r);
  Device d;
  ASSERT_TRUE(devices_.findByNode(value(r, "node"), d).ok());
  EXPECT_EQ(d.language, "pl");
  r = registerWithLang(kBob, "not a tag!", {{"token", {fcmToken('y')}}, {"device-id", {"d2"}}});
  ASSERT_TRUE(r.ok()) << errorText(r);
  ASSERT_TRUE(devices_.findByNode(value(r, "node"), d).ok());
  EXPECT_EQ(d.language, "");
}

TEST_F(CommandsI18nTest, PreferencesLanguageFieldSetsAndClears) {
  auto r = run(kAlice, command_node::kPreferences, {{"language", {"pt-BR"}}});
  ASSERT_TRUE(r.ok()) << errorText(r);
  EXPECT_EQ(prefs_.saved(kAliceBare)->language, "pt-BR");
  r = run(kAlice, command_node::kPreferences, {{"language", {"no way"}}});
  EXPECT_COMMAND_ERROR(r, ErrorType::Modify, "bad-request");
  EXPECT_EQ(prefs_.saved(kAliceBare)->language, "pt-BR") << "bad input loses nothing";
  r = run(kAlice, command_node::kPreferences, {{"language", {""}}});
  ASSERT_TRUE(r.ok()) << errorText(r);
  EXPECT_EQ(prefs_.saved(kAliceBare)->language, "");
}

TEST_F(CommandsI18nTest, TestPushReachesOnlyTheCallersDevices) {
  const std::string a1 = registerPhone(kAlice, 'a', "a1");
  const std::string a2 = registerPhone(kAlice, 'b', "a2");
  const std::string b1 = registerPhone(kBob, 'c', "b1");
  run(kAlice, command_node::kPreferences, {{"language", {"de"}}});

  auto r = testPush(kAlice, {a2});
  ASSERT_TRUE(r.ok()) << errorText(r);
  EXPECT_EQ(pusher_.sent, (std::vector<std::pair<std::string, std::string>>{{a2, "de"}}));

  pusher_.sent.clear();
  r = testPush(kAlice, {});  // none chosen: all of the caller's devices
  ASSERT_TRUE(r.ok()) << errorText(r);
  ASSERT_EQ(pusher_.sent.size(), 2u);
  EXPECT_EQ(pusher_.sent[0].first, a1);
  EXPECT_EQ(pusher_.sent[1].first, a2);

  pusher_.sent.clear();
  r = testPush(kAlice, {b1});  // Bob's device: exactly like one that does not exist
  EXPECT_COMMAND_ERROR(r, ErrorType::Cancel, "item-not-found");
  const std::string other_text = r.error->text;
  r = testPush(kAlice, {"no-such-node"});
  EXPECT_COMMAND_ERROR(r, ErrorType::Cancel, "item-not-found");
  EXPECT_EQ(r.error->text, other_text);
  EXPECT_TRUE(pusher_.sent.empty());
}

TEST_F(CommandsI18nTest, TestPushIsRateLimitedPerUser) {
  const std::string a1 = registerPhone(kAlice, 'a', "a1");
  const std::string b1 = registerPhone(kBob, 'c', "b1");
  for (int i = 0; i < kTestPushesPerWindow; ++i) {
    const auto r = testPush(kAlice, {a1});
    ASSERT_TRUE(r.ok()) << i << ": " << errorText(r);
  }
  auto r = testPush(kAlice, {a1});
  EXPECT_COMMAND_ERROR(r, ErrorType::Wait, "resource-constraint");
  EXPECT_EQ(pusher_.sent.size(), static_cast<size_t>(kTestPushesPerWindow));
  r = testPush(kBob, {b1});  // another user has their own allowance
  EXPECT_TRUE(r.ok()) << errorText(r);
  clock_.advance(std::chrono::milliseconds(kTestPushWindowMs));
  r = testPush(kAlice, {a1});
  EXPECT_TRUE(r.ok()) << errorText(r);
}

TEST_F(CommandsI18nTest, TestPushToADisabledDeviceIsRefusedWithoutUsingTheAllowance) {
  const std::string a1 = registerPhone(kAlice, 'a', "a1");
  const std::string a2 = registerPhone(kAlice, 'b', "a2");
  Device d;
  ASSERT_TRUE(devices_.findByNode(a1, d).ok());
  ASSERT_TRUE(devices_.setEnabled(d.id, false, clock_.nowMs()).ok());
  for (int i = 0; i < kTestPushesPerWindow + 1; ++i) {
    EXPECT_COMMAND_ERROR(testPush(kAlice, {a1}), ErrorType::Cancel, "item-not-found");
  }
  for (int i = 0; i < kTestPushesPerWindow; ++i) {
    const auto r = testPush(kAlice, {});  // all: only the enabled one
    ASSERT_TRUE(r.ok()) << errorText(r);
  }
  EXPECT_EQ(pusher_.sent.size(), static_cast<size_t>(kTestPushesPerWindow));
  for (const auto& [node, lang] : pusher_.sent) EXPECT_EQ(node, a2);
}

TEST_F(CommandsI18nTest, TestPushFormListsOwnDevicesAndIsListed) {
  const std::string a1 = registerPhone(kAlice, 'a', "a1");
  registerPhone(kBob, 'c', "b1");
  const auto r = request(kAlice, command_node::kTestPush);
  ASSERT_TRUE(r.ok()) << errorText(r);
  ASSERT_TRUE(r.form);
  const FormField* f = r.form->field("device");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(f->options.size(), 1u);
  EXPECT_EQ(f->options[0].value, a1);
  bool listed = false;
  for (const auto& c : handler_->list(kAlice)) listed = listed || c.node == "test-push";
  EXPECT_TRUE(listed);
}

}  // namespace
}  // namespace vapush
