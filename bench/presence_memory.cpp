// SPDX-License-Identifier: Apache-2.0
// Memory per tracked resource: plugin/PresenceTracker holding R resources (2 per user,
// realistic JID lengths), vs a reference flat unordered_map<full JID, ResourceState> of the
// same resources, each measured as RSS delta (/proc/self/status) and mallinfo2 delta.
//
//   bench_presence_memory [--resources 1000000]
#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <unordered_map>

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

size_t heapBytes() { return mallinfo2().uordblks; }

// user0000042@chat.example.com / Conversations.a1b2c3d4 (lengths as real clients use).
void jids(long i, char* bare, size_t bn, char* res, size_t rn) {
  std::snprintf(bare, bn, "user%07ld@chat.example.com", i / 2);
  std::snprintf(res, rn, "Conversations.%08lx", static_cast<unsigned long>(i * 2654435761UL));
}

struct Measure {
  long rss0 = rssBytes();
  size_t heap0 = heapBytes();
  double rss(long n) const { return static_cast<double>(rssBytes() - rss0) / n; }
  double heap(long n) const { return static_cast<double>(heapBytes() - heap0) / n; }
};

}  // namespace

int main(int argc, char** argv) {
  long n = 1000000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--resources") n = std::atol(argv[i + 1]);
  }
  char bare[64], res[64];
  const TimeMs now = 1'800'000'000'000;
  double tracker_rss = 0, tracker_heap = 0, ref_rss = 0, ref_heap = 0, insert_s = 0;
  size_t count = 0;
  {
    Measure m;
    auto tracker = std::make_unique<PresenceTracker>();
    const auto t0 = std::chrono::steady_clock::now();
    for (long i = 0; i < n; ++i) {
      jids(i, bare, sizeof bare, res, sizeof res);
      tracker->onPresence(bare, res, i % 3 ? Show::Available : Show::Away, now + i, std::nullopt,
                          std::nullopt, "");
    }
    insert_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    tracker_rss = m.rss(n);
    tracker_heap = m.heap(n);
    count = tracker->resourceCount();
  }
  malloc_trim(0);
  {
    Measure m;
    std::unordered_map<std::string, ResourceState> flat;
    for (long i = 0; i < n; ++i) {
      jids(i, bare, sizeof bare, res, sizeof res);
      std::string full(bare);
      full += '/';
      full += res;
      ResourceState s;
      s.show = i % 3 ? Show::Available : Show::Away;
      s.since = now + i;
      flat.emplace(std::move(full), s);
    }
    ref_rss = m.rss(n);
    ref_heap = m.heap(n);
  }
  std::printf(
      "resources=%ld tracked=%zu tracker_rss_per=%.1f tracker_heap_per=%.1f ref_rss_per=%.1f "
      "ref_heap_per=%.1f insert_s=%.3f state_bytes=%zu\n",
      n, count, tracker_rss, tracker_heap, ref_rss, ref_heap, insert_s, sizeof(ResourceState));
  return count == static_cast<size_t>(n) ? 0 : 1;
}
