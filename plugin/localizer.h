// SPDX-License-Identifier: Apache-2.0
// The localisation port: the texts vapush writes itself ("Virtual Agent", "N new
// messages", the test push), by key, in a device's language. Pure interface; the ICU
// implementation with the catalogs of packaging/i18n/ is push/localizer_icu.h.
//
// The keys are the catalogs' keys and also what apps with `localize: device` receive as
// APNs `loc-key`/`title-loc-key` and FCM `body_loc_key`/`title_loc_key`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vapush {

namespace text_key {
inline constexpr std::string_view kVirtualAgentTitle = "virtual_agent_title";
// ICU MessageFormat with {count}: "{count, plural, one {# new message} other {...}}".
inline constexpr std::string_view kNewMessagesBody = "new_messages_body";
inline constexpr std::string_view kEncryptedMessageBody = "encrypted_message_body";
inline constexpr std::string_view kTestPushTitle = "test_push_title";
inline constexpr std::string_view kTestPushBody = "test_push_body";
// Every key a catalog must have.
inline constexpr std::string_view kAll[] = {kVirtualAgentTitle, kNewMessagesBody,
                                            kEncryptedMessageBody, kTestPushTitle, kTestPushBody};
}  // namespace text_key

class Localizer {
 public:
  virtual ~Localizer() = default;
  // The text of `key` from the catalog that best matches `language` (a BCP 47 tag; an
  // unknown or empty one means the default language), formatted with `count` as the
  // pattern's {count} and `args` as {0}, {1}, ... Never empty for a known key.
  virtual std::string text(std::string_view key, std::string_view language, int64_t count = 0,
                           const std::vector<std::string>& args = {}) const = 0;
};

// The language a device's texts are written in: the device's own (registration
// `language` field or the registering IQ's xml:lang), else the user's preference, else
// the configured default.
std::string resolveLanguage(std::string_view device_language, std::string_view user_language,
                            std::string_view default_language);

}  // namespace vapush
