// SPDX-License-Identifier: Apache-2.0
// Helpers between gloox::Tag and plain values: XEP-0004 forms, namespaced children,
// stanza error replies (RFC 6120 §8.3).
#pragma once

#include <gloox/tag.h>

#include <optional>
#include <string>

#include "plugin/form.h"

namespace vapush::xmpp {

inline constexpr const char* kNsComponent = "jabber:component:accept";
inline constexpr const char* kNsStanzas = "urn:ietf:params:xml:ns:xmpp-stanzas";
inline constexpr const char* kNsData = "jabber:x:data";

// First child named `name` whose namespace is `ns` (inherited namespaces count).
gloox::Tag* child(const gloox::Tag* parent, const std::string& name, const std::string& ns);

// Namespace of a tag: its xmlns attribute or, failing that, its parent's.
std::string namespaceOf(const gloox::Tag* tag);

// Parses <x xmlns='jabber:x:data'>. Returns nullopt and sets `error` when malformed.
std::optional<Form> parseForm(const gloox::Tag* x, std::string& error);

// Builds <x xmlns='jabber:x:data' type=...>. Caller owns the result.
gloox::Tag* formToTag(const Form& form);

// An XMPP error condition with its type (RFC 6120 §8.3.2).
struct StanzaError {
  StanzaError() = default;
  StanzaError(std::string t, std::string c, std::string txt = {}, std::string app = {},
              std::string app_ns = {})
      : type(std::move(t)),
        condition(std::move(c)),
        text(std::move(txt)),
        app_condition(std::move(app)),
        app_condition_ns(std::move(app_ns)) {}
  std::string type;              // auth | cancel | continue | modify | wait
  std::string condition;         // e.g. bad-request, item-not-found
  std::string text;              // human readable, optional
  std::string app_condition;     // e.g. bad-sessionid (XEP-0050), optional
  std::string app_condition_ns;  // its namespace
};

// <iq type='error'> (or message/presence) reply to `request` carrying `error`.
gloox::Tag* errorReply(const gloox::Tag* request, const StanzaError& error);
// <iq type='result'> reply to `request`; `payload` (may be null) is adopted.
gloox::Tag* resultReply(const gloox::Tag* request, gloox::Tag* payload = nullptr);

// True if `s` is valid UTF-8 (gloox passes through whatever bytes arrive).
bool validUtf8(const std::string& s);

}  // namespace vapush::xmpp
