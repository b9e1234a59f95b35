// SPDX-License-Identifier: Apache-2.0
// Loads the credentials an app's config names, without starting anything: for
// `vapushd --check-config` and `vapushctl check-config`, so that a key that does not parse
// is found before the daemon starts (the daemon itself loads them the same way).
#pragma once

#include <optional>
#include <string>

#include "plugin/config.h"

namespace vapush::push {

// nullopt when the app's key files load; otherwise "FILE: reason".
std::optional<std::string> credentialProblem(const AppConfig& app);

}  // namespace vapush::push
