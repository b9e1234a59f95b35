// SPDX-License-Identifier: Apache-2.0
// The component's stanza router: parse, authorise, call plugin/ logic, answer.
// disco#info/#items (XEP-0030), ping (XEP-0199), XEP-0357 publishes (group-committed),
// XEP-0356 privilege announcements, presences, and XEP-0050 commands (via CommandPort).
//
// Runs on the XMPP thread only.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "plugin/clock.h"
#include "plugin/config.h"
#include "plugin/health.h"
#include "plugin/publish_intake.h"
#include "storage/intake_store.h"
#include "xmpp/component.h"
#include "xmpp/parse.h"

namespace vapush::xmpp {

// What the rest of the daemon learns from the XMPP side. Called on the XMPP thread.
class Observer {
 public:
  virtual ~Observer() = default;
  virtual void onLinkState(bool connected) = 0;
  virtual void onPresence(const PresenceEvent& presence) = 0;
  // A publish was durably stored (and is about to be acknowledged).
  virtual void onPublishStored(const PublishRecord& record) = 0;
  // A publish was answered with an error; `condition` is the XMPP condition.
  virtual void onPublishRefused(const std::string& condition) = 0;
  // A forwarded copy of a message from/to a served user arrived from a served server.
  virtual void onForwarded(const ForwardedMessage& message) = 0;
  // A served server announced its XEP-0356 privileges (`ns` tells ejabberd from Prosody).
  virtual void onPrivilege(const std::string& /*server*/, const std::string& /*ns*/) {}
  // End of a receive pass, after its publishes were committed and answered: the place
  // for the observer's own group commit.
  virtual void afterReceive() {}
};

// XEP-0050 commands, implemented elsewhere. Called on the XMPP thread.
class CommandPort {
 public:
  virtual ~CommandPort() = default;
  // Handles <iq type='set'><command/></iq>; returns the reply stanza (caller owns).
  virtual gloox::Tag* handle(const gloox::Tag& iq) = 0;
  // (node, name) of the commands offered to `from`, for disco#items.
  virtual std::vector<std::pair<std::string, std::string>> list(const std::string& from) = 0;
  virtual bool exists(const std::string& node) = 0;
};

// The error a refused publish is answered with; see the table "Every answer to a publish"
// in docs/registration.md.
StanzaError publishError(const PublishDecision& decision);

class Service : public StanzaHandler {
 public:
  Service(const Config& config, PublishIntake& intake, IntakeStore& store, Observer& observer);
  void attach(ComponentLink& link) { link_ = &link; }
  void setCommands(CommandPort* commands) { commands_ = commands; }
  // Where the publishes' group commit reports its result (/healthz); optional.
  void setCommitHealth(CommitHealth* health, Clock* clock) {
    commit_health_ = health;
    clock_ = clock;
  }

  // StanzaHandler
  void onConnected() override;
  void onDisconnected() override;
  void onStanza(const gloox::Tag& stanza) override;
  void afterReceive() override;

 private:
  void storePublishes();  // the receive pass's group commit, then the answers
  void onIq(const gloox::Tag& iq);
  void onPublish(const gloox::Tag& iq);
  void onDiscoInfo(const gloox::Tag& iq, const gloox::Tag& query);
  void onDiscoItems(const gloox::Tag& iq, const gloox::Tag& query);
  void onMessage(const gloox::Tag& message);
  void reply(gloox::Tag* tag);
  void replyError(const gloox::Tag& request, StanzaError error);
  bool fromServedDomain(const std::string& from) const;

  const Config& config_;
  PublishIntake& intake_;
  IntakeStore& store_;
  Observer& observer_;
  CommitHealth* commit_health_ = nullptr;
  Clock* clock_ = nullptr;
  ComponentLink* link_ = nullptr;
  CommandPort* commands_ = nullptr;

  // Accepted publishes waiting for the group commit, with the stanzas to answer.
  std::vector<PublishRecord> pending_records_;
  std::vector<std::unique_ptr<gloox::Tag>> pending_requests_;
};

}  // namespace vapush::xmpp
