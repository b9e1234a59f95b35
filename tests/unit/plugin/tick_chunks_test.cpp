// SPDX-License-Identifier: Apache-2.0
// Tick outcome chunks: a user's share is never split, everything lands somewhere once.
#include "plugin/tick_chunks.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace vapush {
namespace {

BatchOutcome outcome(int users, int messages_per_user) {
  BatchOutcome o;
  o.batch = 9;
  o.started = 100;
  int64_t id = 0;
  for (int u = 0; u < users; ++u) {
    const std::string user = "u" + std::to_string(u) + "@x";
    PushRequest p;
    p.id = "push-" + user;
    p.user = user;
    p.device = u + 1;
    o.pushes.push_back(p);
    for (int m = 0; m < messages_per_user; ++m) {
      NotificationRow r;
      r.user = user;
      r.device = u + 1;
      r.message_id = ++id;
      r.push_id = p.id;
      o.rows.push_back(r);
      o.consumed.push_back(id);
    }
    o.device_badges.emplace_back(u + 1, messages_per_user);
    o.read_handled.emplace_back(user, 1);
  }
  o.consumed.push_back(1000);  // a message of a user without devices: no rows
  return o;
}

TEST(TickChunksTest, UsersAreNeverSplitAndNothingIsLostOrDoubled) {
  const BatchOutcome o = outcome(5, 3);  // 4 rows + pushes per user
  const auto chunks = splitOutcome(o, 9);
  ASSERT_EQ(chunks.size(), 3u) << "2 users (with what has no user) + 2 users + 1 user";
  std::set<int64_t> consumed;
  size_t rows = 0, pushes = 0, badges = 0, reads = 0;
  for (const auto& c : chunks) {
    std::set<std::string> push_ids;
    for (const auto* p : c.pushes) push_ids.insert(p->id);
    for (const auto* r : c.rows) {
      EXPECT_TRUE(push_ids.count(r->push_id)) << "a row travels with its push";
      EXPECT_NE(std::find(c.consumed.begin(), c.consumed.end(), r->message_id), c.consumed.end())
          << "and with its message's consumed mark";
    }
    for (const int64_t id : c.consumed) EXPECT_TRUE(consumed.insert(id).second) << id;
    rows += c.rows.size();
    pushes += c.pushes.size();
    badges += c.device_badges.size();
    reads += c.read_handled.size();
  }
  EXPECT_EQ(consumed.size(), o.consumed.size());
  EXPECT_EQ(rows, o.rows.size());
  EXPECT_EQ(pushes, o.pushes.size());
  EXPECT_EQ(badges, o.device_badges.size());
  EXPECT_EQ(reads, o.read_handled.size());
  EXPECT_EQ(chunks[0].consumed.front(), 1000) << "what belongs to no user goes first";
}

TEST(TickChunksTest, OneBigUserStaysWholeAndEmptyOutcomeIsOneChunk) {
  const auto chunks = splitOutcome(outcome(2, 50), 10);
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[0].rows.size(), 50u);
  EXPECT_EQ(chunks[1].rows.size(), 50u);
  const auto one = splitOutcome(BatchOutcome{}, 10);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_TRUE(one[0].rows.empty() && one[0].consumed.empty());
}

}  // namespace
}  // namespace vapush
