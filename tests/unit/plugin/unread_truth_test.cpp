// SPDX-License-Identifier: Apache-2.0
// Unread truth: the read rules (coming back, read signals), badge and `unread` from what
// is not read, silent badge updates, one push per token, encrypted bodies, and the
// Prosody forwarding monitor. Fake times, no sleeps.
#include <gtest/gtest.h>

#include "plugin/forwarding_monitor.h"
#include "plugin/message_text.h"
#include "plugin/read_rules.h"
#include "tests/unit/plugin/planner_fixture.h"

namespace vapush {
namespace {

constexpr TimeMs kIdle = 5 * kMinute;

TEST(ReadRulesTest, ComingBackMeansAvailableOrChatAfterSomethingElse) {
  EXPECT_EQ(cameBackAt(false, Show::Available, 10), TimeMs{10});
  EXPECT_EQ(cameBackAt(false, Show::Chat, 10), TimeMs{10});
  EXPECT_EQ(cameBackAt(true, Show::Available, 10), std::nullopt) << "already reading";
  for (Show s : {Show::Away, Show::Xa, Show::Dnd, Show::Unavailable}) {
    EXPECT_EQ(cameBackAt(false, s, 10), std::nullopt) << toString(s);
  }
}

TEST(ReadRulesTest, ReceiptCountsOnlyFromAResourceInUse) {
  ResourceState open;
  open.show = Show::Available;
  ResourceState away = open;
  away.show = Show::Away;
  ResourceState hibernated = open;
  hibernated.hibernated_since = kStart;
  ResourceState idle = open;
  idle.idle_since = kStart - 2 * kIdle;
  EXPECT_TRUE(readSignalCounts(ReadSignal::Receipt, open, kStart, kIdle));
  EXPECT_FALSE(readSignalCounts(ReadSignal::Receipt, away, kStart, kIdle));
  EXPECT_FALSE(readSignalCounts(ReadSignal::Receipt, hibernated, kStart, kIdle));
  EXPECT_FALSE(readSignalCounts(ReadSignal::Receipt, idle, kStart, kIdle));
  EXPECT_FALSE(readSignalCounts(ReadSignal::Receipt, std::nullopt, kStart, kIdle));
  // Looking at a conversation or answering counts from anywhere.
  EXPECT_TRUE(readSignalCounts(ReadSignal::Displayed, away, kStart, kIdle));
  EXPECT_TRUE(readSignalCounts(ReadSignal::Reply, std::nullopt, kStart, kIdle));
}

TEST(ReadRulesTest, TrackerReportsEachComingBackOnce) {
  PresenceTracker t;
  const std::string u = "a@example.com";
  EXPECT_EQ(t.onPresence(u, "phone", Show::Available, kStart, {}, {}, "1"), kStart) << "new";
  EXPECT_EQ(t.onPresence(u, "phone", Show::Available, kStart + 1, {}, {}, "2"), std::nullopt);
  EXPECT_EQ(t.onPresence(u, "phone", Show::Away, kStart + 2, {}, {}, "3"), std::nullopt);
  EXPECT_EQ(t.onPresence(u, "phone", Show::Chat, kStart + 3, {}, {}, "4"), kStart + 3);
  EXPECT_EQ(t.onPresence(u, "phone", Show::Dnd, kStart + 4, {}, {}, "5"), std::nullopt);
  // Hibernated (the server published for it), then the same session speaks again.
  t.onPublish(u, "phone", kStart + 5);
  EXPECT_EQ(t.onPresence(u, "phone", Show::Available, kStart + 6, {}, {}, "6"), kStart + 6);
  // Prosody's replay at connect takes effect as of its stamp; a future stamp is clamped.
  EXPECT_EQ(t.onPresence(u, "laptop", Show::Available, kStart + 9, {}, kStart + 7, "7"),
            kStart + 7);
  EXPECT_EQ(t.onPresence(u, "tablet", Show::Available, kStart + 9, {}, kStart + kMinute, "8"),
            kStart + 9);
}

TEST_F(PlannerTest, MessagesBeforeTheUserCameBackAreReadNotPushed) {
  away(kStart);
  message("b@example.com", "old", kStart + 1000);
  message("b@example.com", "new", kStart + 3000);
  snap_.seen_until[phone_.user] = kStart + 2000;  // came back on another client meanwhile
  snap_.unread_totals[phone_.user] = 1;
  snap_.conversation_unread[{phone_.user, "b@example.com"}] = 1;
  BatchOutcome o = plan(kStart + kMinute);
  ASSERT_EQ(o.rows.size(), 2u);
  EXPECT_EQ(o.rows[0].state, RowState::Suppressed);
  EXPECT_EQ(o.rows[0].last_error, reason::kCameBack);
  EXPECT_EQ(o.rows[1].state, RowState::Pending);
  ASSERT_EQ(o.pushes.size(), 1u);
  EXPECT_EQ(o.pushes[0].badge, 1);
  EXPECT_EQ(o.pushes[0].unread, 1);
  EXPECT_EQ(o.pushes[0].body, "new");
}

TEST_F(PlannerTest, FreshCopyForADeviceThatLooksInUseWaitsForThePublish) {
  // Prosody: the copy arrives at once, the publish that reveals hibernation ~1 s later.
  presence_.onPresence(phone_.user, "phone", Show::Available, kStart, {}, {}, "p1");
  message("b@example.com", "one", kStart + 1000);  // device_id 0: a forwarded copy
  BatchOutcome o = plan(kStart + 2000);
  EXPECT_EQ(o.held, (std::vector<int64_t>{1}));
  EXPECT_TRUE(o.rows.empty());
  // Once settled, a device still in use means the message was seen there.
  o = plan(kStart + 1000 + kCopySettleMs);
  EXPECT_EQ(reasons(o), (std::vector<std::string>{reason::kDeviceActive}));
  // A publish marked the session hibernated meanwhile: pushed.
  snap_.devices[phone_.user][0].last_publish = kStart + 1500;
  o = plan(kStart + 2000);
  EXPECT_TRUE(o.held.empty());
  EXPECT_EQ(o.pushes.size(), 1u);
}

TEST_F(PlannerTest, UnreadCountsTheConversationAcrossBatches) {
  away(kStart);
  message("b@example.com", "third", kStart + 1000);
  snap_.conversation_unread[{phone_.user, "b@example.com"}] = 3;  // two pushed earlier
  snap_.unread_totals[phone_.user] = 5;
  BatchOutcome o = plan(kStart + kMinute);
  ASSERT_EQ(o.pushes.size(), 1u);
  EXPECT_EQ(o.pushes[0].unread, 3);
  EXPECT_EQ(o.pushes[0].badge, 5);
  EXPECT_EQ(o.device_badges, (std::vector<std::pair<int64_t, int>>{{phone_.id, 5}}));
}

TEST_F(PlannerTest, AccountAndRoomRegistrationOfOnePhoneGetOnePush) {
  Device room = phone_;  // p2 `muc`: same token, second device row
  room.id = 2;
  snap_.devices[phone_.user].push_back(room);
  away(kStart);
  message("b@example.com", "hi", kStart + 1000);
  BatchOutcome o = plan(kStart + kMinute);
  EXPECT_EQ(o.rows.size(), 2u) << "one row per device";
  ASSERT_EQ(o.pushes.size(), 1u) << "one push per token and conversation";
  EXPECT_EQ(o.rows[0].push_id, o.rows[1].push_id);
  EXPECT_EQ(o.device_badges.size(), 2u);
}

class BadgeUpdateTest : public PlannerTest {
 protected:
  BadgeUpdateTest() {
    snap_.devices[phone_.user][0].badge = 2;  // last push said 2
    snap_.read_changed[phone_.user] = 4;
    snap_.unread_totals[phone_.user] = 0;
  }
};

TEST_F(BadgeUpdateTest, AwayDeviceWithAHigherBadgeGetsOneSilentUpdate) {
  away(kStart);
  BatchOutcome o = plan(kStart + kMinute);
  ASSERT_EQ(o.pushes.size(), 1u);
  const PushRequest& p = o.pushes[0];
  EXPECT_EQ(p.kind, PushKind::Badge);
  EXPECT_EQ(p.badge, 0) << "badge 0 is a valid update";
  EXPECT_EQ(p.token, phone_.token);
  EXPECT_TRUE(p.title.empty() && p.body.empty() && p.conversation.empty()) << "never an alert";
  EXPECT_TRUE(o.rows.empty());
  EXPECT_EQ(o.device_badges, (std::vector<std::pair<int64_t, int>>{{phone_.id, 0}}));
  EXPECT_EQ(o.read_handled, (std::vector<std::pair<std::string, int64_t>>{{phone_.user, 4}}));
}

TEST_F(BadgeUpdateTest, NoUpdateWhenNotHigherInUseDisabledOrAlreadyAlerted) {
  snap_.unread_totals[phone_.user] = 2;
  away(kStart);
  EXPECT_TRUE(plan(kStart + kMinute).pushes.empty()) << "badge not higher than the total";
  snap_.unread_totals[phone_.user] = 1;
  presence_.onPresence(phone_.user, "phone", Show::Available, kStart + 1, {}, {}, "back");
  EXPECT_TRUE(plan(kStart + kMinute).pushes.empty()) << "the open app shows its own badge";
  presence_.onPresence(phone_.user, "phone", Show::Away, kStart + 2, {}, {}, "away");
  snap_.devices[phone_.user][0].enabled = false;
  EXPECT_TRUE(plan(kStart + kMinute).pushes.empty()) << "disabled";
  snap_.devices[phone_.user][0].enabled = true;
  message("c@example.com", "news", kStart + 3);
  BatchOutcome o = plan(kStart + kMinute);
  ASSERT_EQ(o.pushes.size(), 1u) << "the alert carries the badge";
  EXPECT_EQ(o.pushes[0].kind, PushKind::Alert);
  EXPECT_EQ(o.pushes[0].badge, 2);
}

TEST_F(BadgeUpdateTest, DevicesSharingATokenGetOneUpdate) {
  Device room = snap_.devices[phone_.user][0];
  room.id = 2;
  snap_.devices[phone_.user].push_back(room);
  away(kStart);
  BatchOutcome o = plan(kStart + kMinute);
  EXPECT_EQ(o.pushes.size(), 1u);
  EXPECT_EQ(o.device_badges.size(), 2u);
}

TEST(MessageTextTest, EncryptionFallbacksBecomeEncryptedMessage) {
  for (const char* fallback :
       {"I sent you an OMEMO encrypted message but your client doesn\u2019t seem to support that. "
        "Find more information on https://conversations.im/omemo",
        "[This message is OMEMO encrypted]", "[This message is *encrypted* with OpenPGP]",
        "This message is encrypted using OpenPGP for XMPP."}) {
    EXPECT_TRUE(isEncryptionFallback(fallback)) << fallback;
    EXPECT_EQ(storedBody(fallback, false), kEncryptedMessageText);
  }
  EXPECT_FALSE(isEncryptionFallback("is the VPN encrypted?"));
  EXPECT_EQ(storedBody("see you at 5", false), "see you at 5");
  EXPECT_EQ(storedBody("any fallback we do not know", true), kEncryptedMessageText);
  EXPECT_EQ(storedBody("", true), "") << "no body stays no body";
}

TEST(ForwardingMonitorTest, ProsodyWithoutCopiesIsReportedOnce) {
  ForwardingMonitor m(3);
  m.onPrivilege("prosody.example", "urn:xmpp:privilege:2");
  m.onPrivilege("ejabberd.example", "urn:xmpp:privilege:1");
  for (int i = 0; i < 10; ++i) EXPECT_EQ(m.onPublish("ejabberd.example"), std::nullopt);
  EXPECT_EQ(m.onPublish("prosody.example"), std::nullopt);
  EXPECT_EQ(m.onPublish("prosody.example"), std::nullopt);
  const auto w = m.onPublish("prosody.example");
  ASSERT_TRUE(w.has_value());
  EXPECT_NE(w->find("vapush-forward.pfw"), std::string::npos);
  EXPECT_EQ(m.onPublish("prosody.example"), std::nullopt) << "once";
  EXPECT_EQ(m.warnings().size(), 1u);
  m.onForwarded("prosody.example");
  EXPECT_TRUE(m.warnings().empty()) << "copies arrive now";
}

TEST(ForwardingMonitorTest, ProsodyThatForwardsIsNeverReported) {
  ForwardingMonitor m(2);
  m.onPrivilege("prosody.example", "urn:xmpp:privilege:2");
  m.onForwarded("prosody.example");
  for (int i = 0; i < 5; ++i) EXPECT_EQ(m.onPublish("prosody.example"), std::nullopt);
}

}  // namespace
}  // namespace vapush
