// SPDX-License-Identifier: Apache-2.0
// Batcher policy: who gets a push, when, and about what.
#include "plugin/tick_planner.h"

#include <map>

namespace vapush {
namespace {

bool categoryOn(const Preferences& p, Category c) {
  switch (c) {
    case Category::VirtualAgent:
      return p.virtual_agent;
    case Category::LiveAgent:
      return p.live_agent;
    case Category::Chat:
      return p.chat;
  }
  return true;
}

// Whether `device` is in use, and if so whether it came back after `m` arrived.
const char* inUseReason(const Device& device, const UnreadMessage& m, TimeMs now,
                        const PlannerContext& ctx) {
  if (device.resource.empty()) {
    // Unknown resource: only a publish for its node tells us it is not in use
    // (servers publish for offline or hibernated sessions only).
    return device.last_publish > 0 ? nullptr : reason::kDeviceActive;
  }
  const auto s = ctx.presence.state(device.user, device.resource);
  if (!s) return nullptr;  // never seen online: offline
  ResourceState state = *s;
  // A publish for this node newer than its last presence means hibernated.
  if (device.last_publish > state.last_available && device.last_publish > state.since) {
    state.hibernated_since = std::max(state.hibernated_since, device.last_publish);
  }
  if (!inUse(state, now, ctx.batching.idle_threshold_ms)) return nullptr;
  return state.last_available > m.received ? reason::kCameBack : reason::kDeviceActive;
}

}  // namespace

std::string pushTitle(const UnreadMessage& last) {
  if (last.category == Category::VirtualAgent) return "Virtual Agent";
  if (!last.sender_nick.empty()) return last.sender_nick;
  const auto at = last.conversation.find('@');
  return at == std::string::npos ? last.conversation : last.conversation.substr(0, at);
}

std::string pushBody(const UnreadMessage& last, int count, bool preview) {
  if (preview && !last.body.empty()) return last.body;
  return count == 1 ? "1 new message" : std::to_string(count) + " new messages";
}

BatchOutcome planTick(const TickSnapshot& snap, TimeMs now, int64_t batch, PlannerContext& ctx) {
  BatchOutcome out;
  out.batch = batch;
  out.started = now;
  static const Preferences kDefaults;
  // (device, conversation) -> index into out.pushes, plus the messages in each push.
  std::map<std::pair<int64_t, std::string>, size_t> push_index;
  std::vector<const UnreadMessage*> last_of_push;
  std::vector<bool> preview_of_push;

  for (const UnreadMessage& m : snap.messages) {
    const auto pit = snap.preferences.find(m.user);
    const Preferences& prefs = pit == snap.preferences.end() ? kDefaults : pit->second;
    const bool quiet = prefs.quiet_hours && inQuietHours(*prefs.quiet_hours, now, ctx.zones);
    if (quiet && ctx.batching.quiet_hours == QuietHoursMode::Hold && !m.read) {
      out.held.push_back(m.id);
      continue;
    }
    out.consumed.push_back(m.id);
    const auto dit = snap.devices.find(m.user);
    if (dit == snap.devices.end()) continue;  // nobody to notify: consumed without rows

    // Reasons that hold for every device of the user.
    const char* user_reason = nullptr;
    RowState user_state = RowState::Suppressed;
    if (now - m.message_time > ctx.batching.push_ttl_ms) {
      user_reason = reason::kTooOld;
      user_state = RowState::Expired;
    } else if (m.read) {
      user_reason = reason::kReadElsewhere;
    } else if (!categoryOn(prefs, m.category)) {
      user_reason = reason::kCategoryOff;
    } else if (auto mute = prefs.muted.find(m.conversation);
               mute != prefs.muted.end() && mute->second > now) {
      user_reason = reason::kMuted;
    } else if (quiet) {
      user_reason = reason::kQuietHours;
    }

    for (const Device& d : dit->second) {
      if (!d.enabled) continue;
      NotificationRow row;
      row.sys_id = ctx.new_id();
      row.user = m.user;
      row.device = d.id;
      row.conversation = m.conversation;
      row.sender = m.sender;
      row.category = m.category;
      row.body = m.body;
      row.message_time = m.message_time;
      row.batch = batch;
      row.message_id = m.id;
      const char* why = user_reason;
      row.state = user_state;
      if (why == nullptr) why = inUseReason(d, m, now, ctx);
      if (why == nullptr && ctx.batching.suppress_if_other_resource_active &&
          ctx.presence.anyActive(m.user, d.resource, now, ctx.batching.idle_threshold_ms)) {
        why = reason::kOtherResourceActive;
      }
      if (why != nullptr) {
        if (row.state == RowState::Pending) row.state = RowState::Suppressed;
        row.last_error = why;
        out.rows.push_back(std::move(row));
        continue;
      }
      row.state = RowState::Pending;
      auto [it, fresh] = push_index.emplace(std::make_pair(d.id, m.conversation), 0);
      if (fresh) {
        it->second = out.pushes.size();
        PushRequest p;
        p.id = ctx.new_id();
        p.device = d.id;
        p.user = m.user;
        p.app = d.app;
        p.platform = d.platform;
        p.token = d.token;
        p.conversation = m.conversation;
        p.language = d.language;
        p.oldest_message_time = m.message_time;
        p.batch = batch;
        const auto total = snap.unread_totals.find(m.user);
        p.badge = total == snap.unread_totals.end() ? 0 : total->second;
        out.pushes.push_back(std::move(p));
        last_of_push.push_back(&m);
        preview_of_push.push_back(prefs.preview);
      }
      PushRequest& p = out.pushes[it->second];
      p.unread += 1;
      last_of_push[it->second] = &m;
      row.push_id = p.id;
      out.rows.push_back(std::move(row));
    }
  }
  for (size_t i = 0; i < out.pushes.size(); ++i) {
    PushRequest& p = out.pushes[i];
    const UnreadMessage& last = *last_of_push[i];
    p.category = last.category;
    p.title = pushTitle(last);
    p.body = pushBody(last, p.unread, preview_of_push[i]);
    if (p.badge < p.unread) p.badge = p.unread;
  }
  return out;
}

}  // namespace vapush
