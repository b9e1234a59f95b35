// SPDX-License-Identifier: Apache-2.0
// vapush's sender in the dispatch benchmark: N APNs alert pushes through push/'s
// HttpPushSender (libcurl multi, HTTP/2, ES256 JWT) to a local sink, handed over the way
// the scheduler does (chunks of Scheduler::kMaxPushesPerDispatch), or with a bounded window.
//
//   bench_push_dispatch --port P --ca cert.pem --key AuthKey.p8 [--n 200000] [--window 0]
//       [--streams 1000] [--timeout 300]
// Prints n, delivered, failed, seconds, rate, cpu_s (this process: the engine's threads).
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

#include "plugin/clock.h"
#include "plugin/config.h"
#include "plugin/daemon_scheduler.h"
#include "push/http_sender.h"

namespace {

using namespace vapush;

double cpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

PushRequest makePush(long i) {
  char id[33];
  std::snprintf(id, sizeof id, "%032lx", i);
  char token[65];
  std::snprintf(token, sizeof token, "%064lx", i);
  PushRequest p;
  p.id = id;
  p.device = i + 1;
  char user[40];
  std::snprintf(user, sizeof user, "u%ld@localhost", i % 100000);
  p.user = user;
  p.app = "ios";
  p.platform = Platform::Apns;
  p.token = token;
  p.conversation = "va@localhost";
  p.category = Category::VirtualAgent;
  p.title = "Virtual Agent";
  p.body = "Hello, this is a benchmark notification body";
  p.badge = 3;
  p.unread = 1;
  p.batch = 1;
  return p;
}

}  // namespace

int main(int argc, char** argv) {
  long n = 200000, window = 0;
  int port = 0, streams = 1000;
  double timeout_s = 300;
  std::string ca, key;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const char* v = argv[i + 1];
    if (k == "--n")
      n = std::atol(v);
    else if (k == "--window")
      window = std::atol(v);
    else if (k == "--port")
      port = std::atoi(v);
    else if (k == "--streams")
      streams = std::atoi(v);
    else if (k == "--timeout")
      timeout_s = std::atof(v);
    else if (k == "--ca")
      ca = v;
    else if (k == "--key")
      key = v;
  }
  Config config;
  AppConfig app;
  app.name = "ios";
  app.platform = Platform::Apns;
  app.endpoint = "https://127.0.0.1:" + std::to_string(port);
  app.ca_file = ca;
  app.topic = "com.example.chat";
  app.team_id = "TEAM123456";
  app.key_id = "KEY1234567";
  app.key_file = key;
  app.max_concurrent_streams = streams;
  app.request_timeout_ms = static_cast<int64_t>(timeout_s * 1000) + 10'000;  // run limit first
  config.apps.push_back(app);

  std::mutex mutex;
  std::condition_variable cv;
  long done = 0, delivered = 0;
  std::string first_error;
  SystemClock clock;
  std::string error;
  auto sender = push::HttpPushSender::create(
      config, clock,
      [&](const DeliveryResult& r) {
        std::lock_guard<std::mutex> lock(mutex);
        ++done;
        if (r.outcome == DeliveryResult::Outcome::Delivered) {
          ++delivered;
        } else if (first_error.empty()) {
          first_error = std::string(toString(r.outcome)) + " " + r.reason;
        }
        cv.notify_all();
      },
      error);
  if (!sender) {
    std::fprintf(stderr, "push_dispatch: %s\n", error.c_str());
    return 1;
  }
  // Warm-up: one push opens the connection and signs the JWT, outside the measurement.
  sender->submit({makePush(n)});
  {
    std::unique_lock<std::mutex> lock(mutex);
    cv.wait_for(lock, std::chrono::seconds(10), [&] { return done == 1; });
    if (done != 1 || delivered != 1) {
      std::fprintf(stderr, "push_dispatch: warm-up push failed: %s\n", first_error.c_str());
      return 1;
    }
    done = delivered = 0;
  }
  const double cpu0 = cpuSeconds();
  const auto t0 = std::chrono::steady_clock::now();
  const auto deadline = t0 + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                 std::chrono::duration<double>(timeout_s));
  long next = 0;
  const long chunk = static_cast<long>(Scheduler::kMaxPushesPerDispatch);
  std::unique_lock<std::mutex> lock(mutex);
  while (done < n && std::chrono::steady_clock::now() < deadline) {
    const long limit = window > 0 ? done + window : n;
    if (next < n && next < limit) {
      std::vector<PushRequest> batch;
      for (; next < n && next < limit && static_cast<long>(batch.size()) < chunk; ++next) {
        batch.push_back(makePush(next));
      }
      lock.unlock();
      sender->submit(std::move(batch));
      lock.lock();
      continue;
    }
    cv.wait_for(lock, std::chrono::milliseconds(100));
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const long finished = done, ok = delivered;
  lock.unlock();
  const double cpu = cpuSeconds() - cpu0;
  // rate = delivered within the time limit / elapsed, also when the run was cut off.
  std::printf(
      "n=%ld delivered=%ld failed=%ld unanswered=%ld seconds=%.3f rate=%.0f cpu_s=%.3f "
      "window=%ld\n",
      n, ok, finished - ok, n - finished, secs, static_cast<double>(ok) / secs, cpu, window);
  std::fflush(stdout);
  if (!first_error.empty()) std::fprintf(stderr, "push_dispatch: %s\n", first_error.c_str());
  if (finished < n) std::_Exit(3);  // abandon in-flight transfers: no orderly curl teardown
  sender.reset();
  return ok == n ? 0 : 1;
}
