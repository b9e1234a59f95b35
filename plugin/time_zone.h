// SPDX-License-Identifier: Apache-2.0
// UTC offsets of IANA time zones (for quiet hours) and the quiet-hours predicates.
// libstdc++ 12 has no std::chrono::zoned_time and setenv("TZ") is not thread-safe, so the
// production resolver reads the system's TZif files itself.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "plugin/model.h"

namespace vapush {

class TimeZones {
 public:
  virtual ~TimeZones() = default;
  // Offset from UTC in minutes at `at`, or nullopt for an unknown zone.
  virtual std::optional<int> utcOffsetMinutes(std::string_view zone, TimeMs at) = 0;
};

// Reads /usr/share/zoneinfo/<zone> (TZif v2+, 64-bit transitions; Debian ships "fat"
// files with transitions up to 2037, after which the last offset is kept). Caches each
// zone. Thread-safe.
class TzifTimeZones : public TimeZones {
 public:
  explicit TzifTimeZones(std::string root = "/usr/share/zoneinfo") : root_(std::move(root)) {}
  std::optional<int> utcOffsetMinutes(std::string_view zone, TimeMs at) override;

  struct Zone {
    std::vector<int64_t> transitions;  // seconds since the epoch, ascending
    std::vector<int> offsets;          // seconds, offset in force from transitions[i]
    int initial_offset = 0;            // before the first transition
  };
  // Parses TZif bytes; nullopt when malformed. Exposed for tests and fuzzing.
  static std::optional<Zone> parse(std::string_view bytes);

 private:
  std::string root_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const Zone>, std::less<>> cache_;
};

// True when `at` (UTC) falls in the quiet hours, evaluated in their time zone; windows
// may span midnight (22:00-07:00). An unknown zone is treated as UTC.
bool inQuietHours(const QuietHours& q, TimeMs at, TimeZones& zones);
// The first instant at or after `at` that is outside the quiet hours.
TimeMs quietHoursEnd(const QuietHours& q, TimeMs at, TimeZones& zones);

}  // namespace vapush
