// SPDX-License-Identifier: Apache-2.0
// Presence memory under churn: P presences from S distinct short-lived resources (random
// resource names per session, as Conversations and Monal pick) of U users; half of the
// sessions end with an unavailable, half just vanish (ejabberd sends nothing for a
// dropped connection). The tracker is pruned every simulated minute as vapushd does
// (resources gone for 10 minutes). Prints the resources held and RSS at the end against
// the documented cap: U x PresenceTracker::kDefaultMaxResourcesPerUser x the bytes per
// resource that bench_presence_memory measures (pass it with --bytes-per-resource).
//
//   bench_presence_churn [--presences 10000000] [--sessions 1000000] [--users 20000]
//                        [--bytes-per-resource 206]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "plugin/presence.h"

namespace {

using namespace vapush;

long rssBytes() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6) * 1024;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  long presences = 10'000'000, sessions = 1'000'000, users = 20'000;
  double per_resource = 206;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--presences") presences = std::atol(argv[i + 1]);
    if (a == "--sessions") sessions = std::atol(argv[i + 1]);
    if (a == "--users") users = std::atol(argv[i + 1]);
    if (a == "--bytes-per-resource") per_resource = std::atof(argv[i + 1]);
  }
  const long per_session = presences / sessions;
  const TimeMs start = 1'800'000'000'000;
  const TimeMs step = 6;  // ms between presences: 10M presences span ~17 hours
  const long rss0 = rssBytes();
  PresenceTracker tracker;
  size_t peak = 0;
  TimeMs next_prune = start + 60'000;
  char bare[64], res[64];
  const auto t0 = std::chrono::steady_clock::now();
  for (long i = 0; i < presences; ++i) {
    const long session = i / per_session;
    const long k = i % per_session;
    const TimeMs now = start + i * step;
    const unsigned long mixed = static_cast<unsigned long>(session) * 2654435761UL;
    std::snprintf(bare, sizeof bare, "user%07ld@chat.example.com",
                  static_cast<long>(mixed % users));
    std::snprintf(res, sizeof res, "Conversations.%08lx", mixed & 0xffffffffUL);
    Show show = k % 2 ? Show::Away : Show::Available;
    if (k == per_session - 1) {
      if (session % 2) continue;  // vanished without a word
      show = Show::Unavailable;
    }
    tracker.onPresence(bare, res, show, now, std::nullopt, std::nullopt, "");
    if (now >= next_prune) {
      tracker.prune(now - 10 * 60'000);
      next_prune = now + 60'000;
      peak = std::max(peak, tracker.resourceCount());
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double rss_mb = static_cast<double>(rssBytes() - rss0) / 1e6;
  const double cap_mb = static_cast<double>(users) *
                        static_cast<double>(PresenceTracker::kDefaultMaxResourcesPerUser) *
                        per_resource / 1e6;
  std::printf(
      "presences=%ld sessions=%ld users=%ld held=%zu peak_held=%zu evicted=%llu rss_mb=%.1f "
      "cap_mb=%.1f rss_to_cap=%.3f seconds=%.1f\n",
      presences, sessions, users, tracker.resourceCount(), peak,
      static_cast<unsigned long long>(tracker.evictedCount()), rss_mb, cap_mb, rss_mb / cap_mb,
      seconds);
  return rss_mb <= cap_mb ? 0 : 1;
}
