// SPDX-License-Identifier: Apache-2.0
// Small text helpers shared by plugin/ and xmpp/. Pure and thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace vapush {

// ASCII lower-casing (JID local parts and domains are compared this way; full
// stringprep/PRECIS folding is the user's server's job).
std::string lowerAscii(std::string_view s);
// Strict UTF-8: no overlong forms, surrogates or code points above U+10FFFF.
bool isValidUtf8(std::string_view s);
// "Local@Domain/res" -> "local@domain"; "domain/res" -> "domain".
std::string bareJid(std::string_view jid);
// Lower-case domain part of a JID.
std::string domainOfJid(std::string_view jid);

}  // namespace vapush
