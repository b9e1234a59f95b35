// SPDX-License-Identifier: Apache-2.0
// What vapush shows of a message's text. An end-to-end encrypted message (OMEMO,
// OpenPGP) reaches vapush only with the sending client's fallback text ("I sent you an
// OMEMO encrypted message but your client doesn't seem to support that..."), never its
// content; showing that text in a notification is noise, so the push and the row say
// "Encrypted message" instead. Pure functions.
#pragma once

#include <string>
#include <string_view>

namespace vapush {

inline constexpr const char* kEncryptedMessageText = "Encrypted message";

// True when `body` is a known client's fallback text for an encrypted message.
bool isEncryptionFallback(std::string_view body);

// The body vapush stores and pushes: kEncryptedMessageText when the message is known to
// be encrypted (the stanza carries an encryption element) or its body is a fallback.
std::string storedBody(std::string_view body, bool encrypted);

}  // namespace vapush
