// SPDX-License-Identifier: Apache-2.0
// The presence tracker stays bounded: a cap per user (gone resources evicted first, then
// the oldest) and pruning of resources gone for long. Fake times, no sleeps.
#include <gtest/gtest.h>

#include "plugin/presence.h"

namespace vapush {
namespace {

constexpr TimeMs kT = 1'800'000'000'000;

TEST(PresenceBoundsTest, RandomResourcesPerSessionStayUnderTheCap) {
  PresenceTracker t(4);
  const std::string u = "a@example.com";
  t.onPresence(u, "desktop", Show::Available, kT, {}, {}, "d");  // in use all along
  for (int i = 0; i < 100; ++i) {
    const std::string r = "Conversations." + std::to_string(i);
    t.onPresence(u, r, Show::Available, kT + i * 10 + 1, {}, {}, r + "a");
    t.onPresence(u, r, Show::Unavailable, kT + i * 10 + 2, {}, {}, r + "u");
  }
  EXPECT_EQ(t.resourceCount(), 4u);
  EXPECT_EQ(t.evictedCount(), 97u);
  EXPECT_TRUE(t.state(u, "desktop").has_value()) << "gone resources are evicted first";
  EXPECT_TRUE(t.state(u, "Conversations.99").has_value()) << "the newest stays";
  EXPECT_FALSE(t.state(u, "Conversations.0").has_value());
}

TEST(PresenceBoundsTest, WhenAllAreInUseTheOldestGoes) {
  PresenceTracker t(2);
  const std::string u = "a@example.com";
  t.onPresence(u, "one", Show::Available, kT, {}, {}, "1");
  t.onPresence(u, "two", Show::Available, kT + 1, {}, {}, "2");
  t.onPresence(u, "three", Show::Available, kT + 2, {}, {}, "3");
  EXPECT_FALSE(t.state(u, "one").has_value());
  EXPECT_TRUE(t.state(u, "two") && t.state(u, "three"));
}

TEST(PresenceBoundsTest, PruneForgetsOnlyLongGoneResourcesAndEmptyUsers) {
  PresenceTracker t;
  t.onPresence("a@x", "phone", Show::Available, kT, {}, {}, "1");
  t.onPresence("a@x", "phone", Show::Unavailable, kT + 1, {}, {}, "2");
  t.onPresence("b@x", "phone", Show::Available, kT, {}, {}, "3");
  t.onPublish("b@x", "phone", kT + 5);                            // hibernated
  t.onPresence("c@x", "desk", Show::Available, kT, {}, {}, "4");  // online for ages
  EXPECT_EQ(t.prune(kT + 1), 0u) << "not old enough yet";
  EXPECT_EQ(t.prune(kT + 6), 2u);
  EXPECT_EQ(t.userCount(), 1u);
  EXPECT_TRUE(t.state("c@x", "desk").has_value());
}

}  // namespace
}  // namespace vapush
