// SPDX-License-Identifier: Apache-2.0
// Language resolution (see localizer.h).
#include "plugin/localizer.h"

namespace vapush {

std::string resolveLanguage(std::string_view device_language, std::string_view user_language,
                            std::string_view default_language) {
  if (!device_language.empty()) return std::string(device_language);
  if (!user_language.empty()) return std::string(user_language);
  return std::string(default_language);
}

}  // namespace vapush
