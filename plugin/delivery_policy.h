// SPDX-License-Identifier: Apache-2.0
// What a delivery outcome means for the device and for its app, and when an app's
// pushes are held instead of sent. Pure: standard library only, time from the injected
// Clock. The scheduler applies the decisions (plugin/daemon_scheduler.cpp).
//
// - AppConfig (wrong topic, sender id, project, endpoint, APNs key/team): nothing is
//   disabled; the app is held, its pushes stay pending and are retried after a hold that
//   doubles from delivery.hold_min to delivery.hold_max. When a hold ends, a few probe
//   pushes go out; a delivered one ends the hold.
// - TokenInvalid (410, BadDeviceToken, UNREGISTERED): the device is disabled, unless the
//   invalid-token breaker is open. The breaker opens when, within delivery.
//   invalid_token_window, at least invalid_token_min distinct tokens of one app were
//   answered invalid and they are more than invalid_token_share of the app's distinct
//   tokens answered at all: a wrong `sandbox` setting makes every token look invalid.
//   Opening holds the app like a configuration error and gives back the devices it
//   disabled within the window, so that they can be enabled again.
// Not thread-safe: the scheduler thread owns it; health() returns copies.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "plugin/clock.h"
#include "plugin/config.h"
#include "plugin/delivery.h"

namespace vapush {

// An app whose pushes are held, for /healthz, metrics and logs.
struct AppHold {
  enum class Cause {
    ConfigError,          // the provider said the app's configuration is wrong
    InvalidTokenBreaker,  // too many of the app's tokens answered invalid at once
  };
  std::string app;
  Cause cause = Cause::ConfigError;
  std::string reason;      // the provider's reason, e.g. DeviceTokenNotForTopic
  TimeMs since = 0;        // held since
  TimeMs until = 0;        // next probe
  int invalid_tokens = 0;  // breaker: distinct invalid tokens in the window when it opened
  int tokens = 0;          // breaker: distinct tokens answered in that window
};
std::string_view toString(AppHold::Cause c);

class DeliveryPolicy {
 public:
  enum class Action {
    Record,   // record what the outcome says (sent, retry with backoff, failed)
    Disable,  // the token is dead: disable the device if it still holds it; push failed
    Hold,     // keep the push pending until `until`; nothing is disabled
  };
  struct Decision {
    Action action = Action::Record;
    TimeMs until = 0;
    std::optional<AppHold> started;  // set when this result started a hold (alert once)
    bool recovered = false;          // this result ended the app's hold
    // Devices (id, token) this policy disabled within the window, to enable again now
    // that the breaker opened.
    std::vector<std::pair<int64_t, std::string>> restore;
  };
  // Whether a due push of `app` may be sent now.
  struct Admission {
    bool send = true;
    TimeMs until = 0;  // when not: hold the push until then
    std::string reason;
  };

  static constexpr int kProbePushes = 3;

  DeliveryPolicy(const DeliveryConfig& config, Clock& clock) : config_(config), clock_(clock) {}

  // The result of one push of `app` that was sent to `token`.
  Decision onResult(const std::string& app, const std::string& token, const DeliveryResult& r);
  Admission admit(const std::string& app);
  // Apps currently held.
  std::vector<AppHold> holds() const;

 private:
  struct Seen {
    TimeMs at = 0;
    bool invalid = false;
  };
  struct AppState {
    std::deque<std::pair<TimeMs, std::string>> events;  // (time, token), oldest first
    std::map<std::string, Seen> tokens;                 // latest answer per token
    int invalid = 0;                                    // tokens whose latest is invalid
    std::deque<std::pair<TimeMs, std::pair<int64_t, std::string>>> disabled;
    std::optional<AppHold> hold;
    int64_t hold_ms = 0;  // current hold length (doubles per failed probe)
    int probes_left = 0;
    TimeMs probes_granted_at = 0;
  };

  void see(AppState& s, const std::string& token, bool invalid, TimeMs now);
  void prune(AppState& s, TimeMs now);
  bool breakerTrips(const AppState& s) const;
  Decision startOrExtendHold(AppState& s, const std::string& app, AppHold::Cause cause,
                             const std::string& reason, TimeMs now);

  DeliveryConfig config_;
  Clock& clock_;
  std::map<std::string, AppState> apps_;
};

}  // namespace vapush
