// SPDX-License-Identifier: Apache-2.0
// `preferences` and `mute-conversation` through the command flow.
#include "plugin/time_zone.h"
#include "tests/unit/plugin/commands_test_fixture.h"

namespace vapush {
namespace {

using CommandsPreferencesTest = CommandsTest;

TEST_F(CommandsPreferencesTest, FormShowsDefaultsWithLabels) {
  const auto r = request(kAlice, command_node::kPreferences);
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r.form.has_value());
  EXPECT_EQ(r.form->type, "form");
  EXPECT_FALSE(r.form->title.empty());
  EXPECT_FALSE(r.form->instructions.empty());
  EXPECT_EQ(r.form->formType(), "urn:vapush:preferences:0");
  EXPECT_EQ(value(r, "virtual-agent"), "1");  // on by default
  EXPECT_EQ(value(r, "live-agent"), "1");
  EXPECT_EQ(value(r, "chat"), "1");
  EXPECT_EQ(value(r, "preview"), "1");
  EXPECT_EQ(value(r, "quiet-hours"), "0");
  EXPECT_EQ(value(r, "quiet-start"), "22:00");
  EXPECT_EQ(value(r, "quiet-end"), "07:00");
  EXPECT_EQ(value(r, "time-zone"), "UTC");
  for (const auto& f : r.form->fields) {
    if (f.var == "FORM_TYPE") continue;
    EXPECT_FALSE(f.label.empty()) << f.var;
    EXPECT_TRUE(f.type == "boolean" || f.type == "text-single") << f.var;
  }
}

TEST_F(CommandsPreferencesTest, RoundTripShowChangeShowAgain) {
  auto shown = request(kAlice, command_node::kPreferences);
  ASSERT_TRUE(shown.ok());
  // The client sends the whole form back with changes (as Gajim/Conversations do).
  Form filled = *shown.form;
  filled.type = "submit";
  auto set = [&](const std::string& var, const std::string& v) {
    for (auto& f : filled.fields) {
      if (f.var == var) f.values = {v};
    }
  };
  set("virtual-agent", "false");
  set("preview", "0");
  set("quiet-hours", "true");
  set("quiet-start", "21:30");
  set("quiet-end", "06:45");
  set("time-zone", "America/Argentina/Buenos_Aires");
  const auto done =
      request(kAlice, command_node::kPreferences, filled, "complete", shown.session_id);
  ASSERT_TRUE(done.ok()) << errorText(done);
  EXPECT_EQ(done.status, CommandResponse::Status::Completed);

  const Preferences saved = *prefs_.saved(kAliceBare);
  EXPECT_FALSE(saved.virtual_agent);
  EXPECT_TRUE(saved.live_agent);
  EXPECT_TRUE(saved.chat);
  EXPECT_FALSE(saved.preview);
  ASSERT_TRUE(saved.quiet_hours.has_value());
  EXPECT_EQ(saved.quiet_hours->start_minute, 21 * 60 + 30);
  EXPECT_EQ(saved.quiet_hours->end_minute, 6 * 60 + 45);
  EXPECT_EQ(saved.quiet_hours->time_zone, "America/Argentina/Buenos_Aires");

  shown = request(kAlice, command_node::kPreferences);
  EXPECT_EQ(value(shown, "virtual-agent"), "0");
  EXPECT_EQ(value(shown, "preview"), "0");
  EXPECT_EQ(value(shown, "quiet-hours"), "1");
  EXPECT_EQ(value(shown, "quiet-start"), "21:30");
  EXPECT_EQ(value(shown, "quiet-end"), "06:45");
  EXPECT_EQ(value(shown, "time-zone"), "America/Argentina/Buenos_Aires");

  // Turning quiet hours off again.
  ASSERT_TRUE(
      request(kAlice, command_node::kPreferences, submitted({{"quiet-hours", {"0"}}})).ok());
  EXPECT_FALSE(prefs_.saved(kAliceBare)->quiet_hours.has_value());
}

TEST_F(CommandsPreferencesTest, InvalidValuesNameTheField) {
  struct Case {
    Fields fields;
    std::string needle;
  };
  const std::vector<Case> cases = {
      {{{"chat", {"maybe"}}}, "'chat'"},
      {{{"quiet-hours", {"1"}}, {"quiet-start", {"7pm"}}}, "'quiet-start'"},
      {{{"quiet-hours", {"1"}}, {"quiet-end", {"24:00"}}}, "'quiet-end'"},
      {{{"quiet-hours", {"1"}}, {"time-zone", {"Mars/Olympus Mons"}}}, "'time-zone'"},
      {{{"quiet-hours", {"1"}}, {"time-zone", {"../etc/passwd"}}}, "'time-zone'"},
      {{{"quiet-hours", {"1"}}, {"quiet-start", {"07:00"}}, {"quiet-end", {"07:00"}}},
       "must differ"},
      {{{"FORM_TYPE", {"urn:vapush:mute:0"}}, {"chat", {"1"}}}, "FORM_TYPE"},
      {{{"preview", {"1", "0"}}}, "single value"},
  };
  for (const auto& c : cases) {
    const auto r = request(kAlice, command_node::kPreferences, submitted(c.fields));
    EXPECT_COMMAND_ERROR(r, ErrorType::Modify, "bad-request");
    EXPECT_NE(r.error->text.find(c.needle), std::string::npos) << r.error->text;
  }
  EXPECT_FALSE(prefs_.saved(kAliceBare).has_value());
}

// A zone name of the right shape the time zone database does not know is refused with
// the reason, instead of being saved and then treated as UTC.
TEST_F(CommandsPreferencesTest, UnknownTimeZoneIsRefusedWithTheReason) {
  class Zones : public TimeZones {
   public:
    std::optional<int> utcOffsetMinutes(std::string_view zone, TimeMs) override {
      if (zone == "UTC") return 0;
      if (zone == "Europe/Berlin") return 60;
      return std::nullopt;
    }
  } zones;
  handler_->setTimeZones(&zones);
  auto r = request(kAlice, command_node::kPreferences,
                   submitted({{"quiet-hours", {"1"}}, {"time-zone", {"Europe/Atlantis"}}}));
  EXPECT_COMMAND_ERROR(r, ErrorType::Modify, "bad-request");
  EXPECT_NE(r.error->text.find("unknown time zone 'Europe/Atlantis'"), std::string::npos)
      << r.error->text;
  EXPECT_FALSE(prefs_.saved(kAliceBare).has_value());

  r = request(kAlice, command_node::kPreferences,
              submitted({{"quiet-hours", {"1"}}, {"time-zone", {"Europe/Berlin"}}}));
  ASSERT_TRUE(r.ok()) << errorText(r);
  EXPECT_EQ(prefs_.saved(kAliceBare)->quiet_hours->time_zone, "Europe/Berlin");
}

TEST_F(CommandsPreferencesTest, MuteForeverThenUnmute) {
  const auto form = request(kAlice, command_node::kMuteConversation);
  ASSERT_TRUE(form.ok());
  EXPECT_EQ(form.status, CommandResponse::Status::Executing);
  ASSERT_NE(form.form->field("action"), nullptr);
  EXPECT_EQ(form.form->field("action")->type, "list-single");
  EXPECT_EQ(form.form->field("action")->options.size(), 2u);
  EXPECT_EQ(form.form->field("jid")->type, "jid-single");

  const auto muted = request(kAlice, command_node::kMuteConversation,
                             submitted({{"FORM_TYPE", {"urn:vapush:mute:0"}},
                                        {"jid", {"Bob@Example.com/phone"}},
                                        {"action", {"mute"}},
                                        {"until", {"forever"}}}),
                             "complete", form.session_id);
  ASSERT_TRUE(muted.ok()) << errorText(muted);
  ASSERT_EQ(prefs_.saved(kAliceBare)->muted.count("bob@example.com"), 1u);
  EXPECT_EQ(prefs_.saved(kAliceBare)->muted.at("bob@example.com"), Preferences::kForever);

  // The form now lists it.
  const auto again = request(kAlice, command_node::kMuteConversation);
  EXPECT_NE(again.form->instructions.find("bob@example.com (forever)"), std::string::npos)
      << again.form->instructions;

  const auto unmuted = request(kAlice, command_node::kMuteConversation,
                               submitted({{"jid", {"bob@example.com"}}, {"action", {"unmute"}}}));
  ASSERT_TRUE(unmuted.ok());
  EXPECT_TRUE(prefs_.saved(kAliceBare)->muted.empty());
  EXPECT_NE(unmuted.notes[0].text.find("Unmuted"), std::string::npos);
}

TEST_F(CommandsPreferencesTest, MuteUntilDurationAndTimeExpire) {
  const TimeMs now = clock_.nowMs();
  ASSERT_TRUE(request(kAlice, command_node::kMuteConversation,
                      submitted({{"jid", {"bob@example.com"}}, {"until", {"8h"}}}))
                  .ok());
  EXPECT_EQ(prefs_.saved(kAliceBare)->muted.at("bob@example.com"), now + 8 * 3600 * 1000);
  ASSERT_TRUE(request(kAlice, command_node::kMuteConversation,
                      submitted({{"jid", {"room@muc.example.com"}}, {"until", {"PT30M"}}}))
                  .ok());
  EXPECT_EQ(prefs_.saved(kAliceBare)->muted.at("room@muc.example.com"), now + 30 * 60 * 1000);
  // FakeClock starts at 2027-01-15T08:00:00Z (1'800'000'000'000 ms).
  ASSERT_TRUE(
      request(kAlice, command_node::kMuteConversation,
              submitted({{"jid", {"carol@example.com"}}, {"until", {"2027-01-16T10:00:00+02:00"}}}))
          .ok());
  EXPECT_EQ(prefs_.saved(kAliceBare)->muted.at("carol@example.com"),
            1'800'000'000'000 + (24 - 8 + 8) * 3600 * 1000LL);

  // After 9 hours the 8 h and 30 min mutes have ended and are dropped on the next save.
  clock_.advance(std::chrono::hours(9));
  ASSERT_TRUE(
      request(kAlice, command_node::kMuteConversation, submitted({{"jid", {"dave@example.com"}}}))
          .ok());
  const auto muted = prefs_.saved(kAliceBare)->muted;
  EXPECT_EQ(muted.count("bob@example.com"), 0u);
  EXPECT_EQ(muted.count("room@muc.example.com"), 0u);
  EXPECT_EQ(muted.count("carol@example.com"), 1u);
  EXPECT_EQ(muted.at("dave@example.com"), Preferences::kForever);  // default
}

TEST_F(CommandsPreferencesTest, MuteInputErrors) {
  const std::vector<std::pair<Fields, std::string>> cases = {
      {{{"until", {"8h"}}}, "'jid'"},
      {{{"jid", {"not a jid"}}}, "'jid'"},
      {{{"jid", {"b@example.com"}}, {"until", {"yesterday"}}}, "'until'"},
      {{{"jid", {"b@example.com"}}, {"until", {"2020-01-01T00:00Z"}}}, "past"},
      {{{"jid", {"b@example.com"}}, {"until", {"2030-01-01T00:00"}}}, "time zone"},
      {{{"jid", {"b@example.com"}}, {"until", {"0h"}}}, "longer than zero"},
      {{{"jid", {"b@example.com"}}, {"action", {"snooze"}}}, "'action'"},
  };
  for (const auto& [fields, needle] : cases) {
    const auto r = request(kAlice, command_node::kMuteConversation, submitted(fields));
    EXPECT_COMMAND_ERROR(r, ErrorType::Modify, "bad-request");
    EXPECT_NE(r.error->text.find(needle), std::string::npos) << r.error->text;
  }
  EXPECT_FALSE(prefs_.saved(kAliceBare).has_value());
}

TEST_F(CommandsPreferencesTest, PreferencesSaveKeepsMutes) {
  ASSERT_TRUE(
      request(kAlice, command_node::kMuteConversation, submitted({{"jid", {"bob@example.com"}}}))
          .ok());
  ASSERT_TRUE(request(kAlice, command_node::kPreferences, submitted({{"chat", {"0"}}})).ok());
  EXPECT_EQ(prefs_.saved(kAliceBare)->muted.count("bob@example.com"), 1u);
  EXPECT_FALSE(prefs_.saved(kAliceBare)->chat);
}

}  // namespace
}  // namespace vapush
