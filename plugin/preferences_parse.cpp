// SPDX-License-Identifier: Apache-2.0
// Preference value parsing: HH:MM, time zones, mute-until expressions, JIDs, UTC times.
#include "plugin/preferences_parse.h"

#include <cstdint>

#include "plugin/command_base.h"

namespace vapush {

namespace {

constexpr int64_t kMinuteMs = 60'000;
constexpr int64_t kHourMs = 60 * kMinuteMs;
constexpr int64_t kDayMs = 24 * kHourMs;
constexpr int64_t kMaxMuteMs = 100LL * 365 * kDayMs;  // longer than this: use "forever"

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `n` digits at `pos`.
std::optional<int> digits(std::string_view s, size_t pos, size_t n) {
  if (pos + n > s.size()) return std::nullopt;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (!isDigit(s[i])) return std::nullopt;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t daysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civilFromDays(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

unsigned daysInMonth(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

// "8h", "30m", "2d", "1w".
std::optional<int64_t> parseShortDuration(std::string_view s) {
  if (s.size() < 2 || s.size() > 10) return std::nullopt;
  int64_t n = 0;
  for (size_t i = 0; i + 1 < s.size(); ++i) {
    if (!isDigit(s[i])) return std::nullopt;
    n = n * 10 + (s[i] - '0');
  }
  switch (s.back()) {
    case 'm':
      return n * kMinuteMs;
    case 'h':
      return n * kHourMs;
    case 'd':
      return n * kDayMs;
    case 'w':
      return n * 7 * kDayMs;
    default:
      return std::nullopt;
  }
}

// ISO 8601 duration without years/months: P[nW][nD][T[nH][nM][nS]].
std::optional<int64_t> parseIsoDuration(std::string_view s) {
  if (s.size() < 3 || s.size() > 40 || s[0] != 'P') return std::nullopt;
  int64_t total = 0;
  bool time = false;
  bool any = false;
  int64_t n = 0;
  bool have_n = false;
  for (size_t i = 1; i < s.size(); ++i) {
    const char c = s[i];
    if (isDigit(c)) {
      if (n > 1'000'000'000) return std::nullopt;
      n = n * 10 + (c - '0');
      have_n = true;
      continue;
    }
    if (c == 'T' && !time && !have_n) {
      time = true;
      continue;
    }
    if (!have_n) return std::nullopt;
    if (!time && c == 'W')
      total += n * 7 * kDayMs;
    else if (!time && c == 'D')
      total += n * kDayMs;
    else if (time && c == 'H')
      total += n * kHourMs;
    else if (time && c == 'M')
      total += n * kMinuteMs;
    else if (time && c == 'S')
      total += n * 1000;
    else
      return std::nullopt;
    any = true;
    n = 0;
    have_n = false;
  }
  if (!any || have_n) return std::nullopt;
  return total;
}

// YYYY-MM-DD[THH:MM[:SS[.fff]](Z|+HH:MM|-HH:MM)]; sets `zone_missing` for a time
// without a zone.
std::optional<TimeMs> parseIsoTime(std::string_view s, bool& zone_missing) {
  zone_missing = false;
  const auto y = digits(s, 0, 4);
  const auto mo = digits(s, 5, 2);
  const auto d = digits(s, 8, 2);
  if (!y || !mo || !d || s[4] != '-' || s[7] != '-') return std::nullopt;
  if (*mo < 1 || *mo > 12 || *d < 1 || static_cast<unsigned>(*d) > daysInMonth(*y, *mo)) {
    return std::nullopt;
  }
  int64_t ms = daysFromCivil(*y, *mo, *d) * kDayMs;
  if (s.size() == 10) return ms;
  if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return std::nullopt;
  const auto h = digits(s, 11, 2);
  const auto mi = digits(s, 14, 2);
  if (!h || !mi || s.size() < 16 || s[13] != ':' || *h > 23 || *mi > 59) return std::nullopt;
  ms += *h * kHourMs + *mi * kMinuteMs;
  size_t pos = 16;
  if (pos < s.size() && s[pos] == ':') {
    const auto sec = digits(s, pos + 1, 2);
    if (!sec || *sec > 60) return std::nullopt;
    ms += *sec * 1000;
    pos += 3;
    if (pos < s.size() && s[pos] == '.') {
      ++pos;
      const size_t start = pos;
      while (pos < s.size() && isDigit(s[pos])) ++pos;
      if (pos == start) return std::nullopt;
    }
  }
  if (pos == s.size()) {
    zone_missing = true;
    return std::nullopt;
  }
  if ((s[pos] == 'Z' || s[pos] == 'z') && pos + 1 == s.size()) return ms;
  if ((s[pos] == '+' || s[pos] == '-') && pos + 6 == s.size() && s[pos + 3] == ':') {
    const auto oh = digits(s, pos + 1, 2);
    const auto om = digits(s, pos + 4, 2);
    if (!oh || !om || *oh > 23 || *om > 59) return std::nullopt;
    const int64_t offset = *oh * kHourMs + *om * kMinuteMs;
    return s[pos] == '+' ? ms - offset : ms + offset;
  }
  return std::nullopt;
}

}  // namespace

std::optional<int> parseHhMm(std::string_view s) {
  if (s.size() != 5 || s[2] != ':') return std::nullopt;
  const auto h = digits(s, 0, 2);
  const auto m = digits(s, 3, 2);
  if (!h || !m || *h > 23 || *m > 59) return std::nullopt;
  return *h * 60 + *m;
}

std::string formatHhMm(int minutes) {
  const int h = minutes / 60;
  const int m = minutes % 60;
  std::string out;
  out += static_cast<char>('0' + h / 10);
  out += static_cast<char>('0' + h % 10);
  out += ':';
  out += static_cast<char>('0' + m / 10);
  out += static_cast<char>('0' + m % 10);
  return out;
}

bool isTimeZoneName(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find('/', start);
    if (end == std::string_view::npos) end = s.size();
    const std::string_view part = s.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    const char first = part.front();
    if (!((first >= 'A' && first <= 'Z') || (first >= 'a' && first <= 'z'))) return false;
    for (char c : part) {
      const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || isDigit(c) || c == '_' ||
                      c == '-' || c == '+';
      if (!ok) return false;
    }
    start = end + 1;
  }
  return true;
}

std::optional<TimeMs> parseUntil(std::string_view s, TimeMs now, std::string& problem) {
  const std::string lower = lowerAscii(s);
  if (lower == "forever") return Preferences::kForever;
  std::optional<int64_t> duration = parseShortDuration(lower);
  if (!duration) duration = parseIsoDuration(s);
  if (duration) {
    if (*duration <= 0) {
      problem = "the duration must be longer than zero";
      return std::nullopt;
    }
    if (*duration > kMaxMuteMs) {
      problem = "the duration is too long; use 'forever'";
      return std::nullopt;
    }
    return now + *duration;
  }
  bool zone_missing = false;
  const auto at = parseIsoTime(s, zone_missing);
  if (zone_missing) {
    problem = "add a time zone to the time: 'Z' for UTC or an offset such as +02:00";
    return std::nullopt;
  }
  if (!at) {
    problem =
        "expected 'forever', a duration (30m, 8h, 2d, 1w, PT8H) or a time "
        "(2026-12-01T08:00Z)";
    return std::nullopt;
  }
  if (*at <= now) {
    problem = "the time is in the past";
    return std::nullopt;
  }
  return *at;
}

std::string formatUtc(TimeMs t) {
  const int64_t days = (t >= 0 ? t : t - (kDayMs - 1)) / kDayMs;
  const int64_t in_day = t - days * kDayMs;
  int64_t y = 0;
  unsigned m = 0;
  unsigned d = 0;
  civilFromDays(days, y, m, d);
  std::string out = std::to_string(y) + "-";
  if (m < 10) out += '0';
  out += std::to_string(m) + "-";
  if (d < 10) out += '0';
  out += std::to_string(d) + " ";
  out += formatHhMm(static_cast<int>(in_day / kMinuteMs)) + " UTC";
  return out;
}

std::string formatUntil(TimeMs t) {
  return t == Preferences::kForever ? std::string("forever") : formatUtc(t);
}

std::optional<std::string> normalizePeerJid(std::string_view s) {
  if (s.empty() || s.size() > 3071 || !isValidUtf8(s)) return std::nullopt;
  const std::string bare = lowerAscii(s.substr(0, s.find('/')));
  const size_t at = bare.find('@');
  const std::string domain = at == std::string::npos ? bare : bare.substr(at + 1);
  if (at == 0 || domain.empty() || domain.find('@') != std::string::npos) return std::nullopt;
  for (unsigned char c : bare) {
    if (c <= 0x20 || c == 0x7f || c == '"' || c == '&' || c == '\'' || c == '<' || c == '>') {
      return std::nullopt;
    }
  }
  return bare;
}

}  // namespace vapush
