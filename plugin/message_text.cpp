// SPDX-License-Identifier: Apache-2.0
// Message text rules (see message_text.h).
#include "plugin/message_text.h"

#include <algorithm>
#include <cctype>

namespace vapush {
namespace {

bool containsNoCase(std::string_view haystack, std::string_view needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                     [](char a, char b) {
                       return std::tolower(static_cast<unsigned char>(a)) ==
                              std::tolower(static_cast<unsigned char>(b));
                     }) != haystack.end();
}

}  // namespace

bool isEncryptionFallback(std::string_view body) {
  // Fallback bodies of Conversations, Siskin, Monal, Dino, Gajim and the XEP-0027 /
  // XEP-0373 OpenPGP clients. Matched loosely (wording differs between versions), but
  // only as whole phrases no one types into a chat by accident.
  static constexpr std::string_view kPhrases[] = {
      "OMEMO encrypted message",      "This message is OMEMO encrypted", "encrypted with OMEMO",
      "[This message is *encrypted*", "This message is encrypted",       "encrypted using OpenPGP",
      "encrypted with OpenPGP",
  };
  if (body.size() > 512) return false;  // fallbacks are one short sentence
  for (const std::string_view phrase : kPhrases) {
    if (containsNoCase(body, phrase)) return true;
  }
  return false;
}

std::string storedBody(std::string_view body, bool encrypted) {
  if (body.empty()) return std::string();
  if (encrypted || isEncryptionFallback(body)) return kEncryptedMessageText;
  return std::string(body);
}

}  // namespace vapush
