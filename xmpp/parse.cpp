// SPDX-License-Identifier: Apache-2.0
// Parsers for publishes, presences and privilege announcements.
#include "xmpp/parse.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
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

namespace {

struct LenientField {
  std::string var;
  std::string value;  // the first <value/>, or empty
};

// Reads a data form's fields leniently: a field without var, or whose var or value is not
// UTF-8, is left out and `part` is noted in `dropped` (once per field).
std::vector<LenientField> lenientFields(const gloox::Tag& x, const char* part,
                                        std::vector<std::string>& dropped) {
  std::vector<LenientField> out;
  for (const gloox::Tag* f : x.children()) {
    if (f->name() != "field") continue;
    LenientField field;
    field.var = f->findAttribute("var");
    if (const gloox::Tag* v = f->findChild("value")) field.value = v->cdata();
    if (field.var.empty() || !validUtf8(field.var) || !validUtf8(field.value)) {
      dropped.emplace_back(part);
      continue;
    }
    out.push_back(std::move(field));
  }
  return out;
}

// XEP-0357 §7 summary: only the fields we use are read; a bad one is dropped alone.
void readSummary(const gloox::Tag& x, PublishRequest& r) {
  const auto fields = lenientFields(x, "summary-field", r.dropped);
  for (const auto& f : fields) {
    if (f.var == "FORM_TYPE" && f.value != kPushSummary) {
      r.dropped.emplace_back("summary-form");  // some other form: nothing in it is ours
      return;
    }
  }
  r.has_summary = true;
  for (const auto& f : fields) {
    if (f.var == "message-count" && !f.value.empty() && r.message_count == 0) {
      char* end = nullptr;
      errno = 0;
      const long n = std::strtol(f.value.c_str(), &end, 10);
      if (*end != '\0' || errno != 0 || n < 0 || n > kMaxMessageCount) {
        r.dropped.emplace_back("message-count");
      } else {
        r.message_count = static_cast<int>(n);
      }
    } else if (f.var == "last-message-sender" && r.last_sender.empty()) {
      r.last_sender = f.value;
    } else if (f.var == "last-message-body" && r.last_body.empty()) {
      r.last_body = f.value;
    }
  }
}

// XEP-0357 §5 publish-options, echoed by the server. secret and pushModule are always
// kept; other options up to kMaxPublishOptions in all.
void readOptions(const gloox::Tag& x, PublishRequest& r) {
  for (auto& f : lenientFields(x, "options-field", r.dropped)) {
    if (f.var == "FORM_TYPE") continue;
    const bool ours = f.var == "secret" || f.var == "pushModule";
    if (!ours && r.options.size() >= kMaxPublishOptions) {
      r.dropped.emplace_back("options-excess");
      continue;
    }
    r.options.emplace_back(std::move(f.var), std::move(f.value));
  }
}

}  // namespace

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
    // No node we ever handed out looks like this: an unknown node, like any other.
    error = {"cancel", "item-not-found", "no such push node"};
    return std::nullopt;
  }
  // Everything else is optional to us: a part we cannot read is dropped (and counted) and
  // the publish accepted, since any error but `wait` makes ejabberd delete the
  // registration (docs/registration.md).
  const gloox::Tag* item = child(publish, "item", kNsPubsub);
  const gloox::Tag* notification = item ? child(item, "notification", kNsPush) : nullptr;
  if (notification == nullptr) {
    r.dropped.emplace_back("notification");
  } else if (const gloox::Tag* x = child(notification, "x", kNsData)) {
    // XEP-0357 §7: the summary is optional; an empty <notification/> is a wake-up
    // (ejabberd's mod_push_keepalive). ejabberd sends type='submit', Prosody 'form'.
    readSummary(*x, r);
  }
  if (const gloox::Tag* options = child(pubsub, "publish-options", kNsPubsub)) {
    if (const gloox::Tag* x = child(options, "x", kNsData)) readOptions(*x, r);
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
