// SPDX-License-Identifier: Apache-2.0
// Stanza routing and answers.
#include "xmpp/service.h"

#include "plugin/log.h"
#include "plugin/log_throttle.h"
#include "plugin/metrics.h"
#include "plugin/text.h"

namespace vapush::xmpp {
namespace {

constexpr const char* kNsDiscoInfo = "http://jabber.org/protocol/disco#info";
constexpr const char* kNsDiscoItems = "http://jabber.org/protocol/disco#items";
constexpr const char* kNsCommands = "http://jabber.org/protocol/commands";
constexpr const char* kNsPing = "urn:xmpp:ping";

// What a reply needs of a request (name, id, from, to): much cheaper to keep than a
// clone of the whole publish.
gloox::Tag* replyAddress(const gloox::Tag& request) {
  auto* t = new gloox::Tag(request.name());
  for (const char* attr : {"id", "from", "to"}) {
    const std::string& v = request.findAttribute(attr);
    if (!v.empty()) t->addAttribute(attr, v);
  }
  return t;
}

gloox::Tag* query(const char* ns, const std::string& node) {
  auto* q = new gloox::Tag("query");
  q->setXmlns(ns);
  if (!node.empty()) q->addAttribute("node", node);
  return q;
}

void feature(gloox::Tag* q, const char* var) { new gloox::Tag(q, "feature", "var", var); }

void identity(gloox::Tag* q, const char* category, const char* type, const char* name) {
  auto* id = new gloox::Tag(q, "identity");
  id->addAttribute("category", category);
  id->addAttribute("type", type);
  id->addAttribute("name", name);
}

}  // namespace

StanzaError publishError(const PublishDecision& d) {
  // ejabberd deletes the registration on any error but `wait`: `cancel` only for nodes
  // that are really dead, `wait` whenever the registration should live on.
  switch (d.verdict) {
    case PublishDecision::Verdict::UnknownNode:
      return {"cancel", "item-not-found", d.text};
    case PublishDecision::Verdict::Forbidden:
      return {"auth", "forbidden", d.text};
    case PublishDecision::Verdict::BadRequest:
      return {"modify", "bad-request", d.text};
    case PublishDecision::Verdict::Throttled:
      return {"wait", "resource-constraint", d.text};
    case PublishDecision::Verdict::Conflict:
      return {"wait", "conflict", d.text};
    case PublishDecision::Verdict::Accept:
    case PublishDecision::Verdict::Transient:
      break;
  }
  return {"wait", "internal-server-error", d.text};
}

Service::Service(const Config& config, PublishIntake& intake, IntakeStore& store,
                 Observer& observer)
    : config_(config), intake_(intake), store_(store), observer_(observer) {}

void Service::onConnected() { observer_.onLinkState(true); }

void Service::onDisconnected() {
  // Publishes that were not committed cannot be answered any more; the server has
  // already treated them as timed out. Stored ones were answered in afterReceive().
  pending_records_.clear();
  pending_requests_.clear();
  observer_.onLinkState(false);
}

void Service::reply(gloox::Tag* tag) {
  if (link_ != nullptr) {
    link_->sendTag(tag);
  } else {
    delete tag;
  }
}

void Service::replyError(const gloox::Tag& request, StanzaError error) {
  reply(errorReply(&request, error));
}

bool Service::fromServedDomain(const std::string& from) const {
  // Domains are case-insensitive: "Example.COM" is example.com (config keeps them lower).
  const std::string domain = domainOfJid(from);
  for (const auto& d : config_.component.domains) {
    if (lowerAscii(d) == domain) return true;
  }
  return false;
}

void Service::onStanza(const gloox::Tag& stanza) {
  const std::string& name = stanza.name();
  if (name == "iq") {
    onIq(stanza);
  } else if (name == "presence") {
    if (auto p = parsePresence(stanza)) {
      if (fromServedDomain(p->bare)) observer_.onPresence(*p);
    }
  } else if (name == "message") {
    onMessage(stanza);
  }
}

void Service::onMessage(const gloox::Tag& message) {
  std::string ns;
  if (auto perms = parsePrivilege(message, ns)) {
    std::string list;
    for (const auto& p : *perms) list += (list.empty() ? "" : ",") + p;
    std::string held;  // a server in a reconnect loop announces them every time
    log::write(throttledLevel("xmpp.privileges", held), "xmpp.privileges",
               {{"from", message.findAttribute("from")},
                {"namespace", ns},
                {"granted", list.empty() ? "none" : list},
                {"suppressed", held}});
    observer_.onPrivilege(message.findAttribute("from"), ns);
    return;
  }
  if (message.findAttribute("type") == "error") return;
  // Only the served servers themselves may hand us copies of their users' messages.
  const std::string from = message.findAttribute("from");
  if (from.find('@') == std::string::npos && fromServedDomain(from)) {
    if (auto fwd = parseForwarded(message)) {
      if (fromServedDomain(fwd->from_bare) || fromServedDomain(fwd->to_bare)) {
        observer_.onForwarded(*fwd);
        return;
      }
    }
  }
  log::debug("xmpp.message_ignored", {{"from", from}});
}

void Service::onIq(const gloox::Tag& iq) {
  const std::string type = iq.findAttribute("type");
  if (type == "result" || type == "error") return;  // we send no requests that need them
  if (type != "get" && type != "set") {
    replyError(iq, {"modify", "bad-request", "iq type must be get or set"});
    return;
  }
  if (iq.children().size() != 1) {
    // RFC 6120 §8.2.3: an IQ get/set has exactly one payload child.
    replyError(iq, {"modify", "bad-request", "iq must contain exactly one payload"});
    return;
  }
  const gloox::Tag& payload = *iq.children().front();
  const std::string ns = namespaceOf(&payload);
  if (type == "get" && payload.name() == "query" && ns == kNsDiscoInfo) {
    onDiscoInfo(iq, payload);
  } else if (type == "get" && payload.name() == "query" && ns == kNsDiscoItems) {
    onDiscoItems(iq, payload);
  } else if (type == "get" && payload.name() == "ping" && ns == kNsPing) {
    reply(resultReply(&iq));  // XEP-0199 §4
  } else if (type == "set" && payload.name() == "pubsub" && ns == kNsPubsub) {
    onPublish(iq);
  } else if (type == "set" && payload.name() == "command" && ns == kNsCommands &&
             commands_ != nullptr) {
    reply(commands_->handle(iq));
  } else {
    replyError(iq, {"cancel", "service-unavailable", ""});
  }
}

void Service::onDiscoInfo(const gloox::Tag& iq, const gloox::Tag& q) {
  const std::string node = q.findAttribute("node");
  gloox::Tag* result = query(kNsDiscoInfo, node);
  if (node.empty()) {
    // XEP-0357 §3: an app server identifies as pubsub/push.
    identity(result, "pubsub", "push", "vapush");
    identity(result, "component", "generic", "vapush");
    feature(result, kNsDiscoInfo);
    feature(result, kNsDiscoItems);
    feature(result, kNsCommands);
    feature(result, kNsPing);
    feature(result, kNsPush);
    // Tigase clients pick their push service by these features (Siskin: pubsub/push with
    // urn:xmpp:push:0 and tigase:messenger:apns:1, else it falls back to push.tigase.im;
    // Stork: fcm-xmpp-api), and register-device accepts them as `provider`.
    bool apns = false, fcm = false;
    for (const auto& app : config_.apps) (app.platform == Platform::Apns ? apns : fcm) = true;
    if (apns) feature(result, "tigase:messenger:apns:1");
    if (fcm) feature(result, "fcm-xmpp-api");
    if (fcm) feature(result, "fcm-http-v1");
  } else if (node == kNsCommands) {
    identity(result, "automation", "command-list", "Commands");
  } else if (commands_ != nullptr && commands_->exists(node)) {
    // XEP-0050 §2.3: each command node answers disco#info.
    identity(result, "automation", "command-node", node.c_str());
    feature(result, kNsCommands);
    feature(result, kNsData);
  } else {
    delete result;
    replyError(iq, {"cancel", "item-not-found", ""});
    return;
  }
  reply(resultReply(&iq, result));
}

void Service::onDiscoItems(const gloox::Tag& iq, const gloox::Tag& q) {
  const std::string node = q.findAttribute("node");
  gloox::Tag* result = query(kNsDiscoItems, node);
  if (node == kNsCommands && commands_ != nullptr) {
    for (const auto& [cmd, name] : commands_->list(iq.findAttribute("from"))) {
      auto* item = new gloox::Tag(result, "item");
      item->addAttribute("jid", config_.component.jid);
      item->addAttribute("node", cmd);
      item->addAttribute("name", name);
    }
  } else if (!node.empty() && node != kNsCommands) {
    delete result;
    replyError(iq, {"cancel", "item-not-found", ""});
    return;
  }
  reply(resultReply(&iq, result));
}

void Service::onPublish(const gloox::Tag& iq) {
  StanzaError error;
  auto request = parsePublish(iq, error);
  if (!request) {
    observer_.onPublishRefused(error.condition);
    replyError(iq, error);
    return;
  }
  if (!request->dropped.empty()) {
    // Accepted without the parts we could not read; names of parts only, never contents.
    std::string parts;
    for (const auto& part : request->dropped) {
      metrics().inc("vapush_publish_parts_dropped_total", {{"part", part}});
      if (parts.find(part) == std::string::npos) parts += (parts.empty() ? "" : ",") + part;
    }
    std::string held;
    log::write(throttledLevel("publish.parts_dropped", held), "publish.parts_dropped",
               {{"from", request->from},
                {"node", log::redact(request->node)},
                {"parts", parts},
                {"suppressed", held}});
  }
  PublishDecision d = intake_.decide(*request);
  if (d.verdict == PublishDecision::Verdict::Accept) {
    pending_records_.push_back(std::move(d.record));
    pending_requests_.emplace_back(replyAddress(iq));
    return;
  }
  error = publishError(d);
  std::string held;  // one line per refused publish, at most 10 a minute at info
  log::write(throttledLevel("publish.refused", held), "publish.refused",
             {{"from", request->from},
              {"node", log::redact(request->node)},
              {"condition", error.condition},
              {"suppressed", held}});
  observer_.onPublishRefused(error.condition);
  replyError(iq, error);
}

void Service::afterReceive() {
  storePublishes();
  observer_.afterReceive();
}

void Service::storePublishes() {
  if (pending_records_.empty()) return;
  const Status s = store_.store(pending_records_);
  if (commit_health_ != nullptr) commit_health_->record("intake", clock_->nowMs(), s);
  for (size_t i = 0; i < pending_requests_.size(); ++i) {
    const gloox::Tag& request = *pending_requests_[i];
    if (s.ok()) {
      observer_.onPublishStored(pending_records_[i]);
      reply(resultReply(&request));
    } else {
      observer_.onPublishRefused("resource-constraint");
      replyError(request, {"wait", "resource-constraint", "storage unavailable, retry later"});
    }
  }
  if (s.ok()) {
    log::debug("publish.committed", {{"count", std::to_string(pending_records_.size())}});
  } else {
    log::error("publish.store_failed",
               {{"count", std::to_string(pending_records_.size())}, {"error", s.message}});
  }
  pending_records_.clear();
  pending_requests_.clear();
}

}  // namespace vapush::xmpp
