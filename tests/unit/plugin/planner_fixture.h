// SPDX-License-Identifier: Apache-2.0
// Fixture for the batcher policy tests (plugin/tick_planner): fake clock values, a real
// PresenceTracker, fixed time zones; no sleeps.
#pragma once

#include <gtest/gtest.h>

#include "plugin/tick_planner.h"

namespace vapush {

constexpr TimeMs kStart = 1'800'000'000'000;  // 2027-01-15T08:00:00Z
constexpr TimeMs kMinute = 60'000;

class FixedZones : public TimeZones {
 public:
  std::optional<int> utcOffsetMinutes(std::string_view zone, TimeMs) override {
    if (zone == "UTC") return 0;
    if (zone == "Asia/Kolkata") return 330;
    return std::nullopt;
  }
};

class PlannerTest : public ::testing::Test {
 protected:
  PlannerTest() {
    phone_.id = 1;
    phone_.user = "a@example.com";
    phone_.app = "ios";
    phone_.token = std::string(64, 'a');
    phone_.resource = "phone";
    snap_.devices[phone_.user] = {phone_};
    snap_.preferences[phone_.user] = Preferences{};
  }
  void message(const std::string& peer, const std::string& body, TimeMs at,
               Category c = Category::Chat) {
    UnreadMessage m;
    m.id = static_cast<int64_t>(snap_.messages.size()) + 1;
    m.user = phone_.user;
    m.conversation = peer;
    m.sender = peer + "/r";
    m.category = c;
    m.body = body;
    m.message_time = m.received = at;
    snap_.messages.push_back(m);
    snap_.unread_totals[m.user]++;
  }
  BatchOutcome plan(TimeMs now) {
    PlannerContext ctx{batching_, presence_, zones_, [this] {
                         std::string id = std::to_string(++ids_);
                         return std::string(32 - id.size(), '0') + id;
                       },
                       localizer_, default_language_};
    return planTick(snap_, now, 7, ctx);
  }
  void away(TimeMs at) {
    presence_.onPresence(phone_.user, "phone", Show::Available, at - 10 * kMinute, {}, {}, "p1");
    presence_.onPresence(phone_.user, "phone", Show::Away, at, {}, {}, "p2");
  }
  static std::vector<std::string> reasons(const BatchOutcome& o) {
    std::vector<std::string> out;
    for (const auto& r : o.rows) out.push_back(r.last_error);
    return out;
  }

  Device phone_;
  TickSnapshot snap_;
  BatchingConfig batching_;
  PresenceTracker presence_;
  FixedZones zones_;
  int ids_ = 0;
  const Localizer* localizer_ = nullptr;  // nullptr = English
  std::string default_language_ = "en";
};

}  // namespace vapush
