// SPDX-License-Identifier: Apache-2.0
// The seam between the scheduler and the push engine: what the scheduler hands over
// (PushRequest) and what comes back, in provider-neutral terms.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "plugin/model.h"

namespace vapush {

// What a provider said about one push (push/ maps APNs/FCM answers onto this).
struct DeliveryResult {
  enum class Outcome {
    Delivered,     // accepted by APNs/FCM
    TokenInvalid,  // the token is dead (APNs 410/BadDeviceToken, FCM UNREGISTERED)
    RateLimited,   // 429: retry later, not before retry_after_ms
    Transient,     // 5xx, connection trouble, timeouts: retry with backoff
    Permanent,     // rejected for good (bad payload, too large)
    AppConfig,     // the app's configuration is wrong (topic, sender id, project, endpoint,
                   // provider credentials): hold the app's pushes, disable nothing
  };
  std::string push_id;
  int64_t device = 0;
  Outcome outcome = Outcome::Transient;
  std::string provider_id;  // apns-id or FCM message name
  std::string reason;       // Apple reason / FCM errorCode / transport error
  int64_t retry_after_ms = 0;
};
std::string_view toString(DeliveryResult::Outcome o);

// Sends pushes; implemented by the push engine. submit() must not block on the network.
// `done` is called once per push, from any thread.
class PushSender {
 public:
  virtual ~PushSender() = default;
  virtual void submit(std::vector<PushRequest> pushes) = 0;
};

}  // namespace vapush
