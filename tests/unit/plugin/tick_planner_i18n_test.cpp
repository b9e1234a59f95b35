// SPDX-License-Identifier: Apache-2.0
// The planner writes its own texts through the Localizer port in the device's language:
// the device's (registration), else the user's preference, else defaults.language; and
// keeps the catalog keys and the count for apps that localize on the device.
#include "plugin/message_text.h"
#include "tests/unit/plugin/planner_fixture.h"

namespace vapush {
namespace {

// Answers "<language>|<key>|<count>" so a test sees exactly what was asked.
class EchoLocalizer : public Localizer {
 public:
  std::string text(std::string_view key, std::string_view language, int64_t count,
                   const std::vector<std::string>&) const override {
    return std::string(language) + "|" + std::string(key) + "|" + std::to_string(count);
  }
};

class PlannerI18nTest : public PlannerTest {
 protected:
  PlannerI18nTest() {
    localizer_ = &echo_;
    default_language_ = "nl";
    snap_.preferences[phone_.user].preview = false;
  }
  PushRequest onePush() {
    away(kStart);
    message("va@example.com", "a", kStart + 1000, Category::VirtualAgent);
    message("va@example.com", "b", kStart + 2000, Category::VirtualAgent);
    BatchOutcome o = plan(kStart + kMinute);
    EXPECT_EQ(o.pushes.size(), 1u);
    return o.pushes.empty() ? PushRequest{} : o.pushes[0];
  }
  EchoLocalizer echo_;
};

TEST_F(PlannerI18nTest, DeviceLanguageFirst) {
  snap_.devices[phone_.user][0].language = "pl";
  snap_.preferences[phone_.user].language = "de";
  const PushRequest p = onePush();
  EXPECT_EQ(p.language, "pl");
  EXPECT_EQ(p.title, "pl|virtual_agent_title|2");
  EXPECT_EQ(p.body, "pl|new_messages_body|2");
  EXPECT_EQ(p.title_key, "virtual_agent_title");
  EXPECT_EQ(p.body_key, "new_messages_body");
  EXPECT_EQ(p.body_args, std::vector<std::string>{"2"});
}

TEST_F(PlannerI18nTest, ThenTheUsersPreferenceThenTheDefault) {
  snap_.preferences[phone_.user].language = "de";
  EXPECT_EQ(onePush().body, "de|new_messages_body|2");
  snap_.preferences[phone_.user].language.clear();
  snap_.messages.clear();
  EXPECT_EQ(onePush().body, "nl|new_messages_body|2");
}

TEST_F(PlannerI18nTest, PreviewKeepsTheMessageAndTheSendersName) {
  snap_.preferences[phone_.user].preview = true;
  away(kStart);
  message("b@example.com", "hallo", kStart + 1000);
  const BatchOutcome o = plan(kStart + kMinute);
  ASSERT_EQ(o.pushes.size(), 1u);
  EXPECT_EQ(o.pushes[0].title, "b");
  EXPECT_EQ(o.pushes[0].body, "hallo");
  EXPECT_EQ(o.pushes[0].title_key, "");
  EXPECT_EQ(o.pushes[0].body_key, "");
}

TEST_F(PlannerI18nTest, EncryptedMessageTextIsTranslated) {
  snap_.preferences[phone_.user].preview = true;
  away(kStart);
  message("b@example.com", kEncryptedMessageText, kStart + 1000);
  const BatchOutcome o = plan(kStart + kMinute);
  ASSERT_EQ(o.pushes.size(), 1u);
  EXPECT_EQ(o.pushes[0].body, "nl|encrypted_message_body|1");
}

}  // namespace
}  // namespace vapush
