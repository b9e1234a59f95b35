// SPDX-License-Identifier: Apache-2.0
// TZif reader and quiet-hours arithmetic.
#include "plugin/time_zone.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace vapush {
namespace {

int64_t be(std::string_view b, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  if (bytes == 4) return static_cast<int32_t>(static_cast<uint32_t>(v));
  return static_cast<int64_t>(v);
}

struct Header {
  int64_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

std::optional<Header> header(std::string_view b, size_t at) {
  if (b.size() < at + 44 || b.substr(at, 4) != "TZif") return std::nullopt;
  Header h{be(b, at + 20, 4), be(b, at + 24, 4), be(b, at + 28, 4),
           be(b, at + 32, 4), be(b, at + 36, 4), be(b, at + 40, 4)};
  if (h.isutcnt < 0 || h.isstdcnt < 0 || h.leapcnt < 0 || h.timecnt < 0 || h.typecnt <= 0 ||
      h.charcnt < 0 || h.timecnt > 100000 || h.typecnt > 256 || h.leapcnt > 10000) {
    return std::nullopt;
  }
  return h;
}

size_t blockSize(const Header& h, int time_bytes) {
  return static_cast<size_t>(h.timecnt * time_bytes + h.timecnt + h.typecnt * 6 + h.charcnt +
                             h.leapcnt * (time_bytes + 4) + h.isstdcnt + h.isutcnt);
}

}  // namespace

std::optional<TzifTimeZones::Zone> TzifTimeZones::parse(std::string_view b) {
  auto h1 = header(b, 0);
  if (!h1) return std::nullopt;
  const char version = b[4];
  size_t at = 44;
  int time_bytes = 4;
  Header h = *h1;
  if (version >= '2') {
    // Skip the 32-bit block; the 64-bit one follows with its own header.
    at += blockSize(*h1, 4);
    auto h2 = header(b, at);
    if (!h2) return std::nullopt;
    h = *h2;
    at += 44;
    time_bytes = 8;
  }
  if (b.size() < at + blockSize(h, time_bytes)) return std::nullopt;
  Zone z;
  const size_t types_at = at + h.timecnt * time_bytes + h.timecnt;
  std::vector<int> type_offsets;
  for (int64_t i = 0; i < h.typecnt; ++i) {
    type_offsets.push_back(static_cast<int>(be(b, types_at + i * 6, 4)));
  }
  for (int64_t i = 0; i < h.timecnt; ++i) {
    const auto idx = static_cast<unsigned char>(b[at + h.timecnt * time_bytes + i]);
    if (idx >= type_offsets.size()) return std::nullopt;
    z.transitions.push_back(be(b, at + i * time_bytes, time_bytes));
    z.offsets.push_back(type_offsets[idx]);
  }
  if (!std::is_sorted(z.transitions.begin(), z.transitions.end())) return std::nullopt;
  z.initial_offset = type_offsets[0];
  return z;
}

std::optional<int> TzifTimeZones::utcOffsetMinutes(std::string_view zone, TimeMs at) {
  if (zone.empty() || zone == "UTC" || zone == "Etc/UTC") return 0;
  // IANA names only: no absolute paths, no "..".
  if (zone.front() == '/' || zone.find("..") != std::string_view::npos || zone.size() > 64) {
    return std::nullopt;
  }
  std::shared_ptr<const Zone> z;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = cache_.find(zone);
    if (it == cache_.end()) {
      std::ifstream in(root_ + "/" + std::string(zone), std::ios::binary);
      std::stringstream ss;
      if (in) ss << in.rdbuf();
      auto parsed = in ? parse(ss.str()) : std::nullopt;
      it = cache_.emplace(std::string(zone), parsed ? std::make_shared<Zone>(*parsed) : nullptr)
               .first;
    }
    z = it->second;
  }
  if (!z) return std::nullopt;
  const int64_t secs = at / 1000;
  const auto pos = std::upper_bound(z->transitions.begin(), z->transitions.end(), secs);
  if (pos == z->transitions.begin()) return z->initial_offset / 60;
  return z->offsets[static_cast<size_t>(pos - z->transitions.begin() - 1)] / 60;
}

namespace {

int localMinuteOfDay(TimeMs at, int offset_minutes) {
  const int64_t minutes = at / 60'000 + offset_minutes;
  return static_cast<int>(((minutes % 1440) + 1440) % 1440);
}

bool inWindow(int minute, int start, int end) {
  if (start == end) return false;  // empty window
  return start < end ? (minute >= start && minute < end) : (minute >= start || minute < end);
}

}  // namespace

bool inQuietHours(const QuietHours& q, TimeMs at, TimeZones& zones) {
  const int offset = zones.utcOffsetMinutes(q.time_zone, at).value_or(0);
  return inWindow(localMinuteOfDay(at, offset), q.start_minute, q.end_minute);
}

TimeMs quietHoursEnd(const QuietHours& q, TimeMs at, TimeZones& zones) {
  // Step minute by minute to the end (at most a day); handles DST changes inside.
  TimeMs t = at - at % 60'000;
  for (int i = 0; i <= 1441 && inQuietHours(q, t, zones); ++i) t += 60'000;
  return std::max(t, at);
}

}  // namespace vapush
