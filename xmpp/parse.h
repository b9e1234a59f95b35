// SPDX-License-Identifier: Apache-2.0
// Stanza -> plain struct translation for what the component receives: XEP-0357
// publishes, presences (RFC 6121, XEP-0319 idle, XEP-0203 delay) and XEP-0356
// privilege announcements. Parsers take a gloox::Tag so tests feed captured stanzas.
#pragma once

#include <gloox/tag.h>

#include <optional>
#include <string>
#include <vector>

#include "plugin/model.h"
#include "plugin/publish_intake.h"
#include "xmpp/xml_util.h"

namespace vapush::xmpp {

inline constexpr const char* kNsPubsub = "http://jabber.org/protocol/pubsub";
inline constexpr const char* kNsPush = "urn:xmpp:push:0";
inline constexpr const char* kPushSummary = "urn:xmpp:push:summary";
inline constexpr const char* kPublishOptions = "http://jabber.org/protocol/pubsub#publish-options";

inline constexpr long kMaxMessageCount = 1'000'000;
inline constexpr size_t kMaxPublishOptions = 32;

// Parses <iq type='set'><pubsub><publish node=...> (XEP-0357 §7), leniently: only a
// publish without a node is refused (bad-request), a node that cannot be ours (not UTF-8,
// longer than 1024 bytes) is item-not-found; anything optional that cannot be read (a
// missing notification, a foreign or broken summary form or field, a bad message-count,
// broken or excess publish-options) is left out and named in PublishRequest::dropped.
std::optional<PublishRequest> parsePublish(const gloox::Tag& iq, StanzaError& error);

struct PresenceEvent {
  std::string bare;      // user's bare JID, lower-case
  std::string resource;  // may be empty for presence from a bare JID
  Show show = Show::Available;
  std::optional<TimeMs> idle_since;  // XEP-0319 <idle since=.../>
  std::optional<TimeMs> delay;       // XEP-0203 <delay stamp=.../> (Prosody replay)
  std::string id;                    // stanza id, for de-duplication
};

// Parses an available/unavailable presence. Subscription and error presences give nullopt.
std::optional<PresenceEvent> parsePresence(const gloox::Tag& presence);

// A XEP-0297 forwarded copy of a user's message (e.g. Prosody mod_firewall FORWARD).
struct ForwardedMessage {
  std::string from;       // inner sender, full JID
  std::string from_bare;  // lower-case
  std::string to_bare;    // inner recipient, lower-case
  std::string id;         // inner stanza id, may be empty
  std::string type;       // chat | normal
  std::string body;
  std::string nick;             // XEP-0172 nickname, if any
  std::string displayed_id;     // XEP-0333 <displayed id=.../>, if any
  std::string received_id;      // XEP-0184 <received id=.../>, if any
  std::optional<TimeMs> stamp;  // XEP-0203 delay inside <forwarded/>, if any
  bool encrypted = false;       // OMEMO, OpenPGP (XEP-0027/0373) or an XEP-0380 EME hint
};

// Parses <message><forwarded xmlns='urn:xmpp:forward:0'><message .../></forwarded>.
// Returns nullopt for anything else (including groupchat, errors, missing from/to).
std::optional<ForwardedMessage> parseForwarded(const gloox::Tag& message);

// XEP-0356 <privilege/> in either namespace: the granted permissions as "access=type".
std::optional<std::vector<std::string>> parsePrivilege(const gloox::Tag& message, std::string& ns);

// Parses an XEP-0082 date-time ("2026-11-23T19:09:02Z", fractions and offsets allowed).
std::optional<TimeMs> parseXmppTime(const std::string& s);

}  // namespace vapush::xmpp
