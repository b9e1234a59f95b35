// SPDX-License-Identifier: Apache-2.0
// Batcher policy: who gets a push, when, and about what.
#include "plugin/tick_planner.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "plugin/message_text.h"
#include "plugin/read_rules.h"

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

// The device's resource state as the planner sees it, with a publish for its node newer
// than its last presence counting as hibernation; nullopt = never seen online.
std::optional<ResourceState> deviceState(const Device& device, const PlannerContext& ctx) {
  auto s = ctx.presence.state(device.user, device.resource);
  if (!s) return std::nullopt;
  if (device.last_publish > s->last_available && device.last_publish > s->since) {
    s->hibernated_since = std::max(s->hibernated_since, device.last_publish);
  }
  return s;
}

// Whether `device` is in use; `state` receives its resource state when it has one.
bool deviceInUse(const Device& device, TimeMs now, const PlannerContext& ctx,
                 std::optional<ResourceState>* state = nullptr) {
  if (device.resource.empty()) {
    // Unknown resource: only a publish for its node tells us it is not in use
    // (servers publish for offline or hibernated sessions only).
    return device.last_publish == 0;
  }
  const auto s = deviceState(device, ctx);  // one presence lookup
  if (state != nullptr) *state = s;
  return s && inUse(*s, now, ctx.batching.idle_threshold_ms);
}

// Whether `device` is in use, and if so whether it came back after `m` arrived.
const char* inUseReason(const Device& device, const UnreadMessage& m, TimeMs now,
                        const PlannerContext& ctx) {
  std::optional<ResourceState> s;
  if (!deviceInUse(device, now, ctx, &s)) return nullptr;
  return s && s->last_available > m.received ? reason::kCameBack : reason::kDeviceActive;
}

// One push per phone: devices registered twice (account and room, same token) share it.
using PushKey = std::tuple<std::string, std::string, std::string>;  // app, token, conversation

template <typename Map, typename Key>
typename Map::mapped_type countOf(const Map& map, const Key& key) {
  const auto it = map.find(key);
  return it == map.end() ? typename Map::mapped_type{} : it->second;
}

// Silent badge updates (read_rules.h): for each user whose messages became read since
// the last tick, every enabled device not in use that was last given a higher badge gets
// one update with the user's unread total, unless this tick already pushes to it (an
// alert carries the badge too). One per token, never an alert.
void planBadgeUpdates(const TickSnapshot& snap, TimeMs now, int64_t batch, PlannerContext& ctx,
                      const std::set<std::pair<std::string, std::string>>& pushed_tokens,
                      BatchOutcome& out) {
  for (const auto& [user, version] : snap.read_changed) {
    out.read_handled.emplace_back(user, version);
    const auto dit = snap.devices.find(user);
    if (dit == snap.devices.end()) continue;
    const int total = countOf(snap.unread_totals, user);
    std::map<std::pair<std::string, std::string>, size_t> planned;  // (app, token) -> push
    for (const Device& d : dit->second) {
      if (!d.enabled || d.badge <= total || pushed_tokens.count({d.app, d.token})) continue;
      if (deviceInUse(d, now, ctx)) continue;  // the open app shows its own badge
      out.device_badges.emplace_back(d.id, total);
      if (planned.count({d.app, d.token})) continue;
      planned[{d.app, d.token}] = out.pushes.size();
      PushRequest p;
      p.kind = PushKind::Badge;
      p.id = ctx.new_id();
      p.device = d.id;
      p.user = user;
      p.app = d.app;
      p.platform = d.platform;
      p.token = d.token;
      p.badge = total;
      p.language = d.language;
      p.oldest_message_time = now;
      p.batch = batch;
      p.protocol = d.protocol;
      p.device_key = d.device_id;
      out.pushes.push_back(std::move(p));
    }
  }
}

}  // namespace

PushText pushText(const UnreadMessage& last, int count, bool preview, const Localizer* localizer,
                  const std::string& language) {
  PushText t;
  auto text = [&](std::string_view key, const char* english) {
    return localizer != nullptr ? localizer->text(key, language, count) : std::string(english);
  };
  if (last.category == Category::VirtualAgent) {
    t.title_key = text_key::kVirtualAgentTitle;
    t.title = text(text_key::kVirtualAgentTitle, "Virtual Agent");
  } else if (!last.sender_nick.empty()) {
    t.title = last.sender_nick;
  } else {
    const auto at = last.conversation.find('@');
    t.title = at == std::string::npos ? last.conversation : last.conversation.substr(0, at);
  }
  if (preview && last.body == kEncryptedMessageText) {
    t.body_key = text_key::kEncryptedMessageBody;
    t.body = text(text_key::kEncryptedMessageBody, kEncryptedMessageText);
  } else if (preview && !last.body.empty()) {
    t.body = last.body;
  } else {
    t.body_key = text_key::kNewMessagesBody;
    t.body_args = {std::to_string(count)};
    t.body = localizer != nullptr
                 ? localizer->text(text_key::kNewMessagesBody, language, count)
                 : (count == 1 ? "1 new message" : std::to_string(count) + " new messages");
  }
  return t;
}

BatchOutcome planTick(const TickSnapshot& snap, TimeMs now, int64_t batch, PlannerContext& ctx) {
  BatchOutcome out;
  out.batch = batch;
  out.started = now;
  static const Preferences kDefaults;
  // (app, token, conversation) -> index into out.pushes, plus the messages in each push.
  std::map<PushKey, size_t> push_index;
  std::set<std::pair<std::string, std::string>> pushed_tokens;  // (app, token)
  std::vector<const UnreadMessage*> last_of_push;
  std::vector<bool> preview_of_push;

  for (const UnreadMessage& m : snap.messages) {
    const auto pit = snap.preferences.find(m.user);
    const Preferences& prefs = pit == snap.preferences.end() ? kDefaults : pit->second;
    const bool quiet = prefs.quiet_hours && inQuietHours(*prefs.quiet_hours, now, ctx.zones);
    const bool came_back =
        m.came_back || seenOnReturn(m.received, countOf(snap.seen_until, m.user));
    if (quiet && ctx.batching.quiet_hours == QuietHoursMode::Hold && !m.read && !came_back) {
      out.held.push_back(m.id);
      continue;
    }
    const auto dit = snap.devices.find(m.user);
    if (dit != snap.devices.end() && m.device_id == 0 && now - m.received < kCopySettleMs &&
        !m.read && !came_back &&
        std::any_of(dit->second.begin(), dit->second.end(), [&](const Device& d) {
          return d.enabled && inUseReason(d, m, now, ctx) == reason::kDeviceActive;
        })) {
      out.held.push_back(m.id);  // a fresh copy for a device that looks in use: wait
      continue;
    }
    out.consumed.push_back(m.id);
    if (dit == snap.devices.end()) continue;  // nobody to notify: consumed without rows

    // Reasons that hold for every device of the user.
    const char* user_reason = nullptr;
    RowState user_state = RowState::Suppressed;
    if (now - m.message_time > ctx.batching.push_ttl_ms) {
      user_reason = reason::kTooOld;
      user_state = RowState::Expired;
    } else if (came_back) {
      user_reason = reason::kCameBack;  // delivered to a client that was open afterwards
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
      auto [it, fresh] = push_index.emplace(PushKey{d.app, d.token, m.conversation}, 0);
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
        p.language = resolveLanguage(d.language, prefs.language, ctx.default_language);
        p.protocol = d.protocol;
        p.device_key = d.device_id;
        p.oldest_message_time = m.message_time;
        p.batch = batch;
        p.badge = countOf(snap.unread_totals, m.user);
        p.unread = 0;
        pushed_tokens.insert({d.app, d.token});
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
    const int in_push = p.unread;  // messages of this batch in the push
    // `unread` is the truth across batches: not-read messages of this conversation.
    p.unread = std::max(in_push,
                        countOf(snap.conversation_unread, std::make_pair(p.user, p.conversation)));
    p.category = last.category;
    PushText text = pushText(last, in_push, preview_of_push[i], ctx.localizer, p.language);
    p.title = std::move(text.title);
    p.title_key = std::move(text.title_key);
    p.body = std::move(text.body);
    p.body_key = std::move(text.body_key);
    p.body_args = std::move(text.body_args);
    // Storage snapshots carry no bodies (only the encrypted-message marker, which has its
    // own catalog text): a preview's text comes in at commit (preview_message).
    if (preview_of_push[i] && p.body_key != text_key::kEncryptedMessageBody) {
      out.preview_message[p.id] = last.id;
    }
    if (p.badge < p.unread) p.badge = p.unread;
  }
  // Every device that shares a pushed token now shows that push's badge.
  std::map<std::pair<std::string, std::string>, int> token_badge;
  for (const PushRequest& p : out.pushes) {
    int& b = token_badge[{p.app, p.token}];
    b = std::max(b, p.badge);
  }
  for (const auto& [user, devices] : snap.devices) {
    for (const Device& d : devices) {
      if (auto it = token_badge.find({d.app, d.token}); it != token_badge.end() && d.enabled) {
        out.device_badges.emplace_back(d.id, it->second);
      }
    }
  }
  planBadgeUpdates(snap, now, batch, ctx, pushed_tokens, out);
  return out;
}

}  // namespace vapush
