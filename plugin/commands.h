// SPDX-License-Identifier: Apache-2.0
// XEP-0050 ad-hoc commands as pure logic: device registration (p2, Tigase,
// mod_push_appserver) and the user's preference commands, over the storage ports.
//
// The xmpp/ adapter turns <iq type='set'><command/></iq> into a CommandRequest and the
// CommandResponse back into the reply (XEP-0050 §4: status, sessionid, <actions/>,
// <note/>, jabber:x:data form, or an error with RFC 6120 and XEP-0050 §4.6 conditions).
//
// Threading: CommandHandler is not thread-safe; call it from the XMPP thread only. It
// keeps in-memory state (open multi-stage sessions, the per-user registration rate
// window). It holds references to the config, repositories, clock and crypto, which
// must outlive it.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plugin/clock.h"
#include "plugin/config.h"
#include "plugin/crypto.h"
#include "plugin/form.h"
#include "plugin/repositories.h"

namespace vapush {

// Node names (XEP-0050 "node" attribute) this component answers.
namespace command_node {
inline constexpr std::string_view kRegisterPushFcm = "register-push-fcm";        // p2
inline constexpr std::string_view kRegisterPushApns = "register-push-apns";      // p2
inline constexpr std::string_view kUnregisterPushFcm = "unregister-push-fcm";    // p2
inline constexpr std::string_view kUnregisterPushApns = "unregister-push-apns";  // p2
inline constexpr std::string_view kRegisterDevice = "register-device";           // Tigase
inline constexpr std::string_view kUnregisterDevice = "unregister-device";       // Tigase
inline constexpr std::string_view kV1RegisterPush = "v1-register-push";      // mod_push_appserver
inline constexpr std::string_view kV1UnregisterPush = "v1-unregister-push";  // mod_push_appserver
inline constexpr std::string_view kPreferences = "preferences";
inline constexpr std::string_view kMuteConversation = "mute-conversation";
inline constexpr std::string_view kListDevices = "list-devices";
inline constexpr std::string_view kRemoveDevice = "remove-device";
inline constexpr std::string_view kTestPush = "test-push";
}  // namespace command_node

// One <iq type='set'><command/></iq> as parsed by xmpp/.
struct CommandRequest {
  std::string from;          // full JID of the stanza (user@domain/resource)
  std::string node;          // command node
  std::string action;        // execute | next | complete | prev | cancel | "" (= execute)
  std::string session_id;    // empty on the first request of a command
  std::optional<Form> form;  // submitted jabber:x:data form, if any
  std::string lang;          // the IQ's xml:lang (the client's language), may be empty
};

// XEP-0050 §4.4 <note type=...>.
struct CommandNote {
  enum class Type {
    Info,   // type='info'
    Warn,   // type='warn'
    Error,  // type='error'
  };
  Type type = Type::Info;
  std::string text;
};
std::string_view toString(CommandNote::Type t);

// RFC 6120 §8.3.2 error types.
enum class ErrorType {
  Cancel,  // do not retry (the request can never succeed)
  Modify,  // retry after changing the data sent
  Auth,    // retry after providing credentials / from an allowed account
  Wait,    // retry later (temporary trouble on our side)
};
std::string_view toString(ErrorType t);

struct CommandError {
  ErrorType type = ErrorType::Modify;
  std::string condition;  // RFC 6120 §8.3.3: bad-request, forbidden, item-not-found, ...
  std::string specific;   // XEP-0050 §4.6: bad-action, malformed-action, bad-payload,
                          // bad-sessionid, session-expired; empty = none
  std::string text;       // human-readable, names the offending field where there is one
};

// Reply to a CommandRequest: either a command payload (status, ...) or an error.
struct CommandResponse {
  enum class Status {
    Completed,  // status='completed'
    // status='complete': mod_push_appserver's non-standard value, answered only to its
    // v1-register-push / v1-unregister-push (Monal builds of 2021-22 accept nothing else)
    CompleteV1,
    Executing,  // status='executing': `form` is to be filled and submitted
    Canceled,   // status='canceled'
  };
  std::string node;  // echo of the request's node
  Status status = Status::Completed;
  std::string session_id;  // always set on success (XEP-0050 §3.4)
  std::optional<Form> form;
  std::vector<CommandNote> notes;
  // When executing: the actions offered (<actions execute=default_action>), e.g. {"complete"}.
  std::vector<std::string> actions;
  std::string default_action;
  std::optional<CommandError> error;

  bool ok() const { return !error.has_value(); }
};
std::string_view toString(CommandResponse::Status s);

// An entry of disco#items on node http://jabber.org/protocol/commands.
struct CommandInfo {
  std::string node;
  std::string name;
};

class Command;          // one command's logic (plugin/command_base.h)
class TestPusher;       // the self-service test push's port (plugin/test_push.h)
struct CommandContext;  // what commands work with (plugin/command_base.h)
class TimeZones;        // plugin/time_zone.h
struct Caller;          // the requester's JID, parsed (plugin/command_base.h)

// The publish-secret key of versions that derived it from the component secret; still
// accepted for the registrations made then.
std::string legacyPublishSecretKey(const Config& config, Crypto& crypto);

class CommandHandler {
 public:
  // Publish secrets are derived with HMAC-SHA256 (see plugin/registration.h) under a key
  // taken from config.component.publish_secret_key, or derived from
  // config.component.secret when that is empty (legacyPublishSecretKey); with neither,
  // secrets are random and rotate on every re-registration.
  CommandHandler(const Config& config, DeviceRepository& devices,
                 PreferencesRepository& preferences, Clock& clock, Crypto& crypto);
  // With explicit keys, the current one first (vapushd: storage/publish_key.h); a
  // registration whose secret came from a later key keeps it.
  CommandHandler(const Config& config, DeviceRepository& devices,
                 PreferencesRepository& preferences, Clock& clock, Crypto& crypto,
                 std::vector<std::string> secret_keys);
  ~CommandHandler();
  CommandHandler(const CommandHandler&) = delete;
  CommandHandler& operator=(const CommandHandler&) = delete;

  // The time zone database preferences check zones against (not owned; null = none).
  void setTimeZones(TimeZones* zones);

  CommandResponse handle(const CommandRequest& request);
  // The port `test-push` sends through (plugin/test_push.h); must outlive the handler.
  void setTestPusher(TestPusher* pusher);
  // Commands a person would run by hand, for disco#items; empty when `from` may not use
  // this service. Registration commands are used by apps and are not listed.
  std::vector<CommandInfo> list(std::string_view from) const;
  bool exists(std::string_view node) const;

  // Open multi-stage sessions (for tests and metrics).
  size_t openSessions() const { return sessions_.size(); }

  // How long an executing session waits for its next request.
  static constexpr int64_t kSessionTtlMs = 10 * 60 * 1000;
  static constexpr size_t kMaxSessionsPerUser = 5;
  static constexpr size_t kMaxSessions = 10'000;

 private:
  struct Session {
    std::string node;
    std::string owner;  // full JID that opened it (XEP-0050 §3.4: sessions are per requester)
    std::string bare;
    std::chrono::steady_clock::time_point expires;
  };

  const Command* find(std::string_view node) const;
  bool servesDomain(const std::string& domain) const;
  CommandResponse dispatch(const Command& command, const Caller& caller,
                           const CommandRequest& request, const std::string& action);
  CommandResponse continueSession(const Command& command, const Caller& caller,
                                  const CommandRequest& request, const std::string& action);
  // Registers a session for an Executing response; returns an error when full.
  std::optional<CommandResponse> openSession(const Command& command, const Caller& caller,
                                             CommandResponse& response);
  std::string newId();
  void purgeExpired();

  std::unique_ptr<CommandContext> context_;
  std::vector<std::unique_ptr<Command>> commands_;
  std::vector<std::string> served_domains_;  // lower-case
  std::map<std::string, Session> sessions_;  // by session id
};

}  // namespace vapush
