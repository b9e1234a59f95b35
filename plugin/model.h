// SPDX-License-Identifier: Apache-2.0
// Domain types shared by plugin/, storage/, xmpp/ and the daemon's wiring.
//
// These are plain values: no I/O, no library types. Times are milliseconds since
// the Unix epoch (UTC) so they map 1:1 onto SQLite INTEGER columns.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vapush {

using TimeMs = int64_t;  // milliseconds since the Unix epoch, UTC

enum class Platform {
  Apns,  // Apple Push Notification service
  Fcm,   // Firebase Cloud Messaging HTTP v1
};

enum class Category {
  VirtualAgent,  // sender listed under agents.virtual
  LiveAgent,     // sender listed under agents.live
  Chat,          // everything else
};

std::string_view toString(Platform p);
std::string_view toString(Category c);
std::optional<Platform> platformFromString(std::string_view s);
std::optional<Category> categoryFromString(std::string_view s);

// How a device was registered; decides which publish-options are expected.
enum class Protocol {
  P2,         // Conversations: register-push-fcm / register-push-apns
  Fpush,      // Monal: node = device token, publish-option pushModule
  Tigase,     // Siskin: register-device
  AppServer,  // mod_push_appserver: v1-register-push
  Manual,     // inserted by an operator or a test through the storage API
};
std::string_view toString(Protocol p);
std::optional<Protocol> protocolFromString(std::string_view s);

// One registered device (a row of table `device`).
struct Device {
  int64_t id = 0;
  std::string user;  // owner's bare JID, lower-case
  std::string app;   // name of the configured app (apps[].name)
  Platform platform = Platform::Apns;
  std::string token;        // APNs/FCM device token
  std::string node;         // XEP-0357 node the user's server publishes to
  std::string secret_hash;  // hex SHA-256 of the publish secret; empty = no secret
  std::string resource;     // resource of the registering full JID; empty = unknown
  std::string device_id;    // client's device id (p2 `device-id`), may be empty
  std::string language;     // optional BCP 47 tag
  Protocol protocol = Protocol::Manual;
  bool enabled = true;  // false after the provider said the token is dead
  TimeMs created = 0;
  TimeMs updated = 0;
  TimeMs last_publish = 0;  // last XEP-0357 publish for this node (0 = never)
  int badge = 0;            // badge last planned for this device (alert or badge update)
};

// One incoming message not yet read by its recipient (table `unread_message`).
struct UnreadMessage {
  int64_t id = 0;
  std::string user;          // recipient's bare JID
  std::string conversation;  // peer's bare JID
  std::string sender;        // sender as given by the server (full JID or nickname)
  std::string sender_nick;   // XEP-0172 nickname if the server gave one
  Category category = Category::Chat;
  std::string body;            // may be empty (server configured without bodies)
  TimeMs message_time = 0;     // when the server saw it (delay stamp or arrival)
  TimeMs received = 0;         // when vapush stored it
  int64_t device_id = 0;       // device whose node the publish was for; 0 = forwarded copy
  std::string dedupe_key;      // identifies the same message seen twice; may be empty
  bool read = false;           // read (a forwarded read signal, or the user came back)
  bool came_back = false;      // read because a resource of the user came back after it
  int64_t notified_batch = 0;  // batch that consumed it; 0 = not yet
};

// A user's notification preferences (table `preferences` + `mute`).
struct QuietHours {
  int start_minute = 22 * 60;  // minutes after local midnight
  int end_minute = 7 * 60;
  std::string time_zone = "UTC";  // IANA name
};

struct Preferences {
  bool virtual_agent = true;  // Virtual Agent pushes: on by default
  bool live_agent = true;
  bool chat = true;
  bool preview = true;  // show message text; off = "N new messages"
  std::optional<QuietHours> quiet_hours;
  std::map<std::string, TimeMs> muted;  // peer bare JID -> until (kForever = forever)
  std::string language;  // BCP 47 tag for devices registered without one; empty = default
  static constexpr TimeMs kForever = INT64_MAX;
};

// States a resource can be in, from RFC 6121 <show/> and presence type.
enum class Show {
  Available,    // no <show/>
  Chat,         // <show>chat</show>
  Away,         // <show>away</show>
  Xa,           // <show>xa</show>
  Dnd,          // <show>dnd</show>
  Unavailable,  // type='unavailable' or never seen
};
std::string_view toString(Show s);

// Row states of sys_cs_message_notification.
enum class RowState {
  Pending,     // written by a tick, not yet delivered
  Sent,        // provider accepted the push
  Failed,      // provider rejected it for good
  Suppressed,  // policy decided not to push (user back, muted, read elsewhere, ...)
  Expired,     // too old to be worth delivering
};
std::string_view toString(RowState s);
std::optional<RowState> rowStateFromString(std::string_view s);

// One row of sys_cs_message_notification: one unread message for one device.
struct NotificationRow {
  std::string sys_id;  // 32 lower-case hex digits
  std::string user;
  int64_t device = 0;
  std::string conversation;
  std::string sender;
  Category category = Category::Chat;
  std::string body;
  TimeMs message_time = 0;
  int64_t batch = 0;
  RowState state = RowState::Pending;
  int attempts = 0;
  std::string last_error;
  std::string provider_id;  // apns-id or FCM message name
  TimeMs created = 0;
  TimeMs updated = 0;
  TimeMs sent_on = 0;
  int64_t message_id = 0;  // unread_message.id the row was made from
  std::string push_id;     // PushRequest::id of the push this row travels in
};

// What a push is for.
enum class PushKind {
  Alert,  // visible notification about one conversation's new messages
  Badge,  // silent badge update (APNs background push, FCM data-only), no conversation
};
std::string_view toString(PushKind k);
std::optional<PushKind> pushKindFromString(std::string_view s);

// An app's push style (config `apps[].push_style`; plugin/push_style.h).
enum class PushStyle {
  Alert,  // vapush's visible notification with title, body and deep-link keys
  Wake,   // what the device's client family expects (p2, fpush, Tigase)
};
std::string_view toString(PushStyle s);
std::optional<PushStyle> pushStyleFromString(std::string_view s);

// One push to one device about one conversation (the unit the dispatcher sends).
struct PushRequest {
  std::string id;  // 32 hex; stable across retries (becomes apns-id / collapse base)
  int64_t device = 0;
  std::string user;
  std::string app;
  Platform platform = Platform::Apns;
  std::string token;
  std::string conversation;  // peer bare JID; thread-id and collapse key derive from it
  Category category = Category::Chat;
  std::string title;
  std::string body;
  // The catalog keys (plugin/localizer.h) title and body were written from, empty when
  // they are the sender's name or the message itself, and the body's arguments (the
  // message count): what an app with `localize: device` gets instead of the text.
  std::string title_key;
  std::string body_key;
  std::vector<std::string> body_args;
  int badge = 0;   // user's unread total
  int unread = 0;  // unread in this conversation
  std::string language;
  TimeMs oldest_message_time = 0;
  int64_t batch = 0;
  PushKind kind = PushKind::Alert;
  // The device's registration protocol and client device id (p2 `device-id`): with an
  // app's `push_style: wake` they pick the payload that client family expects
  // (plugin/push_style.h). Read from the device row when the push is sent.
  Protocol protocol = Protocol::Manual;
  std::string device_key;
};

}  // namespace vapush
