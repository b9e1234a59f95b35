// SPDX-License-Identifier: Apache-2.0
// Read rules (see read_rules.h).
#include "plugin/read_rules.h"

#include "plugin/presence.h"

namespace vapush {

bool showMeansReading(Show show) { return show == Show::Available || show == Show::Chat; }

std::optional<TimeMs> cameBackAt(bool was_reading, Show show, TimeMs when) {
  if (!showMeansReading(show) || was_reading) return std::nullopt;
  return when;
}

bool readSignalCounts(ReadSignal signal, const std::optional<ResourceState>& sender, TimeMs now,
                      TimeMs idle_threshold) {
  switch (signal) {
    case ReadSignal::Reply:
    case ReadSignal::Displayed:
      return true;  // the user looked at the conversation, wherever they are now
    case ReadSignal::Receipt:
      return sender.has_value() && inUse(*sender, now, idle_threshold);
  }
  return false;
}

}  // namespace vapush
