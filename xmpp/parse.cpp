// SPDX-License-Identifier: Apache-2.0
// Parsers for publishes, presences and privilege announcements.
#include "xmpp/parse.h"

#include <cstdio>
#include <ctime>

namespace vapush::xmpp {
namespace {

StanzaError badRequest(std::string text) { return {"modify", "bad-request", std::move(text)}; }

}  // namespace

std::optional<TimeMs> parseXmppTime(const std::string& s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, consumed = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &consumed) !=
      6) {
    return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  TimeMs ms = static_cast<TimeMs>(timegm(&tm)) * 1000;
  size_t i = static_cast<size_t>(consumed);
  if (i < s.size() && s[i] == '.') {
    int scale = 100;
    for (++i; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++i) {
      ms += (s[i] - '0') * scale;
      scale /= 10;
    }
  }
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int oh = 0, om = 0;
    if (std::sscanf(s.c_str() + i + 1, "%2d:%2d", &oh, &om) != 2) return std::nullopt;
    const TimeMs off = (oh * 60 + om) * 60'000LL;
    ms += s[i] == '+' ? -off : off;
  } else if (i >= s.size() || s[i] != 'Z') {
    return std::nullopt;
  }
  return ms;
}

std::optional<PublishRequest> parsePublish(const gloox::Tag& iq, StanzaError& error) {
  const gloox::Tag* pubsub = child(&iq, "pubsub", kNsPubsub);
  const gloox::Tag* publish = pubsub ? child(pubsub, "publish", kNsPubsub) : nullptr;
  if (publish == nullptr) {
    error = badRequest("expected <pubsub><publish/>");
    return std::nullopt;
  }
  PublishRequest r;
  r.from = iq.findAttribute("from");
  r.node = publish->findAttribute("node");
  if (r.node.empty()) {
    error = badRequest("publish without node");
    return std::nullopt;
  }
  if (!validUtf8(r.node) || r.node.size() > 1024) {
    error = badRequest("invalid node");
    return std::nullopt;
  }
  const gloox::Tag* item = child(publish, "item", kNsPubsub);
  const gloox::Tag* notification = item ? child(item, "notification", kNsPush) : nullptr;
  if (notification == nullptr) {
    error = badRequest("expected <item><notification xmlns='urn:xmpp:push:0'/>");
    return std::nullopt;
  }
  // XEP-0357 §7: the summary is optional; an empty <notification/> is a wake-up
  // (ejabberd's mod_push_keepalive).
  if (const gloox::Tag* x = child(notification, "x", kNsData)) {
    std::string why;
    const auto form = parseForm(x, why);
    if (!form) {
      error = badRequest(why);
      return std::nullopt;
    }
    // ejabberd sends type='submit', Prosody type='form'; both are accepted.
    if (form->formType() != kPushSummary) {
      error = badRequest("notification form must have FORM_TYPE urn:xmpp:push:summary");
      return std::nullopt;
    }
    r.has_summary = true;
    const std::string count = form->value("message-count");
    if (!count.empty()) {
      char* end = nullptr;
      const long n = std::strtol(count.c_str(), &end, 10);
      if (*end != '\0' || n < 0 || n > 1'000'000) {
        error = badRequest("message-count is not a number");
        return std::nullopt;
      }
      r.message_count = static_cast<int>(n);
    }
    r.last_sender = form->value("last-message-sender");
    r.last_body = form->value("last-message-body");
  }
  if (const gloox::Tag* options = child(pubsub, "publish-options", kNsPubsub)) {
    if (const gloox::Tag* x = child(options, "x", kNsData)) {
      std::string why;
      const auto form = parseForm(x, why);
      if (!form) {
        error = badRequest("publish-options: " + why);
        return std::nullopt;
      }
      if (form->fields.size() > 32) {
        error = badRequest("publish-options: too many fields");
        return std::nullopt;
      }
      for (const auto& f : form->fields) {
        if (f.var == "FORM_TYPE") continue;
        r.options.emplace_back(f.var, f.values.empty() ? std::string() : f.values.front());
      }
    }
  }
  return r;
}

std::optional<PresenceEvent> parsePresence(const gloox::Tag& p) {
  const std::string type = p.findAttribute("type");
  if (!type.empty() && type != "unavailable") return std::nullopt;
  const std::string from = p.findAttribute("from");
  const auto at = from.find('@');
  if (at == std::string::npos || at == 0) return std::nullopt;  // users only
  PresenceEvent e;
  const auto slash = from.find('/');
  e.bare = from.substr(0, slash);
  for (auto& c : e.bare) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (slash != std::string::npos) e.resource = from.substr(slash + 1);
  e.id = p.findAttribute("id");
  if (type == "unavailable") {
    e.show = Show::Unavailable;
  } else {
    const gloox::Tag* show = p.findChild("show");
    const std::string s = show ? show->cdata() : std::string();
    e.show = s == "away"   ? Show::Away
             : s == "xa"   ? Show::Xa
             : s == "dnd"  ? Show::Dnd
             : s == "chat" ? Show::Chat
                           : Show::Available;
  }
  if (const gloox::Tag* idle = child(&p, "idle", "urn:xmpp:idle:1")) {
    e.idle_since = parseXmppTime(idle->findAttribute("since"));
  }
  if (const gloox::Tag* delay = child(&p, "delay", "urn:xmpp:delay")) {
    e.delay = parseXmppTime(delay->findAttribute("stamp"));
  }
  return e;
}

namespace {
std::string lowerBare(const std::string& jid) {
  std::string b = jid.substr(0, jid.find('/'));
  for (auto& c : b) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return b;
}
}  // namespace

std::optional<ForwardedMessage> parseForwarded(const gloox::Tag& outer) {
  const gloox::Tag* fwd = child(&outer, "forwarded", "urn:xmpp:forward:0");
  if (fwd == nullptr) return std::nullopt;
  const gloox::Tag* inner = nullptr;
  for (const gloox::Tag* c : fwd->children()) {
    if (c->name() == "message") inner = c;
  }
  if (inner == nullptr) return std::nullopt;
  ForwardedMessage m;
  m.type = inner->findAttribute("type");
  if (m.type.empty()) m.type = "normal";
  if (m.type != "chat" && m.type != "normal") return std::nullopt;
  m.from = inner->findAttribute("from");
  m.from_bare = lowerBare(m.from);
  m.to_bare = lowerBare(inner->findAttribute("to"));
  if (m.from_bare.find('@') == std::string::npos || m.to_bare.empty()) return std::nullopt;
  m.id = inner->findAttribute("id");
  if (const gloox::Tag* body = inner->findChild("body")) m.body = body->cdata();
  if (!validUtf8(m.body)) return std::nullopt;
  if (const gloox::Tag* nick = child(inner, "nick", "http://jabber.org/protocol/nick")) {
    m.nick = nick->cdata();
    if (!validUtf8(m.nick) || m.nick.size() > 256) m.nick.clear();
  }
  if (const gloox::Tag* d = child(inner, "displayed", "urn:xmpp:chat-markers:0")) {
    m.displayed_id = d->findAttribute("id");
    if (m.displayed_id.empty()) m.displayed_id.assign(1, '?');  // marker without an id
  }
  if (const gloox::Tag* r = child(inner, "received", "urn:xmpp:receipts")) {
    m.received_id = r->findAttribute("id");
    if (m.received_id.empty()) m.received_id.assign(1, '?');
  }
  if (const gloox::Tag* delay = child(fwd, "delay", "urn:xmpp:delay")) {
    m.stamp = parseXmppTime(delay->findAttribute("stamp"));
  }
  m.encrypted = child(inner, "encrypted", "eu.siacs.conversations.axolotl") != nullptr ||
                child(inner, "encrypted", "urn:xmpp:omemo:2") != nullptr ||
                child(inner, "openpgp", "urn:xmpp:openpgp:0") != nullptr ||
                child(inner, "x", "jabber:x:encrypted") != nullptr ||
                child(inner, "encryption", "urn:xmpp:eme:0") != nullptr;
  return m;
}

std::optional<std::vector<std::string>> parsePrivilege(const gloox::Tag& m, std::string& ns) {
  // ejabberd 23.01 speaks urn:xmpp:privilege:1, Prosody's mod_privilege :2 (XEP-0356).
  for (const char* candidate : {"urn:xmpp:privilege:2", "urn:xmpp:privilege:1"}) {
    if (const gloox::Tag* priv = child(&m, "privilege", candidate)) {
      ns = candidate;
      std::vector<std::string> perms;
      for (const gloox::Tag* perm : priv->children()) {
        if (perm->name() != "perm") continue;
        perms.push_back(perm->findAttribute("access") + "=" + perm->findAttribute("type"));
      }
      return perms;
    }
  }
  return std::nullopt;
}

}  // namespace vapush::xmpp
