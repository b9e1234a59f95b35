// SPDX-License-Identifier: Apache-2.0
// vapushd's wiring: the only place that builds concrete classes from the config and runs
// them (XMPP thread = the caller's thread; batcher and push threads are started here).
#pragma once

#include <atomic>

#include "plugin/config.h"

namespace vapush {

// Runs the daemon until `stop` becomes true. Returns the process exit code.
int runDaemon(const Config& config, std::atomic<bool>& stop);

}  // namespace vapush
