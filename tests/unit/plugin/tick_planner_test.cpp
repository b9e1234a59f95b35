// SPDX-License-Identifier: Apache-2.0
// Scenario tests for the batcher policy (plugin/tick_planner): fake clock values, a real
// PresenceTracker, fixed time zones; no sleeps.
#include "plugin/tick_planner.h"

#include <gtest/gtest.h>

#include "tests/unit/plugin/planner_fixture.h"

namespace vapush {
namespace {

TEST_F(PlannerTest, AwayDeviceThreeMessagesOnePushBadgeThree) {
  away(kStart);
  message("b@example.com", "one", kStart + 1000);
  message("b@example.com", "two", kStart + 2000);
  message("b@example.com", "three", kStart + 3000);
  BatchOutcome o = plan(kStart + kMinute);
  ASSERT_EQ(o.rows.size(), 3u);
  ASSERT_EQ(o.pushes.size(), 1u);
  for (const auto& r : o.rows) {
    EXPECT_EQ(r.state, RowState::Pending);
    EXPECT_EQ(r.push_id, o.pushes[0].id);
    EXPECT_EQ(r.batch, 7);
    EXPECT_EQ(r.sys_id.size(), 32u);
  }
  const PushRequest& p = o.pushes[0];
  EXPECT_EQ(p.badge, 3);
  EXPECT_EQ(p.unread, 3);
  EXPECT_EQ(p.title, "b");
  EXPECT_EQ(p.body, "three");
  EXPECT_EQ(p.conversation, "b@example.com");
  EXPECT_EQ(p.oldest_message_time, kStart + 1000);
  EXPECT_EQ(o.consumed.size(), 3u);
}

TEST_F(PlannerTest, OnePushPerConversationBadgeIsUserTotal) {
  away(kStart);
  message("b@example.com", "hi", kStart + 1000);
  message("va@example.com", "ticket updated", kStart + 2000, Category::VirtualAgent);
  BatchOutcome o = plan(kStart + kMinute);
  ASSERT_EQ(o.pushes.size(), 2u);
  EXPECT_EQ(o.pushes[0].badge, 2);
  EXPECT_EQ(o.pushes[0].unread, 1);
  EXPECT_EQ(o.pushes[1].title, "Virtual Agent");
  EXPECT_EQ(o.pushes[1].category, Category::VirtualAgent);
}

TEST_F(PlannerTest, ActiveDeviceIsSuppressedCameBackIsTold) {
  presence_.onPresence(phone_.user, "phone", Show::Available, kStart, {}, {}, "p1");
  message("b@example.com", "seen live", kStart + 1000);
  EXPECT_EQ(reasons(plan(kStart + kMinute)), std::vector<std::string>{reason::kDeviceActive});

  away(kStart + 2000);
  snap_.messages.clear();
  message("b@example.com", "while away", kStart + 3000);
  presence_.onPresence(phone_.user, "phone", Show::Available, kStart + 4000, {}, {}, "p3");
  BatchOutcome o = plan(kStart + kMinute);
  EXPECT_EQ(reasons(o), std::vector<std::string>{reason::kCameBack});
  EXPECT_EQ(o.rows[0].state, RowState::Suppressed);
  EXPECT_TRUE(o.pushes.empty());
}

TEST_F(PlannerTest, OfflineXaIdleAndHibernatedAreNotInUse) {
  message("b@example.com", "x", kStart + 1000);
  EXPECT_EQ(plan(kStart + kMinute).pushes.size(), 1u) << "never seen: offline";
  presence_.onPresence(phone_.user, "phone", Show::Xa, kStart, {}, {}, "x");
  EXPECT_EQ(plan(kStart + kMinute).pushes.size(), 1u) << "xa";
  presence_.onPresence(phone_.user, "phone", Show::Available, kStart, kStart - 20 * kMinute, {},
                       "i");
  EXPECT_EQ(plan(kStart + kMinute).pushes.size(), 1u) << "idle past the threshold";
  presence_.onPresence(phone_.user, "phone", Show::Available, kStart, {}, {}, "on");
  EXPECT_EQ(plan(kStart + kMinute).pushes.size(), 0u) << "available, not idle";
  presence_.onPublish(phone_.user, "phone", kStart + 500);
  EXPECT_EQ(plan(kStart + kMinute).pushes.size(), 1u) << "the server published: hibernated";
  presence_.onPresence(phone_.user, "phone", Show::Dnd, kStart + 900, {}, {}, "dnd");
  EXPECT_EQ(plan(kStart + kMinute).pushes.size(), 0u) << "back online (dnd counts as in use)";
}

TEST_F(PlannerTest, UnknownResourceNeedsAPublish) {
  phone_.resource.clear();
  snap_.devices[phone_.user] = {phone_};
  message("b@example.com", "x", kStart + 1000);
  EXPECT_EQ(reasons(plan(kStart + kMinute)), std::vector<std::string>{reason::kDeviceActive});
  snap_.devices[phone_.user][0].last_publish = kStart + 1000;
  EXPECT_EQ(plan(kStart + kMinute).pushes.size(), 1u);
}

TEST_F(PlannerTest, PreferencesCategoryMuteAndPreview) {
  away(kStart);
  message("va@example.com", "from va", kStart + 1000, Category::VirtualAgent);
  message("b@example.com", "from b", kStart + 2000);
  message("c@example.com", "from c", kStart + 3000);
  Preferences& p = snap_.preferences[phone_.user];
  p.virtual_agent = false;
  p.muted["b@example.com"] = Preferences::kForever;
  p.muted["c@example.com"] = kStart;  // expired mute
  p.preview = false;
  BatchOutcome o = plan(kStart + kMinute);
  EXPECT_EQ(reasons(o), (std::vector<std::string>{reason::kCategoryOff, reason::kMuted, ""}));
  ASSERT_EQ(o.pushes.size(), 1u);
  EXPECT_EQ(o.pushes[0].body, "1 new message") << "previews off: count, not content";
  message("c@example.com", "again", kStart + 4000);
  EXPECT_EQ(plan(kStart + kMinute).pushes.back().body, "2 new messages");
}

TEST_F(PlannerTest, QuietHoursHoldAcrossMidnightInTheUsersZone) {
  away(kStart);
  message("b@example.com", "late", kStart + 1000);
  // 08:01 UTC is 13:31 in Kolkata; a 13:00-02:00 window there spans midnight.
  snap_.preferences[phone_.user].quiet_hours = QuietHours{13 * 60, 2 * 60, "Asia/Kolkata"};
  BatchOutcome held = plan(kStart + kMinute);
  EXPECT_TRUE(held.rows.empty());
  EXPECT_EQ(held.held, std::vector<int64_t>{1});
  EXPECT_TRUE(held.consumed.empty());
  // 21:00 UTC = 02:30 in Kolkata: quiet hours are over, the held message goes out.
  BatchOutcome later = plan(kStart + 13 * 60 * kMinute);
  EXPECT_EQ(later.pushes.size(), 1u);
  EXPECT_EQ(quietHoursEnd(*snap_.preferences[phone_.user].quiet_hours, kStart, zones_),
            kStart + (12 * 60 + 30) * kMinute);

  batching_.quiet_hours = QuietHoursMode::Drop;
  EXPECT_EQ(reasons(plan(kStart + kMinute)), std::vector<std::string>{reason::kQuietHours});
}

TEST_F(PlannerTest, ReadElsewhereExpiredDisabledAndNoDevice) {
  away(kStart);
  message("b@example.com", "read", kStart + 1000);
  snap_.messages[0].read = true;
  message("b@example.com", "ancient", kStart - 2 * batching_.push_ttl_ms);
  BatchOutcome o = plan(kStart + kMinute);
  EXPECT_EQ(reasons(o), (std::vector<std::string>{reason::kReadElsewhere, reason::kTooOld}));
  EXPECT_EQ(o.rows[1].state, RowState::Expired);

  snap_.devices[phone_.user][0].enabled = false;
  EXPECT_TRUE(plan(kStart + kMinute).rows.empty());
  snap_.devices.clear();
  BatchOutcome none = plan(kStart + kMinute);
  EXPECT_TRUE(none.rows.empty());
  EXPECT_EQ(none.consumed.size(), 2u) << "no device: consumed so they do not pile up";
}

TEST_F(PlannerTest, TwoDevicesOtherResourceActiveOption) {
  Device tablet = phone_;
  tablet.id = 2;
  tablet.token = std::string(64, 'b');
  tablet.resource = "tablet";
  snap_.devices[phone_.user].push_back(tablet);
  away(kStart);
  presence_.onPresence(phone_.user, "desktop", Show::Available, kStart, {}, {}, "d");
  message("b@example.com", "x", kStart + 1000);
  BatchOutcome o = plan(kStart + kMinute);
  EXPECT_EQ(o.rows.size(), 2u) << "one row per message per device";
  EXPECT_EQ(o.pushes.size(), 2u) << "one push per device and conversation";
  batching_.suppress_if_other_resource_active = true;
  EXPECT_EQ(reasons(plan(kStart + kMinute)),
            (std::vector<std::string>{reason::kOtherResourceActive, reason::kOtherResourceActive}));
}

TEST_F(PlannerTest, SamePlanTwiceIsIdentical) {
  away(kStart);
  message("b@example.com", "one", kStart + 1000);
  message("c@example.com", "two", kStart + 2000);
  ids_ = 0;
  BatchOutcome a = plan(kStart + kMinute);
  ids_ = 0;
  BatchOutcome b = plan(kStart + kMinute);
  ASSERT_EQ(a.rows.size(), b.rows.size());
  for (size_t i = 0; i < a.rows.size(); ++i) {
    EXPECT_EQ(a.rows[i].sys_id, b.rows[i].sys_id);
    EXPECT_EQ(a.rows[i].push_id, b.rows[i].push_id);
  }
}

TEST(PresenceTrackerTest, DuplicateAndReplayedPresences) {
  PresenceTracker t;
  t.onPresence("a@x", "r", Show::Away, 1000, {}, {}, "id1");
  t.onPresence("a@x", "r", Show::Away, 1500, {}, {}, "id1");  // ejabberd's second copy
  EXPECT_EQ(t.state("a@x", "r")->since, 1000);
  // A replay stamped before what we know does not win.
  t.onPresence("a@x", "r", Show::Available, 3000, {}, TimeMs{500}, "old");
  EXPECT_EQ(t.state("a@x", "r")->show, Show::Away);
  // A replay for an unknown resource is applied as of its stamp.
  t.onPresence("a@x", "s", Show::Available, 3000, {}, TimeMs{2500}, "replay");
  EXPECT_EQ(t.state("a@x", "s")->since, 2500);
  EXPECT_TRUE(t.anyActive("a@x", "r", 4000, 300'000));
  EXPECT_FALSE(t.anyActive("a@x", "s", 4000, 300'000));
  EXPECT_EQ(t.resourceCount(), 2u);
  t.onPresence("a@x", "s", Show::Unavailable, 5000, {}, {}, "u");
  EXPECT_EQ(t.prune(6000), 1u);
  EXPECT_EQ(t.resourceCount(), 1u);
}

TEST(TimeZoneTest, SystemZonesAndDst) {
  TzifTimeZones zones;
  // 2026-07-01T12:00Z: Paris CEST +2, New York EDT -4; 2026-01-15: CET +1, EST -5.
  const TimeMs summer = 1'782'907'200'000, winter = 1'768'478'400'000;
  EXPECT_EQ(zones.utcOffsetMinutes("Europe/Paris", summer), 120);
  EXPECT_EQ(zones.utcOffsetMinutes("Europe/Paris", winter), 60);
  EXPECT_EQ(zones.utcOffsetMinutes("America/New_York", summer), -240);
  EXPECT_EQ(zones.utcOffsetMinutes("America/New_York", winter), -300);
  EXPECT_EQ(zones.utcOffsetMinutes("Asia/Kolkata", summer), 330);
  EXPECT_EQ(zones.utcOffsetMinutes("UTC", summer), 0);
  EXPECT_FALSE(zones.utcOffsetMinutes("Mars/Olympus", summer));
  EXPECT_FALSE(zones.utcOffsetMinutes("../../etc/passwd", summer));
  EXPECT_FALSE(TzifTimeZones::parse("TZif2 but truncated"));
}

}  // namespace
}  // namespace vapush
