// SPDX-License-Identifier: Apache-2.0
// The batcher's policy: given one tick's snapshot, presence and preferences, decide per
// unread message and device whether to push, and group the pushes (one per device and
// conversation). Pure: no I/O, time and ids are inputs. Each decision carries a reason,
// stored in the row's last_error when a row is suppressed or expired.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "plugin/config.h"
#include "plugin/localizer.h"
#include "plugin/presence.h"
#include "plugin/tick.h"
#include "plugin/time_zone.h"

namespace vapush {

// Why a message does not become a push to a device. Values are stored and counted.
namespace reason {
inline constexpr const char* kDeviceActive = "device_active";  // device in use all along
inline constexpr const char* kCameBack = "came_back";  // user (or device) back after it arrived
inline constexpr const char* kReadElsewhere = "read_elsewhere";  // read signal seen
inline constexpr const char* kCategoryOff = "category_off";      // user turned it off
inline constexpr const char* kMuted = "muted";                   // conversation muted
inline constexpr const char* kQuietHours = "quiet_hours";        // dropped in quiet hours
inline constexpr const char* kOtherResourceActive = "other_resource_active";
inline constexpr const char* kTooOld = "too_old";  // older than batching.push_ttl
}  // namespace reason

// A forwarded copy reaches vapush at once; the server's publish for a hibernated session
// comes about 1 s later (Prosody batches it), and only that publish tells a hibernated
// device from one in use. A copy younger than this, for a user with a device that looks
// in use, waits for the next tick instead of being suppressed as seen.
inline constexpr TimeMs kCopySettleMs = 3'000;

struct PlannerContext {
  const BatchingConfig& batching;
  const PresenceView& presence;
  TimeZones& zones;
  std::function<std::string()> new_id;  // 32 lower-case hex digits
  // Writes the texts in each device's language (plugin/localizer.h); nullptr = English.
  const Localizer* localizer = nullptr;
  std::string default_language = "en";  // config defaults.language
};

// Plans batch `batch` at `now`. Messages of users in quiet hours (hold mode) are left in
// `held`; every other message is `consumed` (also when the user has no usable device).
BatchOutcome planTick(const TickSnapshot& snapshot, TimeMs now, int64_t batch,
                      PlannerContext& context);

// A push's title and body with the catalog keys they were written from (empty key = the
// sender's name or the message itself, not a catalog text).
struct PushText {
  std::string title, title_key;
  std::string body, body_key;
  std::vector<std::string> body_args;
};
// Title: "Virtual Agent" for that category, else the nickname, else the peer's localpart.
// Body: the last message when previews are on, else "N new messages" (with ICU plural
// rules of `language`). `localizer` nullptr = English.
PushText pushText(const UnreadMessage& last, int count, bool preview, const Localizer* localizer,
                  const std::string& language);

}  // namespace vapush
