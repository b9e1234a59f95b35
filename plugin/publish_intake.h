// SPDX-License-Identifier: Apache-2.0
// XEP-0357 publish intake: decides whether a publish from a user's server is accepted
// (and what to store) or refused with which error. Pure logic over the storage ports.
//
// Called on the XMPP thread; not thread-safe.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "plugin/clock.h"
#include "plugin/command_base.h"
#include "plugin/config.h"
#include "plugin/crypto.h"
#include "plugin/repositories.h"

namespace vapush {

// A publish as parsed from <iq type='set'><pubsub><publish node=...>.
struct PublishRequest {
  std::string from;  // stanza 'from' (the user's server, a bare domain JID)
  std::string node;
  bool has_summary = false;  // false = wake-up <notification/> (mod_push_keepalive)
  int message_count = 0;     // 0 when absent (ejabberd never sends it)
  std::string last_sender;   // full or bare JID, may be empty
  std::string last_body;     // may be empty
  // publish-options fields (XEP-0357 §5): secret, pushModule, ...
  std::vector<std::pair<std::string, std::string>> options;
  std::string option(const std::string& var) const;
  // Optional parts the parser could not read and left out (for metrics and logs):
  // notification, summary-form, summary-field, message-count, options-field,
  // options-excess.
  std::vector<std::string> dropped;
};

// What to store for an accepted publish.
struct PublishRecord {
  Device device;             // device the node belongs to (id 0 = create, fpush)
  bool has_message = false;  // false for wake-ups: only last_publish is updated
  UnreadMessage message;     // valid when has_message
};

struct PublishDecision {
  // XEP-0357 §7 / RFC 6120 §8.3.3 conditions we answer with.
  enum class Verdict {
    Accept,       // store `record`, then answer result
    UnknownNode,  // item-not-found (cancel): the server should drop the registration
    Forbidden,    // forbidden (auth): wrong or missing secret
    BadRequest,   // bad-request (modify): malformed publish
    Transient,    // internal-server-error (wait): storage trouble, try later
    Throttled,    // resource-constraint (wait): too many new fpush devices, try later
    Conflict,     // conflict (wait): the fpush token belongs to another domain's user
  };
  Verdict verdict = Verdict::Accept;
  std::string text;  // for the error's <text/>
  PublishRecord record;
};

class PublishIntake {
 public:
  // `categorize` maps a sender's bare JID onto a category.
  PublishIntake(const Config& config, DeviceRepository& devices, Crypto& crypto, Clock& clock,
                std::function<Category(const std::string&)> categorize);

  PublishDecision decide(const PublishRequest& request);

 private:
  PublishDecision decideFpush(const PublishRequest& request, const AppConfig& app);
  bool fpushDomain(const std::string& domain) const;
  void fillMessage(const PublishRequest& request, PublishRecord& record);

  const Config& config_;
  DeviceRepository& devices_;
  Crypto& crypto_;
  Clock& clock_;
  std::function<Category(const std::string&)> categorize_;
  RateWindow fpush_creations_;  // new fpush devices per publishing domain
};

}  // namespace vapush
