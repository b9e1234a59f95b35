// SPDX-License-Identifier: Apache-2.0
// Parsing and formatting of the values users type into preference forms: HH:MM times,
// IANA time zone names, "mute until" expressions, peer JIDs, and UTC timestamps.
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "plugin/model.h"

namespace vapush {

// "HH:MM" (24-hour, 00:00-23:59) -> minutes after midnight.
std::optional<int> parseHhMm(std::string_view s);
std::string formatHhMm(int minutes);

// Plausible IANA zone name: "UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires",
// "Etc/GMT+5". Checks the shape only (no tz database in plugin/); an unknown but
// well-formed name is accepted and the batcher falls back to UTC for it.
bool isTimeZoneName(std::string_view s);

// When a mute typed as `s` ends, relative to `now`:
//   "forever"                           -> Preferences::kForever
//   "30m", "8h", "2d", "1w"             -> now + duration
//   ISO 8601 duration "PT8H", "P1DT12H", "P2W" (no years or months)
//   ISO 8601 time "2026-12-01T08:00Z", "2026-12-01T08:00:00+02:00", or a date
//   "2026-12-01" (midnight UTC)
// The result must lie in the future. On failure returns nullopt and sets `problem`.
std::optional<TimeMs> parseUntil(std::string_view s, TimeMs now, std::string& problem);

// "2026-11-24 11:35 UTC".
std::string formatUtc(TimeMs t);
// "forever" for Preferences::kForever, else formatUtc.
std::string formatUntil(TimeMs t);

// A conversation peer typed by a user -> lower-case bare JID (a resource is dropped).
// nullopt when it is not a JID.
std::optional<std::string> normalizePeerJid(std::string_view s);

}  // namespace vapush
